from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shegong.accounts.roles import STATION_ROLES
from shegong.core.divisions import region_filter
from shegong.core.files import private_file
from shegong.core.forms import form_page, through
from shegong.core.links import row_url
from shegong.core.lists import VOID_FILTER, Filter, list_page, read_filters, void_filtered
from shegong.core.replica import heavy_reads
from shegong.core.restrict import can, get_restricted_or_404, may_add
from shegong.indicators.corrections import correction_state
from shegong.indicators.views import void_page

from .exporters import RegistryExporter, TrainingExporter
from .forms import RegistrationForm, SocialWorkerProfileForm, TrainingRecordForm
from .models import CertificateStatus, Qualification, SocialWorkerProfile, TrainingRecord
from .selectors import REGISTRY_READERS, awaiting_first, registered, registry_counts
from .services import (
    certificate_review,
    registration_record,
    training_record,
    worker_profile_record,
)
from .services import training_void as training_void_service


@require_GET
def training_list(request):
    filters = [
        Filter("region", gettext_lazy("Division code"), "region"),
        Filter("kind", gettext_lazy("Kind"), "select", TrainingRecord.Kind.choices),
        Filter("since", gettext_lazy("From"), "date"),
        Filter("until", gettext_lazy("To"), "date"),
        VOID_FILTER,
    ]
    values = read_filters(request, filters)
    qs = void_filtered(
        TrainingRecord.objects.restrict(request.user).select_related("worker"), values
    )
    if values.get("region"):
        qs = qs.filter(region_filter("region_code", values["region"]))
    if values.get("kind"):
        qs = qs.filter(kind=values["kind"])
    if values.get("since"):
        qs = qs.filter(date__gte=values["since"])
    if values.get("until"):
        qs = qs.filter(date__lte=values["until"])
    return list_page(
        request,
        queryset=qs.order_by("-date", "-pk"),
        exporter=TrainingExporter,
        title=_("Training and supervision"),
        filters=filters,
        values=values,
        detail_url=row_url("workforce:training_detail"),
        create_url=reverse("workforce:training_create")
        if may_add(request.user, TrainingRecord)
        else None,
    )


@require_GET
def training_detail(request, pk: int):
    record = get_restricted_or_404(
        TrainingRecord.objects.select_related("worker", "created_by", "voided_by"),
        request.user,
        pk=pk,
    )
    return render(
        request,
        "workforce/training_detail.html",
        {"record": record, "correction": correction_state(user=request.user, record=record)},
    )


def _correctable(request, pk):
    record = get_restricted_or_404(
        TrainingRecord.objects.select_related("worker"), request.user, pk=pk
    )
    state = correction_state(user=request.user, record=record)
    if not (state.may_edit or state.locked or state.voided):
        raise PermissionDenied(
            _("Only whoever recorded it, or the station lead, may correct or void a record.")
        )
    return record


@require_http_methods(["GET", "POST"])
def training_edit(request, pk: int | None = None):
    """Record training or supervision (no ``pk``), or correct a record: its author or the
    station lead, while its month is open."""
    if pk is None:
        if not may_add(request.user, TrainingRecord):
            raise PermissionDenied(_("Only station staff record training received."))
        return form_page(
            request,
            TrainingRecordForm(request.POST or None, user=request.user),
            save=through(training_record),
            template="work/record_form.html",
            context={"title": _("Record training or supervision")},
            message=_("“%(name)s” was saved."),
            redirect_to=lambda t: reverse("workforce:training_list"),
        )
    record = _correctable(request, pk)
    return form_page(
        request,
        TrainingRecordForm(request.POST or None, instance=record, user=request.user),
        save=through(training_record, edit=True),
        template="work/record_form.html",
        context={"title": _("Correct training or supervision")},
        message=_("“%(name)s” was corrected."),
        redirect_to=lambda t: reverse("workforce:training_detail", args=[t.pk]),
    )


@require_http_methods(["GET", "POST"])
def training_void(request, pk: int):
    record = _correctable(request, pk)
    return void_page(
        request,
        record,
        save=training_void_service,
        title=_("Void training or supervision"),
        back=reverse("workforce:training_detail", args=[pk]),
    )


