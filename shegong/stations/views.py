from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from shegong.core.forms import editable, form_page, through
from shegong.core.links import row_url
from shegong.core.lists import list_page, read_filters
from shegong.core.panels import panels_for
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
    values = read_filters(request, STATION_FILTERS)
    title = _("Stations")
    if values.get("region"):
        region = Region.objects.restrict(request.user).filter(code=values["region"]).first()
        title = f"{title} · {region.name}" if region else title
    return list_page(
        request,
        queryset=selectors.station_list(user=request.user, filters=values),
        exporter=StationExporter,
        title=title,
        filters=STATION_FILTERS,
        values=values,
        detail_url=row_url("stations:detail"),
        create_url=reverse("stations:create") if may_add(request.user, Station) else None,
        testid="station-table",
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
            "panels": panels_for("station", subject=station, user=request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def station_edit(request, pk: int | None = None):
    """Create (no ``pk``) or edit a station: one view, one form, one service."""
    station = editable(
        request,
        Station,
        pk,
        add_refused=_("You may not add stations."),
        change_refused=_("You may not change this station."),
    )
    return form_page(
        request,
        StationForm(request.POST or None, instance=station, user=request.user),
        save=through(services.station_record, edit=True),
        template="stations/station_form.html",
        context={"station": station},
        message=_("Station “%(name)s” was saved.")
        if station
        else _("Station “%(name)s” was created."),
        redirect_to=lambda s: reverse("stations:detail", args=[s.pk]),
    )


@require_GET
def agency_list(request):
    values = read_filters(request, AGENCY_FILTERS)
    return list_page(
        request,
        queryset=selectors.agency_list(user=request.user, filters=values),
        exporter=AgencyExporter,
        title=_("Agencies"),
        filters=AGENCY_FILTERS,
        values=values,
        detail_url=row_url("stations:agency_detail"),
        create_url=reverse("stations:agency_create") if may_add(request.user, Agency) else None,
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
            "panels": panels_for("agency", subject=agency, user=request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def agency_edit(request, pk: int | None = None):
    """Create (no ``pk``) or edit an agency."""
    agency = editable(
        request,
        Agency,
        pk,
        add_refused=_("You may not add agencies."),
        change_refused=_("You may not change this agency."),
    )
    return form_page(
        request,
        AgencyForm(request.POST or None, instance=agency, user=request.user),
        save=through(services.agency_record, edit=True),
        template="stations/agency_form.html",
        context={"agency": agency},
        message=_("Agency “%(name)s” was saved.")
        if agency
        else _("Agency “%(name)s” was created."),
        redirect_to=lambda a: reverse("stations:agency_detail", args=[a.pk]),
    )


@require_GET
def region_detail(request, code: str):
    """A region with its children and their station and staff counts (mounted by the root
    URLconf as ``regions:detail``: the page needs stations, which regions cannot import)."""
    region = get_restricted_or_404(Region.objects, request.user, "view", code=code)
    totals, rows = selectors.region_overview(region=region, user=request.user)
    return render(
        request,
        "regions/detail.html",
        {
            "region": region,
            "breadcrumb": region_selectors.region_breadcrumb(region=region, user=request.user),
            "rows": rows,
            "totals": totals,
        },
    )
