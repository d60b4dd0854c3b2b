"""Writes of station work other than cases: home visits, activities, administrative time,
groups and their sessions, and the rules they share."""

import datetime
from collections import Counter
from dataclasses import asdict, dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from shegong.accounts import policy
from shegong.accounts.models import User
from shegong.accounts.roles import STATION_ROLES
from shegong.audit.describe import snapshot
from shegong.audit.services import audit_log, audit_saved
from shegong.core.related import set_related
from shegong.core.restrict import RestrictedQuerySet, can
from shegong.core.validation import full_clean, one_of
from shegong.indicators import engine
from shegong.indicators.compute import rule_set_for
from shegong.indicators.corrections import VoidInput, refuse_correction, void
from shegong.indicators.selectors import day_hours_exceeded, hours_on_day, refuse_locked_month
from shegong.people.models import Household, Recipient
from shegong.regions.models import Level
from shegong.regions.selectors import place_in_scope

from ..models import (
    DOMAIN_OF_GROUP,
    TYPE_OF_DOMAIN,
    Activity,
    AdminWork,
    Domain,
    Group,
    GroupSession,
    HomeVisit,
    LongDay,
    Photo,
    offered_domains,
)

NEGATIVE_LIST_MESSAGE = _lazy(
    "Negative list (负面清单): station staff must not exercise administrative powers — "
    "licensing, confirmation, approval or payment (许可、确认、审批、给付). This work belongs to "
    "the civil-affairs office and cannot be recorded as station work."
)


# ----- services that take data --------------------------------------------------------
# A write takes the acting user and a typed input (a frozen dataclass): what a form, the
# API, an import row or a test has to say, with no form and no request inside. It checks
# every rule itself and raises ValidationError (field -> message, in Chinese) or
# PermissionDenied; nothing is written unless all rules hold. ``request`` is optional and
# only tells the audit entry where the write came from.


def changeable_people(*, by: User) -> RestrictedQuerySet:
    """The people ``by`` may name in a service record, with none of their encrypted fields
    read: a record names a person (their id, village and categories), so writing one never
    decrypts an ID number, phone, address or health note (``without_secrets``)."""
    return Recipient.objects.restrict(by, "change").without_secrets()


def _default_domain(people) -> str:
    """The service domain of a record about ``people`` when none was chosen: each person's
    first of children, elderly, assistance, disabled among their categories' groups
    (``DOMAIN_OF_GROUP``), the most frequent of those; community governance if none."""
    found: Counter = Counter()
    for person in people:
        if person is None:
            continue
        groups = {c.group for c in person.categories.all()}
        for group, domain in DOMAIN_OF_GROUP.items():
            if group in groups:
                found[domain] += 1
                break
    return str(found.most_common(1)[0][0]) if found else Domain.GOVERNANCE.value


def _service_kind(data, people, errors: dict) -> tuple[str, str]:
    """(domain, service type) of a service record: as typed, or taken from its people
    (``_default_domain``, ``TYPE_OF_DOMAIN``); a domain this deployment does not offer is
    refused at ``errors["domain"]``."""
    domain = data.domain or _default_domain(people)
    if data.domain and data.domain not in dict(offered_domains()):
        errors["domain"] = _("This service domain is not offered here.")
    return domain, data.service_type or TYPE_OF_DOMAIN.get(domain, "resources")


@dataclass(frozen=True)
class VisitInput:
    """A home visit as typed: ids of the person or household, the village code, workers."""

    date: datetime.date
    region: str
    workers: tuple[int, ...]
    hours: Decimal
    situation: str
    recipient: int | None = None
    household: int | None = None
    needs: str = ""
    follow_up: str = ""
    photos: tuple = ()  # (uploaded file, checked kind) pairs, from the page only
    long_day_reason: str = ""  # why the day runs past the ceiling, when it does
    domain: str = ""  # service domain; blank: from the person's categories
    service_type: str = ""  # blank: the domain's usual type


