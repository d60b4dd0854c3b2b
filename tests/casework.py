"""Station work through the API, as a phone would: a visit's and an activity's body, and
moving a test case along its stages."""

import json

DAY = "2026-03-02"


def visit_payload(world, **over) -> dict:
    """A home visit by the world's social worker to the own village's person."""
    own = world.places["own"]
    return {
        "date": DAY,
        "region": own.village,
        "recipient": own.recipient.pk,
        "workers": [world.actors["social_worker"].pk],
        "hours": "1.5",
        "situation": "独居",
        **over,
    }


def activity_payload(world, **over) -> dict:
    """A community activity in the own village by the world's social worker."""
    own = world.places["own"]
    return {
        "title": "重阳敬老",
        "domain": "elderly",
        "service_type": "care",
        "date": DAY,
        "region": own.village,
        "workers": [world.actors["social_worker"].pk],
        "hours": "2",
        "participants_count": 10,
        "volunteers_count": 0,
        **over,
    }


PLAN = {"agreement_signed_on": "2026-03-02", "agreement_signed_by": "本人", "goals_text": "探访"}


def post_json(client, path, payload=None):
    return client.post(path, json.dumps(payload or {}), content_type="application/json")


def step(client, case, name, payload=None):
    return post_json(client, f"/api/cases/{case.pk}/steps/{name}", payload)


def assess_and_plan(client, case):
    """Intake → planning with a submitted plan (one goal); the client's user does both."""
    assert step(client, case, "assess", {"needs_summary": "照料"}).status_code == 200
    assert step(client, case, "plan", PLAN).status_code == 200


def intervene_evaluate_close(client, case):
    """Intervention → evaluation → closure requested (the plan already approved)."""
    entry = {"date": "2026-03-03", "hours": 1, "content": "探访"}
    assert step(client, case, "entry", entry).status_code == 200
    goal = case.goals.get()
    evaluation = {"evaluation_summary": "好", "achieved": {str(goal.pk): "met"}}
    assert step(client, case, "evaluate", evaluation).status_code == 200
    close = {"closure_reason": "goals_met", "closure_summary": "完成"}
    assert step(client, case, "close", close).status_code == 200
