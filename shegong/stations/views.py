from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from shegong.core.exporters import export_response
from shegong.core.filters import read_filters
from shegong.core.forms import form_page
from shegong.core.pagination import paginate, querystring_without_page
from shegong.core.restrict import can, get_restricted_or_404, may_add
from shegong.regions import selectors as region_selectors
from shegong.regions.models import Region

from . import selectors, services
from .exporters import AgencyExporter, StationExporter
from .forms import AgencyForm, StationForm
from .models import Agency, Station
from .selectors import AGENCY_FILTERS, STATION_FILTERS


@require_GET
def station_list(request):
    filters = read_filters(request, STATION_FILTERS)
    qs = selectors.station_list(user=request.user, filters=filters)
    if request.GET.get("export") in ("xlsx", "csv"):
        return export_response(request, StationExporter, qs, personal=False, filters=filters)
    region = None
    if filters.get("region"):
        region = Region.objects.restrict(request.user).filter(code=filters["region"]).first()
    return render(
        request,
        "stations/station_list.html",
        {
            "page": paginate(request, qs),
            "filters": filters,
            "filter_region": region,
            "querystring": querystring_without_page(request),
            "tiers": Station.Tier.choices,
            "versions": Station.ServiceVersion.choices,
            "agencies": Agency.objects.restrict(request.user).order_by("name"),
            "can_add": may_add(request.user, Station),
        },
    )


@require_GET
def station_detail(request, pk: int):
    station = get_restricted_or_404(
        Station.objects.select_related("region", "region__parent", "agency"),
        request.user,
        pk=pk,
    )
    staff = (
        station.staff.filter(is_active=True)
        .select_related("worker_profile")
        .order_by("-role", "full_name")
    )
    return render(
        request,
        "stations/station_detail.html",
        {
            "station": station,
            "staff": staff,
            "can_change": can(request.user, station, "change"),
        },
    )


@require_http_methods(["GET", "POST"])
def station_create(request):
    if not may_add(request.user, Station):
        raise PermissionDenied(_("You may not add stations."))
    return form_page(
        request,
        StationForm(request.POST or None, user=request.user),
        save=services.station_save,
        template="stations/station_form.html",
        context={"station": None},
        message=_("Station “%(name)s” was created."),
        redirect_to=lambda s: reverse("stations:detail", args=[s.pk]),
    )


@require_http_methods(["GET", "POST"])
def station_edit(request, pk: int):
    station = get_restricted_or_404(Station.objects.all(), request.user, pk=pk)
    if not can(request.user, station, "change"):
        raise PermissionDenied(_("You may not change this station."))
    return form_page(
        request,
        StationForm(request.POST or None, instance=station, user=request.user),
        save=services.station_save,
        template="stations/station_form.html",
        context={"station": station},
        message=_("Station “%(name)s” was saved."),
        redirect_to=lambda s: reverse("stations:detail", args=[s.pk]),
    )


@require_GET
def agency_list(request):
    filters = read_filters(request, AGENCY_FILTERS)
    qs = selectors.agency_list(user=request.user, filters=filters)
    if request.GET.get("export") in ("xlsx", "csv"):
        return export_response(request, AgencyExporter, qs, personal=False, filters=filters)
    return render(
        request,
        "stations/agency_list.html",
        {
            "page": paginate(request, qs),
            "filters": filters,
            "querystring": querystring_without_page(request),
            "can_add": may_add(request.user, Agency),
        },
    )


@require_GET
def agency_detail(request, pk: int):
    agency = get_restricted_or_404(Agency.objects.select_related("region"), request.user, pk=pk)
    stations = selectors.station_list(user=request.user, filters={"agency": str(agency.pk)})
    return render(
        request,
        "stations/agency_detail.html",
        {
            "agency": agency,
            "stations": stations[:200],
            "can_change": can(request.user, agency, "change"),
        },
    )


@require_http_methods(["GET", "POST"])
def agency_create(request):
    if not may_add(request.user, Agency):
        raise PermissionDenied(_("You may not add agencies."))
    return form_page(
        request,
        AgencyForm(request.POST or None, user=request.user),
        save=services.agency_save,
        template="stations/agency_form.html",
        context={"agency": None},
        message=_("Agency “%(name)s” was created."),
        redirect_to=lambda a: reverse("stations:agency_detail", args=[a.pk]),
    )


@require_http_methods(["GET", "POST"])
def agency_edit(request, pk: int):
    agency = get_restricted_or_404(Agency.objects.all(), request.user, pk=pk)
    if not can(request.user, agency, "change"):
        raise PermissionDenied(_("You may not change this agency."))
    return form_page(
        request,
        AgencyForm(request.POST or None, instance=agency, user=request.user),
        save=services.agency_save,
        template="stations/agency_form.html",
        context={"agency": agency},
        message=_("Agency “%(name)s” was saved."),
        redirect_to=lambda a: reverse("stations:agency_detail", args=[a.pk]),
    )


@require_GET
def region_detail(request, code: str):
    """A region with its children and their station and staff counts (mounted by the root
    URLconf as ``regions:detail``: the page needs stations, which regions cannot import)."""
    region = get_restricted_or_404(Region.objects, request.user, "view", code=code)
    return render(
        request,
        "regions/detail.html",
        {
            "region": region,
            "breadcrumb": region_selectors.region_breadcrumb(region=region, user=request.user),
            "rows": selectors.region_children_with_counts(region=region, user=request.user),
            "totals": selectors.region_totals(region=region, user=request.user),
        },
    )
