import datetime

from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.pagination import paginate

from shegong.core.api_forms import (
    UPDATE_RESPONSES,
    WRITE_RESPONSES,
    Paged,
    api_submit,
    api_update,
    as_form_data,
    object_first,
    refuse_first,
    schema_for,
)
from shegong.core.filters import Filter, read_filters
from shegong.core.forms import through
from shegong.core.restrict import may_add

from . import selectors, services
from .forms import HouseholdForm, RecipientForm
from .identity import masked_field
from .models import Household, Recipient

router = Router(tags=["recipients"])
API_FILTERS = [Filter("q"), Filter("region", kind="region"), Filter("category")]


class RecipientOut(Schema):
    """A person, masked: the API never returns a full ID number, phone or address."""

    id: int
    version: int
    name: str
    sex: str
    birth_date: datetime.date | None
    region_id: str
    id_number_masked: str
    phone_masked: str
    categories: list[str]
    consent: str

    @staticmethod
    def resolve_id_number_masked(obj):
        return masked_field(obj, "id_number")

    @staticmethod
    def resolve_phone_masked(obj):
        return masked_field(obj, "phone")

    @staticmethod
    def resolve_categories(obj):
        return [link.category.code for link in obj.category_links.all()]


@router.get("/recipients", response=list[RecipientOut])
@paginate(Paged)
def recipient_list(request, q: str = "", region: str = "", category: str = ""):
    raw = {"q": q, "region": region, "category": category}
    return selectors.recipient_list(user=request.user, filters=read_filters(raw, API_FILTERS))


@router.get("/recipients/{recipient_id}", response=RecipientOut)
def recipient_get(request, recipient_id: int):
    person = get_object_or_404(
        Recipient.objects.restrict(request.user).prefetch_related("category_links__category"),
        pk=recipient_id,
    )
    services.recipient_viewed(person=person, by=request.user, request=request)
    return person


RecipientIn = schema_for(RecipientForm, "RecipientIn")


@router.post("/recipients", response=WRITE_RESPONSES)
@refuse_first(
    lambda user: may_add(user, Recipient), "只有驻站人员可以登记服务对象 / station staff only"
)
def recipient_create(request, payload: RecipientIn):
    """Register a person: the same fields and rules as the registration form."""
    form = RecipientForm(as_form_data(payload.dict()), user=request.user)
    return api_submit(request, form, save=through(services.recipient_record))


@router.put("/recipients/{recipient_id}", response=UPDATE_RESPONSES)
@object_first(Recipient, "recipient_id", action="change")
def recipient_update(request, recipient_id: int, payload: RecipientIn):
    """Correct a person: the whole record as for a registration; ``If-Match`` names the
    version read (409 with the record, masked, when someone changed it meanwhile)."""

    def current():
        return get_object_or_404(
            Recipient.objects.restrict(request.user).prefetch_related("category_links__category"),
            pk=recipient_id,
        )

    form = RecipientForm(as_form_data(payload.dict()), instance=current(), user=request.user)
    return api_update(
        request,
        form,
        save=through(services.recipient_record, edit=True),
        current=current,
        out=RecipientOut,
    )


class HouseholdOut(Schema):
    """A household: its village, head and members (the address is never returned)."""

    id: int
    version: int
    region_id: str
    head_id: int | None
    members: list[int]

    @staticmethod
    def resolve_members(obj):
        return [person.pk for person in obj.members.all()]


def _household(request, household_id: int) -> Household:
    return get_object_or_404(
        Household.objects.restrict(request.user).prefetch_related("members"), pk=household_id
    )


@router.get("/households/{household_id}", response=HouseholdOut)
def household_get(request, household_id: int):
    return _household(request, household_id)


HouseholdIn = schema_for(HouseholdForm, "HouseholdIn")


@router.put("/households/{household_id}", response=UPDATE_RESPONSES)
@object_first(Household, "household_id", action="change")
def household_update(request, household_id: int, payload: HouseholdIn):
    """Correct a household: its address and its head, one of its members (the former head's
    relation as given, 其他 otherwise). A household is started with its head: ``POST
    /recipients`` with ``new_household``. ``If-Match`` names the version read."""
    form = HouseholdForm(
        as_form_data(payload.dict()),
        instance=_household(request, household_id),
        user=request.user,
    )
    return api_update(
        request,
        form,
        save=through(services.household_record, edit=True),
        current=lambda: _household(request, household_id),
        out=HouseholdOut,
    )
