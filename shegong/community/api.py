"""五社联动 in the API, scoped like the pages: ``/api/volunteers``, ``/api/volunteer-teams``,
``/api/volunteer-events`` and ``/api/volunteer-hours`` (confirmed service records). Phones
and ID numbers are never returned whole."""

import datetime
from decimal import Decimal

from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.pagination import paginate

from shegong.core.api_forms import (
    WRITE_RESPONSES,
    Invalid,
    Paged,
    api_step,
    api_submit,
    as_form_data,
    object_first,
    refuse_first,
    schema_for,
)
from shegong.core.crypto import mask_phone
from shegong.core.filters import Filter, read_filters
from shegong.core.forms import through
from shegong.core.restrict import may_add

from . import selectors, services
from .forms import (
    AllocationApiForm,
    ConfirmForm,
    DonationForm,
    DonorForm,
    OrganisationForm,
    VolunteerForm,
)
from .models import (
    Allocation,
    Donation,
    Donor,
    Organisation,
    PoliticalStatus,
    ServiceEvent,
    Volunteer,
    VolunteerTeam,
)

router = Router(tags=["volunteers"])


class VolunteerOut(Schema):
    id: int
    version: int
    number: str
    name: str
    region_id: str
    station_id: int
    political_status: str
    skills: str
    availability: str
    phone_masked: str
    is_active: bool

    @staticmethod
    def resolve_phone_masked(obj):
        return mask_phone(obj.phone)


VOLUNTEER_FILTERS = [
    Filter("q"),
    Filter("region", kind="region"),
    Filter("political_status", kind="select", choices=PoliticalStatus.choices),
    Filter("team", kind="id"),
]


@router.get("/volunteers", response=list[VolunteerOut])
@paginate(Paged)
def volunteer_list(
    request, q: str = "", region: str = "", political_status: str = "", team: str = ""
):
    raw = {"q": q, "region": region, "political_status": political_status, "team": team}
    return selectors.volunteer_list(user=request.user, filters=read_filters(raw, VOLUNTEER_FILTERS))


@router.get("/volunteers/{volunteer_id}", response=VolunteerOut)
def volunteer_get(request, volunteer_id: int):
    volunteer = get_object_or_404(Volunteer.objects.restrict(request.user), pk=volunteer_id)
    services.volunteer_viewed(by=request.user, volunteer=volunteer, request=request)
    return volunteer


VolunteerIn = schema_for(VolunteerForm, "VolunteerIn")


@router.post("/volunteers", response=WRITE_RESPONSES)
@refuse_first(
    lambda user: may_add(user, Volunteer), "只有驻站人员可以登记志愿者 / station staff only"
)
def volunteer_create(request, payload: VolunteerIn):
    """Register a volunteer: the same fields and rules as the page."""
    form = VolunteerForm(as_form_data(payload.dict()), user=request.user)
    return api_submit(request, form, save=through(services.volunteer_record))


class TeamOut(Schema):
    id: int
    name: str
    kind: str
    station_id: int
    leader_id: int | None
    members: list[int]

    @staticmethod
    def resolve_members(obj):
        return [m.pk for m in obj.members.all()]


TEAM_FILTERS = [
    Filter("region", kind="region"),
    Filter("kind", kind="select", choices=VolunteerTeam.Kind.choices),
]


@router.get("/volunteer-teams", response=list[TeamOut])
@paginate(Paged)
def team_list(request, region: str = "", kind: str = ""):
    raw = {"region": region, "kind": kind}
    return selectors.team_list(
        user=request.user, filters=read_filters(raw, TEAM_FILTERS)
    ).prefetch_related("members")


class EventOut(Schema):
    id: int
    title: str
    content: str
    date: datetime.date
    region_id: str
    station_id: int
    activity_id: int | None
    signed: int
    hours: Decimal | None


EVENT_FILTERS = [
    Filter("region", kind="region"),
    Filter("since", kind="date"),
    Filter("until", kind="date"),
]


@router.get("/volunteer-events", response=list[EventOut])
@paginate(Paged)
def event_list(request, region: str = "", since: str = "", until: str = ""):
    raw = {"region": region, "since": since, "until": until}
    return selectors.event_list(user=request.user, filters=read_filters(raw, EVENT_FILTERS))


