"""Issue #14, part 4: monthly sign-off and lock (逐级审核).

The station lead submits a month that has ended, the agency reviews it, the county
accepts it (or returns it with a reason); an accepted month refuses station work through
the pages and the API until the county unlocks it, with a reason, audited. The county's
board shows each station's month, with overdue submissions flagged, and the dashboard
says how much of a period is accepted.
"""

import datetime
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from shegong.audit.models import AuditEntry
from shegong.indicators.models import MonthApproval
from shegong.indicators.services import MonthStep, month_step
from shegong.work.models import HomeVisit

TODAY = timezone.localdate()
LAST = (TODAY.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
THIS = TODAY.replace(day=1)


def _step(by, station, action, reason="", month=LAST):
    return month_step(by=by, data=MonthStep(station.pk, month, action, reason))


def _visit(world, day):
    own = world.places["own"]
    return {
        "date": day.isoformat(),
        "region": own.village,
        "recipient": own.recipient.pk,
        "workers": [world.actors["social_worker"].pk],
        "hours": "1",
        "situation": f"{day} 入户",
    }


def test_submit_review_accept_lock_and_unlock(client, world):
    own = world.places["own"]
    lead, agency, county = (
        world.actors["station_lead"],
        world.actors["agency_admin"],
        world.actors["county_officer"],
    )
    with pytest.raises(ValidationError) as early:
        _step(lead, own.station, "submit", month=THIS)
    assert "month" in early.value.message_dict
    with pytest.raises(PermissionDenied):
        _step(world.actors["social_worker"], own.station, "submit")
    row = _step(lead, own.station, "submit")
    assert row.status == MonthApproval.Status.SUBMITTED
    with pytest.raises(ValidationError):  # the agency reviews first
        _step(county, own.station, "accept")
    with pytest.raises(PermissionDenied):
        _step(county, own.station, "review")
    with pytest.raises(ValidationError):  # returning needs a reason
        _step(agency, own.station, "return")
    _step(agency, own.station, "review")
    row = _step(county, own.station, "accept")
    assert row.status == MonthApproval.Status.ACCEPTED

    # the accepted month refuses station work on the page and in the API
    client.force_login(world.actors["social_worker"])
    day = LAST + datetime.timedelta(days=3)
    page = client.post(reverse("work:visit_create"), _visit(world, day))
    assert page.status_code == 200
    assert "已经县级审核通过并锁定" in page.content.decode()
    api = client.post(
        "/api/visits", json.dumps(_visit(world, day)), content_type="application/json"
    )
    assert api.status_code == 422 and "date" in api.json()["errors"]
    assert not HomeVisit.objects.filter(date=day).exists()
    # this month is open
    assert client.post(reverse("work:visit_create"), _visit(world, TODAY)).status_code == 302

    # the county unlocks it with a reason; the unlock is audited; the work can be recorded
    with pytest.raises(ValidationError):
        _step(county, own.station, "unlock")
    _step(county, own.station, "unlock", "补录漏报的入户走访")
    entry = AuditEntry.objects.filter(action="shegong.month.unlocked").get()
    assert entry.actor == county and entry.data["reason"] == "补录漏报的入户走访"
    assert client.post(reverse("work:visit_create"), _visit(world, day)).status_code == 302
    row.refresh_from_db()
    assert row.status == MonthApproval.Status.RETURNED and row.reason == "补录漏报的入户走访"
    # and submitted again
    assert _step(lead, own.station, "submit").status == MonthApproval.Status.SUBMITTED


def test_a_station_without_an_agency_goes_straight_to_the_county(world):
    own = world.places["own"]
    own.station.agency = None
    own.station.save()
    _step(world.actors["station_lead"], own.station, "submit")
    row = _step(world.actors["county_officer"], own.station, "accept")
    assert row.status == MonthApproval.Status.ACCEPTED


def test_the_pages_take_each_step_and_the_board_flags_overdue_months(client, world):
    own = world.places["own"]
    client.force_login(world.actors["station_lead"])
    month = f"{LAST:%Y-%m}"
    detail = reverse("indicators:month_detail", args=[own.station.pk, month])
    page = client.get(detail).content.decode()
    assert 'data-testid="step-submit"' in page
    done = client.post(
        reverse("indicators:month_step", args=[own.station.pk, month]), {"action": "submit"}
    )
    assert done.status_code == 302
    client.force_login(world.actors["agency_admin"])
    assert 'data-testid="step-review"' in client.get(detail).content.decode()
    client.post(
        reverse("indicators:month_step", args=[own.station.pk, month]), {"action": "review"}
    )
    client.force_login(world.actors["county_officer"])
    assert 'data-testid="step-accept"' in client.get(detail).content.decode()
    back = client.post(
        reverse("indicators:month_step", args=[own.station.pk, month]),
        {"action": "return", "reason": "活动记录缺照片"},
    )
    assert back.status_code == 302
    assert "活动记录缺照片" in client.get(detail).content.decode()
    board = client.get(reverse("indicators:month_board"), {"month": month}).content.decode()
    assert own.station.name in board and world.places["neighbour"].station.name not in board
    # a returned month not submitted again is overdue once the days allowed have passed
    due = (LAST.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) + datetime.timedelta(
        days=9
    )
    rows = client.get(reverse("indicators:month_board"), {"month": month, "export": "csv"})
    text = rows.content.decode("utf-8-sig")
    line = next(li for li in text.splitlines() if own.station.name in li)
    assert line.rstrip().endswith("是" if TODAY > due else "否"), line


def test_the_dashboard_says_how_much_of_the_period_is_accepted(client, world):
    own = world.places["own"]
    _step(world.actors["station_lead"], own.station, "submit")
    _step(world.actors["agency_admin"], own.station, "review")
    _step(world.actors["county_officer"], own.station, "accept")
    client.force_login(world.actors["county_officer"])
    page = client.get(
        reverse("indicators:dashboard"), {"node": "430302", "period": f"{LAST:%Y-%m}"}
    )
    text = page.content.decode()
    # the county has one township station; last month: one station-month, accepted
    assert "1 个站·月中已审核通过 1 个（1 个站 × 已结束 1 个月）" in text


MONTH_URLS = {"indicators:month_board", "indicators:month_detail", "indicators:month_step"}


@pytest.mark.parametrize(
    ("role", "board", "detail"),
    [
        ("county_officer", 200, 200),
        ("city_officer", 200, 200),
        ("province_officer", 200, 200),
        ("station_lead", 200, 200),
        ("social_worker", 200, 200),
        ("agency_admin", 200, 200),
        ("evaluator", 200, 200),
        ("system_admin", 403, 403),
        ("security_admin", 403, 403),
        ("audit_admin", 403, 403),
    ],
)
def test_who_sees_the_months(client, world, role, board, detail):
    own, other = world.places["own"], world.places["other_city"]
    client.force_login(world.actors[role])
    month = f"{LAST:%Y-%m}"
    assert client.get(reverse("indicators:month_board")).status_code == board
    assert (
        client.get(reverse("indicators:month_detail", args=[own.station.pk, month])).status_code
        == detail
    )
    # another city's station: out of sight, except for the province
    far = client.get(reverse("indicators:month_detail", args=[other.station.pk, month]))
    step = client.post(
        reverse("indicators:month_step", args=[other.station.pk, month]), {"action": "submit"}
    )
    if detail == 403:  # the administrators have no business here at all
        assert (far.status_code, step.status_code) == (403, 403)
    else:
        assert far.status_code == (200 if role == "province_officer" else 404)
        assert step.status_code == (403 if role == "province_officer" else 404)


def test_training_received_in_a_locked_month_is_refused_too(world):
    from decimal import Decimal

    from shegong.workforce.services import TrainingInput, training_record

    own = world.places["own"]
    lead = world.actors["station_lead"]
    _step(lead, own.station, "submit")
    _step(world.actors["agency_admin"], own.station, "review")
    _step(world.actors["county_officer"], own.station, "accept")
    data = TrainingInput(
        worker=lead.pk,
        kind="training",
        date=LAST + datetime.timedelta(days=2),
        hours=Decimal(2),
        organiser="county",
        topic="个案管理",
    )
    with pytest.raises(ValidationError) as refused:
        training_record(by=lead, data=data)
    assert "date" in refused.value.message_dict
    assert training_record(by=lead, data=TrainingInput(**{**data.__dict__, "date": TODAY}))
