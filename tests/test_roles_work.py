"""Issue #11, part 5: roles that can work (the evaluator's figures, the lead's to-do)."""

import datetime
import re

from django.urls import reverse
from django.utils import timezone

from shegong.accounts.models import User
from shegong.accounts.roles import STATION_ROLES
from shegong.work.models import Case

from .casework import assess_and_plan


def test_an_evaluator_sees_figures_that_do_not_open_empty_lists(client, world):
    """Every figure the evaluator can click opens its records (de-identified); the others
    (people, workers, training: person-level lists with no de-identified form) are not
    links, and asking for them anyway is refused in words."""
    from shegong.indicators import rebuild

    rebuild.rebuild_facts()
    client.force_login(world.actors["evaluator"])
    node = world.actors["evaluator"].scope_region_id
    page = client.get(reverse("indicators:dashboard"), {"node": node, "period": "2026-03"})
    body = page.content.decode()
    assert page.status_code == 200
    links = set(re.findall(r'href="(/indicators/records/[^"]+)"[^>]*>([\d,.]+)<', body))
    assert any(figure != "0" for _link, figure in links)
    for link, figure in links:
        listed = client.get(link.replace("&amp;", "&"))
        assert listed.status_code == 200
        if figure != "0":  # a figure above zero opens the records it is made of
            assert "合计：0" not in listed.content.decode(), link
    assert "metric=people" not in body
    refused = client.get(reverse("indicators:records"), {"metric": "people", "node": node})
    assert refused.status_code == 403 and "汇总数字" in refused.content.decode()


def test_the_region_page_counts_the_staff_the_dashboard_counts(client, world):
    """驻站人员 on the home and region pages equals the workers of the dashboard."""
    client.force_login(world.actors["evaluator"])
    region = world.actors["evaluator"].scope_region
    staff = User.objects.filter(
        scope_region__code__startswith=region.code, role__in=STATION_ROLES, is_active=True
    ).count()
    assert staff > 0
    home = client.get(reverse("home"))
    assert home.context["totals"]["staff"] == staff
    detail = client.get(reverse("regions:detail", args=[region.code]))
    assert detail.context["totals"]["staff"] == staff


def test_the_lead_sees_what_waits_for_them(client, world):
    case = world.places["own"].case
    client.force_login(world.actors["social_worker"])
    assess_and_plan(client, case)
    old = Case.objects.filter(pk=case.pk)  # a second, stale case of the same station
    stale = Case.objects.get(pk=old.get().pk)
    stale.pk = None
    stale.number = "GA-STALE"
    stale.stage = Case.Stage.INTERVENTION
    stale.opened_on = timezone.localdate() - datetime.timedelta(days=45)
    stale.save()
    client.force_login(world.actors["station_lead"])
    body = client.get(reverse("home")).content.decode()
    plans = re.search(r'data-testid="todo-plans".*?badge[^>]*>(\d+)<', body, re.S)
    overdue = re.search(r'data-testid="todo-overdue".*?badge[^>]*>(\d+)<', body, re.S)
    assert plans and plans.group(1) == "1"
    assert overdue and int(overdue.group(1)) >= 1
    listed = client.get(reverse("work:case_list"), {"overdue": "1"})
    assert "GA-STALE" in listed.content.decode()
    waiting = client.get(reverse("work:case_list"), {"awaiting": "me", "stage": "planning"})
    assert case.number in waiting.content.decode()


def test_the_to_do_counts_are_the_rows_the_lists_open(client, world):
    """The home page's counts (one query) agree with the lists they link to: the overdue
    filter of the case list, the cases awaiting the lead, one's own open cases. A case
    opened long ago is overdue unless an intervention was recorded in the last 30 days;
    a closed case is never counted."""
    from shegong.work import selectors
    from shegong.work.models import CaseEntry

    worker, lead = world.actors["social_worker"], world.actors["station_lead"]
    case = world.places["own"].case
    client.force_login(worker)
    assess_and_plan(client, case)  # a plan waiting for the lead
    today = timezone.localdate()
    long_ago = today - datetime.timedelta(days=45)
    made = {}
    for number, stage, entry_days_ago in [
        ("GA-NONE", Case.Stage.INTERVENTION, None),  # overdue: no entry at all
        ("GA-OLD", Case.Stage.INTERVENTION, 40),  # overdue: its entry is too old
        ("GA-RECENT", Case.Stage.INTERVENTION, 3),  # followed up: not overdue
        ("GA-CLOSED", Case.Stage.CLOSED, None),  # closed: never counted
    ]:
        copy = Case.objects.get(pk=case.pk)
        copy.pk, copy.number, copy.stage, copy.opened_on = None, number, stage, long_ago
        copy.worker = worker
        copy.save()
        made[number] = copy
        if entry_days_ago is not None:
            CaseEntry.objects.create(
                case=copy,
                worker=worker,
                date=today - datetime.timedelta(days=entry_days_ago),
                hours="1",
                content="电话随访",
            )
    for user in (worker, lead):
        counts = selectors.to_do(user=user, today=today)
        overdue = set(
            selectors.case_list(user=user, filters={"overdue": "1"}).values_list(
                "number", flat=True
            )
        )
        if user == worker:  # a worker's own cases only
            overdue = set(
                selectors.case_list(
                    user=user, filters={"overdue": "1", "worker": user.pk}
                ).values_list("number", flat=True)
            )
        assert {"GA-NONE", "GA-OLD"} <= overdue and not {"GA-RECENT", "GA-CLOSED"} & overdue
        assert counts["overdue"] == len(overdue)
        own_open = Case.objects.filter(worker=user).exclude(stage=Case.Stage.CLOSED).count()
        assert counts["mine"] == own_open
        awaiting = selectors.case_list(user=user, filters={"awaiting": "me"}).count()
        assert counts["plans"] + counts["closures"] == awaiting
    assert selectors.to_do(user=lead, today=today)["plans"] == 1
    assert selectors.to_do(user=worker, today=today)["plans"] == 0  # nobody approves their own
    body = client.get(reverse("home")).content.decode()
    mine = re.search(r"我的在办个案.*?kpi\">(\d+)<", body, re.S)
    assert mine and int(mine.group(1)) == selectors.to_do(user=worker, today=today)["mine"]


