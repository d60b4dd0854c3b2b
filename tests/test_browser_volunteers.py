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


def test_a_restricted_donation_is_allocated_and_reaches_the_dashboard(
    browser,  # noqa: F811
    live_server,
    browser_world,
):
    from django.utils import timezone

    from shegong.community.models import Allocation
    from shegong.people.models import Category
    from shegong.work import services

    own = browser_world.places["own"]
    base = live_server.url
    today = timezone.localdate()  # the date the server checks against (Asia/Shanghai)
    activity = services.activity_record(
        by=own.worker,
        data=services.ActivityInput(
            title="困境儿童关爱活动",
            domain="children",
            service_type="capacity",
            date=today,
            region=own.village,
            workers=(own.worker.pk,),
            hours=2,
            participants_count=10,
        ),
    )
    ctx = browser.new_context(viewport=PHONE)
    wp = _login(ctx, base, own.worker.username)
    wp.goto(base + "/community/donors/new/")
    wp.fill("#id_name", "湖南省儿童福利基金会")
    wp.select_option("#id_kind", "foundation")
    wp.locator("main form button[type=submit]").click()
    wp.wait_for_url(re.compile(r"/community/donors/$"))
    wp.goto(base + "/community/donations/new/")
    wp.select_option("#id_donor", label="湖南省儿童福利基金会")
    wp.select_option("#id_kind", "money")
    wp.fill("#id_amount", "5000")
    wp.fill("#id_received_on", today.isoformat())
    wp.select_option("#id_restriction", "people")
    wp.select_option("#id_restricted_category", label="困境儿童")
    wp.locator("main form button[type=submit]").click()
    wp.wait_for_url(re.compile(r"/community/donations/\d+/$"))
    expect(wp.get_by_test_id("restriction")).to_contain_text("困境儿童")
    # ¥6,000 from ¥5,000: refused, saying how much is left
    wp.fill("#id_amount", "6000")
    wp.select_option("#id_activity", str(activity.pk))
    wp.get_by_test_id("allocate-form").locator("button[type=submit]").click()
    expect(wp.get_by_test_id("allocate-form")).to_contain_text("5000")
    assert not Allocation.objects.exists()
    wp.fill("#id_amount", "5000")
    wp.select_option("#id_activity", str(activity.pk))
    wp.get_by_test_id("allocate-form").locator("button[type=submit]").click()
    expect(wp.get_by_test_id("balance")).to_have_text("0.00")
    assert Allocation.objects.get().activity == activity
    assert (
        Category.objects.get(name="困境儿童")
        == Allocation.objects.get().donation.restricted_category
    )
    # the county's dashboard: the charity figure, drilling down to the allocation
    county = browser.new_context(viewport=PHONE)
    cp = _login(county, base, browser_world.actors["county_officer"].username)
    cp.goto(base + f"/indicators/?node=430302&period={today:%Y-%m}")
    card = cp.locator("a.kpi[data-metric=money]")
    expect(card).to_contain_text("5")
    card.click()
    cp.wait_for_url("**/indicators/records/**")
    expect(cp.get_by_test_id("record-table")).to_contain_text("5000")
    ctx.close()
    county.close()
