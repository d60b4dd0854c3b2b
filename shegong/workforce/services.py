"""Writes of the workforce: a worker's profile, and training and supervision received.

Each takes the acting user and a typed input, checks every rule itself (see
``core.validation``) and writes the row, its links, its facts and one audit entry in one
transaction.
"""

import datetime
from dataclasses import asdict, dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from shegong.accounts.models import User
from shegong.accounts.roles import STATION_ROLES, Role
from shegong.audit.describe import snapshot
from shegong.audit.services import audit_log, audit_saved
from shegong.core.divisions import in_subtree
from shegong.core.restrict import can, may_add
from shegong.core.validation import all_of, full_clean, one_of
from shegong.indicators import engine
from shegong.indicators.corrections import VoidInput, refuse_correction, void
from shegong.indicators.selectors import day_hours_exceeded, refuse_locked_month
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
    on_public_board: bool = False
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
    profile_rules(profile=instance, data=data, errors=errors)
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


def profile_rules(*, profile: SocialWorkerProfile, data: ProfileInput, errors: dict) -> None:
    """Set ``profile``'s columns from ``data`` and raise ValidationError (with ``errors``
    gathered before) where the model's rules break (choices, dates, a qualification
    without its number and date). Every way a profile is written goes through these: the
    form (``worker_profile_record``) and a staff roster's import (``workforce.bulk``)."""
    for name in PROFILE_COLUMNS:
        setattr(profile, name, getattr(data, name))
    full_clean(profile, errors, exclude=("user",))


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
    *,
    by: User,
    data: TrainingInput,
    instance: TrainingRecord | None = None,
    request: HttpRequest | None = None,
) -> TrainingRecord:
    """Record training or supervision received at ``by``'s station, or correct a record
    (``instance``).

    The caller may rely on: station staff record it, a lead for anyone active at the
    station, a worker for themselves only; the model's rules (kind, organiser, date, hours
    0.25–24); not in a month of the station the county has accepted (locked). A correction
    is by whoever recorded it or the station lead, of a record not voided, with its old and
    new month open (``indicators.corrections``). The record is placed where the worker is
    scoped; its facts and audit entry ("old → new" for a correction) are written with it.
    """
    errors: dict[str, str] = {}
    before = None
    if instance is None:
        if not may_add(by, TrainingRecord) or not by.station_id:
            raise PermissionDenied(_("Only station staff record training received."))
    else:
        station_id, author_id = instance.correction_keys()
        refuse_correction(
            by=by,
            station_id=station_id,
            author_id=author_id,
            days=(instance.date, data.date),
            errors=errors,
        )
        if instance.voided_at is not None:
            errors["__all__"] = _("A voided record cannot be corrected.")
        before = snapshot(instance, TRAINING_AUDIT)
    staff = User.objects.filter(station_id=by.station_id, role__in=STATION_ROLES, is_active=True)
    if by.role != Role.STATION_LEAD:
        staff = staff.filter(pk=by.pk)
    worker = one_of(staff, data.worker, "worker", errors)
    refuse_locked_month(station_id=by.station_id, day=data.date, errors=errors)
    if worker is not None and (
        reason := day_hours_exceeded(
            workers=[worker],
            date=data.date,
            hours=data.hours,
            excluding=("training", instance.pk if instance else None),
        )
    ):
        errors["hours"] = reason
    record = instance or TrainingRecord(created_by=by)
    record.worker = worker
    record.region_code = worker.scope_region_id if worker else ""
    for name, value in asdict(data).items():
        if name != "worker":
            setattr(record, name, value)
    full_clean(record, errors, exclude=("worker",) if worker is None else ())
    record.save()
    engine.sync(record)
    audit_saved(
        entity="training",
        obj=record,
        by=by,
        request=request,
        before=before,
        fields=TRAINING_AUDIT,
    )
    return record


def training_void(
    *, by: User, instance: TrainingRecord, data: VoidInput, request: HttpRequest | None = None
) -> TrainingRecord:
    """Void a training or supervision record (``indicators.corrections.void``: whoever
    recorded it or the station lead, its month open, a reason; the row stays, marked, and
    its hours leave the figures)."""
    return void(by=by, record=instance, data=data, entity="training", request=request)


