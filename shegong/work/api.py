import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from ninja import Body, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from shegong.accounts import policy
from shegong.core.api_forms import (
    WRITE_RESPONSES,
    Invalid,
    Paged,
    api_submit,
    as_form_data,
    form_errors,
)
from shegong.core.filters import Filter, read_filters
from shegong.core.restrict import can

from . import forms, selectors, services
from .models import Activity, AdminWork, Case, Domain, Group, HomeVisit

router = Router(tags=["station work"])
REGION = Filter("region", kind="region")
STAGE = Filter("stage", kind="select", choices=Case.Stage.choices)
DOMAIN = Filter("domain", kind="select", choices=Domain.choices)


class VisitOut(Schema):
    id: int
    date: datetime.date
    region_id: str
    recipient_id: int | None
    household_id: int | None
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
    opened_on: datetime.date
    closed_on: datetime.date | None
    goals: list[str]

    @staticmethod
    def resolve_goals(obj):
        return [g.text for g in obj.goals.all()]


class GroupOut(Schema):
    id: int
    number: str
    name: str
    nature: str
    stage: str
    planned_sessions: int
    region_id: str


class ActivityOut(Schema):
    id: int
    title: str
    domain: str
    service_type: str
    date: datetime.date
    region_id: str
    hours: Decimal
    participants_count: int
    volunteers_count: int


def _station_only(request, model):
    if not policy.may_record_station_work(request.user, model):
        raise HttpError(403, "只有驻站人员可以登记社工站工作 (station staff only)")


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
def visit_create(request, payload: dict[str, Any] = Body(...)):  # noqa: B008
    _station_only(request, HomeVisit)
    form = forms.HomeVisitForm(as_form_data(payload), user=request.user)
    return api_submit(request, form, save=services.visit_save)


@router.get("/cases", response=list[CaseOut])
@paginate(Paged)
def case_list(request, stage: str = "", region: str = ""):
    f = read_filters({"stage": stage, "region": region}, [REGION, STAGE])
    return selectors.case_list(user=request.user, filters=f).prefetch_related("goals")


@router.get("/cases/{case_id}", response=CaseOut)
def case_get(request, case_id: int):
    return get_object_or_404(Case.objects.restrict(request.user), pk=case_id)


@router.post("/cases", response=WRITE_RESPONSES)
def case_create(request, payload: dict[str, Any] = Body(...)):  # noqa: B008
    _station_only(request, Case)
    form = forms.CaseOpenForm(as_form_data(payload), user=request.user)
    return api_submit(request, form, save=services.case_open)


STEPS = {
    "assess": (
        forms.CaseAssessmentForm,
        lambda case, form, **kw: services.case_assess(case=case, form=form, **kw),
    ),
    "plan": (
        forms.CasePlanForm,
        lambda case, form, **kw: services.case_submit_plan(
            case=case, form=form, goals=form.goals(), **kw
        ),
    ),
    "entry": (
        forms.CaseEntryForm,
        lambda case, form, **kw: services.case_add_entry(case=case, form=form, **kw),
    ),
    "evaluate": (
        forms.CaseEvaluationForm,
        lambda case, form, **kw: services.case_evaluate(
            case=case, form=form, achieved=form.achieved(), **kw
        ),
    ),
    "close": (
        forms.CaseClosureForm,
        lambda case, form, **kw: services.case_request_closure(case=case, form=form, **kw),
    ),
    "approve_plan": (None, lambda case, form, **kw: services.case_approve_plan(case=case, **kw)),
    "approve_closure": (
        None,
        lambda case, form, **kw: services.case_approve_closure(case=case, **kw),
    ),
}


@router.post(
    "/cases/{case_id}/steps/{step}",
    response={200: CaseOut, 403: Invalid, 404: Invalid, 409: Invalid, 422: Invalid},
)
def case_step(request, case_id: int, step: str, payload: dict[str, Any] = Body(None)):  # noqa: B008
    """Move a case along: assess, plan, entry, evaluate, close, approve_plan, approve_closure."""
    case = get_object_or_404(Case.objects.restrict(request.user), pk=case_id)
    if step not in STEPS:
        return Status(404, {"detail": "unknown step", "errors": {}})
    approval = step in ("approve_plan", "approve_closure")  # the service checks the approver
    if not approval and not can(request.user, case, "change"):
        return Status(403, {"detail": "forbidden", "errors": {}})
    form_cls, run = STEPS[step]
    form = None
    if form_cls is not None:
        instance = {} if form_cls is forms.CaseEntryForm else {"instance": case}
        form = form_cls(as_form_data(payload or {}), **instance)
        if not form.is_valid():
            return Status(422, form_errors(form))
    try:
        run(case, form, by=request.user, request=request)
    except PermissionDenied as exc:
        return Status(403, {"detail": str(exc) or "forbidden", "errors": {}})
    except ValidationError as exc:
        return Status(409, {"detail": " ".join(exc.messages), "errors": {}})
    case.refresh_from_db()
    return Status(200, case)


@router.get("/groups", response=list[GroupOut])
@paginate(Paged)
def group_list(request):
    return selectors.group_list(user=request.user)


@router.get("/groups/{group_id}", response=GroupOut)
def group_get(request, group_id: int):
    return get_object_or_404(Group.objects.restrict(request.user), pk=group_id)


@router.post("/groups/{group_id}/sessions", response=WRITE_RESPONSES)
def group_session_create(request, group_id: int, payload: dict[str, Any] = Body(...)):  # noqa: B008
    group = get_object_or_404(Group.objects.restrict(request.user), pk=group_id)
    if not can(request.user, group, "change"):
        return Status(403, {"detail": "forbidden", "errors": {}})
    form = forms.GroupSessionForm(as_form_data(payload), group=group)
    return api_submit(
        request, form, save=lambda **kw: services.group_session_add(group=group, **kw)
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
def activity_create(request, payload: dict[str, Any] = Body(...)):  # noqa: B008
    _station_only(request, Activity)
    data = {"res-TOTAL_FORMS": "0", "res-INITIAL_FORMS": "0", **payload}
    form = forms.ActivityForm(as_form_data(data), user=request.user)
    return api_submit(request, form, save=services.activity_save)


@router.post("/admin-work", response=WRITE_RESPONSES)
def admin_work_create(request, payload: dict[str, Any] = Body(...)):  # noqa: B008
    """Administrative time; negative-list tasks answer 422 with the reason."""
    _station_only(request, AdminWork)
    form = forms.AdminWorkForm(as_form_data(payload), user=request.user)
    return api_submit(request, form, save=services.admin_work_save)
