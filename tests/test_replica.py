"""Heavy reads from a real PostgreSQL streaming replica (shegong/core/replica.py).

Run with a replica of the test server: ``scripts/replica.sh start`` makes one on
127.0.0.1:5433 with pg_basebackup, and ``.ci/run`` runs this file on the PostgreSQL leg
with ``DATABASE_REPLICA_URL=postgres://postgres@127.0.0.1:5433/`` (the test database is
streamed to it like any other). Without a replica alias the file is skipped.

What is checked: dashboards, drill-downs, reports and exports read on the replica and
other pages and every write on the primary; a user's reads after their own save use the
primary until the replica has replayed it (replay paused to prove it); a replica paused
past the lag bound, or not answering, is left for the primary and /healthz says why."""

import csv
import io
import re
import time

import pytest
from django.conf import settings
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shegong.core import replica
from shegong.indicators import rebuild
from shegong.work.models import HomeVisit

pytestmark = [
    pytest.mark.skipif(
        "replica" not in settings.DATABASES,
        reason="no read replica (scripts/replica.sh start; DATABASE_REPLICA_URL)",
    ),
    pytest.mark.django_db(transaction=True, databases=["default", "replica"]),
]

DASHBOARD = {"node": "430302", "period": "2026-03"}


def _position(alias: str, sql: str) -> int:
    with connections[alias].cursor() as cursor:
        cursor.execute(sql)
        return replica.lsn_number(cursor.fetchone()[0])


def caught_up(timeout: float = 15) -> None:
    """Wait until the replica has replayed everything the primary has written."""
    target = _position("default", "SELECT pg_current_wal_flush_lsn()::text")
    deadline = time.monotonic() + timeout
    while _position("replica", "SELECT pg_last_wal_replay_lsn()::text") < target:
        assert time.monotonic() < deadline, "the replica did not catch up"
        time.sleep(0.05)
    replica.forget_state()


def _replay(paused: bool) -> None:
    with connections["replica"].cursor() as cursor:
        cursor.execute(
            "SELECT pg_wal_replay_pause()" if paused else "SELECT pg_wal_replay_resume()"
        )


@pytest.fixture
def paused():
    """Replay paused on the replica: the primary goes on, the replica stays where it was."""
    _replay(True)
    yield
    _replay(False)
    caught_up()


@pytest.fixture(autouse=True)
def _fresh_state():
    replica.forget_state()
    yield
    replica.forget_state()


class Queries:
    """The queries a block ran on each server."""

    def __init__(self, aliases=("default", "replica")):
        self.aliases = aliases

    def __enter__(self):
        self._contexts = {a: CaptureQueriesContext(connections[a]) for a in self.aliases}
        for ctx in self._contexts.values():
            ctx.__enter__()
        return self

    def __exit__(self, *exc):
        for ctx in self._contexts.values():
            ctx.__exit__(*exc)

    def on(self, alias: str, table: str = "") -> list[str]:
        return [q["sql"] for q in self._contexts[alias].captured_queries if table in q["sql"]]


def _visit(client, world, situation: str):
    own = world.places["own"]
    worker = world.actors["social_worker"]
    data = {
        "date": "2026-03-20",
        "region": own.village,
        "recipient": own.recipient.pk,
        "workers": [worker.pk],
        "hours": "1",
        "situation": situation,
    }
    response = client.post(reverse("work:visit_create"), data)
    assert response.status_code == 302, response.content.decode()[:500]


@pytest.fixture
def officer(client, world):
    rebuild.rebuild_facts()
    caught_up()
    client.force_login(world.actors["county_officer"])
    return client


def test_dashboards_drill_downs_and_reports_read_the_replica(officer):
    for name, params in (
        ("indicators:dashboard", DASHBOARD),
        ("indicators:records", {**DASHBOARD, "metric": "visit"}),
        ("indicators:report", DASHBOARD),
        ("indicators:station_board", DASHBOARD),
    ):
        with Queries() as queries:
            response = officer.get(reverse(name), params)
        assert response.status_code == 200, name
        assert queries.on("replica"), f"{name} read nothing on the replica"
        # the heavy part is on the replica: no figures or records read on the primary
        assert not queries.on("default", "indicators_"), name
        assert not queries.on("default", "work_homevisit"), name
    # the drill-down lists exactly the visits there are (read on the replica)
    page = officer.get(reverse("indicators:records"), {**DASHBOARD, "metric": "visit"})
    listed = {int(pk) for pk in re.findall(r'href="/work/visits/(\d+)/"', page.content.decode())}
    march = HomeVisit.objects.filter(date__month=3, region__code__startswith="430302")
    assert listed == {v.pk for v in march} and listed


