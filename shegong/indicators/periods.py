"""Periods: a month ``2025-03``, a quarter ``2025Q1`` or a year ``2025``."""

import calendar
import datetime
import functools
import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")


@dataclass(frozen=True)
class Period:
    key: str
    kind: str  # month | quarter | year
    start: datetime.date
    end: datetime.date  # inclusive

    @property
    def year(self) -> int:
        return self.start.year

    @property
    def label(self) -> str:
        if self.kind == "year":
            return _("%(year)s") % {"year": self.start.year}
        if self.kind == "quarter":
            return _("%(year)s Q%(q)s") % {"year": self.start.year, "q": self.key[-1]}
        return _("%(year)s-%(month)02d") % {"year": self.start.year, "month": self.start.month}

    @property
    def months(self) -> list["Period"]:
        first = self.start.month
        count = {"month": 1, "quarter": 3, "year": 12}[self.kind]
        return [parse(f"{self.start.year}-{m:02d}") for m in range(first, first + count)]

    def previous(self, steps: int = 1) -> "Period":
        if self.kind == "year":
            return parse(str(self.start.year - steps))
        if self.kind == "quarter":
            index = self.start.year * 4 + (self.start.month - 1) // 3 - steps
            return parse(f"{index // 4}Q{index % 4 + 1}")
        index = self.start.year * 12 + self.start.month - 1 - steps
        return parse(f"{index // 12}-{index % 12 + 1:02d}")


def parse(key: str) -> Period:
    """A period from its key; ``ValueError`` with a message for the user otherwise."""
    key = (key or "").strip()
    if m := _MONTH.match(key):
        year, month = int(m[1]), int(m[2])
        if 1 <= month <= 12 and 2000 <= year <= 2100:
            last = calendar.monthrange(year, month)[1]
            return Period(
                key, "month", datetime.date(year, month, 1), datetime.date(year, month, last)
            )
    elif m := _QUARTER.match(key):
        year, q = int(m[1]), int(m[2])
        if 2000 <= year <= 2100:
            start = datetime.date(year, 3 * q - 2, 1)
            end_month = 3 * q
            end = datetime.date(year, end_month, calendar.monthrange(year, end_month)[1])
            return Period(key, "quarter", start, end)
    elif m := _YEAR.match(key):
        year = int(m[1])
        if 2000 <= year <= 2100:
            return Period(key, "year", datetime.date(year, 1, 1), datetime.date(year, 12, 31))
    raise ValueError(_("“%(key)s” is not a period: use 2025, 2025Q1 or 2025-03.") % {"key": key})


@functools.lru_cache(maxsize=4096)
def keys_for(date: datetime.date) -> tuple[str, str, str]:
    """The month, quarter and year a date falls in."""
    return (
        f"{date.year}-{date.month:02d}",
        f"{date.year}Q{(date.month - 1) // 3 + 1}",
        str(date.year),
    )


def current(kind: str = "month", today: datetime.date | None = None) -> Period:

    today = today or timezone.localdate()
    month, quarter, year = keys_for(today)
    return parse({"month": month, "quarter": quarter, "year": year}[kind])
