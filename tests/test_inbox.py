"""Issue #15, part 5: every user's inbox. New assignments, overdue items, approvals
waiting and returned work arrive as notifications written by a background task (never
inside the request); the menu of every page shows the unread count; each user reads and
marks only their own, on the pages and in the API."""

import datetime

import pytest
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from shegong.inbox.models import Notification
from shegong.inbox.services import notify
from shegong.indicators.services import MonthStep, month_step

from .casework import assess_and_plan, step
from .conftest import ROLES

INBOX_URLS = {
    "inbox:list",
    "inbox:badge",
    "inbox:read_all",
    "inbox:open",
    "api:notification_list",
    "api:notification_unread",
    "api:notification_read",
    "api:notification_read_all",
}
LAST = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def _note(user, n=1, **extra):
    for i in range(n):
        notify(
            users=[user],
            event=extra.get("event", "request.assigned"),
            subject=f"R{i} · 需求",
            url=extra.get("url", "/requests/"),
        )
    return Notification.objects.filter(recipient=user).order_by("pk")


def test_the_badge_counts_the_unread_and_every_page_asks_for_it(client, world):
    worker = world.actors["social_worker"]
    client.force_login(worker)
    assert client.get(reverse("inbox:badge")).content == b""
    _note(worker, 3)
    badge = client.get(reverse("inbox:badge"))
    assert 'data-testid="inbox-badge">3<' in badge.content.decode()
    assert "no-store" in badge["Cache-Control"]
    home = client.get(reverse("home")).content.decode()
    assert reverse("inbox:badge") in home and 'data-testid="inbox-link"' in home


def test_opening_a_notification_marks_it_read_and_goes_to_its_record(client, world):
    worker = world.actors["social_worker"]
    notes = _note(worker, 2, url="/requests/")
    client.force_login(worker)
    first = notes[0]
    response = client.get(reverse("inbox:open", args=[first.pk]))
    assert response.status_code == 302 and response["Location"] == "/requests/"
    first.refresh_from_db()
    assert first.read_at is not None
    assert 'data-testid="inbox-badge">1<' in client.get(reverse("inbox:badge")).content.decode()


@pytest.mark.parametrize("url", ["//evil.example/x", "https://evil.example/", "javascript:x"])
def test_a_notification_never_leads_off_the_site(client, world, url):
    worker = world.actors["social_worker"]
    note = _note(worker, url=url)[0]
    client.force_login(worker)
    response = client.get(reverse("inbox:open", args=[note.pk]))
    assert response["Location"] == reverse("inbox:list")


def test_nobody_reads_or_marks_another_users_notifications(client, world):
    worker, lead = world.actors["social_worker"], world.actors["station_lead"]
    note = _note(worker)[0]
    client.force_login(lead)
    assert client.get(reverse("inbox:open", args=[note.pk])).status_code == 404
    assert client.post(f"/api/notifications/{note.pk}/read").status_code == 404
    assert note.subject not in client.get(reverse("inbox:list")).content.decode()
    assert client.get("/api/notifications").json()["items"] == []
    client.post(reverse("inbox:read_all"))
    note.refresh_from_db()
    assert note.read_at is None


def test_the_inbox_lists_filters_and_marks_all_read(client, world):
    worker = world.actors["social_worker"]
    _note(worker, 2)
    _note(worker, event="month.returned")
    client.force_login(worker)
    page = client.get(reverse("inbox:list"))
    assert page.status_code == 200 and len(page.context["rows"]) == 3
    returned = client.get(reverse("inbox:list"), {"category": "returned"})
    assert len(returned.context["rows"]) == 1
    assert client.get(reverse("inbox:list"), {"export": "xlsx"}).status_code == 200
    assert client.post(reverse("inbox:read_all")).status_code == 302
    assert not Notification.objects.filter(recipient=worker, read_at__isnull=True).exists()
    assert len(client.get(reverse("inbox:list"), {"unread": "1"}).context["rows"]) == 0


