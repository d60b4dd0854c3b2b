import datetime
from decimal import Decimal
from typing import Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from ninja import Field, File, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from shegong.accounts import policy
from shegong.core.api_forms import (
    UPDATE_RESPONSES,
    WRITE_RESPONSES,
    Id,
    Invalid,
    Paged,
    api_step,
    api_submit,
    api_update,
    as_form_data,
    object_first,
    refuse_first,
    schema_for,
)
from shegong.core.filters import Filter, read_filters
from shegong.core.forms import through
from shegong.core.restrict import can
from shegong.indicators.forms import VoidForm

from . import forms, selectors, services
from .models import (
    Activity,
    AdminWork,
    Case,
    Domain,
    Group,
    GroupSession,
    HomeVisit,
)

router = Router(tags=["station work"])
REGION = Filter("region", kind="region")
STAGE = Filter("stage", kind="select", choices=Case.Stage.choices)
DOMAIN = Filter("domain", kind="select", choices=Domain.choices)


class RecordState(Schema):
    """What every correctable record carries: its version (send it back in If-Match to
    change or void it) and, once voided, when and why."""

    version: int
    voided_at: datetime.datetime | None
    void_reason: str


class VisitOut(RecordState):
    id: int
    date: datetime.date
    region_id: str
    recipient_id: int | None
    household_id: int | None
    domain: str
    service_type: str
    hours: Decimal
    situation: str
    needs: str
    follow_up: str
    worker_ids: list[int]

    @staticmethod
    def resolve_worker_ids(obj):
        return [w.pk for w in obj.workers.all()]


class CaseOut(Schema):
    id: int
    number: str
    recipient_id: int
    worker_id: int
    stage: str
    domain: str
    service_type: str
    opened_on: datetime.date
    closed_on: datetime.date | None
    goals: list[str]

    @staticmethod
    def resolve_goals(obj):
        return [g.text for g in obj.goals.all()]


class GroupOut(Schema):
    id: int
    version: int
    number: str
    name: str
    nature: str
    domain: str
    service_type: str
    stage: str
    planned_sessions: int
    region_id: str
    worker_ids: list[int]
    member_ids: list[int]

    @staticmethod
    def resolve_worker_ids(obj):
        return [w.pk for w in obj.workers.all()]

    @staticmethod
    def resolve_member_ids(obj):
        return [m.pk for m in obj.members.all()]


class ActivityOut(RecordState):
    id: int
    title: str
    domain: str
    service_type: str
    date: datetime.date
    region_id: str
    hours: Decimal
    participants_count: int
    volunteers_count: int
    worker_ids: list[int]
    participant_ids: list[int]

    @staticmethod
    def resolve_worker_ids(obj):
        return [w.pk for w in obj.workers.all()]

    @staticmethod
    def resolve_participant_ids(obj):
        return [p.pk for p in obj.participants.all()]


class AdminWorkOut(RecordState):
    id: int
    date: datetime.date
    task: str
    hours: Decimal
    region_id: str
    in_village: bool
    description: str
    worker_id: int


class SessionOut(RecordState):
    id: int
    group_id: int
    number: int
    date: datetime.date
    hours: Decimal
    in_village: bool
    others_count: int
    record: str
    attendee_ids: list[int]

    @staticmethod
    def resolve_attendee_ids(obj):
        return [p.pk for p in obj.attendees.all()]


# Request bodies: the forms' fields, typed (photos are uploaded from the page only).
VisitIn = schema_for(forms.HomeVisitForm, "VisitIn", exclude=("photos",))
CaseOpenIn = schema_for(forms.CaseOpenForm, "CaseOpenIn")
SessionIn = schema_for(forms.GroupSessionForm, "SessionIn")


class ActivityIn(schema_for(forms.ActivityForm, "ActivityBase", exclude=("photos",))):
    """An activity; the charity money and goods it used are allocated from the ledger
    (``/api/allocations``)."""

    def form_data(self) -> dict:
        return self.dict()


AdminWorkIn = schema_for(forms.AdminWorkForm, "AdminWorkIn")


def station_only(model):
    """Only a station's own staff record its work (refused before the body is read)."""
    return refuse_first(
        lambda user: policy.may_record_station_work(user, model),
        "只有驻站人员可以登记社工站工作 / station staff only",
    )


