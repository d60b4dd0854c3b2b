"""Issue #15, part 1: a resident on a phone (375 px, not signed in) finds the station of a
village in 雨湖区 by walking down the regions and by name, reads its board, and opens the
poster with its QR code."""

import pytest
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

    # the village's designated worker finds it and answers it
    worker = browser.new_context(viewport=PHONE)
    wp = worker.new_page()
    wp.goto(live_server.url + "/accounts/login/")
    wp.fill("#id_username", own.worker.username)
    wp.fill("#id_password", "Passw0rd!")
    wp.click("button[type=submit]")
    wp.wait_for_url(live_server.url + "/")
    wp.goto(live_server.url + "/requests/")
    wp.get_by_role("link", name=code).click()
    expect(wp.get_by_test_id("description")).to_contain_text("老人独居")
    wp.get_by_test_id("respond-form").get_by_label("受理", exact=True).check()
    wp.get_by_test_id("respond-form").get_by_role("button").click()
    wp.fill("#id_reply", "已上门走访，链接了居家养老服务。")
    wp.get_by_role("button", name="办结").click()
    expect(wp.get_by_test_id("status")).to_contain_text("已办结")

    # the resident follows it and rates the service
    page.get_by_role("link", name="查询办理进度").click()
    page.fill("#id_code", code)
    page.fill("#id_last4", "5678")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_test_id("status")).to_contain_text("已办结")
    expect(page.get_by_test_id("request-status")).to_contain_text("居家养老服务")
    page.get_by_test_id("rate-form").get_by_label("5").check()
    page.get_by_role("button", name="评价").click()
    expect(page.get_by_test_id("request-status")).to_contain_text("5 / 5")
    resident.close()
    worker.close()
    item = ResidentRequest.objects.get(code=code)
    assert item.assignee == own.worker and item.satisfaction == 5 and item.photos.count() == 1
