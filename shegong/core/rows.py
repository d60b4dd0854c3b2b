"""What every import's rows share: the action a row comes to, its outcome, and how typed
text becomes a choice or a date. Each kind's importer (``people.bulk``,
``community.bulk``, ``workforce.bulk``) checks its rows with these and its own service's
rules; ``imports.services`` runs them."""

import datetime
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import override

from .bulk import StaleStage

# a row whose first column begins so is the template's example, not a record
EXAMPLE = "示例"


class Action:
    NEW = "new"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    SKIPPED = "skipped"
    INVALID = "invalid"


ACTIONS = (Action.NEW, Action.UPDATED, Action.UNCHANGED, Action.SKIPPED, Action.INVALID)


@dataclass
class Outcome:
    """What one row comes to: its action, and (for an invalid row) a message per column."""

    line: int
    action: str
    errors: dict[str, str] = field(default_factory=dict)
    person: object = None  # the record found or built (a person, a volunteer, an account)
    categories: list = field(default_factory=list)
    changed: tuple[str, ...] = ()
    detail: dict = field(default_factory=dict)  # a disability category's type and grade
    have: list[int] = field(default_factory=list)  # a registered person's categories
    # the row's household: ("head",) starts one; ("member", head's ID hash, relation,
    # the head's registered household or None when the head is an earlier line)
    household: tuple = ()


def choices(options, *extra: tuple[str, str]) -> dict[str, str]:
    """A choice field's values by what people type: the code, the Chinese and the English
    label."""
    found = {str(v).lower(): v for v, _label in options}
    for lang in ("zh-hans", "en"):
        with override(lang):
            found.update({str(label).lower(): v for v, label in options})
    found.update({k: v for k, v in extra})
    return found


def parse_date(text: str) -> datetime.date:
    """2024-03-05, 2024/3/5, 2024.3.5, 20240305 or 2024年3月5日."""
    digits = re.findall(r"\d+", text)
    if len(digits) == 1 and len(digits[0]) == 8:
        digits = [digits[0][:4], digits[0][4:6], digits[0][6:]]
    if len(digits) >= 3:
        try:
            return datetime.date(int(digits[0]), int(digits[1]), int(digits[2]))
        except ValueError:
            pass
    raise ValidationError(_("Not a date: %(text)s (write it as 2024-03-05).") % {"text": text[:20]})


class ServiceRows:
    """An importer whose rows go one by one through a form's own service (a volunteer, an
    account): small rosters, where the service's few queries a row cost little and keep one
    set of rules. A subclass gives ``model`` (the record, ``Versioned``), ``example`` (the
    column whose text begins with ``EXAMPLE`` on the template's example row), ``_row(line,
    values)`` (an ``Outcome``; for a new or updated row, ``detail`` holds the input to save
    as JSON and ``person`` the record found) and ``_save(stored, instance, trial)`` (the
    service on that input, raising ``StaleStage`` from the service's refusal).

    The check tries the service on every row inside a savepoint it rolls back; the commit
    saves each row again through the service, and an update first claims the record's
    next version (at the version the check read, for what the check kept): a record saved
    by someone else since makes the commit check every row again."""

    model = None
    example = "name"

    def check(self, rows: list[tuple[int, dict[str, str]]]) -> list[Outcome]:
        """The outcome of each row: the service tried on each, and everything undone."""
        outcomes = []
        with transaction.atomic():
            for line, values in rows:
                if not values.get(self.example, "").startswith(EXAMPLE):
                    outcomes.append(self._row(line, values))
            transaction.set_rollback(True)
        return outcomes

    def write(self, outcomes: list[Outcome]) -> None:
        """Write a checked batch (inside the commit's transaction)."""
        for o in outcomes:
            if o.action in (Action.NEW, Action.UPDATED):
                self._put(o.detail, o.person.pk if o.person else None, None)

    def _put(self, stored: dict, pk: int | None, version: int | None, trial: bool = False):
        """Claim an update's next version (at ``version`` when given), then save."""
        instance = None
        if pk is not None:
            rows = self.model.objects.filter(pk=pk)
            if version is not None:
                rows = rows.filter(version=version)
            if not rows.update(version=F("version") + 1):
                raise StaleStage
            instance = self.model.objects.get(pk=pk)
        self._save(stored, instance, trial)

    def stage(self, outcome: Outcome) -> dict | None:
        """A checked row as JSON: its action, the record's id and version as read, and the
        input to save. None for an invalid row."""
        if outcome.action == Action.INVALID:
            return None
        found = outcome.person
        record = {"a": outcome.action, "pk": found and found.pk, "v": found and found.version}
        if outcome.action in (Action.NEW, Action.UPDATED):
            record["in"] = outcome.detail
        return record

    def write_staged(self, staged: list[dict]) -> None:
        """Write a batch of ``stage``'s records; ``StaleStage`` when a record changed since
        the check, or a row no longer passes the rules."""
        known = {r["pk"]: r["v"] for r in staged if r["pk"]}
        versions = dict(self.model.objects.filter(pk__in=known).values_list("pk", "version"))
        if versions != known:
            raise StaleStage
        for r in staged:
            if "in" in r:
                self._put(r["in"], r["pk"], r["v"])