def test_the_api_lists_counts_and_marks_read(client, world):
    worker = world.actors["social_worker"]
    notes = _note(worker, 2)
    client.force_login(worker)
    assert client.get("/api/notifications/unread").json() == {"unread": 2}
    items = client.get("/api/notifications?unread=1").json()["items"]
    assert {i["id"] for i in items} == {n.pk for n in notes}
    assert all(i["sentence"] and i["category"] == "assigned" for i in items)
    read = client.post(f"/api/notifications/{notes[0].pk}/read")
    assert read.status_code == 200 and read.json()["read_at"]
    assert client.post("/api/notifications/read-all").json() == {"unread": 0}
    assert client.get("/api/notifications/unread").json() == {"unread": 0}


def test_a_key_notifies_once_however_often_it_is_sent(world):
    worker = world.actors["social_worker"]
    for _ in range(3):
        notify(users=[worker], event="request.overdue", subject="R", key="request:1:overdue")
    assert Notification.objects.filter(recipient=worker).count() == 1


def test_an_unknown_event_is_a_programming_error(world):
    with pytest.raises(ValueError):
        notify(users=[world.actors["social_worker"]], event="nope", subject="x")


@override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}})
def test_notifications_are_delivered_by_a_task_not_by_the_request(world):
    from django_tasks import default_task_backend

    worker = world.actors["social_worker"]
    notify(users=[worker], event="request.assigned", subject="R")
    assert not Notification.objects.exists()  # queued, not written
    queued = [r for r in default_task_backend.results if r.task.name == "deliver"]
    assert len(queued) == 1 and queued[0].args[0] == [worker.pk]
    default_task_backend.clear()


def test_the_month_waits_for_the_agency_then_the_county_and_comes_back_to_the_lead(world):
    own = world.places["own"]
    agency, county = world.actors["agency_admin"], world.actors["county_officer"]
    month_step(by=own.lead, data=MonthStep(own.station.pk, LAST, "submit"))
    assert Notification.objects.filter(recipient=agency, event="month.submitted").exists()
    assert not Notification.objects.filter(recipient=county).exists()
    month_step(by=agency, data=MonthStep(own.station.pk, LAST, "review"))
    assert Notification.objects.filter(recipient=county, event="month.submitted").exists()
    month_step(by=county, data=MonthStep(own.station.pk, LAST, "return", "缺少走访记录"))
    back = Notification.objects.get(recipient=own.lead, event="month.returned")
    assert back.note == "缺少走访记录" and f"{LAST:%Y-%m}" in back.url


def test_a_case_plan_waits_for_the_lead_and_a_return_reaches_the_worker(client, world):
    case = world.places["own"].case
    lead = world.actors["station_lead"]
    client.force_login(world.actors["social_worker"])
    assess_and_plan(client, case)
    assert Notification.objects.filter(recipient=lead, event="case.plan_submitted").exists()
    client.force_login(lead)
    assert step(client, case, "return_plan", {"reason": "目标要具体"}).status_code == 200
    back = Notification.objects.get(event="case.plan_returned")
    assert back.recipient_id == case.worker_id and back.note == "目标要具体"


@pytest.mark.parametrize("role", ROLES)
def test_every_role_has_an_inbox_and_a_visitor_has_none(client, world, role):
    for name in ("inbox:list", "inbox:badge"):
        assert client.get(reverse(name)).status_code == 302  # to the login page
    assert client.get("/api/notifications").status_code == 401
    client.force_login(world.actors[role])
    assert client.get(reverse("inbox:list")).status_code == 200
    assert client.get(reverse("inbox:badge")).status_code == 200
    assert client.get("/api/notifications").status_code == 200


def test_matches_by_role(client, world):
    """The matches list opens for whoever sees needs: station staff and officers; the
    admins and the evaluator see none (an empty list or a refusal, never a row)."""
    from shegong.residents.models import Match, ResidentRequest

    own = world.places["own"]
    item = ResidentRequest.objects.create(
        code="MATCH00001",
        kind="need",
        topic="elderly",
        region_id=own.village,
        station=own.station,
        assignee=own.worker,
        description="需要帮助",
        contact_name="王",
        contact_phone="13800000001",
        phone_last4="0001",
        due_on=timezone.localdate(),
    )
    Match.objects.create(request=item, party="worker", worker=own.worker, confirmed_by=own.lead)
    sees = {"social_worker", "station_lead", "county_officer", "city_officer", "province_officer"}
    for role in ROLES:
        client.force_login(world.actors[role])
        page = client.get(reverse("residents:matches"))
        shown = page.status_code == 200 and "MATCH00001" in page.content.decode()
        assert shown == (role in sees), role
