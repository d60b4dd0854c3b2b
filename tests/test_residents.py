"""Issue #15, parts 2-3: residents send needs and complaints with no login, follow them
with a tracking code, and rate the service; the station or the county answers.

A need goes to the village's designated worker; a complaint goes to the county and never
to the station complained about. The form keeps robots out with a sum, a hidden field and
limits per address and phone, and saves nothing half-done.
"""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from shegong.audit.models import AuditEntry
from shegong.residents.models import ResidentRequest
from shegong.residents.services import add_working_days

from .factories import PNG

RESIDENT_URLS = {
    "residents:list",
    "residents:create",
    "residents:sent",
    "residents:track",
    "residents:detail",
    "residents:answer",
    "residents:photo",
    "api:request_list",
    "api:request_get",
    "api:request_respond",
    "api:request_close",
    # matching and what a need became: tests/test_matching.py
    "residents:matches",
    "residents:resources",
    "residents:projects",
    "residents:match",
    "residents:link",
    "residents:visit",
    "api:need_list",
    "api:complaint_list",
    "api:request_suggestions",
    "api:match_list",
    "api:request_match",
}


@pytest.fixture
def designated(world):
    own = world.places["own"]
    own.worker.worker_profile.designated_villages.set([own.village])
    return own


def _form(client, **query):
    page = client.get(reverse("residents:create"), query)
    assert page.status_code == 200
    form = page.context["form"]
    a, b = (int(x) for x in form.challenge.question.split(" = ")[0].split(" + "))
    return {"token": form.challenge.token, "answer": str(a + b)}


def _send(client, place, **overrides):
    extra = {"REMOTE_ADDR": overrides.pop("REMOTE_ADDR")} if "REMOTE_ADDR" in overrides else {}
    data = {
        **_form(client, station=place.station.pk),
        "kind": "need",
        "topic": "elderly",
        "region": place.village,
        "description": "我家老人独居，行动不便，希望社工上门看看。",
        "contact_name": "张女士",
        "contact_phone": "13812345678",
        "consent": "on",
        **overrides,
    }
    url = reverse("residents:create") + f"?station={place.station.pk}"
    return client.post(url, data, **extra)


def test_a_need_reaches_the_villages_worker_and_the_resident_follows_it(client, world, designated):
    photo = SimpleUploadedFile("p.png", PNG, content_type="image/png")
    sent = _send(client, designated, photos=[photo])
    assert sent.status_code == 302
    page = client.get(sent["Location"])
    code = page.context["code"]
    item = ResidentRequest.objects.get(code=code)
    assert item.station == designated.station and item.assignee == designated.worker
    assert item.photos.count() == 1 and item.phone_last4 == "5678"
    with connection.cursor() as cursor:  # the contact is encrypted at rest
        cursor.execute(
            "SELECT contact_phone, contact_name FROM residents_residentrequest WHERE id = %s",
            [item.pk],
        )
        row = cursor.fetchone()
    assert "13812345678" not in row[0] and "张女士" not in row[1]
    entry = AuditEntry.objects.get(action="shegong.resident_request.submitted")
    assert "1381234" not in str(entry.data) and entry.actor is None
    # the worker answers and closes it
    client.force_login(designated.worker)
    detail = client.get(reverse("residents:detail", args=[item.pk]))
    assert "13812345678" in detail.content.decode()  # who acts on it may call back
    answer = reverse("residents:answer", args=[item.pk, "respond"])
    assert client.post(answer, {"accept": "1", "reply": "明天上门"}).status_code == 302
    close = reverse("residents:answer", args=[item.pk, "close"])
    assert client.post(close, {"reply": "已上门走访，链接了居家养老服务。"}).status_code == 302
    item.refresh_from_db()
    assert item.status == "closed" and item.responded_by == designated.worker
    client.logout()
    # the resident follows it and rates it, once
    track = reverse("residents:track")
    wrong = client.post(track, {"code": code, "last4": "0000"})
    assert wrong.status_code == 400 and wrong.context["item"] is None
    assert "没有找到" in wrong.content.decode() or "No request" in wrong.content.decode()
    seen = client.post(track, {"code": code.lower(), "last4": "5678"})
    body = seen.content.decode()
    assert "已办结" in body and "链接了居家养老服务" in body and seen.context["rate"]
    assert (
        client.post(track, {"code": code, "last4": "5678", "satisfaction": "4"}).status_code == 200
    )
    item.refresh_from_db()
    assert item.satisfaction == 4
    again = client.post(track, {"code": code, "last4": "5678", "satisfaction": "1"})
    assert "已评价" in again.content.decode()
    item.refresh_from_db()
    assert item.satisfaction == 4


