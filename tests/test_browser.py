"""Browser paths in Debian's Chromium (headless), driven by Playwright."""

import datetime
import os
import shutil

import pytest
from django.db import connections

from .conftest import build_world, suite_day_behind

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_world(regions):
    """The data, written before Chromium starts: Playwright's sync API runs the test in a
    greenlet with its own context, where Django would open (and leak) a second connection."""
    return build_world()


@pytest.fixture
def browser(live_server, browser_world):
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing in CI: .ci/run must install it (apt chromium)")
        pytest.skip("Debian chromium is not installed (make test installs it)")
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls
    # happen before and after, never inside it.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        if shift := suite_day_behind():
            _shift_clocks(b, shift)
        yield b
        # Inside Playwright's sync API the test's own ORM calls run in another greenlet,
        # with a database connection of their own that pytest-django never closes: close
        # it here, or on PostgreSQL it outlives the run and the test database cannot be
        # dropped ("is being accessed by other users").
        connections.close_all()
        b.close()


def _shift_clocks(b, shift: datetime.timedelta) -> None:
    """Every new page's clock runs ``shift`` from the real one (time flows, timers fire)."""
    new_context = b.new_context

    def shifted_context(**options):
        ctx = new_context(**options)
        ctx.clock.install(time=datetime.datetime.now(datetime.UTC) + shift)
        return ctx

    def shifted_page(**options):
        return shifted_context(**options).new_page()

    b.new_context, b.new_page = shifted_context, shifted_page


def test_county_officer_sees_only_own_county_on_a_phone(browser, live_server, browser_world):
    world = browser_world
    officer = world.actors["county_officer"]
    page = browser.new_page(viewport={"width": 375, "height": 812})
    page.goto(live_server.url + "/")
    assert "/accounts/login/" in page.url
    page.fill("#id_username", officer.username)
    page.fill("#id_password", "Passw0rd!")
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + "/")
    assert "雨湖区" in page.text_content("h1")

    page.goto(live_server.url + "/stations/")
    rows = page.locator("[data-testid=station-table] tbody tr")
    names = sorted(rows.nth(i).locator("td").first.inner_text() for i in range(rows.count()))
    assert names == ["own社工室", "own社工站"]
    # the page fits the phone: nothing wider than the viewport
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    # another county's station by URL: not found, and nothing of it shown
    other = world.places["neighbour"].station
    response = page.goto(f"{live_server.url}/stations/{other.pk}/")
    assert response.status == 404
    assert "neighbour" not in page.content()
    os.makedirs("test-artifacts", exist_ok=True)
    page.goto(live_server.url + "/")
    page.screenshot(path="test-artifacts/county-officer-phone.png", full_page=True)


@pytest.fixture
def counted_world(browser_world):
    """The world's records counted into the indicators, before Chromium starts."""
    from shegong.indicators.rebuild import rebuild_facts

    rebuild_facts()
    return browser_world


def test_county_dashboard_draws_charts_and_a_number_opens_its_records(
    counted_world, browser, live_server
):
    officer = counted_world.actors["county_officer"]
    page = browser.new_page(viewport={"width": 375, "height": 812})
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", officer.username)
    page.fill("#id_password", "Passw0rd!")
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + "/")
    page.goto(live_server.url + "/indicators/?node=430302&period=2026-03")
    assert "雨湖区" in page.text_content("[data-testid=dashboard-title]")
    # ECharts drew the trend and the ranking (SVG, no inline script)
    page.wait_for_selector(".chart svg")
    assert page.locator(".chart svg").count() == 2
    assert errors == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    os.makedirs("test-artifacts", exist_ok=True)
    page.screenshot(path="test-artifacts/county-dashboard-phone.png", full_page=True)
    card = page.locator("a.kpi[data-metric=visit]")
    shown = card.inner_text()
    card.click()
    page.wait_for_url("**/indicators/records/**")
    assert "走访入户" in page.text_content("h1")
    assert f"合计：{shown}" in page.text_content("[data-testid=list-summary]")
    assert page.locator("[data-testid=record-table] tbody tr").count() == int(shown)
