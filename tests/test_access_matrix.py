"""Role × place × URL → status. The expected policy is written out here, independently
of the code; a URL pattern that is in neither table fails ``test_every_url_is_in_the_matrix``.

Places: "own" county (雨湖区), "neighbour" county of the same city (岳塘区), a county of
the "other_city" (芙蓉区, 长沙市). Every actor is scoped to "own" (the three
administrators are nationwide). Outside scope is always 404, never 403.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from .conftest import PLACES, ROLES
from .test_api_tokens import TOKEN_URLS
from .test_api_writes import API_WRITE_URLS
from .test_corrections import CORRECTION_URLS
from .test_evaluation_access import NAMES as EVALUATION_URLS
from .test_exchange import EXCHANGE_URLS
from .test_field_sync import FIELD_URLS
from .test_health import HEALTH_URLS
from .test_households import HOUSEHOLD_URLS
from .test_imports import IMPORT_URLS
from .test_inbox import INBOX_URLS
from .test_ledger import LEDGER_URLS
from .test_month_signoff import MONTH_URLS
from .test_public import PUBLIC_URLS
from .test_purchase_access import NAMES as PURCHASE_URLS
from .test_registration import URLS as REGISTRATION_URLS
from .test_residents import RESIDENT_URLS
from .test_volunteer_imports import VOLUNTEER_IMPORT_URLS
from .test_volunteers import COMMUNITY_URLS
from .test_worker_imports import WORKER_IMPORT_URLS

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

# Person-level records (recipients and every kind of station work): station staff work in
# their township; officers see their region (the county officer may reveal masked
# fields); only the station lead approves case plans and closures; nobody else sees them.
PERSON = {
    # role: (view, change, reveal, approve)
    "county_officer": (OWN, NONE, OWN, NONE),
    "city_officer": (CITY, NONE, NONE, NONE),
    "province_officer": (ALL, NONE, NONE, NONE),
    "evaluator": (NONE, NONE, NONE, NONE),
    "station_lead": (OWN, OWN, OWN, OWN),
    "social_worker": (OWN, OWN, OWN, NONE),
    "agency_admin": (NONE, NONE, NONE, NONE),
    "system_admin": (NONE, NONE, NONE, NONE),
    "security_admin": (NONE, NONE, NONE, NONE),
    "audit_admin": (NONE, NONE, NONE, NONE),
}
PERSON_KINDS = ("recipient", "visit", "case", "group", "activity")
# The work lists (pages and their exports, not the API) that a role reads de-identified:
# the evaluator in its region, the agency for the stations it runs (names masked, free
# text such as a visit's situation left out).
MASKED = {"evaluator": OWN, "agency_admin": OWN}
for _role, (_view, _change, _reveal, _approve) in PERSON.items():
    for _kind in PERSON_KINDS:
        POLICY[_role]["view"][_kind] = _view
        POLICY[_role]["change"][_kind] = _change
    POLICY[_role]["change"]["reveal"] = _reveal
    POLICY[_role]["change"]["approve"] = _approve & _change

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
    "accounts:user_security": (
        "user",
        "change",
        lambda p: reverse("accounts:user_security", args=[p.worker.pk, "unlock"]),
        "post",
        302,
    ),
    "workforce:profile_edit": (
        "user",
        "change:profile",
        lambda p: reverse("workforce:profile_edit", args=[p.worker.pk]),
    ),
    "people:detail": (
        "recipient",
        "view",
        lambda p: reverse("people:detail", args=[p.recipient.pk]),
    ),
    "people:edit": ("recipient", "change", lambda p: reverse("people:edit", args=[p.recipient.pk])),
    "people:reveal": (
        "recipient",
        "change:reveal",
        lambda p: reverse("people:reveal", args=[p.recipient.pk, "id_number"]),
        "post",
    ),
    "work:visit_detail": (
        "visit",
        "view",
        lambda p: reverse("work:visit_detail", args=[p.visit.pk]),
    ),
    "work:photo": ("visit", "view", lambda p: reverse("work:photo", args=[p.photo.pk])),
    "work:case_detail": ("case", "view", lambda p: reverse("work:case_detail", args=[p.case.pk])),
    "work:case_step": (
        "case",
        "change",
        lambda p: reverse("work:case_step", args=[p.case.pk, "reopen"]),
        "post",
    ),
    "work:case_step#approve": (
        "case",
        "change:approve",
        lambda p: reverse("work:case_step", args=[p.case.pk, "approve_plan"]),
        "post",
    ),
    "work:group_detail": (
        "group",
        "view",
        lambda p: reverse("work:group_detail", args=[p.group.pk]),
    ),
    "work:group_edit": ("group", "change", lambda p: reverse("work:group_edit", args=[p.group.pk])),
    "work:group_session_add": (
        "group",
        "change",
        lambda p: reverse("work:group_session_add", args=[p.group.pk]),
        "post",
    ),
    "work:activity_detail": (
        "activity",
        "view",
        lambda p: reverse("work:activity_detail", args=[p.activity.pk]),
    ),
    "api:recipient_get": ("recipient", "view", lambda p: f"/api/recipients/{p.recipient.pk}"),
    "api:visit_get": ("visit", "view", lambda p: f"/api/visits/{p.visit.pk}"),
    "api:case_get": ("case", "view", lambda p: f"/api/cases/{p.case.pk}"),
    "api:group_get": ("group", "view", lambda p: f"/api/groups/{p.group.pk}"),
    "api:activity_get": ("activity", "view", lambda p: f"/api/activities/{p.activity.pk}"),
    # allowed: the case is at intake, so approving is refused as a conflict (409)
    "api:case_approve_plan": (
        "case",
        "change:approve",
        lambda p: f"/api/cases/{p.case.pk}/steps/approve_plan",
        "post",
        409,
    ),
    "api:case_approve_closure": (
        "case",
        "change:approve",
        lambda p: f"/api/cases/{p.case.pk}/steps/approve_closure",
        "post",
        409,
    ),
    # allowed: returning needs a comment, so an empty body is refused (422)
    **{
        f"api:case_return_{what}": (
            "case",
            "change:approve",
            lambda p, what=what: f"/api/cases/{p.case.pk}/steps/return_{what}",
            "post",
            422,
        )
        for what in ("plan", "closure")
    },
    # allowed: every step with a body refuses an empty one (422)
    **{
        f"api:case_{step}": (
            "case",
            "change",
            lambda p, step=step: f"/api/cases/{p.case.pk}/steps/{step}",
            "post",
            422,
        )
        for step in ("assess", "plan", "entry", "evaluate", "close")
    },
    # allowed: an empty session is invalid (422)
    "api:group_session_create": (
        "group",
        "change",
        lambda p: f"/api/groups/{p.group.pk}/sessions",
        "post",
        422,
    ),
    "api:region_get": ("region", "view", lambda p: f"/api/regions/{p.township}"),
    "api:region_children": ("region", "view", lambda p: f"/api/regions/{p.township}/children"),
    "api:station_get": ("station", "view", lambda p: f"/api/stations/{p.station.pk}"),
    "api:agency_get": ("agency", "view", lambda p: f"/api/agencies/{p.agency.pk}"),
}

# Pages without an object: role -> expected status.
SCOPED_LISTS = {"stations:list", "stations:agency_list", "accounts:user_list"}
LIST_URLS = {
    # figures per station: dashboard roles and agencies; the administrators, none
    "indicators:station_board": lambda role: (
        200 if role not in ("system_admin", "security_admin", "audit_admin") else 403
    ),
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
    "api:recipient_list": lambda role: 200,
    "api:visit_list": lambda role: 200,
    "api:case_list": lambda role: 200,
    "api:group_list": lambda role: 200,
    "api:activity_list": lambda role: 200,
    "people:list": lambda role: 200,
    # the search picker's options: asked without a field name, every role gets 404
    "people:pick": lambda role: 404,
    "work:visit_list": lambda role: 200,
    "work:case_list": lambda role: 200,
    "work:group_list": lambda role: 200,
    "work:activity_list": lambda role: 200,
    "work:admin_work_list": lambda role: 200,
    # long days: a list scoped by restrict (200 for all, rows only for those who oversee)
    "work:long_day_list": lambda role: 200,
    "workforce:training_list": lambda role: 200,
    "audit:list": lambda role: 200 if role == "audit_admin" else 404,
    "accounts:password_change": lambda role: 200,
    "accounts:otp": lambda role: 200,
    **{
        name: (lambda role: 200 if role in ("social_worker", "station_lead") else 403)
        for name in (
            "people:create",
            "work:visit_create",
            "work:case_create",
            "work:group_create",
            "work:activity_create",
            "work:admin_work_create",
            "workforce:training_create",
        )
    },
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


def expected_status(
    role: str, kind: str, action: str, place: str, method: str = "get", ok: int | None = None
) -> int:
    """404 unless visible; then 200 to view, and 200/403 to change (``change:other_kind``
    changes something hanging off the visible object, e.g. a worker's profile). Allowed
    POST actions on cases answer with a redirect back to the case."""
    rules = POLICY[role]
    if place not in rules["view"][kind]:
        return 404
    if action == "view":
        return 200
    changed = action.partition(":")[2] or kind
    if place not in rules["change"][changed]:
        return 403
    if ok is not None:
        return ok
    return 302 if (method == "post" and kind == "case") else 200


@pytest.mark.parametrize("place", list(PLACES))
@pytest.mark.parametrize("role", ROLES)
def test_object_access(client, world, role, place):
    """Every object URL for one (role, place): all mismatches are reported together."""
    client.force_login(world.actors[role])
    got, want = {}, {}
    for url_name, (kind, action, build, *rest) in OBJECT_URLS.items():
        method = rest[0] if rest else "get"
        ok = rest[1] if len(rest) > 1 else None
        url = build(world.places[place])
        if method == "post" and url.startswith("/api/"):
            response = client.post(url, "{}", content_type="application/json")
        elif method == "post":
            response = client.post(url, {})
        else:
            response = client.get(url)
        got[url_name] = response.status_code
        want[url_name] = expected_status(role, kind, action, place, method, ok)
    assert got == want


@pytest.mark.parametrize("role", ROLES)
def test_page_access(client, world, role):
    client.force_login(world.actors[role])
    got = {name: client.get(_list_url(name)).status_code for name in LIST_URLS}
    assert got == {name: rule(role) for name, rule in LIST_URLS.items()}


def test_matrix_size():
    """The matrix checks this many (role, place, URL) cases; the note quotes the figure."""
    cases = len(ROLES) * (len(PLACES) * len(OBJECT_URLS) + len(LIST_URLS) + len(API_CREATES))
    assert cases > 0
    print(f"access matrix: {cases} cases")


API_LISTS = {
    "api:station_list": "/api/stations",
    "api:agency_list": "/api/agencies",
    "api:recipient_list": "/api/recipients",
    "api:visit_list": "/api/visits",
    "api:case_list": "/api/cases",
    "api:group_list": "/api/groups",
    "api:activity_list": "/api/activities",
}
# POST endpoints that create: station staff get 422 for an empty body, everyone else 403.
API_CREATES = {
    "api:recipient_create": "/api/recipients",
    "api:visit_create": "/api/visits",
    "api:case_create": "/api/cases",
    "api:activity_create": "/api/activities",
    "api:admin_work_create": "/api/admin-work",
}


def _list_url(name: str) -> str:
    return API_LISTS.get(name) or reverse(name)


@pytest.mark.parametrize("role", ROLES)
def test_api_creates(client, world, role):
    client.force_login(world.actors[role])
    got = {
        name: client.post(path, "{}", content_type="application/json").status_code
        for name, path in API_CREATES.items()
    }
    ok = 422 if role in ("social_worker", "station_lead") else 403
    assert got == dict.fromkeys(API_CREATES, ok)


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
        (reverse("people:list"), "recipient", lambda p: p.recipient.name),
        (reverse("people:list") + "?export=csv", "recipient", lambda p: p.recipient.name),
        (reverse("work:visit_list") + "?export=csv", "visit", lambda p: p.visit.situation),
        (reverse("work:case_list"), "case", lambda p: p.case.number),
        (reverse("work:group_list"), "group", lambda p: p.group.name),
        (reverse("work:activity_list"), "activity", lambda p: p.activity.title),
        ("/api/recipients", "recipient", lambda p: p.recipient.name),
        ("/api/visits", "visit", lambda p: p.visit.situation),
        ("/api/cases", "case", lambda p: p.case.number),
        ("/api/groups", "group", lambda p: p.group.name),
        ("/api/activities", "activity", lambda p: p.activity.title),
    ]
    personal_export = role in ("social_worker", "station_lead", "county_officer", "audit_admin")
    for url, kind, label in checks:
        response = client.get(url)
        body = response.content.decode()
        shown = {name for name, p in world.places.items() if label(p) in body}
        if role in MASKED and url.startswith("/work/"):
            free_text = kind == "visit"  # the check reads the visit's situation: left out
            assert response.status_code == 200, url
            assert shown == (NONE if free_text else MASKED[role]), url
        elif "export=" in url and kind in PERSON_KINDS and not personal_export:
            assert (response.status_code, shown) == (403, set()), url
        else:
            assert shown == view[kind], url


def test_anonymous_gets_nothing(client, world):
    wrong = {}
    for url_name in sorted(set(OBJECT_URLS) | set(LIST_URLS)):
        if url_name in OBJECT_URLS:
            url = OBJECT_URLS[url_name][2](world.places["own"])
            post = OBJECT_URLS[url_name][3:4] == ("post",)
        else:
            url = _list_url(url_name)
            post = False
        response = client.post(url) if post else client.get(url)
        if url.startswith("/api/"):
            ok = response.status_code == 401
        else:
            ok = response.status_code == 302 and response["Location"].startswith(
                reverse("accounts:login")
            )
        if not ok:
            wrong[url_name] = response.status_code
    assert wrong == {}


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


# Indicators: a dashboard, its drill-down and its report are for officers, evaluators and
# station staff, on a region they can see (else 404); other roles get 403 on a visible one.
DASHBOARD_ROLES = {
    "county_officer",
    "city_officer",
    "province_officer",
    "evaluator",
    "station_lead",
    "social_worker",
}
INDICATOR_PAGES = {
    "indicators:dashboard": lambda p: f"{reverse('indicators:dashboard')}?node={p.township}",
    "indicators:records": lambda p: (
        f"{reverse('indicators:records')}?metric=visit&node={p.township}&period=2026-03"
    ),
    "indicators:report": lambda p: (
        f"{reverse('indicators:report')}?node={p.township}&period=2026-03"
    ),
    "api:indicators": lambda p: f"/api/indicators?node={p.township}&period=2026-03",
}
OFFICERS = {"county_officer", "city_officer", "province_officer"}
DRILL_DOWN_ROLES = OFFICERS | {"social_worker", "station_lead"}
# Rule sets: read by officers and evaluators under them; set by province and city officers
# for their own province or city.
RULE_SET_PAGES = {
    "indicators:rule_set_list": lambda role: 200 if role in OFFICERS | {"evaluator"} else 403,
    "indicators:rule_set_create": lambda role: (
        200 if role in ("province_officer", "city_officer") else 403
    ),
    "indicators:rule_set_detail": lambda role: 200 if role in OFFICERS | {"evaluator"} else 404,
    "indicators:rule_set_edit": lambda role: (
        200 if role == "province_officer" else 403 if role in OFFICERS | {"evaluator"} else 404
    ),
    # a report job is seen only by whoever asked for it (here the county officer)
    "indicators:job": lambda role: 200 if role == "county_officer" else 404,
    "indicators:job_download": lambda role: 200 if role == "county_officer" else 404,
}


@pytest.mark.parametrize("role", ROLES)
def test_indicator_access(client, world, role):
    client.force_login(world.actors[role])
    got, want = {}, {}
    for name, build in INDICATOR_PAGES.items():
        for place, p in world.places.items():
            got[(name, place)] = client.get(build(p)).status_code
            if name == "indicators:dashboard" and role == "agency_admin":
                want[(name, place)] = 302  # an agency is sent to its stations' board
            elif place not in POLICY[role]["view"]["region"]:
                want[(name, place)] = 404
            elif name == "indicators:records":
                # the records behind a number: for whoever may see person-level records,
                # and de-identified for the evaluator and the agency (MASKED)
                want[(name, place)] = 200 if role in DRILL_DOWN_ROLES | set(MASKED) else 403
            else:
                want[(name, place)] = 200 if role in DASHBOARD_ROLES else 403
    assert got == want


@pytest.mark.parametrize("role", ROLES)
def test_rule_set_and_report_job_access(client, world, role):
    from shegong.indicators.models import ReportJob, RuleSet

    hunan = RuleSet.objects.get(region_code="43", year=2022)
    job = ReportJob.objects.create(
        requested_by=world.actors["county_officer"],
        region_id="430302",
        period="2026-03",
        report="month",
        status="done",
        content=b"PK",
    )
    urls = {
        "indicators:rule_set_list": reverse("indicators:rule_set_list"),
        "indicators:rule_set_create": reverse("indicators:rule_set_create"),
        "indicators:rule_set_detail": reverse("indicators:rule_set_detail", args=[hunan.pk]),
        "indicators:rule_set_edit": reverse("indicators:rule_set_edit", args=[hunan.pk]),
        "indicators:job": reverse("indicators:job", args=[job.pk]),
        "indicators:job_download": reverse("indicators:job_download", args=[job.pk]),
    }
    client.force_login(world.actors[role])
    got = {name: client.get(url).status_code for name, url in urls.items()}
    assert got == {name: rule(role) for name, rule in RULE_SET_PAGES.items()}


def test_every_url_is_in_the_matrix():
    covered = {n.split("#")[0] for n in OBJECT_URLS} | set(LIST_URLS) | set(API_CREATES) | EXEMPT
    covered |= set(INDICATOR_PAGES) | set(RULE_SET_PAGES)
    covered |= PURCHASE_URLS  # the purchase cycle's own matrix: tests/test_purchase_access.py
    covered |= REGISTRATION_URLS  # by role in tests/test_registration.py
    covered |= EVALUATION_URLS  # evaluation's own matrix: tests/test_evaluation_access.py
    covered |= MONTH_URLS  # by role in tests/test_month_signoff.py
    covered |= CORRECTION_URLS  # by role in tests/test_corrections.py
    covered |= TOKEN_URLS  # each user's own: tests/test_api_tokens.py
    covered |= FIELD_URLS  # the station's own staff: tests/test_field_sync.py
    covered |= API_WRITE_URLS  # by role in tests/test_api_writes.py
    covered |= HOUSEHOLD_URLS  # by role in tests/test_households.py
    covered |= PUBLIC_URLS  # anyone, signed in or not: tests/test_public.py
    covered |= RESIDENT_URLS  # residents, the station and the county: tests/test_residents.py
    covered |= INBOX_URLS  # each user's own: tests/test_inbox.py
    covered |= COMMUNITY_URLS  # volunteers, by role: tests/test_volunteers.py
    covered |= LEDGER_URLS  # the charity ledger: tests/test_ledger.py
    covered |= IMPORT_URLS  # by role in tests/test_imports.py
    covered |= VOLUNTEER_IMPORT_URLS  # by role in tests/test_volunteer_imports.py
    covered |= WORKER_IMPORT_URLS  # by role in tests/test_worker_imports.py
    covered |= HEALTH_URLS  # anyone: tests/test_health.py (no data)
    covered |= EXCHANGE_URLS  # by role in tests/test_exchange.py
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
