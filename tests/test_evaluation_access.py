"""Issue #13: the access matrix of evaluation, every role × every place × every URL.

Each place of the world gets an evaluation agency of its county, a running final round of
its county (its station assigned to an evaluator: in *own*, the world's evaluator actor),
the evaluator's sheet with a piece of evidence, and a finished round with a published
result, an appeal, a rectification task and a proposed star rating.

Expected: county officers manage their county's; city officers read their city's and
open rounds there; province officers read all; the evaluator reads only the station
assigned to them, only while the round runs (404 otherwise: another place's sheet, a
finished round); the station's staff and its agency read their station's results,
rectification and ratings, and the lead and the agency appeal and rectify; the three
administrators see none of it. Out of sight is 404; in sight but not allowed is 403.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from shegong.accounts.roles import Role
from shegong.evaluation.models import (
    Appeal,
    Assignment,
    EvaluationAgency,
    Evidence,
    Rectification,
    Result,
    Round,
    RoundStation,
    Sheet,
    StarDecision,
    Tree,
)
from shegong.evaluation.seed import TITLE

from .conftest import ROLES
from .factories import PNG, UserFactory, make_credit_code

OWN, CITY, ALL, NONE = {"own"}, {"own", "neighbour"}, {"own", "neighbour", "other_city"}, set()
TODAY = timezone.localdate()
OFFICERS = {"county_officer": OWN, "city_officer": CITY, "province_officer": ALL}
STATION_SIDE = {"station_lead": OWN, "social_worker": OWN, "agency_admin": OWN}
ROUND_READERS = {**OFFICERS, **STATION_SIDE}
RUNNING_READERS = {**ROUND_READERS, "evaluator": OWN}  # the evaluator: assigned, running
ROUND_CHANGERS = {"county_officer": OWN, "city_officer": CITY}
STAR_READERS = {**ROUND_READERS, "evaluator": OWN}  # evaluators read ratings of their region
AGENCY_READERS = {"county_officer": OWN, "city_officer": CITY, "province_officer": ALL}


def add_evaluations(world):
    tree = Tree.objects.get(region_code="43", year=2025, title=TITLE)
    item = tree.nodes.filter(level=3).order_by("seq").first()
    for name, place in world.places.items():
        officer = world.actors["county_officer"]
        agency = EvaluationAgency.objects.create(
            name=f"{name}评估中心",
            credit_code=make_credit_code(900, place.county),
            region_id=place.county,
        )
        evaluator = (
            world.actors["evaluator"]
            if name == "own"
            else UserFactory(
                username=f"eva_{name}", role=Role.EVALUATOR, scope_region_id=place.county
            )
        )
        agency.members.add(evaluator)
        running = Round.objects.create(
            region_id=place.county,
            year=TODAY.year,
            kind=Round.Kind.FINAL,
            title=f"{name}末期",
            tree=tree,
            opens_on=TODAY - datetime.timedelta(days=5),
            closes_on=TODAY + datetime.timedelta(days=5),
            created_by=officer,
        )
        RoundStation.objects.create(round=running, station=place.station, draw_order=1)
        Assignment.objects.create(
            round=running, station=place.station, evaluator=evaluator, agency=agency, is_lead=True
        )
        sheet = Sheet.objects.create(
            round=running,
            station=place.station,
            region_id=place.township,
            author=evaluator,
            kind=Sheet.Kind.EVALUATOR,
            is_lead=True,
        )
        evidence = Evidence.objects.create(
            sheet=sheet,
            item=item,
            file=ContentFile(PNG, name="e.png"),
            kind="png",
            size=len(PNG),
            uploaded_by=evaluator,
        )
        done = Round.objects.create(
            region_id=place.county,
            year=TODAY.year - 1,
            kind=Round.Kind.FINAL,
            title=f"{name}上年末期",
            tree=tree,
            opens_on=datetime.date(TODAY.year - 1, 11, 1),
            closes_on=datetime.date(TODAY.year - 1, 11, 30),
            created_by=officer,
            status=Round.Status.PUBLISHED,
            published_at=timezone.now(),
        )
        RoundStation.objects.create(round=done, station=place.station, draw_order=1)
        done_sheet = Sheet.objects.create(
            round=done,
            station=place.station,
            region_id=place.township,
            author=evaluator,
            kind=Sheet.Kind.EVALUATOR,
            is_lead=True,
            status=Sheet.Status.SUBMITTED,
            total=Decimal(86),
        )
        result = Result.objects.create(
            round=done,
            station=place.station,
            region_id=place.township,
            sheet=done_sheet,
            score=Decimal(86),
            grade="good",
            stars=4,
            appeal_until=TODAY + datetime.timedelta(days=5),
            published_at=timezone.now(),
        )
        appeal = Appeal.objects.create(
            result=result,
            region_id=place.township,
            reasons="台账已补充，请复核。",
            filed_by=place.lead,
        )
        task = Rectification.objects.create(
            result=result,
            station=place.station,
            region_id=place.township,
            item=item,
            problem="党建引领：0 分",
            owner="station",
            deadline=TODAY + datetime.timedelta(days=20),
        )
        star = StarDecision.objects.create(
            station=place.station,
            region_id=place.township,
            stars=4,
            result=result,
            proposed_by=officer,
        )
        place.ev_agency, place.running, place.done, place.sheet = agency, running, done, sheet
        place.evidence, place.result, place.appeal, place.task = evidence, result, appeal, task
        place.star = star
    return world


@pytest.fixture
def evaluation_world(world):
    return add_evaluations(world)


def _in(table, role, place):
    return place in table.get(role, NONE)


def _object(role, place, *, sees, allowed, ok=200):
    if not _in(sees, role, place):
        return 404
    return ok if _in(allowed, role, place) else 403


ALL_SEEING = lambda table: {r: p for r, p in table.items()}  # noqa: E731

OBJECT_URLS = {
    "evaluation:round_detail#running": (
        lambda p: reverse("evaluation:round_detail", args=[p.running.pk]),
        "get",
        lambda r, pl: _object(r, pl, sees=RUNNING_READERS, allowed=RUNNING_READERS),
    ),
    "evaluation:round_detail#done": (  # the evaluator's assignment ended with the round
        lambda p: reverse("evaluation:round_detail", args=[p.done.pk]),
        "get",
        lambda r, pl: _object(r, pl, sees=ROUND_READERS, allowed=ROUND_READERS),
    ),
    "evaluation:round_edit": (
        lambda p: reverse("evaluation:round_edit", args=[p.running.pk]),
        "get",
        lambda r, pl: _object(r, pl, sees=RUNNING_READERS, allowed=ROUND_CHANGERS),
    ),
    "evaluation:round_assign": (
        lambda p: reverse("evaluation:round_assign", args=[p.running.pk]),
        "post",
        lambda r, pl: _object(r, pl, sees=RUNNING_READERS, allowed=ROUND_CHANGERS, ok=302),
    ),
    "evaluation:round_publish": (  # refused (no submitted sheet), said on the page
        lambda p: reverse("evaluation:round_publish", args=[p.running.pk]),
        "post",
        lambda r, pl: _object(r, pl, sees=RUNNING_READERS, allowed=ROUND_CHANGERS, ok=302),
    ),
    "evaluation:round_summary": (
        lambda p: reverse("evaluation:round_summary", args=[p.done.pk]),
        "get",
        lambda r, pl: _object(r, pl, sees=OFFICERS, allowed=OFFICERS) if r in OFFICERS else 403,
    ),
    "evaluation:round_station": (  # only the evaluator assigned opens a sheet
        lambda p: reverse("evaluation:round_station", args=[p.running.pk, p.station.pk]),
        "get",
        lambda r, pl: 302 if _in({"evaluator": OWN}, r, pl) else 404,
    ),
    "evaluation:sheet": (
        lambda p: reverse("evaluation:sheet", args=[p.sheet.pk]),
        "get",
        lambda r, pl: _object(
            r, pl, sees={**OFFICERS, "evaluator": OWN}, allowed={**OFFICERS, "evaluator": OWN}
        ),
    ),
    "evaluation:sheet#post": (  # the author saves; an officer reading it may not
        lambda p: reverse("evaluation:sheet", args=[p.sheet.pk]),
        "post",
        lambda r, pl: _object(
            r, pl, sees={**OFFICERS, "evaluator": OWN}, allowed={"evaluator": OWN}
        ),
    ),
    "evaluation:sheet_print": (
        lambda p: reverse("evaluation:sheet_print", args=[p.sheet.pk]),
        "get",
        lambda r, pl: _object(
            r, pl, sees={**OFFICERS, "evaluator": OWN}, allowed={**OFFICERS, "evaluator": OWN}
        ),
    ),
    "evaluation:evidence": (
        lambda p: reverse("evaluation:evidence", args=[p.evidence.pk]),
        "get",
        lambda r, pl: _object(
            r, pl, sees={**OFFICERS, "evaluator": OWN}, allowed={**OFFICERS, "evaluator": OWN}
        ),
    ),
    "evaluation:result_detail": (
        lambda p: reverse("evaluation:result_detail", args=[p.result.pk]),
        "get",
        lambda r, pl: _object(r, pl, sees=ROUND_READERS, allowed=ROUND_READERS),
    ),
    "evaluation:result_appeal": (  # appealed already: refused on the page
        lambda p: reverse("evaluation:result_appeal", args=[p.result.pk]),
        "post",
        lambda r, pl: _object(
            r,
            pl,
            sees=ROUND_READERS,
            allowed={"station_lead": OWN, "agency_admin": OWN},
            ok=302,
        ),
    ),
    "evaluation:appeal_answer": (
        lambda p: reverse("evaluation:appeal_answer", args=[p.appeal.pk]),
        "get",
        lambda r, pl: _object(r, pl, sees=ROUND_READERS, allowed={"county_officer": OWN}),
    ),
    "evaluation:rectification_detail": (
        lambda p: reverse("evaluation:rectification_detail", args=[p.task.pk]),
        "get",
        lambda r, pl: _object(r, pl, sees=ROUND_READERS, allowed=ROUND_READERS),
    ),
    "evaluation:rectification_report": (
        lambda p: reverse("evaluation:rectification_report", args=[p.task.pk]),
        "get",
        lambda r, pl: _object(
            r, pl, sees=ROUND_READERS, allowed={"station_lead": OWN, "agency_admin": OWN}
        ),
    ),
    "evaluation:rectification_check": (  # not reported yet: refused on the page
        lambda p: reverse("evaluation:rectification_check", args=[p.task.pk]),
        "post",
        lambda r, pl: _object(r, pl, sees=ROUND_READERS, allowed={"county_officer": OWN}, ok=302),
    ),
    "evaluation:star_detail": (
        lambda p: reverse("evaluation:star_detail", args=[p.star.pk]),
        "get",
        lambda r, pl: _object(r, pl, sees=STAR_READERS, allowed=STAR_READERS),
    ),
    "evaluation:star_decide": (  # a proposal awaits the city; rejecting needs a note
        lambda p: reverse("evaluation:star_decide", args=[p.star.pk]),
        "post",
        lambda r, pl: _object(r, pl, sees=STAR_READERS, allowed={"city_officer": CITY}, ok=302),
    ),
    "evaluation:star_revoke": (  # not in force: refused on the page
        lambda p: reverse("evaluation:star_revoke", args=[p.star.pk]),
        "post",
        lambda r, pl: _object(
            r,
            pl,
            sees=STAR_READERS,
            allowed={"city_officer": CITY, "province_officer": ALL},
            ok=302,
        ),
    ),
    "evaluation:agency_edit": (
        lambda p: reverse("evaluation:agency_edit", args=[p.ev_agency.pk]),
        "get",
        lambda r, pl: _object(
            r, pl, sees={**AGENCY_READERS, "evaluator": OWN}, allowed=AGENCY_READERS
        ),
    ),
    "api:round_get": (
        lambda p: f"/api/rounds/{p.running.pk}",
        "get",
        lambda r, pl: _object(r, pl, sees=RUNNING_READERS, allowed=RUNNING_READERS),
    ),
    "api:sheet_get": (
        lambda p: f"/api/score-sheets/{p.sheet.pk}",
        "get",
        lambda r, pl: _object(
            r, pl, sees={**OFFICERS, "evaluator": OWN}, allowed={**OFFICERS, "evaluator": OWN}
        ),
    ),
    "api:sheet_save": (  # an empty body: the author reaches validation
        lambda p: f"/api/score-sheets/{p.sheet.pk}",
        "json",
        lambda r, pl: _object(
            r, pl, sees={**OFFICERS, "evaluator": OWN}, allowed={"evaluator": OWN}, ok=422
        ),
    ),
    "api:star_get": (
        lambda p: f"/api/star-ratings/{p.star.pk}",
        "get",
        lambda r, pl: _object(r, pl, sees=STAR_READERS, allowed=STAR_READERS),
    ),
}

OFFICER_ROLES = set(OFFICERS)
TREE_KEEPERS = {"city_officer", "province_officer"}
LIST_URLS = {
    "evaluation:tree_list": lambda r: 200,
    "evaluation:tree_create": lambda r: 200 if r in TREE_KEEPERS else 403,
    "evaluation:agency_list": lambda r: 200 if r in OFFICER_ROLES | {"evaluator"} else 403,
    "evaluation:agency_create": lambda r: 200 if r in OFFICER_ROLES else 403,
    "evaluation:round_list": lambda r: 200,
    "evaluation:round_create": lambda r: 200 if r in ("county_officer", "city_officer") else 403,
    "evaluation:result_list": lambda r: 200,
    "evaluation:appeal_list": lambda r: 200,
    "evaluation:rectification_list": lambda r: 200,
    "evaluation:star_list": lambda r: 200,
    "evaluation:star_create": lambda r: 200 if r == "county_officer" else 403,
    "evaluation:summaries": lambda r: 200 if r in OFFICER_ROLES else 403,
    "api:tree_list": lambda r: 200,
    "api:round_list": lambda r: 200,
    "api:sheet_list": lambda r: 200,
    "api:star_list": lambda r: 200,
}
API_LISTS = {
    "api:tree_list": "/api/evaluation-trees",
    "api:round_list": "/api/rounds",
    "api:sheet_list": "/api/score-sheets",
    "api:star_list": "/api/star-ratings",
}
# the seeded Hunan tree: every reader of its province (the three administrators read none)
TREE_URLS = {
    "evaluation:tree_detail": lambda t: reverse("evaluation:tree_detail", args=[t.pk]),
    "evaluation:tree_export": lambda t: reverse("evaluation:tree_export", args=[t.pk]),
    "api:tree_get": lambda t: f"/api/evaluation-trees/{t.pk}",
}
TREE_WRITES = {  # the province's published tree: the province is refused in words, others 403
    "evaluation:tree_import": ("get", lambda r: 302 if r == "province_officer" else 403),
    "evaluation:tree_publish": ("post", lambda r: 302 if r == "province_officer" else 403),
    "evaluation:tree_copy": ("post", lambda r: 302 if r in TREE_KEEPERS else 403),
}
ADMINS = {"system_admin", "security_admin", "audit_admin"}
NAMES = {n.split("#")[0] for n in OBJECT_URLS} | set(LIST_URLS) | set(TREE_URLS) | set(TREE_WRITES)


@pytest.mark.parametrize("role", ROLES)
def test_evaluation_objects(client, evaluation_world, role):
    client.force_login(evaluation_world.actors[role])
    got, want = {}, {}
    for name, (build, method, rule) in OBJECT_URLS.items():
        for place_name, place in evaluation_world.places.items():
            url = build(place)
            if method == "get":
                response = client.get(url)
            elif method == "json":
                response = client.post(url, "{}", content_type="application/json")
            else:
                response = client.post(url, {})
            got[(name, place_name)] = response.status_code
            want[(name, place_name)] = rule(role, place_name)
    assert got == want


@pytest.mark.parametrize("role", ROLES)
def test_evaluation_lists_hold_only_what_is_in_scope(client, evaluation_world, role):
    client.force_login(evaluation_world.actors[role])
    got = {name: client.get(API_LISTS.get(name) or reverse(name)).status_code for name in LIST_URLS}
    assert got == {name: rule(role) for name, rule in LIST_URLS.items()}
    places = evaluation_world.places
    checks = [
        (reverse("evaluation:round_list"), lambda p: p.running.title, RUNNING_READERS),
        ("/api/rounds", lambda p: p.done.title, ROUND_READERS),
        (reverse("evaluation:result_list"), lambda p: p.result.round.title, ROUND_READERS),
        (
            reverse("evaluation:rectification_list") + "?export=csv",
            lambda p: p.result.round.title,
            ROUND_READERS,
        ),
        ("/api/score-sheets", lambda p: f'"id": {p.sheet.pk},', {**OFFICERS, "evaluator": OWN}),
        ("/api/star-ratings", lambda p: f'"id": {p.star.pk},', STAR_READERS),
    ]
    for url, label, table in checks:
        body = client.get(url).content.decode()
        shown = {n for n, p in places.items() if label(p) in body}
        assert shown == table.get(role, NONE), url


@pytest.mark.parametrize("role", ROLES)
def test_the_seeded_tree_and_its_writes(client, evaluation_world, role):
    client.force_login(evaluation_world.actors[role])
    tree = Tree.objects.get(region_code="43", year=2025, title=TITLE)
    for name, build in TREE_URLS.items():
        assert client.get(build(tree)).status_code == (404 if role in ADMINS else 200), name
    for name, (method, rule) in TREE_WRITES.items():
        url = reverse(name, args=[tree.pk])
        response = client.get(url) if method == "get" else client.post(url, {})
        expected = 404 if role in ADMINS else rule(role)
        assert response.status_code == expected, (name, role)
