"""Odd values in every filter of every list, pages and API alike (finding 6).

``?region=²`` passed ``isdigit()`` but not ``int()`` and broke ten list pages; ``?agency=1.5``
and ``?star=abc`` broke the station list. The lists to try are generated, not listed: every
URL of the URL conf that takes no argument is opened as each role, the filters are read
from the page's own filter form (so a new filter is tried the day it is shown), and every
GET operation of the OpenAPI document is called with odd values in each of its query
parameters. Nothing may answer 5xx.
"""

from html.parser import HTMLParser

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

ODD = [
    "²",
    "٤٣٠٣",
    "４３０３",
    "४३",
    "𝟒𝟑",
    "abc",
    "1.5",
    "-1",
    "9" * 40,
    "2024-02-30",
    "0001-01-01",
    "🙂",
    "x" * 3000,
    "NaN",
]
ROLES = ["social_worker", "county_officer", "security_admin", "audit_admin"]
# always tried as well, in case a page reads a parameter its form does not show
KNOWN = {"q", "region", "station", "agency", "star", "tier", "role", "page", "since", "until"}


# not lists: the API (tried below), the Django admin, files, and the login and
# second-factor pages (each GET of the enrolment page draws a new QR code)
SKIP = ("/api/", "/admin/", "/static/", "/media/", "/accounts/log", "/accounts/otp/", "/i18n/")


class FilterForm(HTMLParser):
    """The names of the inputs and selects of every GET form on a page."""

    def __init__(self):
        super().__init__()
        self.names: set[str] = set()
        self._in_get_form = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._in_get_form = (a.get("method") or "get").lower() == "get"
        elif tag in ("input", "select") and self._in_get_form and a.get("name"):
            if a.get("type") not in ("submit", "hidden") or a["name"] in KNOWN:
                self.names.add(a["name"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_get_form = False


def _plain_urls(resolver=None, prefix=""):
    """Every URL of the URL conf without arguments (a list, a dashboard, a search)."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _plain_urls(entry, route)
        elif isinstance(entry, URLPattern) and "<" not in route and "(?P" not in route:
            path = "/" + route.lstrip("^").rstrip("$")
            if not path.startswith(SKIP):
                yield path


def test_every_filter_of_every_page_survives_odd_values(client, world):
    tried: dict[str, set[str]] = {}
    for role in ROLES:
        client.force_login(world.actors[role])
        for url in sorted(set(_plain_urls())):
            page = client.get(url)
            if page.status_code != 200 or "text/html" not in page.get("Content-Type", ""):
                continue
            form = FilterForm()
            form.feed(page.content.decode())
            names = form.names | KNOWN
            tried.setdefault(url, set()).update(form.names)
            if not form.names:  # a page without filters: one request with the usual names
                response = client.get(url, dict.fromkeys(KNOWN, "²"))
                assert response.status_code < 500, (role, url)
                continue
            for value in ODD:
                response = client.get(url, dict.fromkeys(names, value))
                assert response.status_code < 500, (role, url, value)
            for name in names:
                response = client.get(url, {name: "²"})
                assert response.status_code < 500, (role, url, name)
    # the walk found the lists and read their filters (it cannot pass by finding nothing)
    with_filters = {url for url, names in tried.items() if names & {"region", "q", "since"}}
    assert {"/stations/", "/accounts/users/", "/people/", "/work/visits/"} <= with_filters
    assert len(with_filters) >= 10


@pytest.fixture
def api_gets():
    from shegong.api import api

    schema = api.get_openapi_schema()
    return [
        (path, [p["name"] for p in op.get("parameters", []) if p["in"] == "query"])
        for path, ops in schema["paths"].items()
        for method, op in ops.items()
        if method == "get" and "{" not in path
    ]


def test_every_query_parameter_of_the_api_survives_odd_values(client, world, api_gets):
    assert len(api_gets) >= 6
    for role in ("county_officer",):  # schemathesis tries the worker's (tests/test_api_fuzz.py)
        client.force_login(world.actors[role])
        for path, params in api_gets:
            for name in params:
                for value in ODD:
                    response = client.get(path, {name: value})
                    assert response.status_code < 500, (role, path, name, value)
                    assert response.status_code in (200, 403, 404, 422), (path, name, value)
