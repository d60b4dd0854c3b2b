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
from .forms import CloseForm, MatchForm, RespondForm
from .models import Kind, Match, ResidentRequest, Status

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


@router.get("/needs", response=list[RequestOut])
@paginate(Paged)
def need_list(request, status: str = "", region: str = "", overdue: str = ""):
    """需求清单: the needs the caller may see (a station's, or a region's for officers)."""
    raw = {"kind": Kind.NEED, "status": status, "region": region, "overdue": overdue}
    return selectors.request_list(user=request.user, filters=read_filters(raw, API_FILTERS))


@router.get("/complaints", response=list[RequestOut])
@paginate(Paged)
def complaint_list(request, status: str = "", region: str = "", overdue: str = ""):
    """Complaints the caller may see: the county's and those above it; a station never."""
    raw = {"kind": Kind.COMPLAINT, "status": status, "region": region, "overdue": overdue}
    return selectors.request_list(user=request.user, filters=read_filters(raw, API_FILTERS))


class SuggestionOut(Schema):
    party: str
    target: int
    label: str
    station: str
    score: int
    reasons: list[str]


@router.get("/requests/{request_id}/suggestions", response=list[SuggestionOut])
@object_first(ResidentRequest, "request_id", action="change")
def request_suggestions(request, request_id: int):
    """Who and what could meet a need, best first, with the reasons (for whoever may act
    on it; empty unless it is an open need)."""
    item = _read(request, request_id)
    if item.kind != Kind.NEED or not item.is_open:
        return []
    return selectors.suggestions(item=item, user=request.user)


class MatchOut(Schema):
    id: int
    request_id: int
    party: str
    worker_id: int | None
    group_id: int | None
    volunteer_id: int | None
    organisation_id: int | None
    event_id: int | None
    reasons: str
    note: str
    confirmed_by_id: int
    confirmed_at: datetime.datetime


MATCH_FILTERS = [
    Filter("party", kind="select", choices=Match.Party.choices),
    Filter("region", kind="region"),
]


@router.get("/matches", response=list[MatchOut])
@paginate(Paged)
def match_list(request, party: str = "", region: str = ""):
    """供需对接: needs matched to a worker or a project, scoped like the needs."""
    raw = {"party": party, "region": region}
    return selectors.match_list(user=request.user, filters=read_filters(raw, MATCH_FILTERS))


MatchIn = schema_for(MatchForm, "RequestMatchIn")


@router.post(
    "/requests/{request_id}/match",
    response={200: MatchOut, 403: Invalid, 404: Invalid, 409: Invalid, 422: Invalid},
)
@object_first(ResidentRequest, "request_id", action="change")
def request_match(request, request_id: int, payload: MatchIn):
    """Confirm one of the suggestions (``party`` worker or group, ``target`` its id); the
    matched party is notified. The same party twice: 409."""
    item = _read(request, request_id)
    return api_step(
        request,
        MatchForm(as_form_data(payload.dict())),
        write=lambda form: services.request_match(
            by=request.user, data=form.to_input(), instance=item, request=request
        ),
        answer=lambda: item.matches.order_by("-pk").first(),
    )