@transaction.atomic
def visit_record(
    *,
    by: User,
    data: VisitInput,
    instance: HomeVisit | None = None,
    request: HttpRequest | None = None,
) -> HomeVisit:
    """Record a home visit made by staff of ``by``'s station, or correct one (``instance``).

    The caller may rely on: the village is one of the station's; the person or the household
    (at least one) may be changed by ``by`` and lives in that village; every worker is
    active staff of the station; date, hours and texts pass the model's rules (no date in
    the future, 0.25–24 hours). A correction is by whoever recorded it or the station lead,
    of a record not voided, with both its old and new month open
    (``indicators.corrections``). The visit, its workers, photos, facts and audit entry are
    written together or not at all.
    """
    errors: dict[str, str] = {}
    before = _may_correct(by, HomeVisit, instance, data.date, VISIT_AUDIT, errors)
    region = place_in_scope(by=by, code=data.region, levels=(Level.VILLAGE,), errors=errors)
    person = one_of(changeable_people(by=by), data.recipient, "recipient", errors)
    household = one_of(
        Household.objects.restrict(by, "change").select_related("head").without_secrets(),
        data.household,
        "household",
        errors,
    )
    if data.recipient is None and data.household is None:
        errors.setdefault("__all__", _("Choose the person or the household visited."))
    if region is not None and person is not None and person.region_id != region.code:
        errors["recipient"] = _("This person lives in another village.")
    if region is not None and household is not None and household.region_id != region.code:
        errors["household"] = _("This household lives in another village.")
    workers = _station_workers(by, data.workers, errors)
    long_days = _day_hours(
        workers,
        data.date,
        data.hours,
        errors,
        by=by,
        reason=data.long_day_reason,
        excluding=("visit", instance.pk if instance else None),
    )
    head = household.head if household is not None and household.head_id else None
    domain, service_type = _service_kind(data, [person or head], errors)
    visit = instance or HomeVisit(station_id=by.station_id, created_by=by)
    _assign(
        visit,
        domain=domain,
        service_type=service_type,
        region=region,
        recipient=person,
        household=household,
        date=data.date,
        hours=data.hours,
        situation=data.situation,
        needs=data.needs,
        follow_up=data.follow_up,
    )
    full_clean(visit, errors, exclude=("region",) if region is None else ())
    visit.save()
    set_related(visit, "workers", workers, new=instance is None)
    LongDay.objects.bulk_create(long_days)
    for upload, kind in data.photos:
        Photo.objects.create(image=upload, kind=kind, size=upload.size, uploaded_by=by, visit=visit)
    engine.sync(visit, created=instance is None)
    _audit_record("visit", visit, by, request, VISIT_AUDIT, long_days, before)
    return visit


@dataclass(frozen=True)
class ActivityInput:
    """A theme or community activity as typed (ids of workers and people named)."""

    title: str
    domain: str
    service_type: str
    date: datetime.date
    region: str
    workers: tuple[int, ...]
    hours: Decimal
    participants_count: int
    volunteers_count: int = 0
    participants: tuple[int, ...] = ()
    volunteer_notes: str = ""
    description: str = ""
    photos: tuple = ()
    long_day_reason: str = ""  # why the day runs past the ceiling, when it does


@transaction.atomic
def activity_record(
    *,
    by: User,
    data: ActivityInput,
    instance: Activity | None = None,
    request: HttpRequest | None = None,
) -> Activity:
    """Record an activity held by ``by``'s station, or correct one (``instance``).

    The caller may rely on: the place is the station's township or one of its villages;
    the workers are its active staff; the people named may be changed by ``by`` and are no
    more than the participants counted; at most ``MAX_RESOURCES`` resource lines, each
    within the model's bounds (a correction replaces the lines). Corrections as for
    ``visit_record``. The activity, its links, resources, photos, facts and audit entry are
    written together or not at all.
    """
    errors: dict[str, str] = {}
    before = _may_correct(by, Activity, instance, data.date, ACTIVITY_AUDIT, errors)
    region = place_in_scope(
        by=by, code=data.region, levels=(Level.TOWNSHIP, Level.VILLAGE), errors=errors
    )
    workers = _station_workers(by, data.workers, errors)
    long_days = _day_hours(
        workers,
        data.date,
        data.hours,
        errors,
        by=by,
        reason=data.long_day_reason,
        excluding=("activity", instance.pk if instance else None),
    )
    named = set(data.participants)
    people = list(changeable_people(by=by).filter(pk__in=named))
    if len(people) != len(named):
        errors["participants"] = _("Not found among the records you may change.")
    if data.participants_count is not None and len(named) > data.participants_count:
        errors["participants_count"] = _("Fewer participants than the people named.")
    activity = instance or Activity(station_id=by.station_id, created_by=by)
    _assign(
        activity,
        region=region,
        **{k: v for k, v in asdict(data).items() if k not in ACTIVITY_LINKS},
    )
    full_clean(activity, errors, exclude=("region",) if region is None else ())
    activity.save()
    set_related(activity, "workers", workers, new=instance is None)
    LongDay.objects.bulk_create(long_days)
    set_related(activity, "participants", people, new=instance is None)
    for upload, kind in data.photos:
        Photo.objects.create(
            image=upload, kind=kind, size=upload.size, uploaded_by=by, activity=activity
        )
    engine.sync(activity, created=instance is None, people=people)
    _audit_record("activity", activity, by, request, ACTIVITY_AUDIT, long_days, before)
    return activity