@router.get("/visits", response=list[VisitOut])
@paginate(Paged)
def visit_list(
    request,
    region: str = "",
    since: datetime.date | None = None,
    until: datetime.date | None = None,
):
    f = read_filters({"region": region}, [REGION])
    f.update({k: v for k, v in {"since": since, "until": until}.items() if v})
    return selectors.visit_list(user=request.user, filters=f)


@router.get("/visits/{visit_id}", response=VisitOut)
def visit_get(request, visit_id: int):
    return get_object_or_404(HomeVisit.objects.restrict(request.user), pk=visit_id)


@router.post("/visits", response=WRITE_RESPONSES)
@station_only(HomeVisit)
def visit_create(request, payload: VisitIn):
    """Record a home visit: the same fields and rules as the page's form."""
    form = forms.HomeVisitForm(
        as_form_data(payload.dict()), user=request.user, relations_as_keys=True
    )
    return api_submit(request, form, save=through(services.visit_record))


@router.get("/cases", response=list[CaseOut])
@paginate(Paged)
def case_list(request, stage: str = "", region: str = ""):
    f = read_filters({"stage": stage, "region": region}, [REGION, STAGE])
    return selectors.case_list(user=request.user, filters=f).prefetch_related("goals")


@router.get("/cases/{case_id}", response=CaseOut)
def case_get(request, case_id: int):
    return get_object_or_404(Case.objects.restrict(request.user), pk=case_id)


@router.post("/cases", response=WRITE_RESPONSES)
@station_only(Case)
def case_create(request, payload: CaseOpenIn):
    """Open a case (接案) for a person of the caller's station."""
    form = forms.CaseOpenForm(
        as_form_data(payload.dict()), user=request.user, relations_as_keys=True
    )
    return api_submit(request, form, save=through(services.case_open))


class CaseEvaluateIn(Schema):
    """The evaluation (评估): a summary, and for each goal of the plan whether it was met."""

    evaluation_summary: str = Field(..., title="评估小结 / evaluation summary")
    achieved: dict[Id, Literal["met", "partly", "not_met"]] = Field(
        default_factory=dict, title="各目标达成情况 / each goal (by id): met, partly or not_met"
    )

    def form_data(self) -> dict:
        goals = {f"goal_{pk}": result for pk, result in self.achieved.items()}
        return {"evaluation_summary": self.evaluation_summary, **goals}


# Each step of a case: (request body, form, what it runs). Approvals have no body.
STEPS = {
    "assess": (
        schema_for(forms.CaseAssessmentForm, "CaseAssessIn"),
        forms.CaseAssessmentForm,
        lambda case, form, **kw: services.case_assess(case=case, data=form.to_input(), **kw),
    ),
    "plan": (
        schema_for(forms.CasePlanForm, "CasePlanIn"),
        forms.CasePlanForm,
        lambda case, form, **kw: services.case_submit_plan(case=case, data=form.to_input(), **kw),
    ),
    "entry": (
        schema_for(forms.CaseEntryForm, "CaseEntryIn"),
        forms.CaseEntryForm,
        lambda case, form, **kw: services.case_add_entry(case=case, data=form.to_input(), **kw),
    ),
    "evaluate": (
        CaseEvaluateIn,
        forms.CaseEvaluationForm,
        lambda case, form, **kw: services.case_evaluate(case=case, data=form.to_input(), **kw),
    ),
    "close": (
        schema_for(forms.CaseClosureForm, "CaseCloseIn"),
        forms.CaseClosureForm,
        lambda case, form, **kw: services.case_request_closure(
            case=case, data=form.to_input(), **kw
        ),
    ),
    "approve_plan": (
        None,
        None,
        lambda case, form, **kw: services.case_approve_plan(case=case, **kw),
    ),
    "approve_closure": (
        None,
        None,
        lambda case, form, **kw: services.case_approve_closure(case=case, **kw),
    ),
}
STEP_RESPONSES = {200: CaseOut, 403: Invalid, 404: Invalid, 409: Invalid, 422: Invalid}