@require_http_methods(["GET", "POST"])
def worker_profile_edit(request, pk: int):
    profile = get_restricted_or_404(
        SocialWorkerProfile.objects.select_related("user__station"), request.user, user_id=pk
    )
    if not can(request.user, profile, "change"):
        raise PermissionDenied(_("You may not change this worker's profile."))
    person = profile.user
    return form_page(
        request,
        SocialWorkerProfileForm(request.POST or None, instance=profile, station=person.station),
        save=through(worker_profile_record, edit=True),
        template="workforce/profile_form.html",
        context={"person": person},
        message=_("Profile of %(name)s was saved."),
        redirect_to=lambda p: reverse("accounts:user_detail", args=[p.user_id]),
    )


# ----- online registration (专业人才在线登记) ------------------------------------------------


@require_http_methods(["GET", "POST"])
def registration(request):
    """A worker's own registration: education, qualification, certificate and scan,
    with its review; the training received is listed below."""
    if request.user.role not in STATION_ROLES:
        raise PermissionDenied(_("Only station staff register as professionals."))
    profile, _created = SocialWorkerProfile.objects.get_or_create(user=request.user)
    training = TrainingRecord.objects.filter(worker=request.user).order_by("-date")[:50]
    return form_page(
        request,
        RegistrationForm(request.POST or None, request.FILES or None, instance=profile),
        save=through(registration_record),
        template="workforce/registration.html",
        context={"profile": profile, "training": training},
        message=_("Your registration was saved."),
        redirect_to=lambda p: reverse("workforce:registration"),
    )


REGISTRY_FILTERS = [
    Filter("region", gettext_lazy("Division code"), "region"),
    Filter("qualification", gettext_lazy("Qualification"), "select", Qualification.choices),
    Filter("status", gettext_lazy("Certificate review"), "select", CertificateStatus.choices),
]


@require_GET
@heavy_reads  # a province's professionals: planned for its range each time, off the replica
def registry_list(request):
    """The registry of professionals in the officer's region, with counts by level."""
    if request.user.role not in REGISTRY_READERS:
        raise PermissionDenied(_("The registry of professionals is for civil-affairs officers."))
    values = read_filters(request, REGISTRY_FILTERS)
    queryset = registered(user=request.user, filters=values)
    counts = registry_counts(queryset=queryset)
    labels = dict(Qualification.choices)
    summary = "；".join(
        [_("%(n)s registered") % {"n": counts["total"]}]
        + [f"{labels[q.value]} {counts[q.value]}" for q in Qualification]
        + [
            _("%(n)s certificates verified, %(m)s awaiting review")
            % {"n": counts["verified"], "m": counts["submitted"]}
        ]
    )
    return list_page(
        request,
        queryset=awaiting_first(queryset=queryset, awaiting=counts["submitted"]),
        exporter=RegistryExporter,
        title=_("Registry of professionals"),
        filters=REGISTRY_FILTERS,
        values=values,
        detail_url=row_url("accounts:user_detail", "user_id"),
        summary=summary,
        count=counts["total"],
    )


@require_POST
def certificate_decide(request, pk: int):
    profile = get_restricted_or_404(
        SocialWorkerProfile.objects.select_related("user"), request.user, user_id=pk
    )
    try:
        certificate_review(
            by=request.user,
            profile=profile,
            verify=bool(request.POST.get("verify")),
            note=request.POST.get("note", ""),
            request=request,
        )
        messages.success(request, _("The certificate review was saved."))
    except ValidationError as refused:
        for message in refused.messages:
            messages.error(request, message)
    return redirect("accounts:user_detail", pk)


@require_GET
def certificate_scan(request, pk: int):
    """A worker's certificate scan: for the worker and those who may change the profile."""
    profile = get_restricted_or_404(SocialWorkerProfile.objects, request.user, user_id=pk)
    if not profile.certificate_scan or not (
        profile.user_id == request.user.pk or can(request.user, profile, "change")
    ):
        raise Http404
    return private_file(profile.certificate_scan, profile.certificate_scan_kind)