# what an ActivityInput carries that is not a column of the activity
ACTIVITY_LINKS = frozenset({"region", "workers", "participants", "photos", "long_day_reason"})


@dataclass(frozen=True)
class AdminWorkInput:
    """Administrative time as typed: the task, where (a township or village code), hours."""

    date: datetime.date
    task: str
    hours: Decimal
    region: str
    in_village: bool = False
    description: str = ""
    # the worker confirms that a description naming a negative-list act is only assistance
    confirmed: bool = False
    long_day_reason: str = ""  # why the day runs past the ceiling, when it does


# Words that name an administrative power (负面清单) in a description of "other" work
NEGATIVE_WORDS = (
    "许可",
    "确认",
    "审批",
    "审核",
    "批准",
    "给付",
    "发放",
    "救助金",
    "补助金",
    "认定",
)


def _negative_words(text: str) -> list[str]:
    """The negative-list words a free-text description names (in the order listed)."""
    return [word for word in NEGATIVE_WORDS if word in (text or "")]


@transaction.atomic
def admin_work_record(
    *,
    by: User,
    data: AdminWorkInput,
    instance: AdminWork | None = None,
    request: HttpRequest | None = None,
) -> AdminWork:
    """Record administrative time worked by ``by`` at ``by``'s station, or correct a record
    (``instance``: the worker stays whose time it was).

    The caller may rely on: a negative-list task (licensing, confirming, approving, paying:
    powers station staff must not exercise) is refused with the reason; a description that
    names such an act (审批, 发放…) needs ``confirmed`` (it was only assistance); the place is the
    station's township or one of its villages; date and hours pass the model's rules.
    Corrections as for ``visit_record``. The record, its facts and its audit entry are
    written together or not at all.
    """
    errors: dict[str, str] = {}
    before = _may_correct(by, AdminWork, instance, data.date, ADMIN_AUDIT, errors)
    if data.task in AdminWork.NEGATIVE:
        errors["task"] = NEGATIVE_LIST_MESSAGE
    elif (named := _negative_words(data.description)) and not data.confirmed:
        errors["confirmed"] = _(
            "The description names %(words)s: station staff must not exercise administrative "
            "powers (负面清单). If this was only assistance to the civil-affairs office, "
            "confirm it below and save again."
        ) % {"words": "、".join(f"“{w}”" for w in named)}
    region = place_in_scope(
        by=by, code=data.region, levels=(Level.TOWNSHIP, Level.VILLAGE), errors=errors
    )
    worker = instance.worker if instance else by
    long_days = _day_hours(
        [worker],
        data.date,
        data.hours,
        errors,
        by=by,
        reason=data.long_day_reason,
        excluding=("admin", instance.pk if instance else None),
    )
    work = instance or AdminWork(station_id=by.station_id, created_by=by, worker=by)
    _assign(
        work,
        region=region,
        date=data.date,
        task=data.task,
        hours=data.hours,
        in_village=data.in_village,
        description=data.description,
    )
    full_clean(work, errors, exclude=("region",) if region is None else ())
    work.save()
    LongDay.objects.bulk_create(long_days)
    engine.sync(work)
    _audit_record("admin_work", work, by, request, ADMIN_AUDIT, long_days, before)
    return work


# what the audit log keeps of each record, as saved
VISIT_AUDIT = (
    "date",
    "region",
    "recipient",
    "household",
    "domain",
    "service_type",
    "workers",
    "hours",
    "situation",
    "needs",
)
ACTIVITY_AUDIT = (
    "title",
    "domain",
    "service_type",
    "date",
    "region",
    "workers",
    "hours",
    "participants_count",
    "participants",
    "volunteers_count",
)
ADMIN_AUDIT = ("date", "task", "hours", "region", "in_village", "description")