def _case_step(request, case_id: int, step: str, data: dict):
    case = get_object_or_404(Case.objects.restrict(request.user), pk=case_id)
    approval = step in ("approve_plan", "approve_closure")  # the service checks the approver
    if not approval and not can(request.user, case, "change"):
        return Status(403, {"detail": "forbidden", "errors": {}})
    _schema, form_cls, run = STEPS[step]
    form = None
    if form_cls is not None:
        instance = {} if form_cls is forms.CaseEntryForm else {"instance": case}
        form = form_cls(as_form_data(data), **instance)

    def answer():
        case.refresh_from_db()
        return case

    return api_step(
        request,
        form,
        write=lambda form: run(case, form, by=request.user, request=request) or case,
        answer=answer,
    )


def _step_endpoint(step: str, schema):
    """One endpoint per step, each with its own typed body (OpenAPI shows them all)."""
    if schema is None:

        def endpoint(request, case_id: int):
            return _case_step(request, case_id, step, {})

    else:

        def endpoint(request, case_id: int, payload: schema):  # type: ignore[valid-type]
            data = payload.form_data() if hasattr(payload, "form_data") else payload.dict()
            return _case_step(request, case_id, step, data)

    endpoint.__name__ = f"case_{step}"
    endpoint.__doc__ = STEP_DOCS[step]
    # approvals: the service decides who approves; every other step needs "change"
    first = object_first(Case, "case_id", action="view" if schema is None else "change")
    router.post(f"/cases/{{case_id}}/steps/{step}", response=STEP_RESPONSES)(first(endpoint))


STEP_DOCS = {
    "assess": "预估 Assess the case (individual, family, community, needs).",
    "plan": "计划 Submit the service plan (one goal per line) for approval.",
    "entry": "介入 Record an intervention (date, hours, content).",
    "evaluate": "评估 Evaluate: a summary and each goal's result.",
    "close": "结案 Request closure, with the reason and a summary.",
    "approve_plan": "Approve the plan (the station lead, or the county for a lead's own case).",
    "approve_closure": "Approve the closure (as for the plan).",
}
for _step, (_schema, _form, _run) in STEPS.items():
    _step_endpoint(_step, _schema)


class CaseReturnIn(Schema):
    """What the plan or the closure report needs (sent back to the worker)."""

    reason: str = Field(..., min_length=1, max_length=2000, title="退回意见 / what it needs")


def _return(request, case_id: int, service, reason: str):
    case = get_object_or_404(Case.objects.restrict(request.user), pk=case_id)
    try:
        service(case=case, by=request.user, reason=reason, request=request)
    except PermissionDenied as exc:
        return Status(403, {"detail": str(exc) or "forbidden", "errors": {}})
    except ValidationError as exc:
        return Status(409, {"detail": " ".join(exc.messages), "errors": {}})
    case.refresh_from_db()
    return Status(200, case)


@router.post("/cases/{case_id}/steps/return_plan", response=STEP_RESPONSES)
@object_first(Case, "case_id", action="approve")
def case_return_plan(request, case_id: int, payload: CaseReturnIn):
    """Return the plan with a comment (the approver: the station lead, or the county)."""
    return _return(request, case_id, services.case_return_plan, payload.reason)


@router.post("/cases/{case_id}/steps/return_closure", response=STEP_RESPONSES)
@object_first(Case, "case_id", action="approve")
def case_return_closure(request, case_id: int, payload: CaseReturnIn):
    """Return the closure report with a comment (the approver)."""
    return _return(request, case_id, services.case_return_closure, payload.reason)


@router.get("/groups", response=list[GroupOut])
@paginate(Paged)
def group_list(request):
    return selectors.group_list(user=request.user)


@router.get("/groups/{group_id}", response=GroupOut)
def group_get(request, group_id: int):
    return get_object_or_404(Group.objects.restrict(request.user), pk=group_id)


GroupIn = schema_for(forms.GroupForm, "GroupIn")


@router.post("/groups", response=WRITE_RESPONSES)
@station_only(Group)
def group_create(request, payload: GroupIn):
    """Start a group (小组): the same fields and rules as the page's form."""
    form = forms.GroupForm(as_form_data(payload.dict()), user=request.user)
    return api_submit(request, form, save=through(services.group_record, edit=True))


@router.put("/groups/{group_id}", response=UPDATE_RESPONSES)
@object_first(Group, "group_id", action="change")
def group_update(request, group_id: int, payload: GroupIn):
    """Change a group (its members, stage, closing evaluation …); ``If-Match``: the version read."""
    current = _visible(Group, group_id, request.user)
    form = forms.GroupForm(as_form_data(payload.dict()), instance=current(), user=request.user)
    return api_update(
        request,
        form,
        save=through(services.group_record, edit=True),
        current=current,
        out=GroupOut,
    )


