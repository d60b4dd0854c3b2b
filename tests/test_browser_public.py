"""Issue #15, part 1: a resident on a phone (375 px, not signed in) finds the station of a
village in 雨湖区 by walking down the regions and by name, reads its board, and opens the
poster with its QR code."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from shegong.stations.models import Station

from .conftest import build_world
from .test_browser import browser  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 375, "height": 812}


@pytest.fixture
def browser_world(regions):
    world = build_world()
    own = world.places["own"]
    Station.objects.filter(pk=own.station.pk).update(
        opening_hours="周一至周五 8:30–17:30", complaint_phone="0731-5030200"
    )
    own.worker.full_name = "李公开"
    own.worker.save(update_fields=["full_name"])
    profile = own.worker.worker_profile
    profile.on_public_board = True
    profile.save()
    profile.designated_villages.set([own.village])
    return world


def test_a_resident_finds_their_station_and_reads_its_board(
    browser,  # noqa: F811
    live_server,
    browser_world,
):
    own = browser_world.places["own"]
    ctx = browser.new_context(viewport=PHONE)
    page = ctx.new_page()
    page.goto(live_server.url + "/public/")
    page.get_by_role("link", name="湖南省").click()
    page.get_by_role("link", name="湘潭市").click()
    page.get_by_role("link", name="雨湖区").click()
    page.get_by_role("link", name="雨湖路街道").click()
    page.get_by_role("link", name="雨湖路社区居委会").click()
    expect(page.get_by_test_id("contacts")).to_contain_text("李公开")
    # the same village by name, from the search box
    page.fill("#q", "雨湖路社区")
    page.get_by_role("button", name="查找").click()
    expect(page.get_by_test_id("results")).to_contain_text("雨湖路社区居委会")
    page.get_by_test_id("results").get_by_role("link", name="雨湖路社区居委会").click()
    page.get_by_test_id("stations").get_by_role("link", name=own.station.name).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(own.station.name)
    expect(page.get_by_test_id("complain")).to_contain_text("0731-5030200")
    expect(page.get_by_test_id("staff")).to_contain_text("李公开")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.get_by_role("link", name="二维码公示海报（A4）").click()
    qr = page.locator("img.poster-qr")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.naturalWidth") > 100  # the SVG QR code rendered
    assert qr.get_attribute("data-url").endswith(f"/public/stations/{own.station.pk}/")
    ctx.close()


def test_a_resident_sends_a_need_the_worker_answers_and_the_resident_rates_it(
    browser,  # noqa: F811
    live_server,
    browser_world,
    tmp_path,
):
    from shegong.residents.models import ResidentRequest

    from .factories import PNG

    own = browser_world.places["own"]
    photo = tmp_path / "door.png"
    photo.write_bytes(PNG)
    resident = browser.new_context(viewport=PHONE)
    page = resident.new_page()
    page.goto(live_server.url + f"/public/stations/{own.station.pk}/")
    page.get_by_role("link", name="提交需求、建议或投诉").click()
    page.get_by_label("需求").check()
    page.select_option("#id_topic", "elderly")
    page.select_option("#id_region", own.village)
    page.fill("#id_description", "我家老人独居，想请社工上门看看。")
    page.set_input_files("#id_photos", str(photo))
    page.fill("#id_contact_name", "张女士")
    page.fill("#id_contact_phone", "13812345678")
    page.check("#id_consent")
    question = page.locator("label[for=id_answer]").inner_text()
    a, b = (int(x) for x in question.split("：")[1].split(" = ")[0].split(" + "))
    page.fill("#id_answer", str(a + b))
    page.get_by_role("button", name="提交").click()
    code = page.get_by_test_id("tracking-code").inner_text().strip()
    assert len(code) == 10
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # the village's designated worker sees it in the inbox, accepts the suggested match
    # and records the visit it led to
    worker = browser.new_context(viewport=PHONE)
    wp = _login(worker, live_server, own.worker.username)
    expect(wp.get_by_test_id("inbox-badge")).to_have_text("1")
    wp.get_by_test_id("inbox-link").click()
    wp.get_by_test_id("inbox-table").get_by_role("link").first.click()
    expect(wp.get_by_test_id("description")).to_contain_text("老人独居")
    first = wp.get_by_test_id("suggestions").locator("form").first
    expect(first).to_contain_text("李公开")
    first.get_by_test_id("confirm-match").click()
    expect(wp.get_by_test_id("matches")).to_contain_text("李公开")
    expect(wp.get_by_test_id("status")).to_contain_text("已受理")
    wp.get_by_test_id("record-visit").click()
    wp.fill("#id_date", timezone.localdate().isoformat())
    wp.fill("[data-testid=picker-search-recipient]", own.recipient.name)
    wp.check(
        f"#id_recipient-results >> //label[contains(., '{own.recipient.name}')]"
        "/preceding-sibling::input"
    )
    wp.fill("#id_situation", "上门了解老人独居情况，已链接居家养老服务。")
    wp.locator("main form[enctype] button[type=submit]").click()
    wp.wait_for_url(re.compile(r"/requests/\d+/$"))
    expect(wp.get_by_test_id("linked-visit")).to_be_visible()

    # the resident sees the status change
    page.get_by_role("link", name="查询办理进度").click()
    page.fill("#id_code", code)
    page.fill("#id_last4", "5678")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_test_id("status")).to_contain_text("已受理")

    # the worker closes it; the resident rates the service
    wp.fill("#id_reply", "已上门走访，链接了居家养老服务。")
    wp.get_by_role("button", name="办结").click()
    expect(wp.get_by_test_id("status")).to_contain_text("已办结")
    page.reload()
    page.fill("#id_code", code)
    page.fill("#id_last4", "5678")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_test_id("status")).to_contain_text("已办结")
    expect(page.get_by_test_id("request-status")).to_contain_text("居家养老服务")
    page.get_by_test_id("rate-form").get_by_label("5").check()
    page.get_by_role("button", name="评价").click()
    expect(page.get_by_test_id("request-status")).to_contain_text("5 / 5")
    item = ResidentRequest.objects.get(code=code)
    assert item.assignee == own.worker and item.satisfaction == 5 and item.photos.count() == 1
    assert item.visit is not None and item.recipient == own.recipient and item.matched_at

    # a complaint about that station reaches the county officer, not the station
    page.goto(live_server.url + f"/public/stations/{own.station.pk}/")
    page.get_by_role("link", name="提交需求、建议或投诉").click()
    page.get_by_label("投诉").check()
    page.select_option("#id_topic", "service")
    page.select_option("#id_region", own.village)
    page.fill("#id_description", "上班时间去社工站经常没人。")
    page.fill("#id_contact_name", "王先生")
    page.fill("#id_contact_phone", "13912345678")
    page.check("#id_consent")
    question = page.locator("label[for=id_answer]").inner_text()
    a, b = (int(x) for x in question.split("：")[1].split(" = ")[0].split(" + "))
    page.fill("#id_answer", str(a + b))
    page.get_by_role("button", name="提交").click()
    complaint = page.get_by_test_id("tracking-code").inner_text().strip()
    lead = browser.new_context(viewport=PHONE)
    lp = _login(lead, live_server, own.lead.username)
    lp.goto(live_server.url + "/requests/")
    expect(lp.get_by_test_id("record-table")).not_to_contain_text(complaint)
    expect(lp.get_by_test_id("record-table")).to_contain_text(code)
    county = browser.new_context(viewport=PHONE)
    cp = _login(county, live_server, browser_world.actors["county_officer"].username)
    cp.goto(live_server.url + "/requests/")
    cp.get_by_role("link", name=complaint).click()
    expect(cp.get_by_test_id("description")).to_contain_text("经常没人")
    for ctx in (resident, worker, lead, county):
        ctx.close()


def _login(ctx, live_server, username):
    page = ctx.new_page()
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "Passw0rd!")
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + "/")
    return page