# ----- the rules those services share ------------------------------------------------------


def _require_station_staff(by, model) -> None:
    if not policy.may_record_station_work(by, model):
        raise PermissionDenied(_("Only a station's own staff record its work."))


def _station_workers(by, ids, errors: dict) -> list[User]:
    """Active staff of ``by``'s station named by ``ids`` (at least one, all of them)."""
    wanted = {int(i) for i in ids}
    staff = list(
        User.objects.filter(
            pk__in=wanted, station_id=by.station_id, role__in=STATION_ROLES, is_active=True
        )
    )
    if not wanted or len(staff) != len(wanted):
        errors["workers"] = _("Choose workers of your own station.")
    return staff


def _assign(obj, **values) -> None:
    for name, value in values.items():
        setattr(obj, name, value)


def _may_correct(by, model, instance, new_date, fields, errors: dict) -> dict | None:
    """For a new record: ``by`` must be staff of a station (else PermissionDenied); None.
    For a correction: ``by`` must be its author or the station's lead, the record not
    voided, its month and the new date's month open (``indicators.corrections``); the
    record as it was, for the audit entry's "old → new"."""
    if instance is None:
        _require_station_staff(by, model)
        return None
    station_id, author_id = instance.correction_keys()
    refuse_correction(
        by=by,
        station_id=station_id,
        author_id=author_id,
        days=(instance.date, new_date),
        errors=errors,
    )
    if instance.voided_at is not None:
        errors["__all__"] = _("A voided record cannot be corrected.")
    return snapshot(instance, fields)


def _audit_record(entity: str, obj, by, request, fields, long_days: list, before=None) -> None:
    """``shegong.<entity>.created`` (or ``.changed``, "old → new", for a correction) with
    the saved record, and the reason when it took someone's day past the ceiling."""
    note = {"long_day": "、".join(f"{d.worker}：{d.reason}" for d in long_days)}
    audit_saved(
        entity=entity,
        obj=obj,
        by=by,
        request=request,
        fields=fields,
        before=before,
        extra=note if long_days else None,
    )


def _day_hours(
    workers, date, hours, errors: dict, *, by=None, reason: str = "", excluding=("", None)
) -> list:
    """No worker's hours on one day may pass 24, across every kind of record; past the
    rule set's ceiling (12 hours unless the province or city set another) the day needs a
    reason, asked once per worker and day. Returns the ``LongDay`` rows to write.

    Every write of station work that takes hours comes through here, so here too a day of
    a month the county has accepted (``MonthApproval``) is refused: the month is locked."""
    if by is not None and by.station_id:
        refuse_locked_month(station_id=by.station_id, day=date, errors=errors)
    if date is None or hours is None or not workers:
        return []
    already = hours_on_day(worker_ids=[w.pk for w in workers], date=date, excluding=excluding)
    if reason_24 := day_hours_exceeded(workers=workers, date=date, hours=hours, already=already):
        errors["hours"] = reason_24
        return []
    if by is None or not by.station_id:
        return []
    rule_set = rule_set_for(by.station.region_id, date.year)
    ceiling = rule_set.daily_hours_ceiling if rule_set else Decimal(12)
    over = [w for w in workers if already.get(w.pk, Decimal(0)) + Decimal(hours) > ceiling]
    # the reasons already given are read only for a day past the ceiling (most are not)
    explained = (
        set(LongDay.objects.filter(worker__in=over, date=date).values_list("worker_id", flat=True))
        if over
        else set()
    )
    long = [w for w in over if w.pk not in explained]
    if long and not reason.strip():
        errors["long_day_reason"] = _(
            "%(names)s would work more than %(ceiling)s hours on %(date)s: say why."
        ) % {
            "names": "、".join(str(w) for w in long),
            "ceiling": f"{ceiling.normalize():f}",
            "date": date,
        }
    return [LongDay(worker=w, date=date, reason=reason.strip()[:200], created_by=by) for w in long]


def _next_number(model, prefix: str) -> str:
    last = model.objects.filter(number__startswith=prefix).aggregate(m=Max("number"))["m"]
    seq = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{seq:04d}"


