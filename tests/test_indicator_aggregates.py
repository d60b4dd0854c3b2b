"""The pre-aggregates equal a direct count of the facts, whatever was written, edited or
deleted, and a rebuild from the records gives the same facts and figures as the writes."""

import datetime
from collections import defaultdict
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shegong.indicators import engine, facts, rebuild
from shegong.indicators.models import Aggregate, DistinctKey, ServiceFact
from shegong.people.models import Recipient

KINDS = [
    "visit",
    "activity",
    "session",
    "case_entry",
    "admin",
    "file_person",
    "case_opened",
    "training",
    "supervision",
]
PLACES = ["430302001001", "430302001", "430304001001", "430102001001"]


def _direct(rows) -> dict:
    """Figures counted straight from fact rows, written independently of ``engine.apply``."""
    homes = dict(Recipient.objects.values_list("pk", "region_id"))
    out: dict = defaultdict(Decimal)
    people = defaultdict(set)
    villages = defaultdict(set)
    for f in rows:
        month = f"{f.date:%Y-%m}"
        periods = (month, f"{f.date.year}Q{(f.date.month + 2) // 3}", str(f.date.year))
        nodes = [(f.province, 1), (f.city, 2), (f.county, 3), (f.township, 4)]
        if f.kind in ("training", "supervision"):
            add = {f.kind: f.n, f"{f.kind}_{f.work_kind}": f.hours}
        else:
            add = {
                f.kind: f.n,
                "person_times": f.person_times,
                "money": f.money,
                "in_kind": f.in_kind,
                "volunteers": f.volunteers,
                "hours": f.hours,
                "hours_prof": f.hours if f.professional else 0,
                "hours_village": f.hours if f.in_village else 0,
            }
        for node, level in nodes:
            for period in periods:
                for metric, value in add.items():
                    if value:
                        out[(node, level, period, metric)] += Decimal(value)
                if f.professional and f.village and f.kind in facts.SERVICE_KINDS:
                    if f.village.startswith(node):
                        villages[(node, level, period)].add(f.village)
        if f.recipient_id:
            home = homes[f.recipient_id]
            for length, level in ((2, 1), (4, 2), (6, 3), (9, 4)):
                for period in periods:
                    people[(home[:length], level, period)].add(f.recipient_id)
    for key, members in people.items():
        out[(*key, "people")] = Decimal(len(members))
    for key, members in villages.items():
        out[(*key, "villages")] = Decimal(len(members))
    return {k: v for k, v in out.items() if v}


def _stored() -> dict:
    return {
        (a.node, a.level, a.period, a.metric): a.value for a in Aggregate.objects.all() if a.value
    }


fact_strategy = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(KINDS),
        "place": st.sampled_from(PLACES),
        "day": st.integers(0, 500),
        "person": st.integers(0, 3),
        "n": st.integers(0, 1),
        "times": st.integers(0, 30),
        "money": st.decimals(0, 5000, places=2),
        "hours": st.sampled_from(["0", "0.25", "1.5", "2", "3.75"]),
        "in_village": st.booleans(),
    }
)
# an operation: write a source's facts (new or edited), or delete a source
op_strategy = st.tuples(st.integers(0, 6), st.lists(fact_strategy, max_size=4))


def _build(source_id, specs, people):
    rows = []
    for spec in specs:
        person = people[spec["person"] - 1] if spec["person"] else None
        rows.append(
            facts.fact(
                spec["kind"],
                "prop",
                source_id,
                datetime.date(2025, 11, 1) + datetime.timedelta(days=spec["day"]),
                spec["place"],
                recipient_id=person,
                n=spec["n"],
                person_times=spec["times"],
                money=spec["money"],
                hours=Decimal(spec["hours"]),
                professional=spec["kind"] in facts.SERVICE_KINDS,
                in_village=spec["in_village"],
                work_kind=("city" if spec["in_village"] else "county")
                if spec["kind"] in ("training", "supervision")
                else "",
            )
        )
    return rows


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(op_strategy, min_size=1, max_size=12))
def test_aggregates_equal_a_direct_count_after_writes_edits_and_deletions(world, ops):
    ServiceFact.objects.all().delete()
    Aggregate.objects.all().delete()
    DistinctKey.objects.all().delete()
    people = [p.recipient.pk for p in world.places.values()]
    for source_id, specs in ops:
        # an empty list deletes the source's facts; otherwise they replace the old ones
        engine.replace("prop", [source_id], _build(source_id, specs, people))
    expected = _direct(ServiceFact.objects.all())
    assert _stored() == expected
    # no distinct key is left with nothing behind it
    assert not DistinctKey.objects.filter(refs__lte=0).exists()
    # and a rebuild from the facts gives the same table
    rebuild.rebuild_aggregates()
    assert _stored() == expected


def _snapshot():
    return sorted(
        (
            f.kind,
            f.source_type,
            f.source_id,
            f.date,
            f.worker_id or 0,
            f.recipient_id or 0,
            f.township,
            f.village,
            f.n,
            f.person_times,
            f.money,
            f.hours,
            f.professional,
            f.in_village,
        )
        for f in ServiceFact.objects.all()
    )


