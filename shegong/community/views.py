"""五社联动 pages: volunteers, teams, volunteer service events (sign-up, QR sign-in,
attendance, hours), certificates and the national record export."""

import datetime

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shegong.core.crypto import mask_id_number, mask_phone
from shegong.core.forms import form_page, form_step, show_refusal, through
from shegong.core.links import row_url
from shegong.core.lists import Filter, list_page, read_filters
from shegong.core.restrict import can, get_restricted_or_404, may_add

from . import selectors, services
from .exporters import (
    AllocationExporter,
    DonorExporter,
    EventExporter,
    LedgerExporter,
    NationalRecordExporter,
    OrganisationExporter,
    TeamExporter,
    VolunteerExporter,
)
from .forms import (
    AllocationForm,
    AttendanceForm,
    ConfirmForm,
    DonationForm,
    DonorForm,
    EventForm,
    OrganisationForm,
    RedeemForm,
    SignForm,
    TeamForm,
    VolunteerForm,
)
from .models import (
    Donation,
    Donor,
    Organisation,
    PoliticalStatus,
    Service,
    ServiceEvent,
    Volunteer,
    VolunteerTeam,
)

VOLUNTEER_FILTERS = [
    Filter("q", gettext_lazy("Name or number")),
    Filter("region", gettext_lazy("Division code"), "region"),
    Filter("political_status", gettext_lazy("Political status"), "select", PoliticalStatus.choices),
    Filter("team", gettext_lazy("Team"), "id"),
]


@require_GET
def volunteer_list(request):
    values = read_filters(request, VOLUNTEER_FILTERS)
    return list_page(
        request,
        queryset=selectors.volunteer_list(user=request.user, filters=values),
        exporter=VolunteerExporter,
        title=_("Volunteers"),
        filters=VOLUNTEER_FILTERS,
        values=values,
        detail_url=row_url("community:volunteer_detail"),
        create_url=reverse("community:volunteer_create")
        if may_add(request.user, Volunteer)
        else None,
        personal=True,
        testid="volunteer-table",
    )


@require_GET
def volunteer_detail(request, pk: int):
    volunteer = get_restricted_or_404(
        Volunteer.objects.select_related("region", "station"),
        request.user,
        pk=pk,
        action="view",
    )
    services.volunteer_viewed(by=request.user, volunteer=volunteer, request=request)
    whole = can(request.user, volunteer, "change")
    year = timezone.localdate().year
    return render(
        request,
        "community/volunteer_detail.html",
        {
            "v": volunteer,
            "may_change": whole,
            "phone": volunteer.phone if whole else mask_phone(volunteer.phone),
            "id_number": volunteer.id_number if whole else mask_id_number(volunteer.id_number),
            "teams": volunteer.teams.all(),
            "services": volunteer.services.select_related("event", "event__region").order_by(
                "-event__date"
            )[:50],
            "balance": services.points_balance(volunteer=volunteer),
            "points": volunteer.points.order_by("-date", "-pk")[:20],
            "redeem": RedeemForm() if whole else None,
            "year": year,
        },
    )


def _dates(request) -> tuple[datetime.date, datetime.date]:
    today = timezone.localdate()
    try:
        since = datetime.date.fromisoformat(request.GET.get("since", ""))
    except ValueError:
        since = today.replace(month=1, day=1)
    try:
        until = datetime.date.fromisoformat(request.GET.get("until", ""))
    except ValueError:
        until = today
    return (since, until) if since <= until else (until, since)


@require_POST
def volunteer_redeem(request, pk: int):
    """Write off credit points the volunteer redeems (the station's staff)."""
    volunteer = get_restricted_or_404(Volunteer.objects.all(), request.user, pk=pk, action="change")
    return form_step(
        request,
        RedeemForm(request.POST),
        write=lambda form: services.points_redeem(
            by=request.user, volunteer=volunteer, data=form.to_input(), request=request
        ),
        done=_("Saved."),
        back=reverse("community:volunteer_detail", args=[volunteer.pk]),
    )


@require_GET
def volunteer_certificate(request, pk: int):
    """志愿服务证明: the verified hours by event over a period, for printing (A4)."""
    volunteer = get_restricted_or_404(
        Volunteer.objects.select_related("station", "region"),
        request.user,
        pk=pk,
        action="view",
    )
    since, until = _dates(request)
    found = selectors.certificate(volunteer=volunteer, since=since, until=until)
    return render(
        request,
        "community/certificate.html",
        {"c": found, "id_masked": mask_id_number(volunteer.id_number)},
    )


TEAM_FILTERS = [
    Filter("region", gettext_lazy("Division code"), "region"),
    Filter("kind", gettext_lazy("Kind"), "select", VolunteerTeam.Kind.choices),
]


