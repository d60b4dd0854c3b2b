from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from shegong.core.divisions import region_filter
from shegong.core.forms import form_page, through
from shegong.core.lists import Filter, list_page, read_filters
from shegong.core.restrict import can, get_restricted_or_404, may_add

from .exporters import TrainingExporter
from .forms import SocialWorkerProfileForm, TrainingRecordForm
from .models import SocialWorkerProfile, TrainingRecord
from .services import training_record, worker_profile_record


@require_GET
def training_list(request):
    filters = [
        Filter("region", gettext_lazy("Division code"), "region"),
        Filter("kind", gettext_lazy("Kind"), "select", TrainingRecord.Kind.choices),
        Filter("since", gettext_lazy("From"), "date"),
        Filter("until", gettext_lazy("To"), "date"),
    ]
    values = read_filters(request, filters)
    qs = TrainingRecord.objects.restrict(request.user).select_related("worker")
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
        detail_url=lambda t: reverse("accounts:user_detail", args=[t.worker_id]),
        create_url=reverse("workforce:training_create")
        if may_add(request.user, TrainingRecord)
        else None,
    )


@require_http_methods(["GET", "POST"])
def training_create(request):
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
