"""Issue #14, parts 1–2: a station's working set for a phone, and the changes since.

The working set holds the township's villages, staff, households, people (masked, with
their pinyin initials for offline search), open cases, groups and today's activities,
for the station's own staff only; the change feed then returns, from a cursor, each record
changed since as it is now (a voided visit voided, a record moved out of sight as gone),
paged by cursor, never another township's.
"""

import json
from decimal import Decimal

from django.utils import timezone

from shegong.audit.models import AuditEntry
from shegong.indicators.corrections import VoidInput
from shegong.work import services

TODAY = timezone.localdate()


def _visit(world, situation="入户"):
    own = world.places["own"]
    worker = world.actors["social_worker"]
    return services.visit_record(
        by=worker,
        data=services.VisitInput(
            date=TODAY,
            region=own.village,
            workers=(worker.pk,),
            hours=Decimal(1),
            situation=situation,
            recipient=own.recipient.pk,
        ),
    )


def _url(station, what, **query):
    q = "&".join(f"{k}={v}" for k, v in query.items())
    return f"/api/field/stations/{station.pk}/{what}" + (f"?{q}" if q else "")


def test_the_working_set_is_the_townships_masked_and_the_stations_own(client, world):
    own = world.places["own"]
    client.force_login(world.actors["social_worker"])
    got = client.get(_url(own.station, "working-set"))
    assert got.status_code == 200
    body = got.json()
    assert body["township"] == own.township
    assert {v["code"] for v in body["villages"]} >= {own.village}
    assert [p["id"] for p in body["people"]] == [own.recipient.pk]
    person = body["people"][0]
    assert "*" in person["id_number_masked"] and person["name_initials"]
    assert own.recipient.id_number not in got.content.decode()
    assert [c["id"] for c in body["cases"]] == [own.case.pk]
    assert [g["id"] for g in body["groups"]] == [own.group.pk]
    assert world.actors["social_worker"].pk in {s["id"] for s in body["staff"]}
    entry = AuditEntry.objects.get(action="shegong.field.downloaded")
    assert entry.data["people"] == 1
    # another station's working set, and officers: refused
    assert client.get(_url(world.places["neighbour"].station, "working-set")).status_code == 403
    client.force_login(world.actors["county_officer"])
    assert client.get(_url(own.station, "working-set")).status_code == 403


def test_the_changes_since_a_cursor_are_each_record_as_it_is_now(client, world):
    own = world.places["own"]
    client.force_login(world.actors["social_worker"])
    cursor = client.get(_url(own.station, "working-set")).json()["cursor"]
    visit = _visit(world)
    services.record_void(by=world.actors["social_worker"], instance=visit, data=VoidInput("重复"))
    # another township's write is not in this station's feed
    far = world.places["neighbour"]
    services.visit_record(
        by=far.worker,
        data=services.VisitInput(
            date=TODAY,
            region=far.village,
            workers=(far.worker.pk,),
            hours=Decimal(1),
            situation="邻镇",
            recipient=far.recipient.pk,
        ),
    )
    page = client.get(_url(own.station, "changes", cursor=cursor)).json()
    visits = [i for i in page["items"] if i["kind"] == "visit"]
    assert [i["id"] for i in visits] == [visit.pk]  # once, as it is now
    assert visits[0]["record"]["voided_at"] and visits[0]["record"]["void_reason"] == "重复"
    assert page["more"] is False and page["cursor"] > cursor
    # nothing new since
    again = client.get(_url(own.station, "changes", cursor=page["cursor"])).json()
    assert again["items"] == [] and again["cursor"] == page["cursor"]


def test_changes_page_by_cursor(client, world):
    own = world.places["own"]
    client.force_login(world.actors["social_worker"])
    cursor = client.get(_url(own.station, "working-set")).json()["cursor"]
    made = [_visit(world, f"第{i}次").pk for i in range(5)]
    seen, pages = [], 0
    while True:
        page = client.get(_url(own.station, "changes", cursor=cursor, limit=2)).json()
        pages += 1
        seen += [i["id"] for i in page["items"] if i["kind"] == "visit"]
        cursor = page["cursor"]
        if not page["more"]:
            break
    assert sorted(set(seen)) == sorted(made) and pages >= 3
    bad = client.get(_url(own.station, "changes", cursor=-1))
    assert bad.status_code == 422
    assert json.loads(bad.content)["errors"]


FIELD_URLS = {
    "api:working_set",
    "api:changes",
    "api:visit_photo_add",
    "field:app",
    "field:csrf",
    "field:manifest",
    "field:service_worker",
}


def test_the_app_its_manifest_and_service_worker(client, world):
    from django.urls import reverse

    manifest = client.get(reverse("field:manifest"))  # no login: the browser asks for it
    assert manifest.status_code == 200
    assert manifest.json()["display"] == "standalone" and manifest.json()["short_name"] == "社工"
    worker_js = client.get(reverse("field:service_worker"))
    assert worker_js.status_code == 200 and "caches.open" in worker_js.content.decode()
    assert worker_js["Service-Worker-Allowed"] == reverse("field:app")
    assert client.get(reverse("field:app")).status_code == 302  # the app itself needs a login
    assert client.get(reverse("field:csrf")).status_code == 302
    for role, user in world.actors.items():
        client.force_login(user)
        page = client.get(reverse("field:app"))
        assert page.status_code == 200, role
        staff = role in ("social_worker", "station_lead")
        assert ('id="form-visit"' in page.content.decode()) == staff, role
        assert client.get(reverse("field:csrf")).json()["token"]


def test_photos_are_added_to_a_visit_once(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from shegong.work.models import Photo

    from .factories import PNG

    visit = _visit(world)
    url = f"/api/visits/{visit.pk}/photos"

    def upload(key="p-1", content=PNG, name="a.png"):
        return client.post(
            url,
            {"photo": SimpleUploadedFile(name, content, content_type="image/png")},
            headers={"Idempotency-Key": key},
        )

    client.force_login(world.actors["social_worker"])
    assert upload().status_code == 201
    again = upload()
    assert again.status_code == 200 and again.json()["replayed"]
    assert Photo.objects.filter(visit=visit).count() == 1
    refused = upload(key="p-2", content=b"not an image", name="x.png")
    assert refused.status_code == 422 and refused.json()["errors"]["photo"]
    assert AuditEntry.objects.filter(action="shegong.visit.photo_added").count() == 1
    client.force_login(world.places["own"].worker)  # another worker of the station
    assert upload(key="p-3").status_code == 403
    client.force_login(world.actors["county_officer"])
    assert upload(key="p-4").status_code == 403
    client.force_login(world.places["neighbour"].worker)
    assert upload(key="p-5").status_code == 404
    assert Photo.objects.filter(visit=visit).count() == 1


def test_only_the_stations_own_staff_download_it(client, world):
    own = world.places["own"]
    for role, user in world.actors.items():
        client.force_login(user)
        want = 200 if role in ("social_worker", "station_lead") else 403
        assert client.get(_url(own.station, "working-set")).status_code == want, role
        assert client.get(_url(own.station, "changes")).status_code == want, role
    client.logout()
    assert client.get(_url(own.station, "working-set")).status_code == 401