@router.post("/groups/{group_id}/sessions", response=WRITE_RESPONSES)
@object_first(Group, "group_id", action="change")
def group_session_create(request, group_id: int, payload: SessionIn):
    """Record a session of a group the caller may change."""
    group = get_object_or_404(Group.objects.restrict(request.user), pk=group_id)
    if not can(request.user, group, "change"):
        return Status(403, {"detail": "forbidden", "errors": {}})
    form = forms.GroupSessionForm(as_form_data(payload.dict()), group=group)
    return api_submit(
        request,
        form,
        save=lambda *, form, **kw: services.group_session_add(
            group=group, data=form.to_input(), **kw
        ),
    )


@router.get("/activities", response=list[ActivityOut])
@paginate(Paged)
def activity_list(request, domain: str = "", region: str = ""):
    f = read_filters({"domain": domain, "region": region}, [REGION, DOMAIN])
    return selectors.activity_list(user=request.user, filters=f)


@router.get("/activities/{activity_id}", response=ActivityOut)
def activity_get(request, activity_id: int):
    return get_object_or_404(Activity.objects.restrict(request.user), pk=activity_id)


@router.post("/activities", response=WRITE_RESPONSES)
@station_only(Activity)
def activity_create(request, payload: ActivityIn):
    """Record a theme or community activity, with the resources it linked."""
    form = forms.ActivityForm(
        as_form_data(payload.form_data()), user=request.user, relations_as_keys=True
    )
    return api_submit(request, form, save=through(services.activity_record))


@router.post("/admin-work", response=WRITE_RESPONSES)
@station_only(AdminWork)
def admin_work_create(request, payload: AdminWorkIn):
    """Administrative time; negative-list tasks answer 422 with the reason."""
    form = forms.AdminWorkForm(as_form_data(payload.dict()), user=request.user)
    return api_submit(request, form, save=through(services.admin_work_record))


# ----- corrections and voids: If-Match names the version read; a stale one answers 409 ----


def may_correct(user, record) -> bool:
    """Its author or the station lead (``policy.may_correct``), asked before the body is read."""
    station_id, author_id = record.correction_keys()
    return policy.may_correct(user, station_id=station_id, author_id=author_id)


class VoidIn(Schema):
    """Why the record is voided (作废): it stays, marked, and leaves the figures."""

    reason: str = Field(..., min_length=1, max_length=200, title="作废原因 / reason")


def _visible(model, pk, user, queryset=None):
    return lambda: get_object_or_404(
        (queryset if queryset is not None else model.objects.all()).restrict(user), pk=pk
    )


def _void(request, payload: VoidIn, current, out):
    form = VoidForm(as_form_data(payload.dict()))
    return api_update(
        request,
        form,
        save=lambda *, form, by, request=None: services.record_void(
            by=by, instance=current(), data=form.to_input(), request=request
        ),
        current=current,
        out=out,
    )


@router.put("/visits/{visit_id}", response=UPDATE_RESPONSES)
@object_first(HomeVisit, "visit_id", may=may_correct)
def visit_update(request, visit_id: int, payload: VisitIn):
    """Correct a home visit (its author or the station lead, while its month is open):
    the whole record, as for a new one; ``If-Match`` names the version read."""
    current = _visible(HomeVisit, visit_id, request.user)
    form = forms.HomeVisitForm(
        as_form_data(payload.dict()), instance=current(), user=request.user, relations_as_keys=True
    )
    return api_update(
        request,
        form,
        save=through(services.visit_record, edit=True),
        current=current,
        out=VisitOut,
    )


@router.post("/visits/{visit_id}/photos", response=WRITE_RESPONSES)
@object_first(HomeVisit, "visit_id", may=may_correct)
def visit_photo_add(request, visit_id: int, photo: File[UploadedFile]):
    """Add a photo (JPEG, PNG or WebP, at most 5 MB, checked by content) to a visit: the
    phone's outbox sends a visit's photos after the visit, each with its own
    ``Idempotency-Key``."""
    visit = get_object_or_404(HomeVisit.objects.restrict(request.user), pk=visit_id)
    form = forms.VisitPhotoForm(files=request.FILES)
    return api_submit(
        request,
        form,
        save=lambda *, form, by, request=None: services.visit_photo_add(
            by=by, visit=visit, data=form.to_input(), request=request
        ),
    )


