"""Moving a test case along its stages through the API, as a phone would."""

import json

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
