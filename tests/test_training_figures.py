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
