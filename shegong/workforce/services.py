"""Writes of the workforce: a worker's profile, and training and supervision received.

Each takes the acting user and a typed input, checks every rule itself (see
``core.validation``) and writes the row, its links, its facts and one audit entry in one
transaction.
"""

import datetime
from dataclasses import asdict, dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from shegong.accounts.models import User
from shegong.accounts.roles import STATION_ROLES, Role
from shegong.audit.describe import snapshot
from shegong.audit.services import audit_saved
from shegong.core.divisions import in_subtree
from shegong.core.restrict import can, may_add
from shegong.core.validation import all_of, full_clean, one_of
from shegong.indicators import engine
from shegong.indicators.selectors import day_hours_exceeded
from shegong.regions.models import Level, Region

from .models import SocialWorkerProfile, TrainingRecord


@dataclass(frozen=True)
class ProfileInput:
    """A worker's education, qualification, hire date and designated villages (codes)."""

    education: str = ""
    major: str = ""
    social_work_major: bool = False
    qualification: str = "none"
    certificate_no: str = ""
    certificate_date: datetime.date | None = None
    hire_date: datetime.date | None = None
    birth_date: datetime.date | None = None
    designated_villages: tuple[str, ...] = ()


PROFILE_COLUMNS = tuple(f for f in ProfileInput.__dataclass_fields__ if f != "designated_villages")
PROFILE_AUDIT = (*PROFILE_COLUMNS, "designated_villages")
TRAINING_AUDIT = ("worker", "kind", "date", "hours", "organiser", "topic", "supervisor")


@transaction.atomic
def worker_profile_record(
    *,
    by: User,
    data: ProfileInput,
    instance: SocialWorkerProfile,
    request: HttpRequest | None = None,
) -> SocialWorkerProfile:
    """Change a worker's profile (``by`` must be allowed to change it).

    The caller may rely on: designated villages (定点联系) are villages under the worker's
    own station; the model's rules (choices, dates) hold. The audit entry names the user.
    """
    if not can(by, instance, "change"):
        raise PermissionDenied(_("You may not change this worker's profile."))
    errors: dict[str, str] = {}
    station = instance.user.station
    villages = Region.objects.none()
    if station is not None:
        villages = Region.objects.filter(in_subtree("code", station.region_id), level=Level.VILLAGE)
    chosen = all_of(villages, data.designated_villages, "designated_villages", errors)
    before = snapshot(instance, PROFILE_AUDIT)
    for name in PROFILE_COLUMNS:
        setattr(instance, name, getattr(data, name))
    full_clean(instance, errors, exclude=("user",))
    instance.save()
    instance.designated_villages.set(chosen)
    audit_saved(
        entity="worker_profile",
        obj=instance,
        by=by,
        request=request,
        before=before,
        fields=PROFILE_AUDIT,
    )
    return instance


@dataclass(frozen=True)
class TrainingInput:
    """Training or supervision a worker received (the worker by id)."""

    worker: int
    kind: str
    date: datetime.date
    hours: Decimal
    organiser: str
    topic: str
    supervisor: str = ""


@transaction.atomic
def training_record(
    *, by: User, data: TrainingInput, request: HttpRequest | None = None
) -> TrainingRecord:
    """Record training or supervision received at ``by``'s station.

    The caller may rely on: station staff record it, a lead for anyone active at the
    station, a worker for themselves only; the model's rules (kind, organiser, date, hours
    0.25–24). The record is placed where the worker is scoped; its facts and audit entry
    are written with it.
    """
    if not may_add(by, TrainingRecord) or not by.station_id:
        raise PermissionDenied(_("Only station staff record training received."))
    errors: dict[str, str] = {}
    staff = User.objects.filter(station_id=by.station_id, role__in=STATION_ROLES, is_active=True)
    if by.role != Role.STATION_LEAD:
        staff = staff.filter(pk=by.pk)
    worker = one_of(staff, data.worker, "worker", errors)
    if worker is not None and (
        reason := day_hours_exceeded(workers=[worker], date=data.date, hours=data.hours)
    ):
        errors["hours"] = reason
    record = TrainingRecord(
        created_by=by,
        worker=worker,
        region_code=worker.scope_region_id if worker else "",
        **{k: v for k, v in asdict(data).items() if k != "worker"},
    )
    full_clean(record, errors, exclude=("worker",) if worker is None else ())
    record.save()
    engine.sync(record)
    audit_saved(entity="training", obj=record, by=by, request=request, fields=TRAINING_AUDIT)
    return record


def ensure_worker_profile(*, user: User, **kwargs) -> None:
    """A station worker always has a ``SocialWorkerProfile`` (on ``accounts.user_saved``)."""
    if user.role in STATION_ROLES:
        SocialWorkerProfile.objects.get_or_create(user=user)
