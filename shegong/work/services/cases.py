"""The case (个案) state machine: intake, assessment, plan, approval, intervention,
evaluation, closure; referral, transfer and reopening. Each step locks the case's row and
re-reads its stage before it acts."""

import datetime
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shegong.accounts.models import User
from shegong.accounts.roles import Role
from shegong.audit.services import audit_log
from shegong.core.restrict import can
from shegong.core.validation import full_clean, one_of, set_fields
from shegong.inbox.services import notify
from shegong.indicators import engine

from ..models import (
    Case,
    CaseEntry,
    CaseEvent,
    CaseGoal,
    CaseReferral,
    LongDay,
)
from .records import (
    _day_hours,
    _next_number,
    _require_station_staff,
    _service_kind,
    changeable_people,
)

# ----- cases ---------------------------------------------------------------------------


def _event(case: Case, by, kind: str, note: str = "") -> None:
    CaseEvent.objects.create(case=case, by=by, kind=kind, note=note)


def _log(case: Case, by, request, action: str, **data) -> None:
    audit_log(action=f"shegong.case.{action}", actor=by, request=request, obj=case, data=data)
    _notice(case, by, action, data.get("reason", ""))


# a step that waits for the approver, and one that sends the worker back to work
NOTICES = {
    "plan_submitted": "case.plan_submitted",
    "closure_requested": "case.closure_submitted",
    "plan_returned": "case.plan_returned",
    "closure_returned": "case.closure_returned",
}


def _notice(case: Case, by, action: str, reason: str) -> None:
    """Tell the approver a plan or a closure waits (the station lead; the county for a
    lead's own case), and the worker that it came back (with the reason)."""
    event = NOTICES.get(action)
    if event is None:
        return
    if action.endswith("_returned"):
        to = [case.worker_id]
    else:
        worker_role = User.objects.filter(pk=case.worker_id).values_list("role", flat=True).first()
        approvers = User.objects.filter(is_active=True)
        if worker_role == Role.STATION_LEAD:
            approvers = approvers.filter(
                role=Role.COUNTY_OFFICER, scope_region_id=case.region_id[:6]
            )
        else:
            approvers = approvers.filter(role=Role.STATION_LEAD, station_id=case.station_id)
        to = list(approvers.values_list("pk", flat=True))
    notify(
        users=[u for u in to if u != by.pk],
        event=event,
        subject=case.number,
        url=reverse("work:case_detail", args=[case.pk]),
        note=str(reason)[:300] if action.endswith("_returned") else "",
    )


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
    domain: str = ""  # service domain; blank: from the person's categories
    service_type: str = ""  # blank: the domain's usual type


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
    person = one_of(changeable_people(by=by), data.recipient, "recipient", errors)
    domain, service_type = _service_kind(data, [person], errors)
    case = Case(
        domain=domain,
        service_type=service_type,
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


@transaction.atomic
def case_return_plan(
    *, case: Case, by: User, reason: str, request: HttpRequest | None = None
) -> Case:
    """The approver sends the plan back with a comment: the worker revises and submits
    again. Refused unless ``by`` may approve and a plan is waiting; a reason is required."""
    _lock(case)
    _may_approve(case, by)
    _require(case, Case.Stage.PLANNING)
    if not case.plan_submitted_at:
        raise ValidationError(_("The plan has not been submitted yet."))
    if not reason.strip():
        raise ValidationError(_("Say what the plan needs."))
    case.plan_submitted_at = None
    case.save(update_fields=["plan_submitted_at"])
    _event(case, by, "plan_returned", reason.strip())
    _log(case, by, request, "plan_returned", reason=reason.strip()[:500])
    return case


@dataclass(frozen=True)
class CaseEntryInput:
    """介入: one dated intervention with the worker's hours."""

    date: datetime.date
    hours: Decimal
    content: str
    in_village: bool = False
    long_day_reason: str = ""  # why the day runs past the ceiling, when it does


@transaction.atomic
def case_add_entry(
    *, case: Case, by: User, data: CaseEntryInput, request: HttpRequest | None = None
) -> CaseEntry:
    """介入: an intervention by ``by`` (date, hours 0.25–24, content). Refused unless the
    case is at intervention; its facts and the timeline event are written with it."""
    _lock(case)
    _require(case, Case.Stage.INTERVENTION)
    fields = {k: v for k, v in asdict(data).items() if k != "long_day_reason"}
    entry = CaseEntry(case=case, worker=by, **fields)
    errors: dict[str, str] = {}
    long_days = _day_hours([by], data.date, data.hours, errors, by=by, reason=data.long_day_reason)
    full_clean(entry, errors)
    entry.save()
    LongDay.objects.bulk_create(long_days)
    engine.sync(entry, created=True)
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


@transaction.atomic
def case_return_closure(
    *, case: Case, by: User, reason: str, request: HttpRequest | None = None
) -> Case:
    """The approver sends the closure report back with a comment. Refused unless ``by`` may
    approve and a closure report is waiting; a reason is required."""
    _lock(case)
    _may_approve(case, by)
    _require(case, Case.Stage.EVALUATION)
    if not case.closure_requested_at:
        raise ValidationError(_("No closure report has been submitted."))
    if not reason.strip():
        raise ValidationError(_("Say what the closure report needs."))
    case.closure_requested_at = None
    case.save(update_fields=["closure_requested_at"])
    _event(case, by, "closure_returned", reason.strip())
    _log(case, by, request, "closure_returned", reason=reason.strip()[:500])
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
