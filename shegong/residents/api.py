"""Residents' requests in the API (``/api/requests``), scoped like the pages: the station's
needs and suggestions, the county's complaints and reports; never a contact in full."""

import datetime

from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.pagination import paginate

from shegong.core.api_forms import Invalid, Paged, api_step, as_form_data, object_first, schema_for
from shegong.core.crypto import mask_phone
from shegong.core.filters import Filter, read_filters

from . import selectors, services
from .forms import CloseForm, RespondForm
from .models import Kind, ResidentRequest, Status

router = Router(tags=["requests"])
API_FILTERS = [
    Filter("kind", kind="select", choices=Kind.choices),
    Filter("status", kind="select", choices=Status.choices),
    Filter("region", kind="region"),
    Filter("overdue", kind="select", choices=[("1", "1")]),
]


class RequestOut(Schema):
    """A request as lists show it: no contact, no description."""

    id: int
    code: str
    kind: str
    topic: str
    region_id: str
    station_id: int | None
    assignee_id: int | None
    status: str
    submitted_at: datetime.datetime
    due_on: datetime.date
    responded_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    satisfaction: int | None


class RequestDetailOut(RequestOut):
    """One request: its description and reply, the contact masked (reading it is audited)."""

    description: str
    reply: str
    contact_name: str
    contact_phone_masked: str

    @staticmethod
    def resolve_contact_phone_masked(obj):
        return mask_phone(obj.contact_phone)


@router.get("/requests", response=list[RequestOut])
@paginate(Paged)
def request_list(request, kind: str = "", status: str = "", region: str = "", overdue: str = ""):
    raw = {"kind": kind, "status": status, "region": region, "overdue": overdue}
    return selectors.request_list(user=request.user, filters=read_filters(raw, API_FILTERS))


def _read(request, request_id: int) -> ResidentRequest:
    return get_object_or_404(ResidentRequest.objects.restrict(request.user), pk=request_id)


@router.get("/requests/{request_id}", response=RequestDetailOut)
def request_get(request, request_id: int):
    item = _read(request, request_id)
    services.request_viewed(by=request.user, item=item, request=request)
    return item


RespondIn = schema_for(RespondForm, "RequestRespondIn")
CloseIn = schema_for(CloseForm, "RequestCloseIn")
STEP_RESPONSES = {200: RequestOut, 403: Invalid, 404: Invalid, 409: Invalid, 422: Invalid}


def _step(request, request_id: int, form, service):
    item = _read(request, request_id)

    def answer():
        item.refresh_from_db()
        return item

    return api_step(
        request,
        form,
        write=lambda form: service(
            by=request.user, data=form.to_input(), instance=item, request=request
        ),
        answer=answer,
    )


@router.post("/requests/{request_id}/respond", response=STEP_RESPONSES)
@object_first(ResidentRequest, "request_id", action="change")
def request_respond(request, request_id: int, payload: RespondIn):
    """The first response: accept (``accept`` 1) or not (0, with the reason in ``reply``,
    which the resident reads). Once only: 409 after."""
    return _step(
        request, request_id, RespondForm(as_form_data(payload.dict())), services.request_respond
    )


@router.post("/requests/{request_id}/close", response=STEP_RESPONSES)
@object_first(ResidentRequest, "request_id", action="change")
def request_close(request, request_id: int, payload: CloseIn):
    """Close an accepted request, saying what was done (the resident reads it)."""
    return _step(
        request, request_id, CloseForm(as_form_data(payload.dict())), services.request_close
    )
