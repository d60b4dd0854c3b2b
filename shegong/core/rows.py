"""What every import's rows share: the action a row comes to, its outcome, and how typed
text becomes a choice or a date. Each kind's importer (``people.bulk``,
``community.bulk``, ``workforce.bulk``) checks its rows with these and its own service's
rules; ``imports.services`` runs them."""

import datetime
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import override

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