@require_GET
def team_list(request):
    values = read_filters(request, TEAM_FILTERS)
    return list_page(
        request,
        queryset=selectors.team_list(user=request.user, filters=values),
        exporter=TeamExporter,
        title=_("Volunteer teams"),
        filters=TEAM_FILTERS,
        values=values,
        detail_url=lambda t: (
            reverse("community:team_edit", args=[t.pk])
            if can(request.user, t, "change")
            else reverse("community:volunteer_list") + f"?team={t.pk}"
        ),
        create_url=reverse("community:team_create")
        if may_add(request.user, VolunteerTeam)
        else None,
        testid="team-table",
    )


EVENT_FILTERS = [
    Filter("region", gettext_lazy("Division code"), "region"),
    Filter("since", gettext_lazy("From"), "date"),
    Filter("until", gettext_lazy("To"), "date"),
]


@require_GET
def event_list(request):
    values = read_filters(request, EVENT_FILTERS)
    return list_page(
        request,
        queryset=selectors.event_list(user=request.user, filters=values),
        exporter=EventExporter,
        title=_("Volunteer service events"),
        filters=EVENT_FILTERS,
        values=values,
        detail_url=row_url("community:event_detail"),
        create_url=reverse("community:event_create")
        if may_add(request.user, ServiceEvent)
        else None,
        testid="event-table",
    )


def _sign_url(request, event: ServiceEvent) -> str:
    return request.build_absolute_uri(reverse("community:sign", args=[event.pk, event.sign_key]))


@require_GET
def event_detail(request, pk: int):
    event = get_restricted_or_404(
        ServiceEvent.objects.select_related("station", "region", "activity"),
        request.user,
        pk=pk,
        action="view",
    )
    rows = list(event.services.select_related("volunteer", "confirmed_by"))
    may_run = can(request.user, event, "change")
    came = [s for s in rows if s.status in (Service.Status.PRESENT, Service.Status.CONFIRMED)]
    suggested = next(
        (h for s in came if (h := services.suggested_hours(service=s)) is not None), None
    )
    context = {
        "event": event,
        "rows": rows,
        "may_run": may_run,
        "today": event.date == timezone.localdate(),
    }
    if may_run:
        url = _sign_url(request, event)
        context |= {
            "sign_url": url,
            "qr": segno.make(url, error="m").svg_data_uri(scale=6, border=2),
            "attendance": AttendanceForm(
                services=[s for s in rows if s.status != Service.Status.CONFIRMED],
                initial={"present": [s.volunteer_id for s in came]},
            ),
            "confirm": ConfirmForm(
                services=came,
                initial={"volunteers": [s.volunteer_id for s in came], "hours": suggested},
            )
            if came
            else None,
        }
    return render(request, "community/event_detail.html", context)


@require_POST
def event_step(request, pk: int, step: str):
    """``attendance`` (the worker's ticks) or ``confirm`` (hours)."""
    event = get_restricted_or_404(ServiceEvent.objects.all(), request.user, pk=pk, action="change")
    rows = list(event.services.select_related("volunteer"))
    if step == "attendance":
        form = AttendanceForm(request.POST, services=rows)
        service = services.attendance_record
    elif step == "confirm":
        form = ConfirmForm(request.POST, services=rows)
        service = services.hours_confirm
    else:
        raise Http404
    return form_step(
        request,
        form,
        write=lambda form: service(
            by=request.user, event=event, data=form.to_input(), request=request
        ),
        done=_("Saved."),
        back=reverse("community:event_detail", args=[event.pk]),
    )


@login_not_required
@require_http_methods(["GET", "POST"])
def sign(request, pk: int, key: str):
    """The page the event's QR code opens on a volunteer's phone (no account): sign in,
    then sign out, with the volunteer number and the phone's last four digits."""
    event = ServiceEvent.objects.select_related("station", "region").filter(pk=pk).first()
    if event is None or not constant_time_compare(event.sign_key, key):
        raise Http404
    form = SignForm(request.POST or None)
    done = None
    if request.method == "POST" and form.is_valid():
        try:
            done = services.event_sign(event=event, data=form.to_input(), request=request)
        except ValidationError as refused:
            show_refusal(form, refused)
    response = render(
        request,
        "community/sign.html",
        {"event": event, "form": form, "done": done},
        status=400 if request.method == "POST" and done is None else 200,
    )
    response["Cache-Control"] = "private, no-store"
    return response


RECORD_FILTERS = [
    Filter("region", gettext_lazy("Division code"), "region"),
    Filter("since", gettext_lazy("From"), "date"),
    Filter("until", gettext_lazy("To"), "date"),
    Filter("volunteer", gettext_lazy("Volunteer"), "id"),
]


