"""Idempotency keys are exact: per user, per endpoint, bounded (finding 7).

The offline phone app will retry every write with the same key. A key over 64 characters
used to work once and then fail with a RecursionError; another user's key, or a web
form's key reused on the API, answered 500; and a key used on /api/recipients and then on
/api/cases replayed the person's id as if it were a case.
"""

import json

import pytest
from django.urls import reverse

from shegong.core.models import SubmittedForm
from shegong.people.models import Recipient
from shegong.work.models import Case, HomeVisit

from .factories import make_id_number


def _post(client, path, payload, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(path, json.dumps(payload), content_type="application/json", **headers)


def _visit(world, text="离线补录"):
    own = world.places["own"]
    return {
        "date": "2026-03-02",
        "region": own.village,
        "recipient": own.recipient.pk,
        "workers": [world.actors["social_worker"].pk],
        "hours": 1,
        "situation": text,
    }


@pytest.mark.parametrize("key", ["k" * 65, "k" * 5000, "键" * 10, "a b", "tab\there"])
def test_a_key_too_long_or_not_printable_ascii_is_400(client, world, key):
    client.force_login(world.actors["social_worker"])
    for _ in range(2):
        response = _post(client, "/api/visits", _visit(world), key=key)
        assert response.status_code == 400 and "Idempotency-Key" in response.json()["detail"]
    assert not HomeVisit.objects.filter(situation="离线补录").exists()


def test_keys_sharing_64_characters_do_not_collide(client, world):
    client.force_login(world.actors["social_worker"])
    a, b = "p" * 63 + "a", "p" * 63 + "b"
    assert _post(client, "/api/visits", _visit(world, "一"), key=a).status_code == 201
    assert _post(client, "/api/visits", _visit(world, "二"), key=b).status_code == 201
    assert _post(client, "/api/visits", _visit(world, "一"), key=a).status_code == 200
    assert HomeVisit.objects.filter(situation__in=["一", "二"]).count() == 2


def test_another_users_key_is_a_new_request(client, world):
    own = world.places["own"]
    client.force_login(world.actors["social_worker"])
    first = _post(client, "/api/visits", _visit(world), key="shared-key-1")
    client.force_login(world.actors["station_lead"])
    payload = {**_visit(world, "组长补录"), "workers": [world.actors["station_lead"].pk]}
    second = _post(client, "/api/visits", payload, key="shared-key-1")
    assert first.status_code == 201 and second.status_code == 201
    assert second.json()["id"] != first.json()["id"]
    assert HomeVisit.objects.filter(region_id=own.village, situation="组长补录").exists()


def test_a_key_on_another_endpoint_never_replays_that_record(client, world):
    own = world.places["own"]
    client.force_login(world.actors["social_worker"])
    person = {
        "name": "孙奶奶",
        "id_number": make_id_number("430302", "19400101", 611),
        "region": own.village,
        "consent": "oral",
        "consent_date": "2026-03-01",
        "consent_giver": "self",
    }
    created = _post(client, "/api/recipients", person, key="same-key")
    assert created.status_code == 201
    case = {
        "recipient": created.json()["id"],
        "opened_on": "2026-03-02",
        "source": "outreach",
        "presenting_problem": "独居",
    }
    opened = _post(client, "/api/cases", case, key="same-key")
    assert opened.status_code == 201 and not opened.json().get("replayed")
    assert Case.objects.filter(pk=opened.json()["id"], recipient__name="孙奶奶").exists()
    assert Recipient.objects.filter(name="孙奶奶").count() == 1


def test_a_web_forms_key_reused_on_the_api_is_a_new_request(client, world):
    client.force_login(world.actors["social_worker"])
    key = "0123456789abcdef0123456789abcdef"
    page = {**_visit(world, "网页"), "idempotency_key": key}
    assert client.post(reverse("work:visit_create"), page).status_code == 302
    api = _post(client, "/api/visits", _visit(world, "接口"), key=key)
    assert api.status_code == 201
    assert HomeVisit.objects.filter(situation__in=["网页", "接口"]).count() == 2
    # and the form's own retry still goes where the first went, saving nothing
    again = client.post(reverse("work:visit_create"), page)
    assert again.status_code == 302
    assert HomeVisit.objects.filter(situation="网页").count() == 1


def test_the_same_key_with_another_body_is_refused(client, world):
    client.force_login(world.actors["social_worker"])
    assert _post(client, "/api/visits", _visit(world, "甲"), key="body-key").status_code == 201
    changed = _post(client, "/api/visits", _visit(world, "乙"), key="body-key")
    assert changed.status_code == 422 and "Idempotency-Key" in changed.json()["detail"]
    assert not HomeVisit.objects.filter(situation="乙").exists()


def test_a_key_whose_first_request_is_unfinished_answers_409(client, world):
    user = world.actors["social_worker"]
    client.force_login(user)
    SubmittedForm.objects.create(user=user, scope="api POST /api/visits", key="busy", url="")
    response = _post(client, "/api/visits", _visit(world), key="busy")
    assert response.status_code == 409
    assert not HomeVisit.objects.filter(situation="离线补录").exists()


def test_a_replay_is_answered_without_a_second_write(client, world):
    client.force_login(world.actors["social_worker"])
    first = _post(client, "/api/visits", _visit(world), key="once")
    writes = HomeVisit.objects.count()
    for _ in range(3):
        again = _post(client, "/api/visits", _visit(world), key="once")
        assert again.json() == {"id": first.json()["id"], "replayed": True}
    assert HomeVisit.objects.count() == writes
