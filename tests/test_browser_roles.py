"""Issue #11: each role's first task in Chromium, as that role would do it (phone size)."""

import datetime
import re

import pytest

from shegong.work import services
from shegong.work.models import Case

from .conftest import build_world
from .test_browser import browser  # noqa: F401 - the fixture
from .test_browser_station_work import PHONE, _fits, _login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_world(regions):
    return build_world()


def _submitted_plan(world, problem: str) -> Case:
    worker = world.actors["social_worker"]
    own = world.places["own"]
    case = services.case_open(
        by=worker,
        data=services.CaseOpenInput(
            recipient=own.recipient.pk,
            opened_on=datetime.date(2026, 3, 2),
            source="outreach",
            presenting_problem=problem,
        ),
    )
    services.case_assess(case=case, by=worker, data=services.CaseAssessment("助餐"))
    services.case_submit_plan(
        case=case,
        by=worker,
        data=services.CasePlan(datetime.date(2026, 3, 3), "本人", ("每周探访",)),
    )
    return case


def test_the_lead_approves_one_plan_and_returns_another(browser, live_server, browser_world):  # noqa: F811
    world = browser_world
    first = _submitted_plan(world, "需要助餐")
    second = _submitted_plan(world, "需要陪伴")
    lead = _login(browser, live_server, world.actors["station_lead"])
    todo = lead.text_content("[data-testid=todo-plans]")
    assert "2" in todo
    lead.click("[data-testid=todo-plans]")
    lead.wait_for_url(re.compile(r"/work/cases/\?"))
    assert first.number in lead.content() and second.number in lead.content()
    lead.goto(f"{live_server.url}/work/cases/{first.pk}/")
    lead.click("[data-testid=approve-plan]")
    assert lead.text_content("[data-testid=stage]").strip() == "介入"
    lead.goto(f"{live_server.url}/work/cases/{second.pk}/")
    lead.fill("#return-plan-reason", "目标要具体到每周几次")
    lead.click("[data-testid=return-plan]")
    assert lead.text_content("[data-testid=stage]").strip() == "计划"
    assert "目标要具体到每周几次" in lead.text_content("[data-testid=timeline]")
    _fits(lead)


def test_the_evaluator_reads_what_a_figure_is_made_of(browser, live_server, browser_world):  # noqa: F811
    from shegong.indicators.rebuild import rebuild_facts

    rebuild_facts()  # the world's records were made without the services
    evaluator = _login(browser, live_server, browser_world.actors["evaluator"])
    evaluator.goto(live_server.url + "/indicators/?period=2026-03")
    body = evaluator.text_content("main")
    # a share says what it is made of: "N 名社工中 M 名" (the figure, not a list of people)
    assert re.search(r"\d+ 名社工中 \d+ 名", body), body[:500]
    # people served and workers are figures; a count of records opens them, de-identified
    assert evaluator.locator("a[href*='metric=people']").count() == 0
    evaluator.click("[data-testid=kpi-cards] a[data-metric=visit]")
    evaluator.wait_for_url(re.compile(r"/indicators/records/\?metric=visit"))
    table = evaluator.text_content("[data-testid=record-table]")
    person = browser_world.places["own"].recipient.name
    assert person not in table and person[0] + "*" in table  # the surname only
    assert evaluator.locator("[data-testid=record-table] a[href^='/work/']").count() == 0
    _fits(evaluator)


def test_the_auditor_filters_the_log_by_a_label(browser, live_server, browser_world):  # noqa: F811
    world = browser_world
    worker = _login(browser, live_server, world.actors["social_worker"])
    worker.goto(f"{live_server.url}/people/{world.places['own'].recipient.pk}/")
    auditor = _login(browser, live_server, world.actors["audit_admin"])
    auditor.goto(live_server.url + "/audit/")
    auditor.select_option("select[name=action]", label="查看服务对象")
    auditor.click("form.filters button")
    auditor.wait_for_url(re.compile(r"action=shegong.recipient.viewed"))
    rows = auditor.locator("[data-testid=record-table] tbody tr")
    assert rows.count() >= 1
    for i in range(rows.count()):
        assert "查看服务对象" in rows.nth(i).text_content()
    assert PHONE["width"] == 375


def test_the_agency_sees_its_stations_board(browser, live_server, browser_world):  # noqa: F811
    world = browser_world
    agency = _login(browser, live_server, world.actors["agency_admin"])
    agency.click(".navbar-toggler")  # the menu is folded on a phone
    agency.click("nav >> text=各站数据")
    agency.wait_for_url(re.compile(r"/indicators/stations/"))
    table = agency.text_content("[data-testid=record-table]")
    assert world.places["own"].station.name in table
    assert world.places["neighbour"].station.name not in table
    _fits(agency)


def test_a_list_on_a_phone_is_compact_cards(browser, live_server, browser_world):  # noqa: F811
    worker = _login(browser, live_server, browser_world.actors["social_worker"])
    worker.goto(live_server.url + "/work/visits/")
    shown = worker.evaluate(
        """() => [...document.querySelectorAll('[data-testid=record-table] tbody tr')].map(
            tr => [...tr.querySelectorAll('td')].filter(
                td => getComputedStyle(td).display !== 'none').length)"""
    )
    assert shown and max(shown) <= 5, shown
    _fits(worker)
