"""Query counts of the main pages are pinned, and do not grow with the number of rows.

Every logged-in request costs 5 fixed queries: the session, the user (with scope region
and station, one join), and the session save that implements the idle timeout (savepoint,
update, release). The rest is the page's own.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shegong.accounts.roles import Role

from .factories import ProfileFactory, StationFactory, UserFactory

PAGES = {
    # name: (url, role, pinned number of queries)
    "home (county officer)": (lambda w: reverse("home"), "county_officer", 12),
    "home (social worker)": (lambda w: reverse("home"), "social_worker", 9),
    "region detail (city)": (
        lambda w: reverse("regions:detail", args=["4303"]),
        "city_officer",
        13,
    ),
    "station list": (lambda w: reverse("stations:list"), "province_officer", 7),
    "station detail": (
        lambda w: reverse("stations:detail", args=[w.places["own"].station.pk]),
        "province_officer",
        8,
    ),
    "agency list": (lambda w: reverse("stations:agency_list"), "province_officer", 7),
    "people list": (lambda w: reverse("accounts:user_list"), "province_officer", 7),
    "station API": (lambda w: "/api/stations", "province_officer", 7),
    "station export": (lambda w: reverse("stations:list") + "?export=xlsx", "province_officer", 6),
}


def _grow(world, n: int):
    """Add ``n`` stations with staff in each place."""
    for name, place in world.places.items():
        for i in range(n):
            station = StationFactory(
                name=f"{name}加站{i}", region_id=place.township, agency=place.agency
            )
            for j in range(2):
                user = UserFactory(
                    username=f"g{name}{i}_{j}", role=Role.SOCIAL_WORKER, station=station
                )
                ProfileFactory(user=user)


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("page", list(PAGES))
def test_query_count_is_pinned_and_flat(client, world, page):
    build, role, pinned = PAGES[page]
    client.force_login(world.actors[role])
    url = build(world)
    _count(client, url)  # warm the session
    small = _count(client, url)
    _grow(world, 5)
    large = _count(client, url)
    assert (small, large) == (pinned, pinned)
