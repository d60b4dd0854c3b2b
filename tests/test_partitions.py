"""The fact table partitioned by year on PostgreSQL (``shegong.indicators.partitions``,
migration 0019): rows land in their year's partition, a year without one lands in the
default partition and moves to its own when ``fact_partitions`` makes it, the conversion
keeps rows, ids, the sequence and Django's index names, a month's drill-down reads one
partition, and ``/healthz`` says when next year's partition is missing."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from shegong.indicators import partitions
from shegong.indicators.models import ServiceFact
from shegong.work.models import HomeVisit

postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="declarative partitioning is PostgreSQL's"
)

TODAY = timezone.localdate()


def _where(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableoid::regclass::text FROM indicators_servicefact WHERE id = %s", [pk]
        )
        return cursor.fetchone()[0]


def _fact(date: datetime.date, **over) -> ServiceFact:
    fields = {
        "kind": "visit",
        "source_type": "visit",
        "source_id": 10**9,
        "date": date,
        "province": "43",
        "city": "4303",
        "county": "430302",
        "township": "430302001",
        "hours": 1,
    }
    return ServiceFact.objects.create(**{**fields, **over})


def _indexes() -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexrelid::regclass::text, "
            "regexp_replace(pg_get_indexdef(indexrelid), '^.* USING ', '') FROM pg_index "
            "WHERE indrelid = 'indicators_servicefact'::regclass AND NOT indisprimary"
        )
        return set(cursor.fetchall())


@postgres
def test_the_migrated_table_is_partitioned_by_year_with_this_year_and_the_next(db):
    assert partitions.is_partitioned(connection)
    years = {p["year"] for p in partitions.describe()}
    assert {TODAY.year, TODAY.year + 1, None} <= years  # None: the default partition
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'indicators_servicefact'::regclass AND contype = 'p'"
        )
        assert cursor.fetchone()[0] == "PRIMARY KEY (id, date)"
    # Django's own index names stay on the parent: a later migration can drop them by name
    names = {name for name, _ in _indexes()}
    assert {index.name for index in ServiceFact._meta.indexes} <= names


@postgres
def test_a_visit_lands_in_its_years_partition(client, world):
    day = f"{TODAY.year}-{min(TODAY.month, 3):02d}-02"
    fact = _post_visit(client, world, day, "分区测试")
    assert _where(fact.pk) == f"indicators_servicefact_y{TODAY.year}"


def _post_visit(client, world, day: str, situation: str) -> ServiceFact:
    own = world.places["own"]
    client.force_login(world.actors["social_worker"])
    response = client.post(
        reverse("work:visit_create"),
        {
            "date": day,
            "region": own.village,
            "recipient": own.recipient.pk,
            "workers": [world.actors["social_worker"].pk],
            "hours": "1.5",
            "situation": situation,
            "needs": "送餐",
            "follow_up": "链接助餐",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    visit = HomeVisit.objects.get(situation=situation)
    return ServiceFact.objects.get(source_type="visit", source_id=visit.pk)


@postgres
def test_facts_rebuilt_from_records_of_a_past_year_get_its_partition(client, world):
    past = TODAY.year - 2
    fact = _post_visit(client, world, f"{past}-05-06", "两年前的走访")
    assert _where(fact.pk) == "indicators_servicefact_default"
    out = io.StringIO()
    call_command("rebuild_indicators", "--facts", stdout=out)
    assert f"fact partition made: {past}" in out.getvalue()
    rebuilt = ServiceFact.objects.get(source_type="visit", source_id=fact.source_id)
    assert _where(rebuilt.pk) == f"indicators_servicefact_y{past}"
    assert partitions.health()["rows_in_default"] is False


@postgres
def test_a_year_without_a_partition_waits_in_the_default_one_then_moves(db):
    far = TODAY.year + 5
    fact = _fact(datetime.date(far, 6, 30), person_times=7)
    assert _where(fact.pk) == "indicators_servicefact_default"
    assert partitions.health()["rows_in_default"] is True

    out = io.StringIO()
    call_command("fact_partitions", stdout=out)
    assert f"created indicators_servicefact_y{far}" in out.getvalue()
    assert _where(fact.pk) == f"indicators_servicefact_y{far}"
    moved = ServiceFact.objects.get(pk=fact.pk)  # same id, same values
    assert (moved.date, moved.person_times, moved.hours) == (fact.date, 7, 1)
    assert partitions.health()["rows_in_default"] is False
    # the new partition has the parent's indexes
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_index WHERE indrelid = %s::regclass",
            [f"indicators_servicefact_y{far}"],
        )
        assert cursor.fetchone()[0] == len(_indexes()) + 1  # and its primary key
    # a second run has nothing to do
    assert partitions.ensure() == []


@postgres
def test_next_years_partition_is_made_ahead_and_its_absence_shows_in_healthz(client, db):
    later = datetime.date(TODAY.year + 7, 12, 1)
    assert partitions.health(today=later)["next_year_ready"] is False
    body = client.get("/healthz").json()
    assert body["facts"]["ok"] is True and body["facts"]["next_year_ready"] is True
    assert partitions.ensure(today=later) == [later.year, later.year + 1]
    assert partitions.health(today=later)["ok"] is True

    with connection.cursor() as cursor:  # as if the nightly job had not run for a year
        cursor.execute(f"DROP TABLE indicators_servicefact_y{TODAY.year + 1}")
    body = client.get("/healthz").json()
    assert body["status"] == "degraded" and body["facts"]["next_year_ready"] is False
    assert body["facts"]["ok"] is False


@postgres
def test_back_to_one_table_and_partitioned_again_keeps_rows_ids_and_the_sequence(db):
    kept = [_fact(datetime.date(year, 5, 1), source_id=year) for year in (2019, TODAY.year, 2090)]
    indexes = _indexes()
    partitions.unpartition(connection)
    assert not partitions.is_partitioned(connection)
    assert _indexes() == indexes
    plain = _fact(datetime.date(2018, 1, 1))
    assert plain.pk > max(f.pk for f in kept)

    partitions.partition(connection)
    assert partitions.is_partitioned(connection)
    assert _indexes() == indexes
    rows = {f.pk: (f.date, f.source_id) for f in ServiceFact.objects.all()}
    assert {f.pk: (f.date, f.source_id) for f in [*kept, plain]}.items() <= rows.items()
    # the years present got their partitions; the sequence goes on after the last id
    assert {2018, 2019, 2090} <= {p["year"] for p in partitions.describe()}
    assert _where(plain.pk) == "indicators_servicefact_y2018"
    assert _fact(datetime.date(2018, 2, 1)).pk > plain.pk


@postgres
def test_a_months_drill_down_reads_one_partition(db):
    month = ServiceFact.objects.filter(
        county="430302",
        kind="visit",
        date__gte=datetime.date(TODAY.year, 3, 1),
        date__lt=datetime.date(TODAY.year, 4, 1),
    ).order_by("-date", "-id")[:25]
    plan = month.explain()
    assert f"indicators_servicefact_y{TODAY.year}" in plan
    assert f"indicators_servicefact_y{TODAY.year + 1}" not in plan
    assert "indicators_servicefact_default" not in plan


@pytest.mark.skipif(connection.vendor == "postgresql", reason="SQLite's single table")
def test_sqlite_keeps_one_table_and_says_so(client, db):
    assert not partitions.is_partitioned(connection)
    assert partitions.ensure() == [] and partitions.describe() == []
    out = io.StringIO()
    call_command("fact_partitions", stdout=out)
    assert "not partitioned" in out.getvalue()
    body = client.get("/healthz").json()
    assert body["facts"]["partitioned"] is False and body["facts"]["ok"] is True
