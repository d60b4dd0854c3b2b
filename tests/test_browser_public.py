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