@require_GET
def record_list(request):
    """志愿服务记录: confirmed service in the national record's fields; Excel, CSV, or JSON
    (``?export=json``, the exporter's ``json_keys``) for transfer to the national
    volunteer system."""
    values = read_filters(request, RECORD_FILTERS)
    qs = selectors.service_records(user=request.user, filters=values)
    return list_page(
        request,
        queryset=qs,
        exporter=NationalRecordExporter,
        title=_("Volunteer service records"),
        filters=RECORD_FILTERS,
        values=values,
        detail_url=row_url("community:event_detail", "event_id"),
        personal=True,
        testid="record-table",
        actions="community/_json_export.html",
    )


ORGANISATION_FILTERS = [
    Filter("region", gettext_lazy("Division code"), "region"),
    Filter("kind", gettext_lazy("Kind"), "select", Organisation.Kind.choices),
    Filter("stage", gettext_lazy("Stage"), "select", Organisation.Stage.choices),
]


@require_GET
def organisation_list(request):
    values = read_filters(request, ORGANISATION_FILTERS)
    return list_page(
        request,
        queryset=selectors.organisation_list(user=request.user, filters=values),
        exporter=OrganisationExporter,
        title=_("Community organisations"),
        filters=ORGANISATION_FILTERS,
        values=values,
        detail_url=lambda o: (
            reverse("community:organisation_edit", args=[o.pk])
            if can(request.user, o, "change")
            else ""
        ),
        create_url=reverse("community:organisation_create")
        if may_add(request.user, Organisation)
        else None,
        testid="organisation-table",
    )


# ----- charity resources ledger --------------------------------------------------------------

DONOR_FILTERS = [
    Filter("region", gettext_lazy("Division code"), "region"),
    Filter("kind", gettext_lazy("Kind"), "select", Donor.Kind.choices),
]


@require_GET
def donor_list(request):
    values = read_filters(request, DONOR_FILTERS)
    return list_page(
        request,
        queryset=selectors.donor_list(user=request.user, filters=values),
        exporter=DonorExporter,
        title=_("Donors"),
        filters=DONOR_FILTERS,
        values=values,
        detail_url=lambda d: reverse("community:ledger") + f"?donor={d.pk}",
        create_url=reverse("community:donor_create") if may_add(request.user, Donor) else None,
        testid="donor-table",
    )


LEDGER_FILTERS = [
    Filter("region", gettext_lazy("Division code"), "region"),
    Filter("kind", gettext_lazy("Kind"), "select", Donation.Kind.choices),
    Filter("restriction", gettext_lazy("Restricted to"), "select", Donation.Restriction.choices),
    Filter("since", gettext_lazy("From"), "date"),
    Filter("until", gettext_lazy("To"), "date"),
    Filter("donor", gettext_lazy("Donor"), "id"),
]


@require_GET
def ledger(request):
    """慈善资源台账: every donation, what is allocated and the balance, with the totals;
    a station's or a county's ledger in Excel."""
    values = read_filters(request, LEDGER_FILTERS)
    qs = selectors.donation_list(user=request.user, filters=values)
    totals = selectors.ledger_totals(donations=qs)
    return list_page(
        request,
        queryset=qs,
        exporter=LedgerExporter,
        title=_("Charity resources ledger"),
        filters=LEDGER_FILTERS,
        values=values,
        detail_url=row_url("community:donation_detail"),
        create_url=reverse("community:donation_create")
        if may_add(request.user, Donation)
        else None,
        summary=_("Received ¥%(received)s · allocated ¥%(allocated)s · balance ¥%(balance)s")
        % totals,
        testid="ledger-table",
    )


@require_http_methods(["GET", "POST"])
def donation_detail(request, pk: int):
    """A donation: its allocations and balance, and (for the station's staff) the form to
    allocate from it."""
    donation = get_restricted_or_404(
        Donation.objects.select_related(
            "donor", "station", "restricted_category", "restricted_region"
        ),
        request.user,
        pk=pk,
    )
    may_allocate = can(request.user, donation, "change")
    form = None
    if may_allocate:
        form = AllocationForm(request.POST or None, user=request.user, donation=donation)
        if request.method == "POST" and form.is_valid():
            try:
                services.allocation_record(by=request.user, data=form.to_input(), request=request)
            except ValidationError as refused:
                show_refusal(form, refused)
            else:
                messages.success(request, _("Allocated."))
                return redirect("community:donation_detail", pk=donation.pk)
    elif request.method == "POST":
        raise PermissionDenied(_("Only the station's staff allocate its donations."))
    allocations = donation.allocations.select_related("activity", "case", "group", "region")
    return render(
        request,
        "community/donation_detail.html",
        {
            "donation": donation,
            "allocations": allocations,
            "balance": services.donation_balance(donation=donation),
            "form": form,
        },
        status=400 if request.method == "POST" else 200,
    )


