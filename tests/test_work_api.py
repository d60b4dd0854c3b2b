"""The JSON API runs the same forms and services as the pages."""

import json

from shegong.people.models import Recipient
from shegong.work.models import Case, HomeVisit

from .factories import make_id_number


def _post(client, path, payload, **headers):
    return client.post(path, json.dumps(payload), content_type="application/json", **headers)


def test_register_by_api_is_masked_and_validated(client, world):
    client.force_login(world.actors["social_worker"])
    number = make_id_number("430302", "19520101", 321)
    payload = {
        "name": "赵大爷",
        "id_number": number,
        "phone": "13900001111",
        "region": "430302001002",
        "consent": "oral",
        "consent_date": "2026-03-01",
        "consent_giver": "self",
    }
    response = _post(client, "/api/recipients", payload)
    assert response.status_code == 201
    pk = response.json()["id"]
    body = client.get(f"/api/recipients/{pk}").json()
    assert body["id_number_masked"] == number[:6] + "********" + number[-4:]
    assert body["phone_masked"] == "139****1111" and number not in json.dumps(body)
    again = _post(client, "/api/recipients", payload)
    assert again.status_code == 422
    assert "已登记" in again.json()["errors"]["id_number"][0]


def test_idempotency_key_replays_instead_of_duplicating(client, world):
    client.force_login(world.actors["social_worker"])
    own = world.places["own"]
    payload = {
        "date": "2026-03-02",
        "region": own.village,
        "recipient": own.recipient.pk,
        "workers": [world.actors["social_worker"].pk],
        "hours": 1,
        "situation": "离线补录",
    }
    first = _post(client, "/api/visits", payload, HTTP_IDEMPOTENCY_KEY="a" * 32)
    second = _post(client, "/api/visits", payload, HTTP_IDEMPOTENCY_KEY="a" * 32)
    assert first.status_code == 201 and second.status_code == 200
    assert second.json() == {"id": first.json()["id"], "replayed": True}
    assert HomeVisit.objects.filter(situation="离线补录").count() == 1


def test_case_steps_by_api(client, world):
    client.force_login(world.actors["social_worker"])
    case = world.places["own"].case
    r = _post(client, f"/api/cases/{case.pk}/steps/assess", {"needs_summary": "照料"})
    assert r.status_code == 200 and r.json()["stage"] == "planning"
    r = _post(
        client,
        f"/api/cases/{case.pk}/steps/plan",
        {
            "agreement_signed_on": "2026-03-02",
            "agreement_signed_by": "本人",
            "goals_text": "每周探访",
        },
    )
    assert r.json()["goals"] == ["每周探访"]
    assert _post(client, f"/api/cases/{case.pk}/steps/approve_plan", {}).status_code == 403
    r = _post(
        client,
        f"/api/cases/{case.pk}/steps/entry",
        {"date": "2026-03-03", "hours": 1, "content": "x"},
    )
    assert r.status_code == 409 and "介入" in r.json()["detail"]
    client.force_login(world.actors["station_lead"])
    assert (
        _post(client, f"/api/cases/{case.pk}/steps/approve_plan", {}).json()["stage"]
        == "intervention"
    )
    assert Case.objects.get(pk=case.pk).plan_approved_by == world.actors["station_lead"]


def test_negative_list_by_api(client, world):
    client.force_login(world.actors["station_lead"])
    r = _post(
        client,
        "/api/admin-work",
        {"date": "2026-03-02", "task": "pay", "hours": 1, "region": world.places["own"].township},
    )
    assert r.status_code == 422 and "负面清单" in r.json()["errors"]["task"][0]


def test_officer_cannot_register(client, world):
    client.force_login(world.actors["county_officer"])
    assert _post(client, "/api/recipients", {"name": "x"}).status_code == 403
    assert not Recipient.objects.filter(name="x").exists()
