"""A region's totals are the sums of its children's counts (``stations.selectors
.region_overview``): the home page and the region page read them in three queries, not
five, and show the same figures as ``region_totals`` counts directly."""

import pytest

from shegong.accounts.roles import Role
from shegong.regions.models import Region
from shegong.stations.models import Station
from shegong.stations.selectors import region_overview, region_totals

from .factories import StationFactory, UserFactory


@pytest.mark.parametrize("code", ["43", "4303", "430302", "430302001", "430302001001"])
def test_the_totals_are_those_counted_directly_at_every_level(world, code):
    user = world.actors["system_admin"]
    region = Region.objects.get(code=code)
    before, _rows = region_overview(region=region, user=user)
    # rows placed at the county's own code, under none of its townships, count in its totals
    county = StationFactory(name="县级社工站", region_id="430302", tier=Station.Tier.TOWNSHIP)
    UserFactory(
        username="county_worker", role=Role.SOCIAL_WORKER, station=county, scope_region_id="430302"
    )
    UserFactory(
        username="gone",
        role=Role.SOCIAL_WORKER,
        station=county,
        scope_region_id="430302",
        is_active=False,
    )
    totals, rows = region_overview(region=region, user=user)
    assert totals == region_totals(region=region, user=user)
    added = 1 if "430302".startswith(code) else 0
    assert totals == {"stations": before["stations"] + added, "staff": before["staff"] + added}
    assert sum(r.stations for r in rows) <= totals["stations"]
