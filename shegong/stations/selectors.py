"""Reads of stations and agencies, always through ``restrict``."""

from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Substr
from django.utils.translation import gettext_lazy as _

from shegong.accounts.models import User
from shegong.accounts.roles import STATION_ROLES
from shegong.core.divisions import LEVEL_LENGTHS, in_subtree, region_filter
from shegong.core.filters import Filter
from shegong.regions.models import Region

from .models import Agency, Station

# The filters of the station and agency lists, for the pages and the API alike.
STAR_CHOICES = [(str(i), "★" * i) for i in range(1, 6)] + [("none", _("Not rated"))]
STATION_FILTERS = [
    Filter("q", _("Name or region")),
    Filter("region", _("Division code"), kind="region"),
    Filter(
        "tier",
        _("All tiers"),
        kind="select",
        choices=[*Station.Tier.choices, ("county_general", _("County general station"))],
    ),
    Filter(
        "service_version",
        _("All versions"),
        kind="select",
        choices=Station.ServiceVersion.choices,
    ),
    Filter("star", _("Any rating"), kind="select", choices=STAR_CHOICES),
    Filter("agency", _("Agency"), kind="id"),
]
AGENCY_FILTERS = [
    Filter("q", _("Name or credit code")),
    Filter("region", _("Division code"), kind="region"),
]


def station_list(*, user: User, filters: dict | None = None) -> QuerySet[Station]:
    """Stations the user may see, filtered; region and agency joined (no N+1)."""
    f = filters or {}
    qs = Station.objects.restrict(user).select_related("region", "region__parent", "agency")
    if f.get("q"):
        qs = qs.filter(Q(name__contains=f["q"]) | Q(region__name__contains=f["q"]))
    if f.get("region"):
        qs = qs.filter(region_filter("region_id", f["region"]))
    if f.get("tier"):
        if f["tier"] == "county_general":
            qs = qs.filter(is_county_general=True)
        else:
            qs = qs.filter(tier=f["tier"])
    if f.get("service_version"):
        qs = qs.filter(service_version=f["service_version"])
    if f.get("star"):
        qs = (
            qs.filter(star_rating=f["star"])
            if f["star"] != "none"
            else qs.filter(star_rating__isnull=True)
        )
    if f.get("agency"):
        qs = qs.filter(agency_id=f["agency"])
    # A correlated count, evaluated only for the rows of the page (and dropped by count()),
    # rather than a join and GROUP BY over every station in scope.
    staff = (
        User.objects.filter(station=OuterRef("pk"), role__in=STATION_ROLES, is_active=True)
        .order_by()
        .values("station")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return qs.annotate(
        staff_count=Coalesce(Subquery(staff, output_field=IntegerField()), 0)
    ).order_by("region_id", "name")


def agency_list(*, user: User, filters: dict | None = None) -> QuerySet[Agency]:
    """Agencies ``user`` may see, filtered by name, credit code and place, with how many
    stations each runs."""
    f = filters or {}
    qs = Agency.objects.restrict(user).select_related("region")
    if f.get("q"):
        qs = qs.filter(Q(name__contains=f["q"]) | Q(credit_code__startswith=f["q"].upper()))
    if f.get("region"):
        qs = qs.filter(region_filter("region_id", f["region"]))
    return qs.annotate(station_count=Count("stations", distinct=True)).order_by("name")


# Counts by region: the region pages and the officers' home page


@dataclass
class RegionRow:
    region: Region
    stations: int
    staff: int


def _counts_by_prefix(queryset, field: str, code: str, length: int) -> dict[str, int]:
    rows = (
        queryset.filter(in_subtree(field, code))
        .annotate(k=Substr(field, 1, length))
        .values("k")
        .annotate(n=Count("pk"))
        .values_list("k", "n")
        .order_by()
    )
    return dict(rows)


def region_totals(*, region: Region, user: User) -> dict[str, int]:
    """Stations and station staff in the region and below: counts, not people, so every
    role that may open the region (the caller checked) sees the same figures as on the
    dashboard, whatever rows it may list."""
    stations = Station.objects.filter(in_subtree("region_id", region.code))
    staff = User.objects.filter(
        in_subtree("scope_region_id", region.code), role__in=STATION_ROLES, is_active=True
    )
    return {"stations": stations.count(), "staff": staff.count()}


def region_children_with_counts(*, region: Region, user: User) -> list[RegionRow]:
    """Each child region with its station and staff counts: three queries, any depth.

    Counts group on the code prefix of the child level, so a province of 2,000 stations
    and 8,000 workers is one index range scan per table, not a walk per child.
    """
    return region_overview(region=region, user=user)[1]


def region_overview(*, region: Region, user: User) -> tuple[dict[str, int], list[RegionRow]]:
    """``region_totals`` and ``region_children_with_counts`` together, in the three
    queries of the second: the totals are the sums of the groups by child prefix (rows
    placed at the region's own code, shorter than a child's, make a group of their own)."""
    if region.level >= 5:
        return region_totals(region=region, user=user), []
    length = LEVEL_LENGTHS[region.level + 1]
    children = list(Region.objects.restrict(user).filter(parent=region).order_by("code"))
    stations = _counts_by_prefix(Station.objects.all(), "region_id", region.code, length)
    staff = _counts_by_prefix(
        User.objects.filter(role__in=STATION_ROLES, is_active=True),
        "scope_region_id",
        region.code,
        length,
    )
    totals = {"stations": sum(stations.values()), "staff": sum(staff.values())}
    rows = [RegionRow(c, stations.get(c.code, 0), staff.get(c.code, 0)) for c in children]
    return totals, rows
