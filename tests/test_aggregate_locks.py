"""Writes that add to the same aggregates wait for each other and never deadlock: every
write takes the row locks of its aggregate and distinct-key rows in one global order (their
key's), whatever order its facts came in. PostgreSQL only (real row locks between
connections)."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import OperationalError, connection, connections, transaction

from shegong.indicators import engine, facts
from shegong.indicators.models import Aggregate, DistinctKey

DAY = datetime.date(2026, 3, 14)
VILLAGE = "430302001001"


def _facts(first: str, *, professional: bool = False) -> list:
    """A visit and an activity in one village: the visit first or the activity first
    (``professional``: the visit counts its village, a distinct key)."""
    visit = facts.fact(
        "visit", "prop", 1, DAY, VILLAGE, n=1, hours=Decimal(2), professional=professional
    )
    activity = facts.fact(
        "activity", "prop", 2, DAY, VILLAGE, n=1, person_times=12, hours=Decimal(3)
    )
    return [visit, activity] if first == "visit" else [activity, visit]


@pytest.mark.django_db(transaction=True)
def test_writes_in_opposite_orders_never_deadlock():
    """Two connections add the same two facts over and over, each in the opposite order, at
    the same moment. Before the rows were put in their key's order, PostgreSQL broke a
    deadlock between them within a few rounds (``deadlock detected``); now every round of
    both commits, and the aggregates hold every round's figures."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: real row locks between connections")
    rounds = 60
    barrier = threading.Barrier(2)
    failures: list[str] = []

    def write(first: str):
        try:
            for _ in range(rounds):
                barrier.wait(timeout=30)
                try:
                    with transaction.atomic():
                        engine.apply(added=_facts(first), removed=())
                except OperationalError as error:  # a deadlock PostgreSQL broke
                    failures.append(str(error).splitlines()[0])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(o,)) for o in ("visit", "activity")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert failures == []
    for node in ("43", "4303", "430302", "430302001"):
        stored = dict(
            Aggregate.objects.filter(node=node, period="2026").values_list("metric", "value")
        )
        assert stored == {
            "visit": 2 * rounds,
            "activity": 2 * rounds,
            "person_times": 2 * rounds * 12,
            "hours": 2 * rounds * 5,
        }


def test_rows_go_to_the_database_in_the_order_of_their_key(monkeypatch):
    """What the test above relies on, on either database: ``engine.apply`` hands the
    aggregate and distinct-key rows to the upsert sorted by their key, both orders of the
    same facts give the same statement, and nothing is lost or merged on the way."""
    sent: dict[str, list] = {}

    def capture(table, columns, rows, conflict):
        sent.setdefault(table, []).append(list(rows))
        return [tuple(row) for row in rows] if "RETURNING" in conflict else []

    monkeypatch.setattr(engine, "_sql_upsert", capture)
    for first in ("visit", "activity"):
        engine.apply(added=_facts(first, professional=True), removed=())
    aggregates = sent[Aggregate._meta.db_table]
    keys = sent[DistinctKey._meta.db_table]
    assert aggregates[0] == aggregates[1] and keys[0] == keys[1]
    for rows in (aggregates[0], keys[0]):
        assert rows == sorted(rows)
        assert len({row[:-1] for row in rows}) == len(rows)  # one row a key
    # province, city, county and township; month, quarter and year; each metric of the two
    metrics = {row[3] for row in aggregates[0]}
    assert {"visit", "activity", "hours", "person_times", "villages"} <= metrics
    assert len(aggregates[0]) == 4 * 3 * len(metrics)
