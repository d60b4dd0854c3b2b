"""Issue #11, part 7: each training and supervision figure opens its own records, with
the hours, and a per-worker figure equal to the dashboard's."""

import datetime
import re
from decimal import Decimal

from shegong.indicators import compute, periods
from shegong.workforce.services import TrainingInput, training_record


def _record(by, worker, kind, organiser, hours, day):
    return training_record(
        by=by,
        data=TrainingInput(
            worker=worker.pk,
            kind=kind,
            date=day,
            hours=Decimal(hours),
            organiser=organiser,
            topic="督导",
        ),
    )


def test_each_training_figure_opens_its_own_records_with_the_figure(client, world):
    lead = world.actors["station_lead"]
    day = datetime.date(2026, 3, 5)
    _record(lead, lead, "supervision", "city", "6", day)
    _record(lead, world.actors["social_worker"], "supervision", "county", "4", day)
    _record(lead, lead, "training", "county", "3", day)
    county = world.places["own"].county
    period = periods.parse("2026-03")
    work, _st, _vil = compute.stocks(county, period, None)
    now = compute.metrics(county, [period.key])[period.key]
    readings = compute.workforce_readings(county, period, work, now)
    client.force_login(world.actors["county_officer"])
    seen = set()
    for key, hours in (
        ("supervision_city_hours", 6),
        ("supervision_county_hours", 4),
        ("training_county_hours", 3),
    ):
        value, _prev, _detail, url = readings[key]
        page = client.get(url)
        rows = page.context["rows"]
        assert len(rows) == 1 and url not in seen, key  # its own records
        seen.add(url)
        summary = page.content.decode()
        assert f"{hours} " in summary or f"{hours}." in summary
        per = re.search(r"人均 ([\d.]+) 小时", summary)
        assert per and Decimal(per.group(1)) == value, (key, per and per.group(1), value)


def _readings(world, *, agency_as_county):
    county = world.places["own"].county
    period = periods.parse("2026-03")
    work, _st, _vil = compute.stocks(county, period, None)
    now = compute.metrics(county, [period.key])[period.key]
    return compute.workforce_readings(
        county, period, work, now, agency_as_county=agency_as_county
    ), work["workers"]


def test_agency_training_is_its_own_level_and_county_only_where_the_rule_set_says(client, world):
    lead = world.actors["station_lead"]
    day = datetime.date(2026, 3, 5)
    _record(lead, lead, "training", "county", "3", day)
    _record(lead, world.actors["social_worker"], "training", "agency", "8", day)
    readings, workers = _readings(world, agency_as_county=False)
    assert workers > 0
    per = lambda h: (Decimal(h) / workers).quantize(Decimal("0.01"))  # noqa: E731
    assert readings["training_agency_hours"][0] == per(8)
    assert readings["training_county_hours"][0] == per(3)  # the agency's apart
    assert readings["training_hours"][0] == per(11)  # all of it
    counted, _w = _readings(world, agency_as_county=True)
    assert counted["training_county_hours"][0] == per(11)
    assert "机构" in counted["training_county_hours"][2]  # says what it includes
    client.force_login(world.actors["county_officer"])
    for reading, hours in (
        (readings["training_agency_hours"], "8"),
        (readings["training_county_hours"], "3"),
        (counted["training_county_hours"], "11"),
    ):
        page = client.get(reading[3])
        text = page.content.decode()
        assert re.search(rf"合计 {hours}(\.0)? 小时", text), (reading[3], hours)


def test_the_agency_level_is_on_the_dashboard_and_the_switch_on_the_rule_set(client, world):
    from shegong.indicators.models import RuleSet

    lead = world.actors["station_lead"]
    _record(lead, lead, "supervision", "agency", "5", datetime.date(2026, 3, 5))
    rule_set = RuleSet.objects.get(region_code="43", year=2022)
    client.force_login(world.actors["county_officer"])
    node = {"node": world.places["own"].county, "period": "2026-03", "rules": rule_set.pk}
    board = client.get("/indicators/", node).content.decode()
    assert "专业督导（机构组织）" in board
    assert not rule_set.agency_training_as_county
    RuleSet.objects.filter(pk=rule_set.pk).update(agency_training_as_county=True)
    detail = client.get(f"/indicators/rules/{rule_set.pk}/")
    assert "计入县级" in detail.content.decode()
