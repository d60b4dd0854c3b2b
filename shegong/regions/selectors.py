"""Reads of the region tree, always within what the user may see."""

from dataclasses import dataclass

from django.db.models import Count
from django.db.models.functions import Substr

from shegong.accounts.models import User
from shegong.accounts.roles import STATION_ROLES
from shegong.stations.models import Station

from .codes import LEVEL_LENGTHS, ancestor_codes, in_subtree, parse_region_code
from .models import Region


@dataclass
class RegionRow:
    region: Region
    stations: int
    staff: int


def region_breadcrumb(*, region: Region, user) -> list[tuple[Region, bool]]:
    """Ancestors then the region itself, each with whether the user may open it."""
    codes = ancestor_codes(region.code) + [region.code]
    regions = {r.code: r for r in Region.objects.filter(code__in=codes)}
    visible = set(
        Region.objects.restrict(user).filter(code__in=codes).values_list("code", flat=True)
    )
    return [(regions[c], c in visible) for c in codes if c in regions]


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


def region_totals(*, region: Region, user) -> dict[str, int]:
    """Stations and station staff in the region and below, as far as the user may see."""
    stations = Station.objects.restrict(user).filter(in_subtree("region_id", region.code))
    staff = User.objects.restrict(user).filter(
        in_subtree("scope_region_id", region.code), role__in=STATION_ROLES, is_active=True
    )
    return {"stations": stations.count(), "staff": staff.count()}


def region_children_with_counts(*, region: Region, user) -> list[RegionRow]:
    """Each child region with its station and staff counts: three queries, any depth.

    Counts group on the code prefix of the child level, so a province of 2,000 stations
    and 8,000 workers is one index range scan per table, not a walk per child.
    """
    if region.level >= 5:
        return []
    length = LEVEL_LENGTHS[region.level + 1]
    children = list(Region.objects.restrict(user).filter(parent=region).order_by("code"))
    stations = _counts_by_prefix(Station.objects.restrict(user), "region_id", region.code, length)
    staff = _counts_by_prefix(
        User.objects.restrict(user).filter(role__in=STATION_ROLES, is_active=True),
        "scope_region_id",
        region.code,
        length,
    )
    return [RegionRow(c, stations.get(c.code, 0), staff.get(c.code, 0)) for c in children]


def region_search(*, user, q: str, levels: list[int] | None = None, limit: int = 20):
    """Regions in scope whose name contains ``q`` or whose code starts with it."""
    qs = Region.objects.restrict(user)
    if levels:
        qs = qs.filter(level__in=levels)
    q = q.strip()[:50]
    if not q:
        return qs.none()
    code = parse_region_code(q)
    if code is not None:
        qs = qs.filter(in_subtree("code", code))
    else:
        qs = qs.filter(name__contains=q)
    return qs.select_related("parent").order_by("level", "code")[:limit]