def test_a_complaint_goes_to_the_county_never_to_the_station(client, world, designated):
    sent = _send(
        client,
        designated,
        kind="complaint",
        topic="service",
        description="社工站上班时间经常没人。",
    )
    assert sent.status_code == 302
    item = ResidentRequest.objects.get(kind="complaint")
    county = world.actors["county_officer"]
    assert item.station == designated.station and item.assignee == county
    detail = reverse("residents:detail", args=[item.pk])
    for person in (designated.worker, designated.lead, world.actors["station_lead"]):
        client.force_login(person)
        assert client.get(detail).status_code == 404
        assert item.code not in client.get(reverse("residents:list")).content.decode()
    client.force_login(world.places["neighbour"].worker)
    assert client.get(detail).status_code == 404
    client.force_login(county)
    assert client.get(detail).status_code == 200
    assert item.code in client.get(reverse("residents:list")).content.decode()
    answer = reverse("residents:answer", args=[item.pk, "respond"])
    assert client.post(answer, {"accept": "1"}).status_code == 302
    item.refresh_from_db()
    assert item.status == "accepted" and item.responded_by == county


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"answer": "99"}, "answer"),
        ({"website": "http://spam.example"}, None),
        ({"description": "长" * 1001}, "description"),
        ({"contact_phone": "12345"}, "contact_phone"),
        ({"consent": ""}, "consent"),
        ({"region": "430304001001"}, "region"),  # a village of another township
    ],
)
def test_a_bad_request_says_why_and_saves_nothing(client, world, designated, overrides, field):
    refused = _send(client, designated, **overrides)
    assert refused.status_code == 400
    form = refused.context["form"]
    if field:
        assert field in form.errors
    else:
        assert form.non_field_errors()
    assert ResidentRequest.objects.count() == 0
    assert form.data["answer"] == ""  # a new sum to solve


def test_a_script_in_a_description_is_shown_as_text(client, world, designated):
    script = "<script>alert('x')</script>需要帮助"
    assert _send(client, designated, description=script).status_code == 302
    item = ResidentRequest.objects.get()
    client.force_login(designated.worker)
    body = client.get(reverse("residents:detail", args=[item.pk])).content.decode()
    assert "<script>alert" not in body and "&lt;script&gt;" in body
    export = client.get(reverse("residents:list"), {"export": "csv"}).content.decode("utf-8-sig")
    assert "<script>" not in export  # the description is not exported at all


@override_settings(SHEGONG_REQUEST_LIMITS={"address": (2, 3600), "phone": (5, 86400)})
def test_an_address_sends_only_its_allowance(client, world, designated):
    for phone in ("13800000001", "13800000002"):
        assert _send(client, designated, contact_phone=phone).status_code == 302
    refused = _send(client, designated, contact_phone="13800000003")
    assert refused.status_code == 400 and "太多" in refused.content.decode()
    assert ResidentRequest.objects.count() == 2
    # another address may still send
    other = _send(client, designated, contact_phone="13800000004", REMOTE_ADDR="10.1.2.3")
    assert other.status_code == 302


@override_settings(SHEGONG_REQUEST_LIMITS={"address": (50, 3600), "phone": (1, 86400)})
def test_a_phone_sends_only_its_allowance(client, world, designated):
    assert _send(client, designated).status_code == 302
    assert _send(client, designated).status_code == 400
    assert ResidentRequest.objects.count() == 1


def test_the_first_response_is_due_in_the_rule_sets_working_days(client, world, designated):
    from shegong.indicators.models import RuleSet

    RuleSet.objects.filter(region_code="43").update(request_response_days=5)
    assert _send(client, designated).status_code == 302
    item = ResidentRequest.objects.get()
    assert item.due_on == add_working_days(day=timezone.localdate(), n=5)
    assert add_working_days(day=datetime.date(2026, 12, 4), n=1) == datetime.date(
        2026, 12, 7
    )  # Fri → Mon


