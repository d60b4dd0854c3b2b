"""Issue #14, part 1: the field app works with no signal (375 px phone, Debian Chromium).

The worker loads the app, goes offline, records a new person, two visits (one with a
photo, one to the person just registered), a case's intervention and a group session's
attendance; reloads with no signal and finds the outbox still there; goes online and
everything is saved exactly once, however often it is sent again. A correction made offline while the station lead
corrected the same visit online is shown with both versions, nothing lost.
"""

import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from .conftest import build_world
from .factories import PNG, make_id_number
from .test_browser import browser  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 375, "height": 812}


@pytest.fixture
def browser_world(regions):
    world = build_world()
    from shegong.work import services

    own = world.places["own"]
    worker = world.actors["social_worker"]
    own.group.workers.set([worker])
    type(own.case).objects.filter(pk=own.case.pk).update(stage="intervention")
    world.visit = services.visit_record(
        by=worker,
        data=services.VisitInput(
            date=timezone.localdate(),
            region=own.village,
            workers=(worker.pk,),
            hours=Decimal(1),
            situation="上午走访",
            recipient=own.recipient.pk,
        ),
    )
    return world


def _login(browser, live_server, user, **context):  # noqa: F811
    ctx = browser.new_context(viewport=PHONE, **context)
    page = ctx.new_page()
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "Passw0rd!")
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + "/")
    return ctx, page


def _open_app(page, base):
    page.goto(base + "/field/")
    expect(page.locator("#ws-status")).to_contain_text("人", timeout=15000)
    # the service worker installed and controlling the page: the shell opens offline
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    for _ in range(50):
        if page.evaluate("navigator.serviceWorker.controller !== null"):
            break
        page.wait_for_timeout(100)
    expect(page.locator("#ws-status")).to_contain_text("人", timeout=15000)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def _all_sent(page):
    expect(page.locator("[data-testid=outbox-item]:not([data-status=sent])")).to_have_count(
        0, timeout=20000
    )


def test_recording_offline_and_sending_once(browser, live_server, browser_world, tmp_path):  # noqa: F811
    from shegong.people.models import Recipient
    from shegong.work.models import CaseEntry, GroupSession, HomeVisit, Photo

    world = browser_world
    own = world.places["own"]
    base = live_server.url
    ctx, page = _login(browser, live_server, world.actors["social_worker"])
    _open_app(page, base)
    ctx.set_offline(True)
    expect(page.locator("#net-status")).to_have_text("离线")

    # a new person
    page.click("[data-testid=tab-person]")
    page.fill("#p-name", "孙秀英")
    page.fill("#p-id", make_id_number("430302", "19500101", 901))
    page.select_option("#p-region", own.village)
    page.click("[data-testid=save-person]")
    # a visit with a photo, to someone already on the phone
    page.click("[data-testid=tab-visit]")
    page.fill("[data-testid=visit-q]", own.recipient.name[:2])
    page.click("[data-testid=visit-results] button >> nth=0")
    page.fill("#visit-situation", "离线走访：身体尚好")
    photo = tmp_path / "visit.png"
    photo.write_bytes(PNG)
    page.set_input_files("[data-testid=visit-photo]", str(photo))
    page.click("[data-testid=save-visit]")
    # a visit to the person registered a minute ago (not yet sent)
    page.fill("[data-testid=visit-q]", "孙秀英")
    page.click("[data-testid=visit-results] button >> nth=0")
    page.fill("#visit-situation", "离线走访：新登记对象")
    page.click("[data-testid=save-visit]")
    # a group session's attendance
    page.click("[data-testid=tab-session]")
    page.select_option("[data-testid=s-group]", str(own.group.pk))
    page.check(f"#att-{own.recipient.pk}")
    page.fill("#s-record", "第一节：相互认识（离线）")
    page.click("[data-testid=save-session]")
    # an intervention in a case
    page.click("[data-testid=tab-case]")
    page.select_option("[data-testid=c-case]", str(own.case.pk))
    page.fill("#c-content", "离线介入：陪同就医")
    page.click("[data-testid=save-case-entry]")
    expect(page.locator("#pending-count")).to_have_text("5")

    # reloaded with no signal: the app opens, the outbox is still there
    page.reload()
    expect(page.locator("#pending-count")).to_have_text("5")
    page.click("[data-testid=tab-outbox]")
    assert page.locator("[data-testid=outbox-item]").count() == 5
    assert not Recipient.objects.filter(name="孙秀英").exists()

    # the signal returns: everything is sent, once
    ctx.set_offline(False)
    page.click("[data-testid=sync-now]")
    expect(page.locator("#pending-count")).to_have_text("0", timeout=20000)
    page.click("[data-testid=tab-outbox]")
    _all_sent(page)

    def counts():
        person = Recipient.objects.filter(name="孙秀英")
        return (
            person.count(),
            HomeVisit.objects.filter(situation="离线走访：身体尚好").count(),
            HomeVisit.objects.filter(
                situation="离线走访：新登记对象", recipient__in=person
            ).count(),
            Photo.objects.filter(visit__situation="离线走访：身体尚好").count(),
            GroupSession.objects.filter(record="第一节：相互认识（离线）").count(),
            CaseEntry.objects.filter(case=own.case, content="离线介入：陪同就医").count(),
        )

    assert counts() == (1, 1, 1, 1, 1, 1)
    session = GroupSession.objects.get(record="第一节：相互认识（离线）")
    assert list(session.attendees.values_list("pk", flat=True)) == [own.recipient.pk]

    # sent again and again (a retry after a lost answer): the server answers each from its
    # first result, nothing is saved twice
    page.evaluate(
        """async () => {
            const box = await idbKeyval.get("outbox");
            box.forEach((i) => { i.status = "pending"; });
            await idbKeyval.set("outbox", box);
        }"""
    )
    # reloaded offline, so that the app cannot send them before the count is read
    ctx.set_offline(True)
    page.reload()
    expect(page.locator("#net-status")).to_have_text("离线")
    expect(page.locator("#pending-count")).to_have_text("5")
    ctx.set_offline(False)
    page.click("[data-testid=sync-now]")
    expect(page.locator("#pending-count")).to_have_text("0", timeout=20000)
    page.click("[data-testid=tab-outbox]")
    _all_sent(page)
    assert counts() == (1, 1, 1, 1, 1, 1)

    # logging out clears the phone
    page.click("#field-logout button")
    page.wait_for_url(re.compile(r"/accounts/login/"))
    left = page.evaluate(
        "new Promise((ok) => { const r = indexedDB.open('keyval-store'); "
        "r.onsuccess = () => { const db = r.result; "
        "if (!db.objectStoreNames.contains('keyval')) return ok(0); "
        "const t = db.transaction('keyval').objectStore('keyval').count(); "
        "t.onsuccess = () => ok(t.result); }; })"
    )
    assert left == 0
    ctx.close()


