"""A resident social worker's day on a phone (375×812), with the station lead approving."""

import re

import pytest

from .conftest import build_world
from .test_browser import browser  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 375, "height": 812}


@pytest.fixture
def browser_world(regions):
    return build_world()


def _login(browser, live_server, user):  # noqa: F811
    page = browser.new_context(viewport=PHONE).new_page()
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "Passw0rd!")
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + "/")
    return page


def _fits(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url


def test_a_day_of_station_work_on_a_phone(browser, live_server, browser_world):  # noqa: F811
    world = browser_world
    worker = _login(browser, live_server, world.actors["social_worker"])
    lead = _login(browser, live_server, world.actors["station_lead"])
    base = live_server.url

    # 1. register a person
    worker.goto(base + "/people/new/")
    _fits(worker)
    worker.fill("#id_name", "周桂兰")
    worker.fill("#id_id_number", "430302194802151247")
    worker.fill("#id_phone", "13907311234")
    worker.select_option("#id_region", "430302001002")
    worker.check("#id_new_household")
    worker.check(
        "label:has-text('独居老人') >> xpath=preceding-sibling::input | //label[contains(., '独居老人')]/input"
    )
    worker.select_option("#id_consent", "written")
    worker.fill("#id_consent_date", "2026-03-01")
    worker.select_option("#id_consent_giver", "self")
    worker.click("button[type=submit]")
    try:
        worker.wait_for_url(re.compile(r"/people/\d+/$"), timeout=5000)
    except Exception:
        worker.screenshot(path="test-artifacts/register-failed.png", full_page=True)
        raise
    person_url = worker.url
    assert "周桂兰" in worker.text_content("h1")
    assert "430302********1247" in worker.content()

    # 2. a home visit, from the person's page
    worker.click("[data-testid=visit-this]")
    worker.fill("#id_hours", "1.5")
    worker.fill("#id_situation", "独居，腿脚不便")
    worker.click("button[type=submit]")
    worker.wait_for_url(re.compile(r"/work/visits/\d+/$"))
    assert "独居，腿脚不便" in worker.content()

    # 3. a case from intake to closure, the lead approving plan and closure
    worker.goto(person_url)
    worker.click("text=开个案")
    worker.select_option("#id_source", "request")
    worker.fill("#id_presenting_problem", "需要助餐和陪伴")
    worker.click("button[type=submit]")
    worker.wait_for_url(re.compile(r"/work/cases/\d+/$"))
    case_url = worker.url
    worker.fill("#id_needs_summary", "助餐、精神慰藉")
    worker.click("[data-testid=step-assess]")
    worker.fill("#id_agreement_signed_on", "2026-03-03")
    worker.fill("#id_agreement_signed_by", "周桂兰")
    worker.fill("#id_goals_text", "每周探访一次\n链接助餐服务")
    worker.click("[data-testid=step-plan]")
    assert worker.locator("[data-testid=approve-plan]").count() == 0  # not the worker's to approve
    lead.goto(case_url)
    lead.click("[data-testid=approve-plan]")
    assert lead.text_content("[data-testid=stage]").strip() == "介入"
    worker.goto(case_url)
    worker.fill("#id_hours", "2")
    worker.fill("#id_content", "上门探访，联系助餐点")
    worker.click("[data-testid=step-entry]")
    for select in worker.locator("form[action$='/evaluate/'] select").all():
        select.select_option("met")
    worker.fill("#id_evaluation_summary", "目标达成")
    worker.click("[data-testid=step-evaluate]")
    worker.select_option("#id_closure_reason", "goals_met")
    worker.fill("#id_closure_summary", "服务目标均已达成")
    worker.click("[data-testid=step-close]")
    lead.goto(case_url)
    lead.click("[data-testid=approve-closure]")
    assert lead.text_content("[data-testid=stage]").strip() == "结案"
    _fits(lead)

    # 4. a group session with attendance
    worker.goto(base + "/work/groups/new/")
    worker.fill("#id_name", "银龄互助小组")
    worker.select_option("#id_nature", "support")
    worker.fill("#id_goals", "互助")
    worker.fill("#id_target", "独居老人")
    worker.fill("#id_planned_sessions", "6")
    worker.select_option("#id_region", "430302001")
    # members are chosen by search (a box for every person of the township would be long)
    worker.fill("[data-testid=picker-search-members]", "zgl")
    worker.check("#id_members-results >> //label[contains(., '周桂兰')]/preceding-sibling::input")
    assert "周桂兰" in worker.text_content("#id_members")  # ticked: among the chosen
    _fits(worker)
    worker.click("button[type=submit]")
    worker.wait_for_url(re.compile(r"/work/groups/\d+/$"))
    worker.check("//form[contains(@action, '/sessions/')]//label[contains(., '周桂兰')]/input")
    worker.fill("#id_record", "破冰，相互认识")
    worker.click("text=保存本节")
    assert "#1" in worker.text_content("[data-testid=sessions]")
    assert "出席 1" in worker.text_content("[data-testid=sessions]")

    # 5. a community activity
    worker.goto(base + "/work/activities/new/")
    worker.fill("#id_title", "重阳敬老")
    worker.select_option("#id_domain", "elderly")
    worker.select_option("#id_service_type", "care")
    worker.select_option("#id_region", "430302001002")
    worker.fill("#id_hours", "3")
    worker.fill("#id_participants_count", "40")
    worker.click("button[type=submit]")
    worker.wait_for_url(re.compile(r"/work/activities/\d+/$"))
    assert "重阳敬老" in worker.text_content("h1")

    # the person's page now lists what they received
    worker.goto(person_url)
    timeline = worker.text_content("[data-testid=person-timeline]")
    assert "走访入户" in timeline and "个案" in timeline and "小组活动" in timeline
    worker.screenshot(path="test-artifacts/worker-person-phone.png", full_page=True)
