"""Station work: what a worker records, the hours it produces, the case life cycle."""

import re

import pytest
from django.urls import reverse

from shegong.audit.models import AuditEntry
from shegong.indicators.models import ServiceFact
from shegong.work.models import Activity, AdminWork, Case, GroupSession, HomeVisit


@pytest.fixture
def worker(client, world):
    client.force_login(world.actors["social_worker"])
    return client


def _visit(world, **over):
    own = world.places["own"]
    data = {
        "date": "2026-03-02",
        "region": own.village,
        "recipient": own.recipient.pk,
        "workers": [world.actors["social_worker"].pk, own.worker.pk],
        "hours": "1.5",
        "situation": "老人独居，行动不便",
        "needs": "送餐",
        "follow_up": "链接助餐",
    }
    data.update(over)
    return data


def test_home_visit_writes_hours_for_each_worker(worker, world):
    response = worker.post(reverse("work:visit_create"), _visit(world))
    assert response.status_code == 302
    visit = HomeVisit.objects.get(situation="老人独居，行动不便")
    assert visit.station == world.places["own"].station
    facts = ServiceFact.objects.filter(source_type="visit", source_id=visit.pk)
    assert sorted((f.worker_id, str(f.hours), f.work_kind, f.in_village) for f in facts) == sorted(
        (w.pk, "1.50", "visit", True)
        for w in [world.actors["social_worker"], world.places["own"].worker]
    )


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"recipient": "", "household": ""}, "请选择走访的服务对象或家庭户"),
        ({"region": "430302001002"}, "该服务对象不在所选村（社区）"),
        ({"date": "2099-01-01"}, "日期不能晚于今天"),
        ({"hours": "0"}, ""),
        ({"workers": []}, ""),
    ],
)
def test_bad_visit_is_refused_and_explained(worker, world, over, message):
    response = worker.post(reverse("work:visit_create"), _visit(world, **over))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not HomeVisit.objects.filter(situation="老人独居，行动不便").exists()


