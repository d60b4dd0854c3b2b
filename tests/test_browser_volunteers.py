"""Issue #16, part 1, as a worker and a volunteer would do it on their phones: register a
volunteer, put them in the station's party team, sign them up to a service event, show
the QR code; the volunteer signs in and out from their own phone; the worker confirms
2.5 hours and the certificate lists them."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import build_world
from .test_browser import browser  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 375, "height": 812}


@pytest.fixture
def browser_world(regions):
    return build_world()


def _login(ctx, base, username):
    page = ctx.new_page()
    page.goto(base + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "Passw0rd!")
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")
    return page


def test_a_volunteer_signs_in_by_qr_and_gets_a_certificate(
    browser,  # noqa: F811
    live_server,
    browser_world,
):
    from shegong.community.models import Service, Volunteer

    own = browser_world.places["own"]
    base = live_server.url
    worker_ctx = browser.new_context(viewport=PHONE)
    wp = _login(worker_ctx, base, own.worker.username)

    # register the volunteer
    wp.goto(base + "/community/volunteers/new/")
    wp.fill("#id_name", "刘志愿")
    wp.fill("#id_phone", "13700001111")
    wp.select_option("#id_region", own.village)
    wp.select_option("#id_political_status", "party")
    wp.fill("#id_skills", "理发")
    wp.check("#id_consent")
    wp.locator("main form button[type=submit]").click()
    wp.wait_for_url(re.compile(r"/community/volunteers/\d+/$"))
    number = wp.get_by_test_id("volunteer-number").inner_text().strip()
    assert number.startswith("ZY430302")
    assert wp.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # the station's party team
    wp.goto(base + "/community/teams/new/")
    wp.fill("#id_name", "雨湖路党员志愿服务队")
    wp.select_option("#id_kind", "party")
    wp.check(
        f"//label[contains(., '{number}')]/preceding-sibling::input | //label[contains(., '{number}')]/input"
    )
    wp.locator("main form button[type=submit]").click()
    wp.wait_for_url(re.compile(r"/community/volunteers/\?team=\d+$"))
    expect(wp.get_by_test_id("volunteer-table")).to_contain_text(number)

    # a service event today, the volunteer signed up
    wp.goto(base + "/community/events/new/")
    wp.fill("#id_title", "助老理发")
    wp.fill("#id_content", "为独居老人上门理发")
    wp.select_option("#id_region", own.village)
    wp.check(
        f"//label[contains(., '{number}')]/preceding-sibling::input | //label[contains(., '{number}')]/input"
    )
    wp.locator("main form button[type=submit]").click()
    wp.wait_for_url(re.compile(r"/community/events/\d+/$"))
    expect(wp.get_by_test_id("sign-qr").locator("img")).to_be_visible()
    sign_url = wp.get_by_test_id("sign-url").get_attribute("href")

    # the volunteer's own phone: sign in, then out
    phone_ctx = browser.new_context(viewport=PHONE)
    vp = phone_ctx.new_page()
    vp.goto(sign_url)
    vp.fill("#id_number", number)
    vp.fill("#id_last4", "1111")
    vp.locator("[data-testid=sign-form] button[type=submit]").click()
    expect(vp.get_by_test_id("signed")).to_contain_text("刘志愿")
    assert Service.objects.get().signed_in_at is not None
    vp.fill("#id_number", number)
    vp.fill("#id_last4", "1111")
    vp.locator("[data-testid=sign-form] button[type=submit]").click()
    expect(vp.get_by_test_id("signed")).to_contain_text("刘志愿")
    assert vp.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # the worker confirms 2.5 hours; the certificate lists them
    wp.reload()
    wp.fill("#id_hours", "2.5")
    wp.get_by_test_id("confirm-form").locator("button[type=submit]").click()
    expect(wp.get_by_test_id("event-services")).to_contain_text("2.50")
    wp.get_by_test_id("event-services").get_by_role("link").first.click()
    wp.get_by_test_id("certificate-link").click()
    expect(wp.get_by_test_id("certificate-hours")).to_have_text("2.50")
    expect(wp.get_by_test_id("certificate")).to_contain_text("助老理发")
    row = Service.objects.get()
    assert row.status == "confirmed" and row.signed_out_at and row.confirmed_by == own.worker
    assert Volunteer.objects.get().teams.get().kind == "party"
    worker_ctx.close()
    phone_ctx.close()