# ----- groups --------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupInput:
    """A group (小组) as typed: what it is for, where, its workers and members (ids)."""

    name: str
    nature: str
    goals: str
    target: str
    planned_sessions: int
    region: str
    workers: tuple[int, ...]
    members: tuple[int, ...] = ()
    theory: str = ""
    stage: str = Group.Stage.PREPARATION
    closing_evaluation: str = ""
    domain: str = ""  # service domain; blank: from the members' categories
    service_type: str = ""  # blank: the domain's usual type


@transaction.atomic
def group_record(
    *, by: User, data: GroupInput, instance: Group | None = None, request: HttpRequest | None = None
) -> Group:
    """Start a group (``instance`` None) or change one ``by`` may change.

    The caller may rely on: only station staff start groups, at their township or one of
    its villages; workers are the station's active staff; members are people ``by`` may
    change; an ending group has its closing evaluation. A new group gets the next number of
    its station and year; the row, its links, facts and audit entry are one transaction.
    """
    if instance is None:
        _require_station_staff(by, Group)
    elif not can(by, instance, "change"):
        raise PermissionDenied(_("You may not change this group."))
    errors: dict[str, str] = {}
    region = place_in_scope(
        by=by, code=data.region, levels=(Level.TOWNSHIP, Level.VILLAGE), errors=errors
    )
    workers = _station_workers(by, data.workers, errors)
    members = list(changeable_people(by=by).filter(pk__in=set(data.members)))
    if len(members) != len(set(data.members)):
        errors["members"] = _("Not found among the records you may change.")
    if data.stage == Group.Stage.ENDING and not data.closing_evaluation.strip():
        errors["closing_evaluation"] = _("An ending group needs its closing evaluation.")
    group = instance or Group(station_id=by.station_id, created_by=by)
    before = None if instance is None else snapshot(instance, GROUP_AUDIT)
    for name in GROUP_COLUMNS:
        setattr(group, name, getattr(data, name))
    group.domain, group.service_type = _service_kind(data, members, errors)
    group.region = region
    if instance is None:
        group.number = _next_number(Group, f"XZ{by.station.region_id}{timezone.localdate():%Y}")
    full_clean(group, errors, exclude=("region",) if region is None else ())
    group.save()
    group.workers.set(workers)
    group.members.set(members)
    engine.sync(group)
    audit_saved(
        entity="group", obj=group, by=by, request=request, before=before, fields=GROUP_AUDIT
    )
    return group


GROUP_AUDIT = (
    "number",
    "name",
    "nature",
    "domain",
    "service_type",
    "stage",
    "planned_sessions",
    "region",
    "workers",
    "members",
)
GROUP_COLUMNS = (
    "name",
    "nature",
    "goals",
    "target",
    "planned_sessions",
    "theory",
    "stage",
    "closing_evaluation",
)


@dataclass(frozen=True)
class SessionInput:
    """One session of a group: when, how long, who came (member ids) and the record."""

    date: datetime.date
    hours: Decimal
    record: str
    attendees: tuple[int, ...] = ()
    others_count: int = 0
    in_village: bool = True
    long_day_reason: str = ""  # why the day runs past the ceiling, when it does


@transaction.atomic
def group_session_add(
    *, group: Group, by: User, data: SessionInput, request: HttpRequest | None = None
) -> GroupSession:
    """A session with its attendance: attendees must be members of the group.

    The group's row is locked so that two sessions recorded at once get numbers in turn.
    The first session moves a group in preparation to formation and starts it in the
    figures.
    """
    if not can(by, group, "change"):
        raise PermissionDenied(_("You may not change this group."))
    Group.objects.select_for_update().filter(pk=group.pk).first()
    errors: dict[str, str] = {}
    came = list(group.members.filter(pk__in=set(data.attendees)))
    if len(came) != len(set(data.attendees)):
        errors["attendees"] = _("Only members of the group attend its sessions.")
    long_days = _day_hours(
        list(group.workers.all()), data.date, data.hours, errors, by=by, reason=data.long_day_reason
    )
    session = GroupSession(
        group=group,
        number=(group.sessions.aggregate(m=Max("number"))["m"] or 0) + 1,
        date=data.date,
        hours=data.hours,
        record=data.record,
        others_count=data.others_count,
        in_village=data.in_village,
        created_by=by,
    )
    full_clean(session, errors)
    session.save()
    session.attendees.set(came)
    LongDay.objects.bulk_create(long_days)
    if group.stage == Group.Stage.PREPARATION:
        group.stage = Group.Stage.FORMATION
        group.save(update_fields=["stage"])
    engine.sync(session)
    if session.number == 1:
        engine.sync(group)  # the group starts with its first session
    audit_log(
        action="shegong.group.session_recorded",
        actor=by,
        request=request,
        obj=group,
        data={"session": session.number, "attended": len(came), "others": session.others_count},
    )
    return session