def test_a_workers_page_shows_their_hours_this_month_by_kind(client, world):
    from shegong.work.models import AdminWork

    worker = world.actors["social_worker"]
    client.force_login(worker)
    today = timezone.localdate()
    data = {"date": today.isoformat(), "task": "checks", "hours": "2.5"}
    data["region"] = world.places["own"].township
    assert client.post(reverse("work:admin_work_create"), data).status_code == 302
    assert AdminWork.objects.filter(worker=worker).exists()
    client.force_login(world.actors["station_lead"])
    body = client.get(reverse("accounts:user_detail", args=[worker.pk])).content.decode()
    panel = re.search(r'data-testid="hours-this-month".*?</ul>', body, re.S)
    assert panel and "协助" in panel.group(0) and "2.5" in panel.group(0)
    listed = client.get(reverse("work:admin_work_list"), {"worker": worker.pk}).content.decode()
    assert world.places["own"].township not in re.sub(r'href="[^"]*"', "", listed)  # names


def test_an_agency_sees_its_stations_board(client, world):
    from shegong.indicators import engine
    from shegong.indicators.models import Aggregate
    from shegong.work.models import HomeVisit

    for visit in HomeVisit.objects.all():
        engine.sync(visit)
    agency_admin = world.actors["agency_admin"]
    client.force_login(agency_admin)
    assert client.get(reverse("indicators:dashboard"))["Location"] == reverse(
        "indicators:station_board"
    )
    visit = world.places["own"].visit
    period = visit.date.strftime("%Y-%m")
    page = client.get(reverse("indicators:station_board"), {"period": period})
    assert page.status_code == 200
    rows = page.context["rows"]
    names = {obj.name for obj, _url, _cells in rows}
    assert world.places["own"].station.name in names
    assert world.places["neighbour"].station.name not in names  # another agency's
    own = next(obj for obj, _url, _cells in rows if obj.pk == world.places["own"].station.pk)
    stored = Aggregate.objects.get(node=own.region_id, period=period, metric="visit").value
    assert own.visit == stored
    assert client.get(reverse("indicators:station_board"), {"export": "xlsx"}).status_code == 200


def test_the_station_page_shows_each_workers_hours_this_month(client, world):
    worker = world.actors["social_worker"]
    client.force_login(worker)
    data = {
        "date": timezone.localdate().isoformat(),
        "task": "checks",
        "hours": "3",
        "region": world.places["own"].township,
    }
    assert client.post(reverse("work:admin_work_create"), data).status_code == 302
    client.force_login(world.actors["station_lead"])
    body = client.get(
        reverse("stations:detail", args=[world.places["own"].station.pk])
    ).content.decode()
    panel = re.search(r'data-testid="staff-hours".*?</table>', body, re.S)
    assert panel and worker.display_name in panel.group(0) and ">3<" in panel.group(0)


def test_a_long_day_reason_is_in_the_audit_entry(client, world):
    from shegong.audit.models import AuditEntry

    client.force_login(world.actors["social_worker"])
    data = {
        "date": "2026-03-02",
        "task": "checks",
        "hours": "13",
        "region": world.places["own"].township,
        "long_day_reason": "防汛值守",
    }
    assert client.post(reverse("work:admin_work_create"), data).status_code == 302
    entry = AuditEntry.objects.filter(action="shegong.admin_work.created").latest("pk")
    assert "防汛值守" in entry.data["long_day"]


def test_long_days_are_listed_for_those_who_oversee_the_worker(client, world):
    """The reasons given for days past the ceiling, with the day's hours from every kind
    of record, on a page of their own (the lead's, the officers', the agency's)."""
    from shegong.work.models import LongDay

    client.force_login(world.actors["social_worker"])
    day = {"date": "2026-03-02", "region": world.places["own"].township}
    assert (
        client.post(
            reverse("work:admin_work_create"), {**day, "task": "checks", "hours": "10"}
        ).status_code
        == 302
    )
    long = {**day, "task": "policy", "hours": "3", "long_day_reason": "防汛值守"}
    assert client.post(reverse("work:admin_work_create"), long).status_code == 302
    assert LongDay.objects.count() == 1
    for role in ("station_lead", "county_officer", "agency_admin", "social_worker"):
        client.force_login(world.actors[role])
        body = client.get(reverse("work:long_day_list")).content.decode()
        row = re.search(r"<tr>.*?防汛值守.*?</tr>", body, re.S)
        assert row, role
        assert re.search(r">13(\.0+)?<", row.group(0))  # 13 hours (PostgreSQL says 13.00)
        assert world.actors["social_worker"].display_name in row.group(0)
    for role in ("evaluator", "audit_admin"):
        client.force_login(world.actors[role])
        assert "防汛值守" not in client.get(reverse("work:long_day_list")).content.decode()
    client.force_login(world.places["neighbour"].lead)
    assert "防汛值守" not in client.get(reverse("work:long_day_list")).content.decode()