def test_overdue_requests_are_listed_for_the_station(client, world, designated):
    assert _send(client, designated).status_code == 302
    item = ResidentRequest.objects.get()
    ResidentRequest.objects.filter(pk=item.pk).update(
        due_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    client.force_login(designated.lead)
    listed = client.get(reverse("residents:list"), {"overdue": "1"}).content.decode()
    assert item.code in listed
    client.force_login(world.actors["county_officer"])
    assert item.code in client.get(reverse("residents:list"), {"overdue": "1"}).content.decode()


def test_only_whoever_handles_it_may_answer(client, world, designated):
    assert _send(client, designated).status_code == 302
    item = ResidentRequest.objects.get()
    answer = reverse("residents:answer", args=[item.pk, "respond"])
    client.force_login(world.actors["county_officer"])  # sees the need, does not answer it
    assert client.get(reverse("residents:detail", args=[item.pk])).status_code == 200
    client.post(answer, {"accept": "1"})
    item.refresh_from_db()
    assert item.status == "submitted"
    client.force_login(designated.lead)
    client.post(answer, {"accept": "0", "reply": ""})  # no reason: refused
    item.refresh_from_db()
    assert item.status == "submitted"
    client.post(answer, {"accept": "0", "reply": "不属于社工站服务范围，已转村委会。"})
    item.refresh_from_db()
    assert item.status == "declined"


def test_the_list_reads_as_many_rows_for_six_requests_as_for_one(client, world, designated):
    from django.test.utils import CaptureQueriesContext

    assert _send(client, designated).status_code == 302
    client.force_login(world.actors["county_officer"])
    client.get(reverse("residents:list"))  # the session's first request writes its expiry
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("residents:list"))
    item = ResidentRequest.objects.get()
    for n in range(5):
        ResidentRequest.objects.create(
            code=f"TEST{n:06d}",
            kind=item.kind,
            topic=item.topic,
            region=item.region,
            station=item.station,
            assignee=item.assignee,
            description="另一项需求",
            contact_name="李",
            contact_phone="13800000000",
            phone_last4="0000",
            due_on=item.due_on,
        )
    with CaptureQueriesContext(connection) as six:
        body = client.get(reverse("residents:list")).content.decode()
    assert "TEST000004" in body and len(six) == len(one)
    assert "13800000000" not in body  # no contact on a list


def test_the_api_lists_answers_and_closes_requests_as_the_pages_do(client, world, designated):
    import json

    assert _send(client, designated).status_code == 302
    assert _send(client, designated, kind="complaint", topic="service").status_code == 302
    need = ResidentRequest.objects.get(kind="need")
    complaint = ResidentRequest.objects.get(kind="complaint")
    client.force_login(designated.worker)
    codes = {r["code"] for r in client.get("/api/requests").json()["items"]}
    assert codes == {need.code}  # the complaint is the county's, never the station's
    detail = client.get(f"/api/requests/{need.pk}").json()
    assert (
        detail["contact_phone_masked"] != "13812345678" and "5678" in detail["contact_phone_masked"]
    )
    assert client.get(f"/api/requests/{complaint.pk}").status_code == 404
    url = f"/api/requests/{need.pk}/respond"
    headers = {"Idempotency-Key": "respond-once-1"}
    body = json.dumps({"accept": "1", "reply": "明天上门"})
    first = client.post(url, body, content_type="application/json", headers=headers)
    again = client.post(url, body, content_type="application/json", headers=headers)
    assert first.status_code == again.status_code == 200
    assert first.json()["status"] == "accepted"
    twice = client.post(url, body, content_type="application/json")  # a new answer: refused
    assert twice.status_code == 409
    close = client.post(
        f"/api/requests/{need.pk}/close",
        json.dumps({"reply": "已走访并链接服务。"}),
        content_type="application/json",
    )
    assert close.status_code == 200 and close.json()["status"] == "closed"
    client.force_login(world.actors["county_officer"])
    codes = {r["code"] for r in client.get("/api/requests").json()["items"]}
    assert codes == {need.code, complaint.code}
    url = f"/api/requests/{need.pk}/respond"
    assert client.post(url, body, content_type="application/json").status_code == 403


def test_a_need_goes_to_the_designated_worker_with_fewer_open_requests(client, world, designated):
    """Two designated workers: the one with two open requests is passed over for the one
    with one."""
    from shegong.regions.models import Region
    from shegong.residents.services import route

    lead = designated.lead
    lead.worker_profile.designated_villages.set([designated.village])
    village = Region.objects.get(code=designated.village)
    common = {
        "kind": "need",
        "topic": "elderly",
        "region": village,
        "station": designated.station,
        "description": "需要帮助",
        "contact_name": "李",
        "contact_phone": "13800000000",
        "phone_last4": "0000",
        "due_on": timezone.localdate(),
    }
    for n, person in enumerate([designated.worker, designated.worker, lead]):
        ResidentRequest.objects.create(code=f"BUSY{n:06d}", assignee=person, **common)
    assert route(village=village, kind="need")[1] == lead
    ResidentRequest.objects.filter(assignee=designated.worker).update(status="closed")
    assert route(village=village, kind="need")[1] == designated.worker