def ensure_worker_profile(*, user: User, **kwargs) -> None:
    """A station worker always has a ``SocialWorkerProfile`` (on ``accounts.user_saved``)."""
    if user.role in STATION_ROLES:
        SocialWorkerProfile.objects.get_or_create(user=user)


# ----- online registration (专业人才在线登记) ------------------------------------------------


@dataclass(frozen=True)
class RegistrationInput:
    """What a worker keeps on their own profile; ``scan``: (upload, checked kind) or None."""

    education: str = ""
    major: str = ""
    social_work_major: bool = False
    qualification: str = "none"
    certificate_no: str = ""
    certificate_date: datetime.date | None = None
    scan: tuple | None = None


REGISTRATION_AUDIT = (
    "education",
    "major",
    "social_work_major",
    "qualification",
    "certificate_no",
    "certificate_date",
    "certificate_status",
)


@transaction.atomic
def registration_record(
    *, by: User, data: RegistrationInput, request: HttpRequest | None = None
) -> SocialWorkerProfile:
    """A worker keeps their own registration: education and qualification, the
    certificate's number (format checked) and a scan of it.

    The caller may rely on: only station staff, for their own profile; the model's rules
    (a qualification needs its number and date); a qualification claimed or its number or
    scan changed goes to the county for review (status "awaiting review"), and a scan is
    required for that; nothing else about the profile (villages, hire date) changes.
    """
    if by.role not in STATION_ROLES:
        raise PermissionDenied(_("Only station staff register as professionals."))
    profile, _created = SocialWorkerProfile.objects.select_for_update().get_or_create(user=by)
    before = snapshot(profile, REGISTRATION_AUDIT)
    errors: dict[str, str] = {}
    changed_certificate = (
        data.certificate_no.strip().upper() != profile.certificate_no
        or data.qualification != profile.qualification
        or data.scan is not None
    )
    profile.education, profile.major = data.education, data.major
    profile.social_work_major = data.social_work_major
    profile.qualification = data.qualification
    profile.certificate_no = data.certificate_no.strip().upper()
    profile.certificate_date = data.certificate_date
    if data.scan is not None:
        profile.certificate_scan, profile.certificate_scan_kind = data.scan
    if data.qualification != "none" and changed_certificate:
        if not profile.certificate_scan and data.scan is None:
            errors["scan"] = _("Attach a scan of the certificate for the county to review.")
        profile.certificate_status = "submitted"
        profile.certificate_note = ""
    elif data.qualification == "none":
        profile.certificate_status = ""
    full_clean(profile, errors)
    profile.version += 1
    profile.save()
    audit_saved(
        entity="registration",
        obj=profile,
        by=by,
        request=request,
        before=before,
        fields=REGISTRATION_AUDIT,
    )
    return profile


@transaction.atomic
def certificate_review(
    *,
    by: User,
    profile: SocialWorkerProfile,
    verify: bool,
    note: str = "",
    request: HttpRequest | None = None,
) -> SocialWorkerProfile:
    """Verify a worker's certificate against its scan, or return it with a note.

    The caller may rely on: only a county officer of the worker's county; only a
    certificate awaiting review; a return says why.
    """
    if by.role != Role.COUNTY_OFFICER or not can(by, profile, "change"):
        raise PermissionDenied(_("Only the county's civil-affairs officer reviews certificates."))
    profile = SocialWorkerProfile.objects.select_for_update().get(pk=profile.pk)
    if profile.certificate_status != "submitted":
        raise ValidationError({"__all__": _("This certificate is not awaiting review.")})
    note = (note or "").strip()
    if not verify and not note:
        raise ValidationError({"note": _("Say why the certificate is returned.")})
    profile.certificate_status = "verified" if verify else "returned"
    profile.certificate_note = note[:300]
    profile.certificate_reviewed_by, profile.certificate_reviewed_at = by, timezone.now()
    profile.save(
        update_fields=[
            "certificate_status",
            "certificate_note",
            "certificate_reviewed_by",
            "certificate_reviewed_at",
        ]
    )
    audit_log(
        action="shegong.certificate.verified" if verify else "shegong.certificate.returned",
        actor=by,
        request=request,
        obj=profile,
        data={"worker": profile.user.display_name, **({"note": note} if note else {})},
    )
    return profile
