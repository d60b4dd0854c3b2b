"""Role × place × URL → status. The expected policy is written out here, independently
of the code; a URL pattern that is in neither table fails ``test_every_url_is_in_the_matrix``.

Places: "own" county (雨湖区), "neighbour" county of the same city (岳塘区), a county of
the "other_city" (芙蓉区, 长沙市). Every actor is scoped to "own" (the three
administrators are nationwide). Outside scope is always 404, never 403.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from .conftest import PLACES, ROLES

ALL = set(PLACES)
OWN = {"own"}
CITY = {"own", "neighbour"}
NONE: set[str] = set()

# What each role may view and change, by kind of object, in terms of places.
POLICY = {
    "county_officer": {
        "view": dict(region=OWN, station=OWN, agency=OWN, user=OWN),
        "change": dict(station=OWN, agency=OWN, user=NONE, profile=OWN),
    },
    "city_officer": {
        "view": dict(region=CITY, station=CITY, agency=CITY, user=CITY),
        "change": dict(station=CITY, agency=CITY, user=NONE, profile=CITY),
    },
    "province_officer": {
        "view": dict(region=ALL, station=ALL, agency=ALL, user=ALL),
        "change": dict(station=ALL, agency=ALL, user=NONE, profile=ALL),
    },
    "evaluator": {
        "view": dict(region=OWN, station=OWN, agency=OWN, user=NONE),
        "change": dict(station=NONE, agency=NONE, user=NONE, profile=NONE),
    },
    "station_lead": {
        "view": dict(region=OWN, station=OWN, agency=OWN, user=OWN),
        "change": dict(station=OWN, agency=NONE, user=NONE, profile=OWN),
    },
    "social_worker": {
        "view": dict(region=OWN, station=OWN, agency=OWN, user=OWN),
        "change": dict(station=NONE, agency=NONE, user=NONE, profile=NONE),
    },
    "agency_admin": {
        "view": dict(region=OWN, station=OWN, agency=OWN, user=OWN),
        "change": dict(station=NONE, agency=OWN, user=NONE, profile=OWN),
    },
    "system_admin": {
        "view": dict(region=ALL, station=ALL, agency=ALL, user=ALL),
        "change": dict(station=ALL, agency=ALL, user=NONE, profile=NONE),
    },
    "security_admin": {
        "view": dict(region=ALL, station=ALL, agency=ALL, user=ALL),
        "change": dict(station=NONE, agency=NONE, user=ALL, profile=NONE),
    },
    "audit_admin": {
        "view": dict(region=NONE, station=NONE, agency=NONE, user=NONE),
        "change": dict(station=NONE, agency=NONE, user=NONE, profile=NONE),
    },
}
assert set(POLICY) == set(ROLES)

# URL name -> (kind, action, how to build it from a place)
OBJECT_URLS = {
    "regions:detail": ("region", "view", lambda p: reverse("regions:detail", args=[p.township])),
    "stations:detail": (
        "station",
        "view",
        lambda p: reverse("stations:detail", args=[p.station.pk]),
    ),
    "stations:edit": ("station", "change", lambda p: reverse("stations:edit", args=[p.station.pk])),
    "stations:detail#room": (
        "station",
        "view",
        lambda p: reverse("stations:detail", args=[p.room.pk]),
    ),
    "stations:agency_detail": (
        "agency",
        "view",
        lambda p: reverse("stations:agency_detail", args=[p.agency.pk]),
    ),
    "stations:agency_edit": (
        "agency",
        "change",
        lambda p: reverse("stations:agency_edit", args=[p.agency.pk]),
    ),
    "accounts:user_detail": (
        "user",
        "view",
        lambda p: reverse("accounts:user_detail", args=[p.worker.pk]),
    ),
    "accounts:user_edit": (
        "user",
        "change",
        lambda p: reverse("accounts:user_edit", args=[p.worker.pk]),
    ),
    "accounts:profile_edit": (
        "user",
        "change:profile",
        lambda p: reverse("accounts:profile_edit", args=[p.worker.pk]),
    ),
    "api:region_get": ("region", "view", lambda p: f"/api/regions/{p.township}"),
    "api:region_children": ("region", "view", lambda p: f"/api/regions/{p.township}/children"),
    "api:station_get": ("station", "view", lambda p: f"/api/stations/{p.station.pk}"),
    "api:agency_get": ("agency", "view", lambda p: f"/api/agencies/{p.agency.pk}"),
}

# Pages without an object: role -> expected status.
SCOPED_LISTS = {"stations:list", "stations:agency_list", "accounts:user_list"}
LIST_URLS = {
    "home": lambda role: 200,
    "regions:search": lambda role: 200,
    "regions:browse": lambda role: {"audit_admin": 404}.get(
        role, 200 if role in ("system_admin", "security_admin") else 302
    ),
    "stations:list": lambda role: 200,
    "stations:agency_list": lambda role: 200,
    "accounts:user_list": lambda role: 200,
    "stations:create": lambda role: (
        200
        if role in ("county_officer", "city_officer", "province_officer", "system_admin")
        else 403
    ),
    "stations:agency_create": lambda role: (
        200
        if role in ("county_officer", "city_officer", "province_officer", "system_admin")
        else 403
    ),
    "accounts:user_create": lambda role: 200 if role == "security_admin" else 403,
    "api:station_list": lambda role: 200,
    "api:agency_list": lambda role: 200,
}
# Not scoped data: reachable by anyone (login, language) or the system admin's own tool.
EXEMPT = {
    "accounts:login",
    "accounts:logout",
    "set_language",
    "api:api-root",  # 404, no data
    "api:openapi-json",  # the schema, no data
    "api:openapi-view",
}


def expected_status(role: str, kind: str, action: str, place: str) -> int:
    """404 unless visible; then 200 to view, and 200/403 to change (``change:other_kind``
    changes something hanging off the visible object, e.g. a worker's profile)."""
    rules = POLICY[role]
    if place not in rules["view"][kind]:
        return 404
    if action == "view":
        return 200
    changed = action.partition(":")[2] or kind
    return 200 if place in rules["change"][changed] else 403


CASES = [
    pytest.param(role, place, name, id=f"{role}-{place}-{name}")
    for role in ROLES
    for place in PLACES
    for name in OBJECT_URLS
]


@pytest.mark.parametrize(("role", "place", "url_name"), CASES)
def test_object_access(client, world, role, place, url_name):
    kind, action, build = OBJECT_URLS[url_name]
    client.force_login(world.actors[role])
    response = client.get(build(world.places[place]))
    assert response.status_code == expected_status(role, kind, action, place)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url_name", sorted(LIST_URLS))
def test_page_access(client, world, role, url_name):
    client.force_login(world.actors[role])
    response = client.get(_list_url(url_name))
    assert response.status_code == LIST_URLS[url_name](role)


def _list_url(name: str) -> str:
    if name == "api:station_list":
        return "/api/stations"
    if name == "api:agency_list":
        return "/api/agencies"
    return reverse(name)


@pytest.mark.parametrize("role", ROLES)
def test_lists_hold_only_what_is_in_scope(client, world, role):
    """Station, agency and people lists (HTML, API and Excel) show exactly the visible places."""
    client.force_login(world.actors[role])
    view = POLICY[role]["view"]
    checks = [
        (reverse("stations:list"), "station", lambda p: p.station.name),
        (reverse("stations:list") + "?export=csv", "station", lambda p: p.station.name),
        ("/api/stations", "station", lambda p: p.station.name),
        (reverse("stations:agency_list"), "agency", lambda p: p.agency.name),
        ("/api/agencies", "agency", lambda p: p.agency.name),
        (reverse("accounts:user_list"), "user", lambda p: p.worker.username),
        (reverse("accounts:user_list") + "?export=csv", "user", lambda p: p.worker.username),
    ]
    for url, kind, label in checks:
        body = client.get(url).content.decode()
        shown = {name for name, p in world.places.items() if label(p) in body}
        assert shown == view[kind], url


@pytest.mark.parametrize("url_name", sorted(set(OBJECT_URLS) | set(LIST_URLS)))
def test_anonymous_gets_nothing(client, world, url_name):
    if url_name in OBJECT_URLS:
        url = OBJECT_URLS[url_name][2](world.places["own"])
    else:
        url = _list_url(url_name)
    response = client.get(url)
    if url.startswith("/api/"):
        assert response.status_code == 401
    else:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def _url_names(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            ns = f"{prefix}{p.namespace}:" if p.namespace else prefix
            if p.namespace == "admin":
                continue
            yield from _url_names(p, ns)
        elif isinstance(p, URLPattern) and p.name:
            yield prefix + p.name


def test_every_url_is_in_the_matrix():
    covered = {n.split("#")[0] for n in OBJECT_URLS} | set(LIST_URLS) | EXEMPT
    missing = sorted(set(_url_names()) - covered)
    assert missing == [], f"add these URLs to the access matrix: {missing}"


def test_admin_is_for_the_system_admin_only(client, world):
    for role in ROLES:
        client.force_login(world.actors[role])
        response = client.get("/admin/stations/station/")
        assert response.status_code == (200 if role == "system_admin" else 302), role


def test_region_search_offers_only_regions_in_scope(client, world):
    client.force_login(world.actors["county_officer"])
    body = client.get(reverse("regions:search"), {"q": "43", "level": ["4"]}).content.decode()
    assert 'value="430302001"' in body and 'value="430302002"' in body
    assert "430304" not in body and "430102" not in body
    body = client.get(reverse("regions:search"), {"q": "街道"}).content.decode()
    assert "岳塘街道" not in body and "雨湖路街道" in body
