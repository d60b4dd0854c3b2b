"""Writes of station work. Every write is atomic, keeps the indicator facts in step with
the record, and leaves an audit entry; the case state machine lives here."""

import datetime
from dataclasses import asdict, dataclass, field
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
from shegong.audit.services import audit_log
from shegong.core.bounds import MAX_RESOURCES
from shegong.core.restrict import can
from shegong.core.validation import full_clean, one_of, set_fields
from shegong.indicators import engine
from shegong.people.models import Household, Recipient
from shegong.regions.models import Level
from shegong.regions.selectors import place_in_scope

from .models import (
    Activity,
    ActivityResource,
    AdminWork,
    Case,
    CaseEntry,
    CaseEvent,
    CaseGoal,
    CaseReferral,
    Group,
    GroupSession,
    HomeVisit,
    Photo,
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


@transaction.atomic
def visit_record(*, by: User, data: VisitInput, request: HttpRequest | None = None) -> HomeVisit:
    """Record a home visit made by staff of ``by``'s station.

    The caller may rely on: the village is one of the station's; the person or the household
    (at least one) may be changed by ``by`` and lives in that village; every worker is
    active staff of the station; date, hours and texts pass the model's rules (no date in
    the future, 0.25–24 hours). The visit, its workers, photos, facts and audit entry are
    written together or not at all.
    """
    _require_station_staff(by, HomeVisit)
    errors: dict[str, str] = {}
    region = place_in_scope(by=by, code=data.region, levels=(Level.VILLAGE,), errors=errors)
    person = one_of(Recipient.objects.restrict(by, "change"), data.recipient, "recipient", errors)
    household = one_of(
        Household.objects.restrict(by, "change"), data.household, "household", errors
    )
    if data.recipient is None and data.household is None:
        errors.setdefault("__all__", _("Choose the person or the household visited."))
    if region is not None and person is not None and person.region_id != region.code:
        errors["recipient"] = _("This person lives in another village.")
    if region is not None and household is not None and household.region_id != region.code:
        errors["household"] = _("This household lives in another village.")
    workers = _station_workers(by, data.workers, errors)
    visit = HomeVisit(
        station_id=by.station_id,
        created_by=by,
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
    visit.workers.set(workers)
    for upload, kind in data.photos:
        Photo.objects.create(image=upload, kind=kind, size=upload.size, uploaded_by=by, visit=visit)
    engine.sync(visit)
    _audit_created("visit", visit, by, request, data)
    return visit


@dataclass(frozen=True)
class ResourceLine:
    """A resource an activity linked: charity money, or goods valued in yuan."""

    kind: str
    value: Decimal
    description: str = ""


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
    resources: tuple[ResourceLine, ...] = ()
    photos: tuple = ()


@transaction.atomic
def activity_record(
    *, by: User, data: ActivityInput, request: HttpRequest | None = None
) -> Activity:
    """Record an activity held by ``by``'s station.

    The caller may rely on: the place is the station's township or one of its villages;
    the workers are its active staff; the people named may be changed by ``by`` and are no
    more than the participants counted; at most ``MAX_RESOURCES`` resource lines, each
    within the model's bounds. The activity, its links, resources, photos, facts and audit
    entry are written together or not at all.
    """
    _require_station_staff(by, Activity)
    errors: dict[str, str] = {}
    region = place_in_scope(
        by=by, code=data.region, levels=(Level.TOWNSHIP, Level.VILLAGE), errors=errors
    )
    workers = _station_workers(by, data.workers, errors)
    named = set(data.participants)
    people = list(Recipient.objects.restrict(by, "change").filter(pk__in=named))
    if len(people) != len(named):
        errors["participants"] = _("Not found among the records you may change.")
    if data.participants_count is not None and len(named) > data.participants_count:
        errors["participants_count"] = _("Fewer participants than the people named.")
    if len(data.resources) > MAX_RESOURCES:
        errors["resources"] = _("At most %(n)s resource lines.") % {"n": MAX_RESOURCES}
    activity = Activity(
        station_id=by.station_id,
        created_by=by,
        region=region,
        **{k: v for k, v in asdict(data).items() if k not in ACTIVITY_LINKS},
    )
    lines = [ActivityResource(activity=activity, **asdict(r)) for r in data.resources]
    for i, line in enumerate(lines):
        try:
            line.full_clean(exclude=["activity"])
        except ValidationError as exc:
            errors[f"resources.{i}"] = "; ".join(exc.messages)
    full_clean(activity, errors, exclude=("region",) if region is None else ())
    activity.save()
    activity.workers.set(workers)
    activity.participants.set(people)
    ActivityResource.objects.bulk_create(lines)
    for upload, kind in data.photos:
        Photo.objects.create(
            image=upload, kind=kind, size=upload.size, uploaded_by=by, activity=activity
        )
    engine.sync(activity)
    _audit_created("activity", activity, by, request, data)
    return activity


# what an ActivityInput carries that is not a column of the activity
ACTIVITY_LINKS = frozenset({"region", "workers", "participants", "resources", "photos"})


@dataclass(frozen=True)
class AdminWorkInput:
    """Administrative time as typed: the task, where (a township or village code), hours."""

    date: datetime.date
    task: str
    hours: Decimal
    region: str
    in_village: bool = False
    description: str = ""


@transaction.atomic
def admin_work_record(
    *, by: User, data: AdminWorkInput, request: HttpRequest | None = None
) -> AdminWork:
    """Record administrative time worked by ``by`` at ``by``'s station.

    The caller may rely on: a negative-list task (licensing, confirming, approving, paying:
    powers station staff must not exercise) is refused with the reason; the place is the
    station's township or one of its villages; date and hours pass the model's rules. The
    record, its facts and its audit entry are written together or not at all.
    """
    _require_station_staff(by, AdminWork)
    errors: dict[str, str] = {}
    if data.task in AdminWork.NEGATIVE:
        errors["task"] = NEGATIVE_LIST_MESSAGE
    region = place_in_scope(
        by=by, code=data.region, levels=(Level.TOWNSHIP, Level.VILLAGE), errors=errors
    )
    work = AdminWork(
        station_id=by.station_id,
        created_by=by,
        worker=by,
        region=region,
        date=data.date,
        task=data.task,
        hours=data.hours,
        in_village=data.in_village,
        description=data.description,
    )
    full_clean(work, errors, exclude=("region",) if region is None else ())
    work.save()
    engine.sync(work)
    _audit_created("admin_work", work, by, request, data)
    return work


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


def _audit_created(entity: str, obj, by, request, data) -> None:
    """``shegong.<entity>.created`` with what was typed (never a file's content)."""
    typed = {
        k: (", ".join(map(str, v)) if isinstance(v, tuple) else str(v))
        for k, v in asdict(data).items()
        if k != "photos" and v not in (None, "", ())
    }
    audit_log(action=f"shegong.{entity}.created", actor=by, request=request, obj=obj, data=typed)


def _next_number(model, prefix: str) -> str:
    last = model.objects.filter(number__startswith=prefix).aggregate(m=Max("number"))["m"]
    seq = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{seq:04d}"


# ----- cases ---------------------------------------------------------------------------


def _event(case: Case, by, kind: str, note: str = "") -> None:
    CaseEvent.objects.create(case=case, by=by, kind=kind, note=note)


def _log(case: Case, by, request, action: str, **data) -> None:
    audit_log(action=f"shegong.case.{action}", actor=by, request=request, obj=case, data=data)


# The columns a transition reads and writes: re-read under a row lock before each step.
STATE_FIELDS = (
    "stage",
    "worker_id",
    "plan_submitted_at",
    "plan_approved_by_id",
    "plan_approved_at",
    "closure_requested_at",
    "closure_approved_by_id",
    "closed_on",
)


def _lock(case: Case) -> Case:
    """Lock the case's row for this transaction and refresh its state from it.

    Two requests moving one case (two taps, two devices, two approvers) run one after the
    other: PostgreSQL waits on ``SELECT … FOR UPDATE``, SQLite on its write lock (every
    transaction begins IMMEDIATE). The second then sees the first one's stage and is
    refused by ``_require`` rather than repeating the step.
    """
    fresh = Case.objects.select_for_update().only(*STATE_FIELDS).get(pk=case.pk)
    for name in STATE_FIELDS:
        setattr(case, name, getattr(fresh, name))
    return case


def _require(case: Case, stage: str) -> None:
    if case.stage != stage:
        raise ValidationError(
            _("This step needs the case to be at “%(stage)s”; it is at “%(now)s”.")
            % {"stage": Case.Stage(stage).label, "now": case.get_stage_display()}
        )


def _may_approve(case: Case, by) -> None:
    """PermissionDenied unless ``by`` may approve: never one's own case (it goes to the county)."""
    if case.worker_id == by.pk:
        raise PermissionDenied(
            _(
                "Nobody approves their own case: the county civil-affairs officer approves "
                "the cases of a station lead."
            )
        )
    if not can(by, case, "approve"):
        raise PermissionDenied(
            _("Only the station lead (or, for a lead's own case, the county) approves this.")
        )


@dataclass(frozen=True)
class CaseOpenInput:
    """An intake (接案) as typed: the person (id), when, how the case came, the problem."""

    recipient: int
    opened_on: datetime.date
    source: str
    presenting_problem: str


@transaction.atomic
def case_open(*, by: User, data: CaseOpenInput, request: HttpRequest | None = None) -> Case:
    """接案: open a case for a person ``by`` may change; ``by`` is its worker.

    The caller may rely on: only station staff open cases; the person is one of the
    station's; the date, source and problem pass the model's rules; the case gets the next
    number of its station and year, starts at intake, and its facts, first timeline event
    and audit entry are written with it.
    """
    _require_station_staff(by, Case)
    errors: dict[str, str] = {}
    person = one_of(Recipient.objects.restrict(by, "change"), data.recipient, "recipient", errors)
    case = Case(
        station_id=by.station_id,
        created_by=by,
        worker=by,
        recipient=person,
        region_id=person.region_id if person else None,
        opened_on=data.opened_on,
        source=data.source,
        presenting_problem=data.presenting_problem,
    )
    full_clean(
        case, errors, exclude=("region", "recipient", "number") if person is None else ("number",)
    )
    case.number = _next_number(Case, f"GA{by.station.region_id}{case.opened_on:%Y}")
    case.save()
    engine.sync(case)
    _event(case, by, "opened", case.presenting_problem)
    _log(case, by, request, "opened")
    return case


@dataclass(frozen=True)
class CaseAssessment:
    """预估: the assessment (individual, family, community) and the needs it found."""

    needs_summary: str
    assessment_individual: str = ""
    assessment_family: str = ""
    assessment_community: str = ""


@transaction.atomic
def case_assess(
    *, case: Case, by: User, data: CaseAssessment, request: HttpRequest | None = None
) -> Case:
    """预估 → 计划: record the needs assessment (a summary of needs is required) and move
    the case to planning. Refused (ValidationError) unless the case is at intake or
    assessment."""
    _lock(case)
    if case.stage not in (Case.Stage.INTAKE, Case.Stage.ASSESSMENT):
        _require(case, Case.Stage.ASSESSMENT)
    set_fields(case, asdict(data), required=("needs_summary",))
    case.stage = Case.Stage.PLANNING
    case.save(update_fields=[*asdict(data), "stage"])
    _event(case, by, "assessed", case.needs_summary)
    _log(case, by, request, "assessed")
    return case


@dataclass(frozen=True)
class CasePlan:
    """计划: the service agreement (when, signed by whom) and the goals, one per line."""

    agreement_signed_on: datetime.date
    agreement_signed_by: str
    goals: tuple[str, ...]


@transaction.atomic
def case_submit_plan(
    *, case: Case, by: User, data: CasePlan, request: HttpRequest | None = None
) -> Case:
    """计划: the agreement and at least one goal, submitted for approval (the station lead;
    for a lead's own case, the county). Refused unless the case is at planning."""
    _lock(case)
    _require(case, Case.Stage.PLANNING)
    goals = [g.strip()[:200] for g in data.goals if g.strip()]
    fields = {
        "agreement_signed_on": data.agreement_signed_on,
        "agreement_signed_by": data.agreement_signed_by,
    }
    errors = {} if goals else {"goals": _("A plan needs at least one goal.")}
    set_fields(case, fields, required=tuple(fields), errors=errors)
    case.goals.all().delete()
    case.goals.bulk_create([case.goals.model(case=case, text=g) for g in goals])
    case.plan_submitted_at = timezone.now()
    case.save(update_fields=[*fields, "plan_submitted_at"])
    _event(case, by, "plan_submitted", "；".join(goals))
    _log(case, by, request, "plan_submitted", goals=goals)
    return case


@transaction.atomic
def case_approve_plan(*, case: Case, by: User, request: HttpRequest | None = None) -> Case:
    """The station lead approves the plan: intervention begins."""
    _lock(case)
    _may_approve(case, by)  # before the stage: a worker is refused, whatever the stage
    _require(case, Case.Stage.PLANNING)
    if not case.plan_submitted_at:
        raise ValidationError(_("The plan has not been submitted yet."))
    case.plan_approved_by = by
    case.plan_approved_at = timezone.now()
    case.stage = Case.Stage.INTERVENTION
    case.save(update_fields=["plan_approved_by", "plan_approved_at", "stage"])
    _event(case, by, "plan_approved")
    _log(case, by, request, "plan_approved")
    return case


@dataclass(frozen=True)
class CaseEntryInput:
    """介入: one dated intervention with the worker's hours."""

    date: datetime.date
    hours: Decimal
    content: str
    in_village: bool = False


@transaction.atomic
def case_add_entry(
    *, case: Case, by: User, data: CaseEntryInput, request: HttpRequest | None = None
) -> CaseEntry:
    """介入: an intervention by ``by`` (date, hours 0.25–24, content). Refused unless the
    case is at intervention; its facts and the timeline event are written with it."""
    _lock(case)
    _require(case, Case.Stage.INTERVENTION)
    entry = CaseEntry(case=case, worker=by, **asdict(data))
    full_clean(entry, {})
    entry.save()
    engine.sync(entry)
    _event(case, by, "intervention", entry.content[:200])
    _log(case, by, request, "intervention_recorded", hours=str(entry.hours))
    return entry


@dataclass(frozen=True)
class CaseEvaluation:
    """评估: a summary, and each goal's result by goal id (met, partly, not_met)."""

    evaluation_summary: str
    achieved: dict[int, str] = field(default_factory=dict)


@transaction.atomic
def case_evaluate(
    *, case: Case, by: User, data: CaseEvaluation, request: HttpRequest | None = None
) -> Case:
    """评估: every goal of the plan judged and a summary written; needs at least one
    intervention. Refused unless the case is at intervention."""
    _lock(case)
    _require(case, Case.Stage.INTERVENTION)
    if not case.entries.exists():
        raise ValidationError(_("Record at least one intervention before evaluating."))
    errors: dict[str, str] = {}
    goals = list(case.goals.all())
    results = {int(k): v for k, v in data.achieved.items()}
    allowed = {c for c, _label in CaseGoal.Achieved.choices if c}
    for goal in goals:
        if results.get(goal.pk) not in allowed:
            errors[f"goal_{goal.pk}"] = _("Say whether this goal was met.")
    unknown = set(results) - {g.pk for g in goals}
    if unknown:
        errors["achieved"] = _("These goals are not in this case's plan: %(ids)s") % {
            "ids": ", ".join(map(str, sorted(unknown)))
        }
    set_fields(
        case,
        {"evaluation_summary": data.evaluation_summary},
        required=("evaluation_summary",),
        errors=errors,
    )
    for goal in goals:
        goal.achieved = results[goal.pk]
    CaseGoal.objects.bulk_update(goals, ["achieved"])
    case.stage = Case.Stage.EVALUATION
    case.save(update_fields=["evaluation_summary", "stage"])
    _event(case, by, "evaluated", case.evaluation_summary)
    _log(case, by, request, "evaluated")
    return case


@dataclass(frozen=True)
class CaseClosure:
    """结案: why the case closes and the closure report."""

    closure_reason: str
    closure_summary: str


@transaction.atomic
def case_request_closure(
    *, case: Case, by: User, data: CaseClosure, request: HttpRequest | None = None
) -> Case:
    """结案 report (reason and summary required), for the station lead to approve. Refused
    unless the case is at evaluation."""
    _lock(case)
    _require(case, Case.Stage.EVALUATION)
    set_fields(case, asdict(data), required=("closure_reason", "closure_summary"))
    case.closure_requested_at = timezone.now()
    case.save(update_fields=[*asdict(data), "closure_requested_at"])
    _event(case, by, "closure_requested", case.get_closure_reason_display())
    _log(case, by, request, "closure_requested", reason=case.closure_reason)
    return case


@transaction.atomic
def case_approve_closure(*, case: Case, by: User, request: HttpRequest | None = None) -> Case:
    """The station lead (for a lead's own case, the county) approves closure: the case closes."""
    _lock(case)
    _may_approve(case, by)
    _require(case, Case.Stage.EVALUATION)
    if not case.closure_requested_at:
        raise ValidationError(_("No closure report has been submitted."))
    case.closure_approved_by = by
    case.closed_on = timezone.localdate()
    case.stage = Case.Stage.CLOSED
    case.save(update_fields=["closure_approved_by", "closed_on", "stage"])
    engine.sync(case)
    _event(case, by, "closed")
    _log(case, by, request, "closed")
    return case


@dataclass(frozen=True)
class ReferralInput:
    """A referral out of or into the case: which way, which organisation, why, when."""

    direction: str
    organisation: str
    reason: str
    date: datetime.date


@transaction.atomic
def case_refer(
    *, case: Case, by: User, data: ReferralInput, request: HttpRequest | None = None
) -> CaseReferral:
    """Record a referral on the case's timeline (the model's rules: direction, no future
    date)."""
    referral = CaseReferral(case=case, **asdict(data))
    full_clean(referral, {})
    referral.save()
    _event(
        case, by, f"referred_{referral.direction}", f"{referral.organisation}: {referral.reason}"
    )
    _log(case, by, request, f"referred_{referral.direction}", organisation=referral.organisation)
    return referral


@transaction.atomic
def case_transfer(*, case: Case, to: User, by: User, request: HttpRequest | None = None) -> Case:
    """Hand the case to another worker of the same station."""
    _lock(case)
    if case.stage == Case.Stage.CLOSED:
        raise ValidationError(_("A closed case cannot be transferred; reopen it first."))
    if to.station_id != case.station_id:
        raise ValidationError(_("The new worker must belong to the same station."))
    old = case.worker
    case.worker = to
    case.save(update_fields=["worker"])
    engine.sync(case)
    _event(case, by, "transferred", f"{old} → {to}")
    _log(case, by, request, "transferred", to=to.username)
    return case


@transaction.atomic
def case_reopen(*, case: Case, reason: str, by: User, request: HttpRequest | None = None) -> Case:
    """Reopen a closed case at the intervention stage, with the reason on the timeline."""
    _lock(case)
    _require(case, Case.Stage.CLOSED)
    if not reason.strip():
        raise ValidationError(_("Say why the case is reopened."))
    case.stage = Case.Stage.INTERVENTION
    case.closed_on = None
    case.closure_requested_at = None
    case.closure_approved_by = None
    case.save(update_fields=["stage", "closed_on", "closure_requested_at", "closure_approved_by"])
    engine.sync(case)
    _event(case, by, "reopened", reason)
    _log(case, by, request, "reopened")
    return case


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
    members = list(Recipient.objects.restrict(by, "change").filter(pk__in=set(data.members)))
    if len(members) != len(set(data.members)):
        errors["members"] = _("Not found among the records you may change.")
    if data.stage == Group.Stage.ENDING and not data.closing_evaluation.strip():
        errors["closing_evaluation"] = _("An ending group needs its closing evaluation.")
    group = instance or Group(station_id=by.station_id, created_by=by)
    before = {} if instance is None else _values(instance, GROUP_COLUMNS)
    for name in GROUP_COLUMNS:
        setattr(group, name, getattr(data, name))
    group.region = region
    if instance is None:
        group.number = _next_number(Group, f"XZ{by.station.region_id}{timezone.localdate():%Y}")
    full_clean(group, errors, exclude=("region",) if region is None else ())
    group.save()
    group.workers.set(workers)
    group.members.set(members)
    engine.sync(group)
    if instance is None:
        _audit_created("group", group, by, request, data)
    else:
        changed = {k: str(v) for k, v in _values(group, GROUP_COLUMNS).items() if before[k] != v}
        audit_log(
            action="shegong.group.changed", actor=by, request=request, obj=group, data=changed
        )
    return group


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


def _values(obj, names) -> dict:
    return {name: getattr(obj, name) for name in names}


@dataclass(frozen=True)
class SessionInput:
    """One session of a group: when, how long, who came (member ids) and the record."""

    date: datetime.date
    hours: Decimal
    record: str
    attendees: tuple[int, ...] = ()
    others_count: int = 0
    in_village: bool = True


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
    session = GroupSession(
        group=group,
        number=(group.sessions.aggregate(m=Max("number"))["m"] or 0) + 1,
        date=data.date,
        hours=data.hours,
        record=data.record,
        others_count=data.others_count,
        in_village=data.in_village,
    )
    full_clean(session, errors)
    session.save()
    session.attendees.set(came)
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