SESSION_AUDIT = ("number", "date", "hours", "in_village", "attendees", "others_count")


@transaction.atomic
def group_session_change(
    *, by: User, data: SessionInput, instance: GroupSession, request: HttpRequest | None = None
) -> GroupSession:
    """Correct a group session: by whoever recorded it (for older sessions, whoever started
    the group) or the station lead, not voided, its old and new month open; attendees are
    members of the group. Its facts, the group's start and the audit entry ("old → new")
    are written with it."""
    group = instance.group
    errors: dict[str, str] = {}
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
    before = snapshot(instance, SESSION_AUDIT)
    came = list(group.members.filter(pk__in=set(data.attendees)))
    if len(came) != len(set(data.attendees)):
        errors["attendees"] = _("Only members of the group attend its sessions.")
    long_days = _day_hours(
        list(group.workers.all()),
        data.date,
        data.hours,
        errors,
        by=by,
        reason=data.long_day_reason,
        excluding=("session", instance.pk),
    )
    _assign(
        instance,
        date=data.date,
        hours=data.hours,
        record=data.record,
        others_count=data.others_count,
        in_village=data.in_village,
    )
    full_clean(instance, errors)
    instance.save()
    instance.attendees.set(came)
    LongDay.objects.bulk_create(long_days)
    engine.sync(instance)
    engine.sync(group)  # its first session may have moved
    audit_saved(
        entity="session",
        obj=instance,
        by=by,
        request=request,
        before=before,
        fields=SESSION_AUDIT,
    )
    return instance


# the records ``record_void`` voids, and their name in the audit log
VOIDABLE = {
    HomeVisit: "visit",
    Activity: "activity",
    AdminWork: "admin_work",
    GroupSession: "session",
}


def record_void(
    *,
    by: User,
    instance: HomeVisit | Activity | AdminWork | GroupSession,
    data: VoidInput,
    request: HttpRequest | None = None,
) -> HomeVisit | Activity | AdminWork | GroupSession:
    """Void a visit, an activity, administrative time or a group session
    (``indicators.corrections.void``: its author or the station lead, the month open, a
    reason; the row stays, marked, and leaves the figures). A voided session no longer
    starts its group."""
    row = void(by=by, record=instance, data=data, entity=VOIDABLE[type(instance)], request=request)
    if isinstance(row, GroupSession):
        engine.sync(row.group)
    return row


@dataclass(frozen=True)
class PhotoInput:
    """A photo taken on a visit, added after the visit was saved (the phone sends its
    outbox's photos one by one): the upload and its kind, checked by content."""

    upload: object
    kind: str


MAX_PHOTOS = 12


@transaction.atomic
def visit_photo_add(
    *, by: User, visit: HomeVisit, data: PhotoInput, request: HttpRequest | None = None
) -> Photo:
    """Add a photo to a visit: by whoever recorded it or the station lead, while its month
    is open and it is not voided; at most ``MAX_PHOTOS`` per visit. Audited."""
    errors: dict[str, str] = {}
    station_id, author_id = visit.correction_keys()
    refuse_correction(
        by=by, station_id=station_id, author_id=author_id, days=(visit.date,), errors=errors
    )
    if visit.voided_at is not None:
        errors["__all__"] = _("A voided record cannot be corrected.")
    if visit.photos.count() >= MAX_PHOTOS:
        errors["photo"] = _("At most %(n)s photos per visit.") % {"n": MAX_PHOTOS}
    if errors:
        raise ValidationError(errors)
    photo = Photo.objects.create(
        image=data.upload, kind=data.kind, size=data.upload.size, uploaded_by=by, visit=visit
    )
    audit_log(
        action="shegong.visit.photo_added",
        actor=by,
        request=request,
        obj=visit,
        data={"photo": photo.pk, "bytes": photo.size},
    )
    return photo
