"""Issue #14, part 2: the API writes every record the phone, imports and other systems need.

People are corrected (``If-Match``), groups started and changed, training and supervision
recorded, corrected and voided, each with the same rules as the pages; a stale version
answers 409 with the current record, a missing one 428.
"""

import json

from django.utils import timezone

from shegong.audit.models import AuditEntry
from shegong.indicators.models import ServiceFact
from shegong.work.models import Group
from shegong.workforce.models import TrainingRecord

TODAY = timezone.localdate()

API_WRITE_URLS = {
    "api:recipient_update",
    "api:group_create",
    "api:group_update",
    "api:training_list",
    "api:training_get",
    "api:training_create",
    "api:training_update",
    "api:training_void_endpoint",
}


def _send(client, method, url, body, version=None, key=None):
    headers = {}
    if version is not None:
        headers["If-Match"] = f'"{version}"'
    if key:
        headers["Idempotency-Key"] = key
    call = getattr(client, method)
    return call(url, json.dumps(body), content_type="application/json", headers=headers)


def test_a_person_is_corrected_with_the_version_read(client, world):
    own = world.places["own"]
    person = own.recipient
    client.force_login(world.actors["social_worker"])
    read = client.get(f"/api/recipients/{person.pk}").json()
    body = {
        "name": "own居民（更正）",
        "region": own.village,
        "consent": "written",
        "consent_date": TODAY.isoformat(),
        "consent_giver": "self",
    }
    url = f"/api/recipients/{person.pk}"
    assert _send(client, "put", url, body).status_code == 428
    ok = _send(client, "put", url, body, version=read["version"])
    assert ok.status_code == 200 and ok.json()["version"] == read["version"] + 1
    stale = _send(client, "put", url, body | {"name": "又改"}, version=read["version"])
    assert stale.status_code == 409
    current = stale.json()["current"]
    assert current["name"] == "own居民（更正）" and "*" in (current["id_number_masked"] or "*")
    person.refresh_from_db()
    assert person.name == "own居民（更正）"
    # the county officer sees the person but does not correct them
    client.force_login(world.actors["county_officer"])
    assert _send(client, "put", url, body, version=2).status_code == 403
    client.force_login(world.places["neighbour"].worker)
    assert _send(client, "put", url, body, version=2).status_code == 404


def test_groups_are_started_and_changed_through_the_api(client, world):
    own = world.places["own"]
    worker = world.actors["social_worker"]
    client.force_login(worker)
    body = {
        "name": "接口小组",
        "nature": "support",
        "goals": "互助",
        "target": "老人",
        "planned_sessions": 4,
        "region": own.township,
        "workers": [worker.pk],
        "members": [own.recipient.pk],
        "stage": "preparation",
    }
    made = _send(client, "post", "/api/groups", body)
    assert made.status_code == 201
    group = Group.objects.get(pk=made.json()["id"])
    assert group.domain == "governance" and group.number.startswith("XZ")
    changed = _send(
        client, "put", f"/api/groups/{group.pk}", body | {"name": "接口小组（改）"}, version=1
    )
    assert changed.status_code == 200
    group.refresh_from_db()
    assert group.name == "接口小组（改）" and group.version == 2
    client.force_login(world.actors["county_officer"])
    assert _send(client, "post", "/api/groups", body).status_code == 403


def test_training_is_recorded_corrected_and_voided(client, world):
    worker, lead = world.actors["social_worker"], world.actors["station_lead"]
    client.force_login(worker)
    body = {
        "worker": worker.pk,
        "kind": "supervision",
        "date": TODAY.isoformat(),
        "hours": "2",
        "organiser": "county",
        "topic": "个案督导",
    }
    made = _send(client, "post", "/api/training", body, key="t-1")
    again = _send(client, "post", "/api/training", body, key="t-1")
    assert made.status_code == 201 and again.json()["replayed"]
    record = TrainingRecord.objects.get(pk=made.json()["id"])
    assert TrainingRecord.objects.count() == 1
    url = f"/api/training/{record.pk}"
    fixed = _send(client, "put", url, body | {"hours": "3"}, version=1)
    assert fixed.status_code == 200
    record.refresh_from_db()
    assert record.hours == 3
    # another worker of the station may not; the lead may
    client.force_login(world.places["own"].worker)
    assert _send(client, "post", f"{url}/void", {"reason": "x"}, version=2).status_code == 403
    client.force_login(lead)
    voided = _send(client, "post", f"{url}/void", {"reason": "督导未举行"}, version=2)
    assert voided.status_code == 200
    record.refresh_from_db()
    assert record.voided_at and record.void_reason == "督导未举行"
    assert not ServiceFact.objects.filter(source_type="training", source_id=record.pk).exists()
    assert AuditEntry.objects.filter(action="shegong.training.voided").exists()
    listed = client.get("/api/training").json()["items"]
    assert [t["id"] for t in listed] == [record.pk] and listed[0]["voided_at"]


def test_a_case_step_sent_twice_is_recorded_once(client, world):
    """The phone's outbox sends an intervention again when the first answer was lost: the
    same Idempotency-Key records it once and answers with the case as it is; the same key
    with another body is refused."""
    from shegong.work.models import Case, CaseEntry

    case = world.places["own"].case
    Case.objects.filter(pk=case.pk).update(stage=Case.Stage.INTERVENTION)
    client.force_login(world.actors["social_worker"])
    url = f"/api/cases/{case.pk}/steps/entry"
    body = {"date": TODAY.isoformat(), "hours": 1, "content": "电话回访，情绪平稳"}
    first = _send(client, "post", url, body, key="entry-1")
    again = _send(client, "post", url, body, key="entry-1")
    assert first.status_code == again.status_code == 200
    assert first.json()["id"] == again.json()["id"] == case.pk
    assert CaseEntry.objects.filter(case=case, content="电话回访，情绪平稳").count() == 1
    other = _send(client, "post", url, body | {"content": "另一次"}, key="entry-1")
    assert other.status_code == 422
    assert not CaseEntry.objects.filter(case=case, content="另一次").exists()
    # a different key is a different intervention
    assert _send(client, "post", url, body, key="entry-2").status_code == 200
    assert CaseEntry.objects.filter(case=case, content="电话回访，情绪平稳").count() == 2