def test_an_offline_correction_meets_the_leads_online_one(browser, live_server, browser_world):  # noqa: F811
    from shegong.work.models import HomeVisit

    world = browser_world
    visit = world.visit
    base = live_server.url
    ctx, page = _login(browser, live_server, world.actors["social_worker"])
    _open_app(page, base)
    ctx.set_offline(True)
    expect(page.locator("#net-status")).to_have_text("离线")  # else the app sends at once
    page.click("[data-testid=correct-visit] >> nth=0")
    page.fill("#visit-situation", "社工离线更正：需要助餐")
    page.click("[data-testid=save-visit]")
    expect(page.locator("#pending-count")).to_have_text("1")

    # meanwhile the station lead corrects the same visit online
    lead_ctx, lead = _login(browser, live_server, world.actors["station_lead"])
    lead.goto(f"{base}/work/visits/{visit.pk}/edit/")
    lead.fill("#id_situation", "站长在线更正：已联系家属")
    lead.click("button[type=submit]")
    lead.wait_for_url(re.compile(rf"/work/visits/{visit.pk}/$"))
    lead_ctx.close()

    ctx.set_offline(False)
    page.click("[data-testid=sync-now]")
    page.click("[data-testid=tab-outbox]")
    page.wait_for_selector("[data-testid=conflict]", timeout=20000)
    both = page.text_content("[data-testid=conflict]")
    assert "社工离线更正：需要助餐" in both and "站长在线更正：已联系家属" in both
    visit.refresh_from_db()
    assert visit.situation == "站长在线更正：已联系家属"  # nothing overwritten

    # the worker sends theirs over it, knowingly
    page.click("[data-testid=conflict] button >> nth=0")
    _all_sent(page)
    visit.refresh_from_db()
    assert visit.situation == "社工离线更正：需要助餐" and visit.version == 3
    assert HomeVisit.objects.filter(pk=visit.pk).count() == 1
    ctx.close()


def test_the_app_dates_work_by_the_servers_day_not_the_phones(browser, live_server, browser_world):  # noqa: F811
    """A phone whose clock reads 16:30 UTC (00:30 the next day in China): the forms are
    dated the next day, as the server counts days; dated by the phone's zone they would be
    a day behind, and work on a case opened that day would be refused."""
    import datetime
    from zoneinfo import ZoneInfo

    from django.conf import settings

    instant = datetime.datetime(2026, 12, 4, 16, 30, tzinfo=datetime.UTC)
    servers_day = instant.astimezone(ZoneInfo(settings.TIME_ZONE)).date()
    assert servers_day != instant.date()  # the two zones disagree at this instant
    ctx, page = _login(
        browser, live_server, browser_world.actors["social_worker"], timezone_id="UTC"
    )
    page.clock.set_fixed_time(instant)
    _open_app(page, live_server.url)
    for field in ("#visit-date", "#c-date"):
        assert page.input_value(field) == servers_day.isoformat()
    # and when the phone's copy was saved is told in the same day and hour (en-US here)
    assert f"{servers_day.month}/{servers_day.day}/{servers_day.year}" in page.inner_text(
        "#ws-status"
    )
    ctx.close()
