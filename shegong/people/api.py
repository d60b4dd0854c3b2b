import datetime

from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.pagination import paginate

from shegong.core.api_forms import (
    WRITE_RESPONSES,
    Paged,
    api_submit,
    as_form_data,
    refuse_first,
    schema_for,
)
from shegong.core.filters import Filter, read_filters
from shegong.core.forms import through
from shegong.core.restrict import may_add

from . import selectors, services
from .forms import RecipientForm
from .identity import masked_field
from .models import Recipient

router = Router(tags=["recipients"])
API_FILTERS = [Filter("q"), Filter("region", kind="region"), Filter("category")]


class RecipientOut(Schema):
    """A person, masked: the API never returns a full ID number, phone or address."""

    id: int
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