@pytest.mark.django_db
@pytest.mark.parametrize("binding", [True, False])
def test_the_arrays_bound_either_way_give_the_same_figures(world, monkeypatch, binding):
    """On PostgreSQL the upserts send their arrays in the binary format where parameters are
    bound on the server, as text where not (``SHEGONG_DB_SERVER_BINDING=0``): both add the
    same figures, distinct keys and their removal included."""
    from django.db import connection

    options = {**connection.settings_dict["OPTIONS"], "server_side_binding": binding}
    monkeypatch.setitem(connection.settings_dict, "OPTIONS", options)
    ServiceFact.objects.all().delete()
    Aggregate.objects.all().delete()
    DistinctKey.objects.all().delete()
    people = [p.recipient.pk for p in world.places.values()]
    specs = [
        {
            "kind": k,
            "place": PLACES[i % 4],
            "day": 40 * i,
            "person": i % 4,
            "n": 1,
            "times": i,
            "money": Decimal("12.50") * i,
            "hours": "1.5",
            "in_village": i % 2 == 0,
        }
        for i, k in enumerate(KINDS)
    ]
    engine.replace("prop", [1], _build(1, specs, people))
    engine.replace("prop", [2], _build(2, specs[::-1], people))
    engine.replace("prop", [1], _build(1, specs[:3], people))
    assert _stored() == _direct(ServiceFact.objects.all())
    assert not DistinctKey.objects.filter(refs__lte=0).exists()


def test_writes_through_the_services_equal_a_rebuild_from_the_records(client, world):
    """Facts kept on write (pages) are the facts a full rebuild derives from the records."""
    from django.urls import reverse

    rebuild.rebuild_facts()  # the world's records were made without the services
    own = world.places["own"]
    client.force_login(world.actors["social_worker"])
    worker = world.actors["social_worker"]
    visit = {
        "date": "2026-03-02",
        "region": own.village,
        "recipient": own.recipient.pk,
        "workers": [worker.pk, own.worker.pk],
        "hours": "1.5",
        "situation": "独居",
    }
    assert client.post(reverse("work:visit_create"), visit).status_code == 302
    activity = {
        "title": "重阳敬老",
        "domain": "elderly",
        "service_type": "care",
        "date": "2026-03-05",
        "region": own.village,
        "workers": [worker.pk],
        "hours": "3",
        "participants_count": "40",
        "participants": [own.recipient.pk],
        "volunteers_count": "5",
    }
    assert client.post(reverse("work:activity_create"), activity).status_code == 302
    from shegong.work.models import Activity

    from .factories import allocate

    held = Activity.objects.get(title="重阳敬老", date="2026-03-05")
    allocate(worker, amount="1200", activity=held)  # charity money, from the ledger
    admin = {"date": "2026-03-02", "task": "checks", "hours": "2", "region": own.township}
    assert client.post(reverse("work:admin_work_create"), admin).status_code == 302
    training = {
        "worker": worker.pk,
        "kind": "supervision",
        "date": "2026-03-06",
        "hours": "3",
        "organiser": "county",
        "topic": "个案督导",
    }
    assert client.post(reverse("workforce:training_create"), training).status_code == 302
    written = _snapshot()
    aggregates = _stored()
    rebuild.rebuild_facts()
    assert _snapshot() == written
    assert _stored() == aggregates
    county = aggregates
    assert county[("430302", 3, "2026-03", "visit")] == 2  # the world's visit and this one
    assert county[("430302", 3, "2026-03", "money")] == Decimal("1200")
    # two workers on the new visit: 1.5 h each, professional and in the village
    assert county[("430302001", 4, "2026-03", "hours_village")] >= Decimal("3")
    assert county[("430302", 3, "2026-03", "hours")] - county[
        ("430302", 3, "2026-03", "hours_prof")
    ] == Decimal("2")  # the administrative work
    # supervision is a worker's learning: counted apart, not as working time
    assert county[("430302", 3, "2026-03", "supervision_county")] == Decimal("3")


def test_case_closure_and_reopening_move_the_counts(world):
    from django.utils import timezone

    from shegong.work.models import Case

    rebuild.rebuild_facts()
    case = world.places["own"].case
    key = ("430302", 3, f"{timezone.localdate():%Y-%m}", "case_closed")
    case.stage, case.closed_on = Case.Stage.CLOSED, timezone.localdate()
    case.save()
    engine.sync(case)
    assert _stored()[key] == 1
    case.stage, case.closed_on = Case.Stage.INTERVENTION, None
    case.save()
    engine.sync(case)
    assert key not in _stored()


def test_the_rebuild_command_restores_lost_aggregates(world):
    from django.core.management import call_command

    call_command("rebuild_indicators", "--facts", verbosity=0)
    before = _stored()
    assert before
    Aggregate.objects.all().delete()
    DistinctKey.objects.all().delete()
    call_command("rebuild_indicators", verbosity=0)
    assert _stored() == before
