"""Corrections and voids (作废) of records that count: one mechanism for every app above.

A record of station work (a visit, an activity, a group session, administrative time,
training received) may be corrected by whoever recorded it and by the lead of its station,
while the months it touches are open (not accepted by the county: ``MonthApproval``). It
is never deleted: it is voided, with a reason; its facts leave the figures; the row stays,
marked, for those who may see it; both are audited.

The services of each app ask ``refuse_correction`` before an edit, and call ``void`` for a
void: the rules are said once, here. A record taking part says whose it is with
``correction_keys() -> (station id, author id)`` and has a ``date``.
"""

import datetime
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from shegong.accounts import policy
from shegong.audit.services import audit_log

from . import engine
from .selectors import month_locked, refuse_locked_month

MAX_REASON = 200


@dataclass(frozen=True)
class VoidInput:
    """Why a record is voided (required, at most 200 characters), and the version the
    caller read it at (None: not checked; the pages and the API send it)."""

    reason: str
    version: int | None = None


def refuse_correction(
    *,
    by: AbstractBaseUser,
    station_id: int | None,
    author_id: int | None,
    days: tuple[datetime.date | None, ...],
    errors: dict,
) -> None:
    """PermissionDenied unless ``by`` may correct a record of ``station_id`` written by
    ``author_id`` (``policy.may_correct``); the lock's refusal in ``errors`` for each of
    ``days`` (the record's date as saved, and as corrected) that falls in an accepted month."""
    if not policy.may_correct(by, station_id=station_id, author_id=author_id):
        raise PermissionDenied(
            _("Only whoever recorded it, or the station lead, may correct or void a record.")
        )
    for day in dict.fromkeys(days):
        refuse_locked_month(station_id=station_id, day=day, errors=errors)


@transaction.atomic
def void(
    *,
    by: AbstractBaseUser,
    record: models.Model,
    data: VoidInput,
    entity: str,
    request: HttpRequest | None = None,
) -> models.Model:
    """Void ``record`` (a ``core.models.Voidable``): the row is locked and read again, the
    rules checked (who, the month open, a reason, the version when given, not already
    void), then marked void, its facts removed and ``shegong.<entity>.voided`` audited,
    all in one transaction. Returns the row as saved."""
    errors: dict[str, str] = {}
    station_id, author_id = record.correction_keys()
    day = record.date
    refuse_correction(by=by, station_id=station_id, author_id=author_id, days=(day,), errors=errors)
    row = type(record)._base_manager.select_for_update().get(pk=record.pk)
    reason = (data.reason or "").strip()
    if row.voided_at is not None:
        errors["__all__"] = _("This record was already voided.")
    if not reason:
        errors["reason"] = _("Say why the record is voided.")
    elif len(reason) > MAX_REASON:
        errors["reason"] = _("At most %(n)s characters.") % {"n": MAX_REASON}
    if data.version is not None and data.version != row.version:
        errors["version"] = _(
            "Someone changed this record since you opened it (now version %(v)s): "
            "read it again before voiding it."
        ) % {"v": row.version}
    if errors:
        raise ValidationError(errors)
    row.voided_at = timezone.now()
    row.voided_by = by
    row.void_reason = reason
    row.version += 1
    row.save(update_fields=["voided_at", "voided_by", "void_reason", "version"])
    engine.sync(row)
    audit_log(
        action=f"shegong.{entity}.voided",
        actor=by,
        request=request,
        obj=row,
        data={"record": str(row), "date": f"{day:%Y-%m-%d}", "reason": reason},
    )
    return row


@dataclass(frozen=True)
class Correction:
    """What ``user`` may do to a record now, and why not: for its page's buttons."""

    may_edit: bool
    may_void: bool
    locked: bool
    voided: bool


def correction_state(*, user: AbstractBaseUser, record: models.Model) -> Correction:
    """Whether ``user`` may correct or void ``record`` now (author or station lead, not
    voided, its month open): one query for the month's lock."""
    station_id, author_id = record.correction_keys()
    voided = record.voided_at is not None
    if not policy.may_correct(user, station_id=station_id, author_id=author_id):
        return Correction(False, False, False, voided)
    locked = month_locked(station_id=station_id, day=record.date)
    ok = not locked and not voided
    return Correction(ok, ok, locked, voided)