class HoursOut(Schema):
    """One confirmed service, in the national volunteer record's fields."""

    id: int
    event_id: int
    volunteer_id: int
    volunteer_number: str
    date: datetime.date
    place: str
    content: str
    hours: Decimal
    organiser: str
    confirmed_by_id: int
    confirmed_at: datetime.datetime

    @staticmethod
    def resolve_volunteer_number(obj):
        return obj.volunteer.number

    @staticmethod
    def resolve_date(obj):
        return obj.event.date

    @staticmethod
    def resolve_place(obj):
        return obj.event.region.name

    @staticmethod
    def resolve_content(obj):
        return obj.event.title

    @staticmethod
    def resolve_organiser(obj):
        return obj.event.station.name


HOURS_FILTERS = [
    Filter("region", kind="region"),
    Filter("since", kind="date"),
    Filter("until", kind="date"),
    Filter("volunteer", kind="id"),
]


@router.get("/volunteer-hours", response=list[HoursOut])
@paginate(Paged)
def hours_list(request, region: str = "", since: str = "", until: str = "", volunteer: str = ""):
    raw = {"region": region, "since": since, "until": until, "volunteer": volunteer}
    return selectors.service_records(user=request.user, filters=read_filters(raw, HOURS_FILTERS))


class ConfirmIn(Schema):
    volunteers: list[int]
    hours: Decimal


class ConfirmedOut(Schema):
    confirmed: int


@router.post(
    "/volunteer-events/{event_id}/confirm",
    response={200: ConfirmedOut, 403: Invalid, 404: Invalid, 409: Invalid, 422: Invalid},
)
@object_first(ServiceEvent, "event_id", action="change")
def event_confirm(request, event_id: int, payload: ConfirmIn):
    """Confirm the hours of volunteers who signed in (ids), each the same; retry-safe."""
    event = get_object_or_404(ServiceEvent.objects.restrict(request.user, "change"), pk=event_id)
    rows = list(event.services.select_related("volunteer"))
    data = as_form_data({"volunteers": payload.volunteers, "hours": str(payload.hours)})
    return api_step(
        request,
        ConfirmForm(data, services=rows),
        write=lambda form: services.hours_confirm(
            by=request.user, event=event, data=form.to_input(), request=request
        ),
        answer=lambda: {"confirmed": event.services.filter(status="confirmed").count()},
    )


class OrganisationOut(Schema):
    id: int
    version: int
    name: str
    kind: str
    stage: str
    region_id: str
    station_id: int
    members: int
    leader: str
    services: str
    founded_on: datetime.date | None
    filed_on: datetime.date | None
    contact_phone_masked: str

    @staticmethod
    def resolve_contact_phone_masked(obj):
        return mask_phone(obj.contact_phone)


ORGANISATION_FILTERS = [
    Filter("region", kind="region"),
    Filter("kind", kind="select", choices=Organisation.Kind.choices),
    Filter("stage", kind="select", choices=Organisation.Stage.choices),
]


@router.get("/organisations", response=list[OrganisationOut])
@paginate(Paged)
def organisation_list(request, region: str = "", kind: str = "", stage: str = ""):
    raw = {"region": region, "kind": kind, "stage": stage}
    return selectors.organisation_list(
        user=request.user, filters=read_filters(raw, ORGANISATION_FILTERS)
    )


OrganisationIn = schema_for(OrganisationForm, "OrganisationIn")


@router.post("/organisations", response=WRITE_RESPONSES)
@refuse_first(
    lambda user: may_add(user, Organisation),
    "只有驻站人员可以登记社区社会组织 / station staff only",
)
def organisation_create(request, payload: OrganisationIn):
    """Register a community organisation: the same fields and rules as the page."""
    form = OrganisationForm(as_form_data(payload.dict()), user=request.user)
    return api_submit(request, form, save=through(services.organisation_record))


# ----- charity resources ledger ----------------------------------------------------------------


class DonorOut(Schema):
    id: int
    name: str
    kind: str
    station_id: int
    contact_phone_masked: str
    given: Decimal | None

    @staticmethod
    def resolve_contact_phone_masked(obj):
        return mask_phone(obj.contact_phone)


