from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shegong.accounts.selectors import staff_choices
from shegong.core.forms import editable, form_page, through
from shegong.core.links import row_url
from shegong.core.lists import Filter, list_page, read_filters
from shegong.core.panels import panels_for
from shegong.core.restrict import can, get_restricted_or_404, may_add
from shegong.regions.models import Level, Region

from . import selectors, services
from .exporters import RecipientExporter
from .forms import HouseholdForm, RecipientForm
from .identity import REVEALABLE, masked
from .models import Category, Household, Recipient


@require_GET
def recipient_list(request):
    user = request.user
    villages = (
        Region.objects.restrict(user)
        .filter(level=Level.VILLAGE)
        .order_by("code")
        .values_list("code", "name")[:300]
    )
    filters = [
        Filter("q", gettext_lazy("Name, initials or last 4 ID digits")),
        Filter(
            "region",
            gettext_lazy("Village / community"),
            "select",
            list(villages),
        ),
        Filter(
            "category",
            gettext_lazy("Category"),
            "select",
            [(c.code, c.name) for c in Category.objects.all()],
        ),
        Filter(
            "worker",
            gettext_lazy("Registered by"),
            "select",
            staff_choices(user=user),
        ),
        Filter("since", gettext_lazy("Registered from"), "date"),
        Filter("until", gettext_lazy("Registered to"), "date"),
    ]
    values = read_filters(request, filters)
    return list_page(
        request,
        queryset=selectors.recipient_list(user=user, filters=values),
        exporter=RecipientExporter,
        title=_("Service recipients"),
        filters=filters,
        values=values,
        detail_url=row_url("people:detail"),
        create_url=reverse("people:create") if may_add(user, Recipient) else None,
        personal=True,
    )


@require_GET
def recipient_detail(request, pk: int):
    person = get_restricted_or_404(
        Recipient.objects.select_related("region", "region__parent", "household__head"),
        request.user,
        pk=pk,
    )
    services.recipient_viewed(person=person, by=request.user, request=request)
    return render(
        request,
        "people/recipient_detail.html",
        {
            "person": person,
            "masked": masked(person),
            "categories": person.category_links.select_related("category"),
            "members": person.household.members.exclude(pk=person.pk) if person.household else [],
            "can_change": can(request.user, person, "change"),
            "can_reveal": can(request.user, person, "reveal"),
            "panels": panels_for(
                "person",
                subject=person,
                user=request.user,
                everything=request.GET.get("all") == "1",
            ),
        },
    )


@require_POST
def recipient_reveal(request, pk: int, field: str):
    person = get_restricted_or_404(Recipient.objects.all(), request.user, pk=pk)
    if field not in REVEALABLE:
        raise Http404
    if not can(request.user, person, "reveal"):
        raise PermissionDenied(_("You may not see this field in full."))
    value = services.recipient_reveal(person=person, field=field, by=request.user, request=request)
    return HttpResponse(
        f'<span class="text-danger" data-revealed="{field}">{escape(value) or "—"}</span>'
    )


@require_http_methods(["GET", "POST"])
def recipient_edit(request, pk: int | None = None):
    """Register (no ``pk``) or correct a service recipient."""
    person = editable(
        request,
        Recipient,
        pk,
        add_refused=_("Only station staff register service recipients."),
        change_refused=_("You may not change this record."),
    )
    if person is not None and request.method == "GET":
        # the form shows the personal fields in full: a reveal, logged as one
        services.recipient_opened_for_edit(person=person, by=request.user, request=request)
    return form_page(
        request,
        RecipientForm(request.POST or None, instance=person, user=request.user),
        save=through(services.recipient_record, edit=True),
        template="people/recipient_form.html",
        context={"person": person},
        message=_("%(name)s was saved.") if person else _("%(name)s was registered."),
        redirect_to=lambda p: reverse("people:detail", args=[p.pk]),
    )


@require_http_methods(["GET", "POST"])
def household_edit(request, pk: int):
    """Correct a household: its address and its head (one of its members). A household is
    started with its head, on the registration form."""
    household = editable(
        request,
        Household,
        pk,
        add_refused=_("A household is started with its head, when that person is registered."),
        change_refused=_("You may not change this record."),
        queryset=Household.objects.select_related("region", "head"),
    )
    if request.method == "GET":
        services.household_opened_for_edit(household=household, by=request.user, request=request)
    members = Recipient.objects.restrict(request.user).filter(household=household).order_by("pk")
    return form_page(
        request,
        HouseholdForm(request.POST or None, instance=household, user=request.user),
        save=through(services.household_record, edit=True),
        template="people/household_form.html",
        context={"household": household, "members": members},
        message=_("%(name)s was saved."),
        redirect_to=lambda h: reverse("people:detail", args=[h.head_id]),
    )


PICKER_FIELDS = frozenset({"members", "participants", "recipient", "household"})


@require_GET
def recipient_pick(request):
    """Options for a search picker (htmx): people the user may record work for whose name,
    pinyin initials or last 4 ID digits match ``q``, as boxes named ``name``."""
    name = request.GET.get("name", "")
    if name not in PICKER_FIELDS:
        raise Http404(_("Unknown field."))
    q = request.GET.get("q", "")
    kind = "radio" if request.GET.get("single") == "1" else "checkbox"
    if name == "household":
        households = selectors.household_choices(user=request.user, q=q)
        return render(
            request,
            "people/_pick_households.html",
            {"households": households, "name": name, "kind": kind},
        )
    people = selectors.recipient_choices(user=request.user, q=q)
    return render(
        request, "people/_pick_options.html", {"people": people, "name": name, "kind": kind}
    )