def test_visit_of_a_person_outside_the_township_is_impossible(worker, world):
    other = world.places["neighbour"]
    response = worker.post(
        reverse("work:visit_create"),
        _visit(world, recipient=other.recipient.pk, region=other.village),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "recipient" in errors and "region" in errors


def _step(client, case, step, data=None):
    return client.post(reverse("work:case_step", args=[case.pk, step]), data or {})


def test_case_life_cycle_with_approvals(client, world):
    worker, lead = world.actors["social_worker"], world.actors["station_lead"]
    person = world.places["own"].recipient
    client.force_login(worker)
    response = client.post(
        reverse("work:case_create"),
        {
            "recipient": person.pk,
            "opened_on": "2026-03-01",
            "source": "request",
            "presenting_problem": "子女外出务工，独居无人照料",
        },
    )
    case = Case.objects.get(presenting_problem="子女外出务工，独居无人照料")
    assert response["Location"] == reverse("work:case_detail", args=[case.pk])
    assert (case.stage, case.worker, case.region_id) == ("intake", worker, person.region_id)
    assert case.number.startswith("GA4303020012026")

    _step(
        client,
        case,
        "assess",
        {"needs_summary": "生活照料、情感支持", "assessment_family": "子女在外"},
    )
    case.refresh_from_db()
    assert case.stage == "planning"
    _step(
        client,
        case,
        "plan",
        {
            "agreement_signed_on": "2026-03-03",
            "agreement_signed_by": person.name,
            "goals_text": "每周探访一次\n链接助餐服务",
        },
    )
    case.refresh_from_db()
    assert case.goals.count() == 2 and case.plan_submitted_at
    # the worker cannot approve their own plan
    assert _step(client, case, "approve_plan").status_code == 403
    # evaluating before any intervention is refused with a reason
    client.force_login(lead)
    _step(client, case, "approve_plan")
    case.refresh_from_db()
    assert (case.stage, case.plan_approved_by) == ("intervention", lead)

    client.force_login(worker)
    response = _step(client, case, "evaluate", {"evaluation_summary": "x"})
    assert response.status_code == 200  # goals not rated: the form is shown again
    _step(
        client,
        case,
        "entry",
        {"date": "2026-03-10", "hours": "2", "in_village": "on", "content": "上门探访，链接助餐"},
    )
    assert ServiceFact.objects.filter(work_kind="case", worker=worker, hours=2).exists()
    goals = {f"goal_{g.pk}": "met" for g in case.goals.all()}
    _step(client, case, "evaluate", {"evaluation_summary": "目标基本达成", **goals})
    case.refresh_from_db()
    assert case.stage == "evaluation"
    _step(client, case, "close", {"closure_reason": "goals_met", "closure_summary": "服务目标达成"})
    assert _step(client, case, "approve_closure").status_code == 403
    client.force_login(lead)
    _step(client, case, "approve_closure")
    case.refresh_from_db()
    assert case.stage == "closed" and case.closure_approved_by == lead and case.closed_on

    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds == [
        "opened",
        "assessed",
        "plan_submitted",
        "plan_approved",
        "intervention",
        "evaluated",
        "closure_requested",
        "closed",
    ]
    assert AuditEntry.objects.filter(action="shegong.case.closed", object_id=str(case.pk)).exists()

    # reopen needs a reason; then transfer and referral
    assert _step(client, case, "reopen", {"reason": ""}).status_code == 302
    case.refresh_from_db()
    assert case.stage == "closed"
    _step(client, case, "reopen", {"reason": "老人再次摔倒"})
    case.refresh_from_db()
    assert case.stage == "intervention"
    _step(client, case, "transfer", {"to": world.places["own"].worker.pk})
    case.refresh_from_db()
    assert case.worker == world.places["own"].worker
    _step(
        client,
        case,
        "refer",
        {
            "ref-direction": "out",
            "ref-organisation": "区残联",
            "ref-reason": "辅具适配",
            "ref-date": "2026-04-01",
        },
    )
    assert case.referrals.get().organisation == "区残联"


def test_transfer_to_another_station_is_refused(client, world):
    client.force_login(world.actors["social_worker"])
    case = world.places["own"].case
    _step(client, case, "transfer", {"to": world.places["neighbour"].worker.pk})
    case.refresh_from_db()
    assert case.worker == world.places["own"].worker


def test_group_session_attendance_only_of_members(worker, world):
    own = world.places["own"]
    group = own.group
    url = reverse("work:group_session_add", args=[group.pk])
    stranger = world.places["neighbour"].recipient
    response = worker.post(
        url,
        {
            "date": "2026-03-05",
            "hours": "1.5",
            "in_village": "on",
            "attendees": [stranger.pk],
            "others_count": "2",
            "record": "破冰",
        },
    )
    assert response.status_code == 200 and not GroupSession.objects.exists()
    worker.post(
        url,
        {
            "date": "2026-03-05",
            "hours": "1.5",
            "in_village": "on",
            "attendees": [own.recipient.pk],
            "others_count": "2",
            "record": "破冰",
        },
    )
    session = GroupSession.objects.get()
    assert session.number == 1 and list(session.attendees.all()) == [own.recipient]
    group.refresh_from_db()
    assert group.stage == "formation"
    assert ServiceFact.objects.filter(work_kind="group", source_id=session.pk, n=1).count() == 1


def test_activity_with_people_and_volunteers(worker, world):
    own = world.places["own"]
    response = worker.post(
        reverse("work:activity_create"),
        {
            "title": "重阳敬老",
            "domain": "elderly",
            "service_type": "care",
            "date": "2026-03-08",
            "region": own.village,
            "workers": [world.actors["social_worker"].pk],
            "hours": "3",
            "participants_count": "45",
            "participants": [own.recipient.pk],
            "volunteers_count": "6",
        },
    )
    assert response.status_code == 302
    activity = Activity.objects.get(title="重阳敬老")
    assert list(activity.participants.all()) == [own.recipient]
    assert (
        ServiceFact.objects.get(source_type="activity", source_id=activity.pk, n=1).work_kind
        == "community"
    )
    body = worker.get(reverse("work:activity_list")).content.decode()
    assert "重阳敬老" in body


def test_negative_list_is_refused_with_the_reason(worker, world):
    own = world.places["own"]
    data = {
        "date": "2026-03-02",
        "task": "approve",
        "hours": "2",
        "region": own.township,
        "description": "审批低保申请",
    }
    response = worker.post(reverse("work:admin_work_create"), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "负面清单" in body and "许可、确认、审批、给付" in body
    assert (
        not AdminWork.objects.exists()
        and not ServiceFact.objects.filter(work_kind__startswith="admin").exists()
    )
    data["task"] = "checks"
    # an ordinary task whose description names 审批 is warned, and saved once confirmed
    warned = worker.post(reverse("work:admin_work_create"), data)
    assert warned.status_code == 200 and "“审批”" in warned.content.decode()
    assert not AdminWork.objects.exists()
    data["confirmed"] = "on"
    assert worker.post(reverse("work:admin_work_create"), data).status_code == 302
    fact = ServiceFact.objects.get(source_type="admin")
    assert (fact.work_kind, fact.in_village, fact.professional) == ("admin_assist", False, False)


def test_a_cases_records_and_timeline_read_as_written(client, world):
    """The case page's intervention records keep their line breaks and show markup as
    text; the timeline gives the local time, who and what, the note cut at 100 characters."""
    import datetime

    from django.utils import timezone

    from shegong.work.models import CaseEntry, CaseEvent

    own = world.places["own"]
    CaseEntry.objects.create(
        case=own.case,
        worker=own.worker,
        date=timezone.localdate() - datetime.timedelta(days=1),
        hours="1.5",
        content="电话随访<b>\n情况平稳",
    )
    CaseEvent.objects.create(case=own.case, by=own.worker, kind="intervention", note="记" * 150)
    client.force_login(own.worker)
    page = client.get(reverse("work:case_detail", args=[own.case.pk])).content.decode()
    assert "电话随访&lt;b&gt;<br>情况平稳" in page
    assert f"{own.worker.display_name} · 1.50 h" in page
    event = CaseEvent.objects.filter(case=own.case).latest("pk")
    when = timezone.localtime(event.at).strftime("%Y-%m-%d %H:%M")
    assert f"{when} · {own.worker.display_name} · " in page
    shown = re.search(r"介入服务</span> (记+\S*)</li>", page).group(1)
    assert "记" * 150 not in page and len(shown) == 100 and shown.startswith("记" * 90)


def test_the_visit_list_names_the_workers_from_plain_values(client, world):
    """Each visit's workers are named in the order of their accounts, on the page and in
    the export alike; the page reads their names as values, making no account object for them
    (each was a whole row, and a related manager per visit)."""
    from django.db.models.signals import post_init

    from shegong.accounts.models import User

    from .factories import HomeVisitFactory

    worker, lead = world.actors["social_worker"], world.actors["station_lead"]
    visit = HomeVisitFactory(created_by=worker, workers=[lead, worker], situation="两人同去")
    expected = "、".join(u.display_name for u in sorted([worker, lead], key=lambda u: u.pk))
    client.force_login(worker)
    made = []

    def count(sender, **kwargs):
        made.append(sender)

    post_init.connect(count, sender=User)
    try:
        page = client.get(reverse("work:visit_list"))
    finally:
        post_init.disconnect(count, sender=User)
    link = reverse("work:visit_detail", args=[visit.pk])
    line = next(line for line in page.context["lines"] if link in line)
    assert expected in line
    assert len(made) <= 1  # the signed-in user, read for the request; none per worker

    client.force_login(world.actors["county_officer"])
    exported = client.get(reverse("work:visit_list"), {"export": "csv"}).content.decode("utf-8")
    row = next(line for line in exported.splitlines() if "两人同去" in line)
    assert expected in row


def test_a_long_case_shows_its_latest_lines_and_the_whole_file_on_asking(client, world):
    """A case followed for years has hundreds of records and events: its page shows the
    latest 50 of each, oldest first, says how many earlier ones are left out, and shows
    them all with ``?all=1`` (to read or print the whole file); the same number of queries
    whatever the case's length, bar one count a list with lines left out."""
    import datetime

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from shegong.work.models import CaseEntry, CaseEvent
    from shegong.work.views import CASE_PAGE_LINES

    own = world.places["own"]
    url = reverse("work:case_detail", args=[own.case.pk])
    client.force_login(own.worker)
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as short:
        page = client.get(url).content.decode()
    assert 'data-testid="entries-hidden"' not in page and "data-print" in page
    start = timezone.localdate() - datetime.timedelta(days=400)
    CaseEntry.objects.bulk_create(
        CaseEntry(
            case=own.case,
            worker=own.worker,
            date=start + datetime.timedelta(days=i),
            hours="1",
            content=f"第{i:03d}次随访",
        )
        for i in range(CASE_PAGE_LINES + 7)
    )
    before = CaseEvent.objects.filter(case=own.case).count()
    CaseEvent.objects.bulk_create(
        CaseEvent(case=own.case, by=own.worker, kind="intervention", note=f"事件{i:03d}")
        for i in range(CASE_PAGE_LINES + 3)
    )
    with CaptureQueriesContext(connection) as long:
        page = client.get(url).content.decode()
    assert len(long) == len(short) + 2  # how many records, and events, were left out
    assert "较早的 7 条介入记录未显示。" in page
    assert f"时间线中较早的 {before + 3} 条未显示。" in page
    shown = re.findall(r"第(\d{3})次随访", page)
    assert shown == [f"{i:03d}" for i in range(7, CASE_PAGE_LINES + 7)]  # the latest, in order
    assert re.findall(r"事件(\d{3})", page)[-1] == f"{CASE_PAGE_LINES + 2:03d}"
    assert "事件000" not in page
    # printing asks for the whole file first
    assert 'href="?all=1" data-testid="print-case"' in page and "data-print" not in page
    everything = client.get(url + "?all=1").content.decode()
    assert re.findall(r"第(\d{3})次随访", everything) == [
        f"{i:03d}" for i in range(CASE_PAGE_LINES + 7)
    ]
    assert "事件000" in everything and 'data-testid="entries-hidden"' not in everything
    assert "data-print" in everything