@router.post("/visits/{visit_id}/void", response=UPDATE_RESPONSES)
@object_first(HomeVisit, "visit_id", may=may_correct)
def visit_void(request, visit_id: int, payload: VoidIn):
    """Void a home visit, with a reason (``If-Match``: the version read)."""
    return _void(request, payload, _visible(HomeVisit, visit_id, request.user), VisitOut)


@router.put("/activities/{activity_id}", response=UPDATE_RESPONSES)
@object_first(Activity, "activity_id", may=may_correct)
def activity_update(request, activity_id: int, payload: ActivityIn):
    """Correct an activity (its resources are replaced by those sent)."""
    current = _visible(Activity, activity_id, request.user)
    data = as_form_data(payload.form_data())
    form = forms.ActivityForm(data, instance=current(), user=request.user)
    return api_update(
        request,
        form,
        save=through(services.activity_record, edit=True),
        current=current,
        out=ActivityOut,
    )


@router.post("/activities/{activity_id}/void", response=UPDATE_RESPONSES)
@object_first(Activity, "activity_id", may=may_correct)
def activity_void(request, activity_id: int, payload: VoidIn):
    """Void an activity, with a reason (``If-Match``: the version read)."""
    return _void(request, payload, _visible(Activity, activity_id, request.user), ActivityOut)


@router.get("/admin-work", response=list[AdminWorkOut])
@paginate(Paged)
def admin_work_list(
    request,
    region: str = "",
    since: datetime.date | None = None,
    until: datetime.date | None = None,
):
    f = read_filters({"region": region}, [REGION])
    f.update({k: v for k, v in {"since": since, "until": until}.items() if v})
    return selectors.admin_work_list(user=request.user, filters=f)


@router.get("/admin-work/{work_id}", response=AdminWorkOut)
def admin_work_get(request, work_id: int):
    return get_object_or_404(AdminWork.objects.restrict(request.user), pk=work_id)


@router.put("/admin-work/{work_id}", response=UPDATE_RESPONSES)
@object_first(AdminWork, "work_id", may=may_correct)
def admin_work_update(request, work_id: int, payload: AdminWorkIn):
    """Correct administrative time (the worker stays whose time it was)."""
    current = _visible(AdminWork, work_id, request.user)
    form = forms.AdminWorkForm(as_form_data(payload.dict()), instance=current(), user=request.user)
    return api_update(
        request,
        form,
        save=through(services.admin_work_record, edit=True),
        current=current,
        out=AdminWorkOut,
    )


@router.post("/admin-work/{work_id}/void", response=UPDATE_RESPONSES)
@object_first(AdminWork, "work_id", may=may_correct)
def admin_work_void(request, work_id: int, payload: VoidIn):
    """Void administrative time, with a reason (``If-Match``: the version read)."""
    return _void(request, payload, _visible(AdminWork, work_id, request.user), AdminWorkOut)


def _session(request, session_id: int):
    """A session, seen through its group's restriction (404 otherwise)."""
    return lambda: get_object_or_404(
        GroupSession.objects.restrict(request.user).select_related("group"), pk=session_id
    )


@router.get("/sessions/{session_id}", response=SessionOut)
def session_get(request, session_id: int):
    return _session(request, session_id)()


@router.put("/sessions/{session_id}", response=UPDATE_RESPONSES)
@object_first(GroupSession, "session_id", may=may_correct)
def session_update(request, session_id: int, payload: SessionIn):
    """Correct a group session: its attendance, hours and record."""
    current = _session(request, session_id)
    session = current()
    form = forms.GroupSessionForm(
        as_form_data(payload.dict()), instance=session, group=session.group
    )
    return api_update(
        request,
        form,
        save=through(services.group_session_change, edit=True),
        current=current,
        out=SessionOut,
    )


@router.post("/sessions/{session_id}/void", response=UPDATE_RESPONSES)
@object_first(GroupSession, "session_id", may=may_correct)
def session_void(request, session_id: int, payload: VoidIn):
    """Void a group session, with a reason (``If-Match``: the version read)."""
    return _void(request, payload, _session(request, session_id), SessionOut)
