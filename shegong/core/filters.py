"""Reading filters from a query string: one parser for every list page and API list.

A filter value that does not parse filters nothing (the list shows unfiltered, as a user
who mistyped would expect), and never raises: ``?region=²``, ``?agency=1.5`` or
``?since=2024-02-30`` must not reach the database as something it cannot compare.
"""

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.utils.dateparse import parse_date

from shegong.core.divisions import parse_region_code

from .validators import normalize_digits, parse_small_int

MAX_TEXT = 100
# Dates a filter can mean: before the first station or far in the future is a typo.
MIN_DATE = datetime.date(1900, 1, 1)
MAX_DATE = datetime.date(2100, 12, 31)


@dataclass
class Filter:
    """One filter of a list: ``kind`` is text, date, select, region (a division code
    or its prefix) or id (a positive integer)."""

    name: str
    label: object = ""
    kind: str = "text"
    choices: list = field(default_factory=list)

    def parse(self, raw: object):
        """The cleaned value, or None when ``raw`` is empty or not a value of this kind."""
        text = str(raw if raw is not None else "").strip()
        if not text:
            return None
        if self.kind == "date":
            return parse_filter_date(text)
        if self.kind == "select":
            allowed = {str(v) for v, _label in self.choices}
            return text if text in allowed else None
        if self.kind == "region":
            return parse_region_code(text)
        if self.kind == "id":
            number = parse_small_int(text, low=1)
            return str(number) if number is not None else None
        return text[:MAX_TEXT]


def parse_filter_date(text: str) -> str | None:
    try:
        day = parse_date(normalize_digits(text))
    except ValueError:  # well formed but no such day (2024-02-30)
        return None
    if day is None or not MIN_DATE <= day <= MAX_DATE:
        return None
    return day.isoformat()


def read_filters(source, filters: list[Filter]) -> dict:
    """The filters present and valid in ``source`` (a request, its GET, or a dict)."""
    data: Mapping = getattr(source, "GET", source)
    values = {}
    for f in filters:
        value = f.parse(data.get(f.name, ""))
        if value is not None:
            values[f.name] = value
    return values