ALLOCATION_FILTERS = [
    Filter("region", gettext_lazy("Division code"), "region"),
    Filter("since", gettext_lazy("From"), "date"),
    Filter("until", gettext_lazy("To"), "date"),
    Filter("donation", gettext_lazy("Donation"), "id"),
    Filter("activity", gettext_lazy("Activity"), "id"),
    Filter("id", gettext_lazy("Allocation"), "id"),
]


@require_GET
def allocation_list(request):
    values = read_filters(request, ALLOCATION_FILTERS)
    return list_page(
        request,
        queryset=selectors.allocation_list(user=request.user, filters=values),
        exporter=AllocationExporter,
        title=_("Allocations"),
        filters=ALLOCATION_FILTERS,
        values=values,
        detail_url=row_url("community:donation_detail", "donation_id"),
        testid="allocation-table",
    )


def _record_page(request, pk, *, model, form_cls, service, refused, titles, redirect_to):
    """Create (no ``pk``: only who may add one) or change (``pk``: only who may change it,
    else 404) one record of the station through its form and its service."""
    instance = None
    if pk is None:
        if not may_add(request.user, model):
            raise PermissionDenied(refused)
    else:
        instance = get_restricted_or_404(model.objects.all(), request.user, pk=pk, action="change")
    return form_page(
        request,
        form_cls(request.POST or None, instance=instance, user=request.user),
        save=through(service, edit=instance is not None),
        template="work/record_form.html",
        context={"title": titles[1] if instance else titles[0]},
        message=_("“%(name)s” was saved."),
        redirect_to=redirect_to,
    )


@require_http_methods(["GET", "POST"])
def volunteer_edit(request, pk: int | None = None):
    """Register a volunteer (no ``pk``) or correct one, by the station's staff."""
    return _record_page(
        request,
        pk,
        model=Volunteer,
        form_cls=VolunteerForm,
        service=services.volunteer_record,
        refused=_("Only station staff register volunteers."),
        titles=(_("Register a volunteer"), _("Correct the volunteer")),
        redirect_to=lambda v: reverse("community:volunteer_detail", args=[v.pk]),
    )


@require_http_methods(["GET", "POST"])
def team_edit(request, pk: int | None = None):
    """Form a volunteer team (no ``pk``) or change one, by the station's staff."""
    return _record_page(
        request,
        pk,
        model=VolunteerTeam,
        form_cls=TeamForm,
        service=services.team_record,
        refused=_("Only station staff form volunteer teams."),
        titles=(_("Form a volunteer team"), _("Change the team")),
        redirect_to=lambda t: reverse("community:volunteer_list") + f"?team={t.pk}",
    )


@require_http_methods(["GET", "POST"])
def event_edit(request, pk: int | None = None):
    """Plan volunteer service (no ``pk``) or change it, by the station's staff."""
    return _record_page(
        request,
        pk,
        model=ServiceEvent,
        form_cls=EventForm,
        service=services.event_record,
        refused=_("Only station staff organise volunteer service."),
        titles=(_("Plan volunteer service"), _("Change the event")),
        redirect_to=lambda e: reverse("community:event_detail", args=[e.pk]),
    )


@require_http_methods(["GET", "POST"])
def organisation_edit(request, pk: int | None = None):
    """Register a community organisation (no ``pk``) or change one."""
    return _record_page(
        request,
        pk,
        model=Organisation,
        form_cls=OrganisationForm,
        service=services.organisation_record,
        refused=_("Only station staff register community organisations."),
        titles=(_("Register a community organisation"), _("Change the organisation")),
        redirect_to=lambda o: reverse("community:organisation_list"),
    )


@require_http_methods(["GET", "POST"])
def donor_edit(request, pk: int | None = None):
    """Record a donor (no ``pk``) or change one."""
    return _record_page(
        request,
        pk,
        model=Donor,
        form_cls=DonorForm,
        service=services.donor_record,
        refused=_("Only station staff keep the charity ledger."),
        titles=(_("Record a donor"), _("Change the donor")),
        redirect_to=lambda d: reverse("community:donor_list"),
    )


@require_http_methods(["GET", "POST"])
def donation_edit(request, pk: int | None = None):
    """Record a donation (no ``pk``) or correct one."""
    return _record_page(
        request,
        pk,
        model=Donation,
        form_cls=DonationForm,
        service=services.donation_record,
        refused=_("Only station staff keep the charity ledger."),
        titles=(_("Record a donation"), _("Correct the donation")),
        redirect_to=lambda d: reverse("community:donation_detail", args=[d.pk]),
    )
