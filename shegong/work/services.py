"""Writes of station work. Every write is atomic, keeps the indicator facts in step with
the record, and leaves an audit entry; the case state machine lives here."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from shegong.audit.services import audit_log, form_save_audited
from shegong.core.bounds import check_bounds
from shegong.core.restrict import can
from shegong.indicators import engine

from .models import (
    Activity,
    AdminWork,
    Case,
    CaseEntry,
    CaseEvent,
    Group,
    GroupSession,
    HomeVisit,
    Photo,
)


def _save_photos(form, by, **record) -> None:

    for upload, kind in form.cleaned_data.get("photos") or []:
        Photo.objects.create(image=upload, kind=kind, size=upload.size, uploaded_by=by, **record)


def _stamped(by, **extra):
    """``prepare`` for a new record: who registered it and at which station."""

    def prepare(obj, created):
        if created:
            obj.created_by = by
            obj.station_id = by.station_id
            for key, value in extra.items():
                setattr(obj, key, value(obj) if callable(value) else value)

    return prepare


def visit_save(*, form, by, request=None) -> HomeVisit:
    def after(visit):
        _save_photos(form, by, visit=visit)
        engine.sync(visit)

    return form_save_audited(
        form=form, by=by, request=request, entity="visit", prepare=_stamped(by), after=after
    )


def activity_save(*, form, by, request=None) -> Activity:
    def after(activity):
        _save_photos(form, by, activity=activity)
        if hasattr(form, "resources"):
            form.resources.instance = activity
            form.resources.save()
        engine.sync(activity)

    return form_save_audited(
        form=form, by=by, request=request, entity="activity", prepare=_stamped(by), after=after
    )


def admin_work_save(*, form, by, request=None) -> AdminWork:
    """Administrative time. Negative-list tasks never get here: the form refuses them."""
    if form.cleaned_data.get("task") in AdminWork.NEGATIVE:  # defence in depth behind the form
        raise ValidationError(_("This task is on the negative list."))

    def after(work):
        engine.sync(work)

    return form_save_audited(
        form=form,
        by=by,
        request=request,
        entity="admin_work",
        prepare=_stamped(by, worker=by),
        after=after,
    )


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


@transaction.atomic
def case_open(*, form, by, request=None) -> Case:
    """接案: register the intake; the case starts at the intake stage with its worker."""
    case = form.save(commit=False)
    _stamped(by)(case, True)
    case.region_id = case.recipient.region_id
    case.worker = by
    check_bounds(case)
    case.number = _next_number(Case, f"GA{case.station.region_id}{case.opened_on:%Y}")
    case.save()
    engine.sync(case)
    _event(case, by, "opened", case.presenting_problem)
    _log(case, by, request, "opened")
    return case


@transaction.atomic
def case_assess(*, case: Case, form, by, request=None) -> Case:
    """预估 → 计划: record the needs assessment and move to planning."""
    _lock(case)
    if case.stage not in (Case.Stage.INTAKE, Case.Stage.ASSESSMENT):
        _require(case, Case.Stage.ASSESSMENT)
    form.save()
    case.stage = Case.Stage.PLANNING
    case.save(update_fields=["stage"])
    _event(case, by, "assessed", case.needs_summary)
    _log(case, by, request, "assessed")
    return case


@transaction.atomic
def case_submit_plan(*, case: Case, form, goals: list[str], by, request=None) -> Case:
    """计划: agreement and goals, submitted to the station lead for approval."""
    _lock(case)
    _require(case, Case.Stage.PLANNING)
    if not goals:
        raise ValidationError(_("A plan needs at least one goal."))
    form.save()
    case.goals.all().delete()
    case.goals.bulk_create([case.goals.model(case=case, text=g) for g in goals])
    case.plan_submitted_at = timezone.now()
    case.save(update_fields=["plan_submitted_at"])
    _event(case, by, "plan_submitted", "；".join(goals))
    _log(case, by, request, "plan_submitted", goals=goals)
    return case


@transaction.atomic
def case_approve_plan(*, case: Case, by, request=None) -> Case:
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
def case_add_entry(*, case: Case, form, by, request=None) -> CaseEntry:
    """介入: a dated intervention record with the worker's hours."""
    _lock(case)
    _require(case, Case.Stage.INTERVENTION)
    entry = form.save(commit=False)
    entry.case = case
    entry.worker = by
    check_bounds(entry)
    entry.save()
    engine.sync(entry)
    _event(case, by, "intervention", entry.content[:200])
    _log(case, by, request, "intervention_recorded", hours=str(entry.hours))
    return entry


@transaction.atomic
def case_evaluate(*, case: Case, form, achieved: dict[int, str], by, request=None) -> Case:
    """评估: each goal's achievement and a summary; needs at least one intervention."""
    _lock(case)
    _require(case, Case.Stage.INTERVENTION)
    if not case.entries.exists():
        raise ValidationError(_("Record at least one intervention before evaluating."))
    form.save()
    for goal in case.goals.all():
        goal.achieved = achieved.get(goal.pk, "")
        goal.save(update_fields=["achieved"])
    case.stage = Case.Stage.EVALUATION
    case.save(update_fields=["stage"])
    _event(case, by, "evaluated", case.evaluation_summary)
    _log(case, by, request, "evaluated")
    return case


@transaction.atomic
def case_request_closure(*, case: Case, form, by, request=None) -> Case:
    """结案 report, for the station lead to approve."""
    _lock(case)
    _require(case, Case.Stage.EVALUATION)
    form.save()
    case.closure_requested_at = timezone.now()
    case.save(update_fields=["closure_requested_at"])
    _event(case, by, "closure_requested", case.get_closure_reason_display())
    _log(case, by, request, "closure_requested", reason=case.closure_reason)
    return case


@transaction.atomic
def case_approve_closure(*, case: Case, by, request=None) -> Case:
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
def case_refer(*, case: Case, form, by, request=None):
    referral = form.save(commit=False)
    referral.case = case
    referral.save()
    _event(
        case, by, f"referred_{referral.direction}", f"{referral.organisation}: {referral.reason}"
    )
    _log(case, by, request, f"referred_{referral.direction}", organisation=referral.organisation)
    return referral


@transaction.atomic
def case_transfer(*, case: Case, to, by, request=None) -> Case:
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
def case_reopen(*, case: Case, reason: str, by, request=None) -> Case:
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


def group_save(*, form, by, request=None) -> Group:
    number = lambda g: _next_number(Group, f"XZ{by.station.region_id}{timezone.localdate():%Y}")  # noqa: E731
    return form_save_audited(
        form=form,
        by=by,
        request=request,
        entity="group",
        prepare=_stamped(by, number=number),
        after=engine.sync,
    )


@transaction.atomic
def group_session_add(*, group: Group, form, by, request=None) -> GroupSession:
    """A session with its attendance: attendees must be members of the group.

    The group's row is locked so that two sessions recorded at once get numbers in turn.
    """
    Group.objects.select_for_update().filter(pk=group.pk).first()
    session = form.save(commit=False)
    session.group = group
    session.number = (group.sessions.aggregate(m=Max("number"))["m"] or 0) + 1
    check_bounds(session)
    session.save()
    form.save_m2m()
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
        data={
            "session": session.number,
            "attended": session.attendees.count(),
            "others": session.others_count,
        },
    )
    return session