DONOR_FILTERS = [
    Filter("region", kind="region"),
    Filter("kind", kind="select", choices=Donor.Kind.choices),
]


@router.get("/donors", response=list[DonorOut])
@paginate(Paged)
def donor_list(request, region: str = "", kind: str = ""):
    raw = {"region": region, "kind": kind}
    return selectors.donor_list(user=request.user, filters=read_filters(raw, DONOR_FILTERS))


DonorIn = schema_for(DonorForm, "DonorIn")


@router.post("/donors", response=WRITE_RESPONSES)
@refuse_first(lambda user: may_add(user, Donor), "只有驻站人员可以登记捐赠方 / station staff only")
def donor_create(request, payload: DonorIn):
    form = DonorForm(as_form_data(payload.dict()), user=request.user)
    return api_submit(request, form, save=through(services.donor_record))


class DonationOut(Schema):
    id: int
    donor_id: int
    kind: str
    amount: Decimal
    allocated: Decimal
    balance: Decimal
    items: str
    received_on: datetime.date
    receipt_no: str
    restriction: str
    restricted_category_id: int | None
    restricted_region_id: str | None
    restriction_note: str
    station_id: int

    @staticmethod
    def resolve_balance(obj):
        return obj.amount - obj.allocated


DONATION_FILTERS = [
    Filter("region", kind="region"),
    Filter("kind", kind="select", choices=Donation.Kind.choices),
    Filter("restriction", kind="select", choices=Donation.Restriction.choices),
    Filter("since", kind="date"),
    Filter("until", kind="date"),
    Filter("donor", kind="id"),
]


@router.get("/donations", response=list[DonationOut])
@paginate(Paged)
def donation_list(
    request,
    region: str = "",
    kind: str = "",
    restriction: str = "",
    since: str = "",
    until: str = "",
    donor: str = "",
):
    """The ledger: each donation with what is allocated and the balance."""
    raw = {
        "region": region,
        "kind": kind,
        "restriction": restriction,
        "since": since,
        "until": until,
        "donor": donor,
    }
    return selectors.donation_list(user=request.user, filters=read_filters(raw, DONATION_FILTERS))


DonationIn = schema_for(DonationForm, "DonationIn")


@router.post("/donations", response=WRITE_RESPONSES)
@refuse_first(lambda user: may_add(user, Donation), "只有驻站人员可以登记捐赠 / station staff only")
def donation_create(request, payload: DonationIn):
    form = DonationForm(as_form_data(payload.dict()), user=request.user)
    return api_submit(request, form, save=through(services.donation_record))


class AllocationOut(Schema):
    id: int
    donation_id: int
    amount: Decimal
    date: datetime.date
    activity_id: int | None
    case_id: int | None
    group_id: int | None
    region_id: str
    station_id: int
    note: str


ALLOCATION_FILTERS = [
    Filter("region", kind="region"),
    Filter("since", kind="date"),
    Filter("until", kind="date"),
    Filter("donation", kind="id"),
    Filter("activity", kind="id"),
]


@router.get("/allocations", response=list[AllocationOut])
@paginate(Paged)
def allocation_list(
    request,
    region: str = "",
    since: str = "",
    until: str = "",
    donation: str = "",
    activity: str = "",
):
    raw = {
        "region": region,
        "since": since,
        "until": until,
        "donation": donation,
        "activity": activity,
    }
    return selectors.allocation_list(
        user=request.user, filters=read_filters(raw, ALLOCATION_FILTERS)
    )


AllocationIn = schema_for(AllocationApiForm, "AllocationIn")


@router.post("/allocations", response=WRITE_RESPONSES)
@refuse_first(
    lambda user: may_add(user, Allocation), "只有驻站人员可以分配慈善资源 / station staff only"
)
def allocation_create(request, payload: AllocationIn):
    """Allocate part of a donation to an activity, a case or a group (ids); more than its
    balance is refused with the balance in the message. Retry-safe (Idempotency-Key)."""
    form = AllocationApiForm(as_form_data(payload.dict()))
    return api_submit(
        request,
        form,
        save=lambda *, form, by, request=None: services.allocation_record(
            by=by, data=form.to_input(), request=request
        ),
    )
