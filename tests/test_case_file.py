"""Issue #11, parts 5 and 6: the lead returns a plan or a closure with a comment; a closed
case keeps every stage's content and prints as a case file; a failed step keeps the case
on the page and says its error once."""

from django.urls import reverse

from shegong.work.models import Case, CaseEvent

from .casework import assess_and_plan, intervene_evaluate_close, step


def _closed_case(client, world):
    case = world.places["own"].case
    client.force_login(world.actors["social_worker"])
    assert (
        step(
            client,
            case,
            "assess",
            {
                "needs_summary": "照料",
                "assessment_individual": "行动不便",
                "assessment_family": "子女在外",
                "assessment_community": "邻里可互助",
            },
        ).status_code
        == 200
    )
    assert (
        step(
            client,
            case,
            "plan",
            {
                "agreement_signed_on": "2026-03-02",
                "agreement_signed_by": "王秀英本人",
                "goals_text": "探访",
            },
        ).status_code
        == 200
    )
    client.force_login(world.actors["station_lead"])
    assert step(client, case, "approve_plan").status_code == 200
    client.force_login(world.actors["social_worker"])
    intervene_evaluate_close(client, case)
    client.force_login(world.actors["station_lead"])
    assert step(client, case, "approve_closure").status_code == 200
    return case


def test_a_closed_case_keeps_every_stage_and_prints_as_a_case_file(client, world):
    case = _closed_case(client, world)
    client.force_login(world.actors["social_worker"])
    body = client.get(reverse("work:case_detail", args=[case.pk])).content.decode()
    for text in ("行动不便", "子女在外", "邻里可互助", "王秀英本人", "完成", "个案档案"):
        assert text in body, text
    assert 'data-testid="print-case"' in body


def test_the_lead_returns_a_plan_with_a_comment(client, world):
    case = world.places["own"].case
    client.force_login(world.actors["social_worker"])
    assess_and_plan(client, case)
    client.force_login(world.actors["station_lead"])
    assert step(client, case, "return_plan", {}).status_code == 422  # a comment is needed
    page = client.post(
        reverse("work:case_step", args=[case.pk, "return_plan"]), {"reason": "目标要具体"}
    )
    assert page.status_code == 302
    case.refresh_from_db()
    assert case.stage == Case.Stage.PLANNING and case.plan_submitted_at is None
    event = CaseEvent.objects.filter(case=case).latest("pk")
    assert (event.kind, event.note) == ("plan_returned", "目标要具体")
    client.force_login(world.actors["social_worker"])
    timeline = client.get(reverse("work:case_detail", args=[case.pk])).content.decode()
    assert "服务计划被退回" in timeline and "目标要具体" in timeline
    # the worker cannot return their own plan
    assert step(client, case, "return_plan", {"reason": "x"}).status_code == 403


def test_the_lead_returns_a_closure_report_by_api(client, world):
    case = world.places["own"].case
    client.force_login(world.actors["social_worker"])
    assess_and_plan(client, case)
    client.force_login(world.actors["station_lead"])
    assert step(client, case, "approve_plan").status_code == 200
    client.force_login(world.actors["social_worker"])
    intervene_evaluate_close(client, case)
    client.force_login(world.actors["station_lead"])
    returned = step(client, case, "return_closure", {"reason": "补充结案评估"})
    assert returned.status_code == 200 and returned.json()["stage"] == "evaluation"
    case.refresh_from_db()
    assert case.closure_requested_at is None


def test_a_failed_step_keeps_the_case_and_says_its_error_once(client, world):
    case = world.places["own"].case
    client.force_login(world.actors["social_worker"])
    assert step(client, case, "assess", {"needs_summary": "照料"}).status_code == 200
    page = client.post(
        reverse("work:case_step", args=[case.pk, "plan"]),
        {"agreement_signed_on": "2026-03-02", "agreement_signed_by": "", "goals_text": "探访"},
    )
    body = page.content.decode()
    assert page.status_code == 200
    assert case.number in body and case.recipient.name in body  # the case is still there
    assert body.count("这个字段是必填项") + body.count("此项为必填项") == 1