def test_other_pages_and_every_write_use_the_primary(client, world):
    caught_up()
    client.force_login(world.actors["social_worker"])
    with Queries() as queries:
        assert client.get(reverse("work:visit_list")).status_code == 200
        _visit(client, world, "写在主库")
    assert queries.on("default", "work_homevisit")
    assert not queries.on("replica"), queries.on("replica")
    # an object read on the replica is saved to the primary
    caught_up()
    with replica.reads() as alias:
        assert alias == "replica"
        visit = HomeVisit.objects.get(situation="写在主库")
        assert visit._state.db == "replica"
        visit.hours = 2
        visit.save(update_fields=["hours"])
        # and a read inside a transaction on the primary stays there: it must see the write
        with transaction.atomic(), Queries() as queries:
            HomeVisit.objects.filter(pk=visit.pk).update(hours=3)
            assert HomeVisit.objects.get(pk=visit.pk).hours == 3
        assert queries.on("default", "work_homevisit") and not queries.on("replica")
    assert HomeVisit.objects.get(pk=visit.pk).hours == 3


def test_a_user_reads_their_own_save_while_the_replica_is_behind(client, world, paused):
    client.force_login(world.actors["social_worker"])
    _visit(client, world, "刚刚保存的走访")
    # the replica has not replayed it (replay is paused), so this user's export, a heavy
    # read, comes from the primary and holds the visit just saved
    with Queries() as queries:
        response = client.get(reverse("work:visit_list"), {"export": "csv"})
    assert response.status_code == 200
    assert not queries.on("replica", "work_homevisit")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert any(row and row[0] == "2026-03-20" for row in rows), rows  # the visit just saved
    # someone who saved nothing reads the replica (it is behind, but within the bound)
    other = client.__class__()
    other.force_login(world.actors["county_officer"])
    with Queries() as queries:
        assert other.get(reverse("indicators:dashboard"), DASHBOARD).status_code == 200
    assert queries.on("replica")
    assert not HomeVisit.objects.using("replica").filter(situation="刚刚保存的走访").exists()


def test_the_writer_goes_back_to_the_replica_once_it_has_replayed(client, world):
    client.force_login(world.actors["social_worker"])
    _replay(True)
    try:
        _visit(client, world, "等待回放")
        assert replica.choose(user_id=world.actors["social_worker"].pk) == "default"
    finally:
        _replay(False)
    caught_up()
    assert replica.choose(user_id=world.actors["social_worker"].pk) == "replica"
    with Queries() as queries:
        assert client.get(reverse("work:visit_list"), {"export": "csv"}).status_code == 200
    assert queries.on("replica", "work_homevisit")


def test_a_replica_behind_the_bound_is_not_used(officer, world, settings, paused):
    settings.SHEGONG_REPLICA_MAX_LAG_SECONDS = 1
    # something is saved on the primary that the paused replica does not replay
    HomeVisit.objects.filter(pk=world.places["own"].visit.pk).update(hours=5)
    time.sleep(1.5)
    replica.forget_state()
    with Queries() as queries:
        response = officer.get(reverse("indicators:dashboard"), DASHBOARD)
    assert response.status_code == 200
    assert not queries.on("replica", "indicators_")
    health = officer.get("/healthz").json()
    assert health["status"] == "degraded"
    assert health["replica"]["ok"] is False
    assert health["replica"]["reason"] == "lagging"
    assert health["replica"]["lag_seconds"] > 1


def test_a_replica_that_does_not_answer_is_left_for_the_primary(officer, world):
    healthy = officer.get(reverse("indicators:dashboard"), DASHBOARD).content
    conn = connections["replica"]
    port = conn.settings_dict["PORT"]
    conn.close()
    conn.settings_dict["PORT"] = "1"  # nothing listens there
    replica.forget_state()
    try:
        started = time.monotonic()
        # (only the primary's queries are watched: watching connects)
        with Queries(["default"]) as queries:
            response = officer.get(reverse("indicators:dashboard"), DASHBOARD)
            # within the retry interval it is not asked again
            assert officer.get(reverse("indicators:records"), {**DASHBOARD, "metric": "visit"})
        assert time.monotonic() - started < 10
        assert response.status_code == 200
        assert queries.on("default", "indicators_")
        assert _figures(response.content) == _figures(healthy)
        health = officer.get("/healthz").json()
        assert health["status"] == "degraded" and health["replica"]["ok"] is False
        assert health["replica"]["reason"] == "down"
    finally:
        conn.close()
        conn.settings_dict["PORT"] = port
        replica.forget_state()
    assert officer.get("/healthz").json()["replica"]["ok"] is True


def _figures(content: bytes) -> list[str]:
    found = re.findall(r'data-testid="summary-sentence"[^>]*>(.*?)</', content.decode(), re.S)
    assert found and found[0].strip()
    return found


def test_a_background_report_reads_the_replica(officer, world):
    from shegong.indicators.models import ReportJob
    from shegong.indicators.tasks import build_report

    officer_user = world.actors["county_officer"]
    job = ReportJob.objects.create(
        requested_by=officer_user, region_id="430302", period="2026-03", report="month"
    )
    caught_up()
    with Queries() as queries:
        build_report.call(job.pk)
    job.refresh_from_db()
    assert job.status == ReportJob.Status.DONE and job.content
    assert queries.on("replica", "indicators_")
