"""Indicator benchmark: a synthetic province at Hunan's real scale, measured through the
server's own request path (Django's test client: every middleware, the session, the
templates).

    python bench/indicators.py --db postgres --facts 10000000 --people 1000000
    python bench/indicators.py --db sqlite --facts 200000 --people 20000

Builds the shipped Hunan divisions (14 cities, 2,008 townships, 29,534 villages), a township
station in every township with 3-5 workers (~8,000), workers' profiles, training and
supervision, recipients spread over the villages, and service facts over a year (2025)
generated in SQL. The facts are loaded first at one tenth of the target, the aggregates
built and the dashboards measured; then the rest is loaded and everything is measured
again, so the figures show how time grows with records. The floor is one hand-written
SQL GROUP BY over the same fact table. Prints one JSON line; nothing asserts a time.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

YEAR = 2025
MONTH = f"{YEAR}-06"
# 100 slots of fact kinds: (kind, source_type, person_times, hours, professional, work_kind)
KIND_SLOTS = (
    [("visit", "visit", 1, "1.50", True, "visit")] * 45
    + [("case_entry", "caseentry", 1, "1.00", True, "case")] * 12
    + [("session", "session", 8, "1.50", True, "group")] * 8
    + [("activity", "activity", 30, "2.00", True, "community")] * 5
    + [("admin", "admin", 0, "2.00", False, "admin_other")] * 24
    + [("file_person", "person", 0, "0", False, "")] * 3
    + [("file_household", "household", 0, "0", False, "")] * 1
    + [("case_opened", "case", 0, "0", False, "")] * 1
    + [("case_closed", "case", 0, "0", False, "")] * 1
)
assert len(KIND_SLOTS) == 100


def _timed(fn, repeat: int) -> dict:
    fn()  # warm
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    return {
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": round(samples[max(0, int(len(samples) * 0.95) - 1)], 1),
        "runs": repeat,
    }


def _series(vendor: str, lo: int, hi: int) -> str:
    if vendor == "postgresql":
        return f"(SELECT generate_series({lo}::bigint, {hi}::bigint) AS g) s"
    return (
        f"(WITH RECURSIVE c(g) AS (SELECT {lo} UNION ALL SELECT g + 1 FROM c WHERE g < {hi}) "
        "SELECT g FROM c) s"
    )


def _day(vendor: str, expr: str) -> str:
    if vendor == "postgresql":
        return f"(DATE '{YEAR}-01-01' + ({expr})::int)"
    return f"date('{YEAR}-01-01', '+' || ({expr}) || ' days')"


def build_world(out: dict, n_people: int) -> dict:
    """Regions, stations, workers, profiles, training, officers and recipients."""
    import random

    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from shegong.accounts.models import User
    from shegong.accounts.roles import Role
    from shegong.regions.models import Level, Region
    from shegong.regions.services import divisions_import
    from shegong.stations.models import Station
    from shegong.workforce.models import SocialWorkerProfile, TrainingRecord

    vendor = connection.vendor
    t0 = time.perf_counter()
    divisions_import(directory=settings.SHEGONG_DIVISIONS_DIR, only=["43"])
    rng = random.Random(11)
    townships = list(Region.objects.filter(level=Level.TOWNSHIP, code__startswith="43"))
    with transaction.atomic():
        Station.objects.bulk_create(
            [Station(name=f"{t.name}社工站", region=t) for t in townships], batch_size=2000
        )
        stations = list(Station.objects.values_list("pk", "region_id"))
        pw = make_password("x")
        users = [
            User(
                username=f"w{pk}_{i}",
                full_name=f"社工{pk}_{i}",
                password=pw,
                role=Role.SOCIAL_WORKER,
                station_id=pk,
                scope_region_id=code,
            )
            for pk, code in stations
            for i in range(rng.randint(3, 5))
        ]
        User.objects.bulk_create(users, batch_size=2000)
        workers = list(
            User.objects.filter(role=Role.SOCIAL_WORKER).values_list("pk", "scope_region_id")
        )
        SocialWorkerProfile.objects.bulk_create(
            [
                SocialWorkerProfile(
                    user_id=pk,
                    education=rng.choice(["college", "bachelor", "high_school"]),
                    social_work_major=rng.random() < 0.3,
                    qualification=rng.choice(["none", "none", "assistant", "social_worker"]),
                    birth_date=f"{rng.randint(1975, 2000)}-05-01",
                    hire_date=f"{rng.randint(2019, 2025)}-0{rng.randint(1, 9)}-01",
                )
                for pk, _c in workers
            ],
            batch_size=2000,
        )
        training = [
            TrainingRecord(
                worker_id=pk,
                kind=rng.choice(["training", "supervision"]),
                date=f"{YEAR}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                hours=rng.choice([2, 3, 4, 6]),
                organiser=rng.choice(["city", "county", "agency"]),
                topic="督导",
                region_code=code,
                created_by_id=pk,
            )
            for pk, code in workers
            for _ in range(6)
        ]
        TrainingRecord.objects.bulk_create(training, batch_size=5000)
        officers = {
            "province": User.objects.create(
                username="b_prov", role=Role.PROVINCE_OFFICER, scope_region_id="43"
            ),
            "city": User.objects.create(
                username="b_city", role=Role.CITY_OFFICER, scope_region_id="4301"
            ),
            "county": User.objects.create(
                username="b_county", role=Role.COUNTY_OFFICER, scope_region_id="430302"
            ),
        }
        township_station = next(pk for pk, code in stations if code == "430302001")
        officers["station"] = User.objects.create(
            username="b_lead",
            role=Role.STATION_LEAD,
            station_id=township_station,
            scope_region_id="430302001",
        )
    User.objects.filter(pk__in=[u.pk for u in officers.values()]).update(
        password_changed_at=timezone.now()
    )
    out["stations"] = len(stations)
    out["workers"] = len(workers)
    out["training_records"] = len(training)
    # recipients, spread over the villages, in SQL
    t = time.perf_counter()
    villages = list(
        Region.objects.filter(level=Level.VILLAGE, code__startswith="43")
        .order_by("code")
        .values_list("code", flat=True)
    )
    with connection.cursor() as cur:
        cur.execute("CREATE TEMP TABLE bench_village (idx INTEGER PRIMARY KEY, code VARCHAR(12))")
        cur.executemany("INSERT INTO bench_village VALUES (%s, %s)", list(enumerate(villages)))
        now = "CURRENT_TIMESTAMP"
        cur.execute(
            "INSERT INTO people_recipient (name, name_initials, id_number, id_last4, sex, phone, "
            "address, health_notes, region_id, relation, self_care, guardian_name, "
            "guardian_relation, guardian_phone, consent, consent_giver, created_at, updated_at, "
            f"is_active, version) SELECT 'P' || s.g, 'p', '', '', 'F', '', '', '', v.code, '', '', "
            f"'', '', '', 'oral', 'self', {now}, {now}, TRUE, 1 "
            f"FROM {_series(vendor, 0, n_people - 1)} "
            f"JOIN bench_village v ON v.idx = s.g % {len(villages)}"
        )
        cur.execute(
            "CREATE TEMP TABLE bench_station AS SELECT s.region_id AS township, s.id AS station_id, "
            "MIN(u.id) AS w0, COUNT(u.id) AS wn FROM stations_station s JOIN accounts_user u "
            "ON u.station_id = s.id WHERE u.role = 'social_worker' GROUP BY s.region_id, s.id"
        )
        cur.execute("CREATE INDEX bench_station_township ON bench_station (township)")
        cur.execute(
            "CREATE TEMP TABLE bench_kind (idx INTEGER PRIMARY KEY, kind VARCHAR(16), "
            "stype VARCHAR(16), pt INTEGER, hours NUMERIC(6,2), prof BOOLEAN, wk VARCHAR(16))"
        )
        cur.executemany(
            "INSERT INTO bench_kind VALUES (%s, %s, %s, %s, %s, %s, %s)",
            [(i, *slot) for i, slot in enumerate(KIND_SLOTS)],
        )
        cur.execute("SELECT MIN(id), COUNT(*) FROM people_recipient")
        r0, n = cur.fetchone()
        # training and supervision received: facts as the training page would write them
        cur.execute(
            "INSERT INTO indicators_servicefact (kind, source_type, source_id, date, worker_id, "
            "province, city, county, township, village, n, person_times, money, in_kind, "
            "volunteers, hours, professional, in_village, work_kind, domain, volunteer_hours) "
            "SELECT kind, 'training', id, date, worker_id, SUBSTR(region_code, 1, 2), "
            "SUBSTR(region_code, 1, 4), SUBSTR(region_code, 1, 6), SUBSTR(region_code, 1, 9), "
            "'', 1, 0, 0, 0, 0, hours, FALSE, FALSE, "
            "CASE WHEN organiser IN ('province', 'city') THEN 'city' ELSE 'county' END, '', 0 "
            "FROM workforce_trainingrecord"
        )
    out["recipients"] = n
    out["build_people_s"] = round(time.perf_counter() - t, 1)
    out["build_world_s"] = round(time.perf_counter() - t0, 1)
    return {"r0": r0, "n_people": n, "officers": officers, "villages": len(villages)}


def load_facts(world: dict, lo: int, hi: int) -> None:
    """Facts lo..hi in one INSERT … SELECT: a person (hence village, township, station,
    worker), a kind from the weighted slots, a day of the year; all deterministic."""
    from django.db import connection

    vendor = connection.vendor
    r0, n = world["r0"], world["n_people"]
    person = f"{r0} + ((s.g * 2654435761) % {n})"
    sql = (
        "INSERT INTO indicators_servicefact (kind, source_type, source_id, date, station_id, "
        "worker_id, recipient_id, province, city, county, township, village, n, person_times, "
        "money, in_kind, volunteers, hours, professional, in_village, work_kind, domain, "
        "volunteer_hours) "
        f"SELECT k.kind, k.stype, s.g, {_day(vendor, '(s.g * 7919) % 365')}, b.station_id, "
        "CASE WHEN k.hours > 0 THEN b.w0 + (s.g % b.wn) END, "
        "CASE WHEN k.kind = 'admin' THEN NULL ELSE r.id END, "
        "SUBSTR(r.region_id, 1, 2), SUBSTR(r.region_id, 1, 4), SUBSTR(r.region_id, 1, 6), "
        "SUBSTR(r.region_id, 1, 9), r.region_id, 1, k.pt, "
        "CASE WHEN k.kind = 'activity' AND s.g % 3 = 0 THEN s.g % 5000 ELSE 0 END, "
        "CASE WHEN k.kind = 'activity' AND s.g % 4 = 0 THEN s.g % 2000 ELSE 0 END, "
        "CASE WHEN k.kind = 'activity' THEN s.g % 6 ELSE 0 END, "
        "k.hours, k.prof, k.kind <> 'admin' OR s.g % 5 = 0, k.wk, "
        "CASE WHEN k.kind IN ('visit', 'case_entry', 'session', 'activity') THEN 'elderly' "
        "ELSE '' END, 0 "
        f"FROM {_series(vendor, lo, hi)} "
        f"JOIN people_recipient r ON r.id = {person} "
        "JOIN bench_station b ON b.township = SUBSTR(r.region_id, 1, 9) "
        "JOIN bench_kind k ON k.idx = s.g % 100"
    )
    with connection.cursor() as cur:
        cur.execute(sql)


def _fact_indexes(action: str) -> None:
    from django.db import connection

    from shegong.indicators.models import ServiceFact

    with connection.schema_editor() as editor:
        for index in ServiceFact._meta.indexes:
            if action == "drop":
                editor.remove_index(ServiceFact, index)
            else:
                editor.add_index(ServiceFact, index)


def _analyze() -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def measure(world: dict, repeat: int) -> dict:
    from django.db import connection
    from django.test import Client

    from shegong.indicators import reports
    from shegong.indicators.periods import parse
    from shegong.regions.models import Region

    out: dict = {}
    clients = {}
    for level, user in world["officers"].items():
        c = Client()
        c.force_login(user)
        clients[level] = c
    nodes = {"province": "43", "city": "4301", "county": "430302", "station": "430302001"}

    def get(level, url, params):
        def run():
            response = clients[level].get(url, params, HTTP_HOST="127.0.0.1")
            assert response.status_code == 200, (url, params, response.status_code)

        return run

    for level, node in nodes.items():
        for period in (MONTH, str(YEAR)):
            kind = "month" if "-" in period else "year"
            out[f"dashboard_{level}_{kind}"] = _timed(
                get(level, "/indicators/", {"node": node, "period": period}), repeat
            )
    out["drilldown_province_month_visits_first_page"] = _timed(
        get("province", "/indicators/records/", {"metric": "visit", "node": "43", "period": MONTH}),
        max(5, repeat // 4),
    )
    out["drilldown_county_month_visits_first_page"] = _timed(
        get(
            "county", "/indicators/records/", {"metric": "visit", "node": "430302", "period": MONTH}
        ),
        repeat,
    )
    out["report_province_month_html"] = _timed(
        get("province", "/indicators/report/", {"node": "43", "period": MONTH}), max(5, repeat // 4)
    )
    province = Region.objects.get(code="43")
    user = world["officers"]["province"]

    def excel():
        built = reports.build(province, parse(MONTH), townships=True)
        reports.to_xlsx(built, user=user)

    out["report_province_month_xlsx_with_townships"] = _timed(excel, 3)
    month = parse(MONTH)
    floor_sql = (
        "SELECT kind, COUNT(*), SUM(person_times), SUM(hours) FROM indicators_servicefact "
        "WHERE province = %s AND date BETWEEN %s AND %s GROUP BY kind"
    )

    def floor():
        with connection.cursor() as cur:
            cur.execute(floor_sql, ["43", month.start, month.end])
            cur.fetchall()

    out["floor_sql_group_by_province_month"] = _timed(floor, max(5, repeat // 4))
    out["floor_sql"] = floor_sql
    with connection.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM indicators_servicefact")
        out["facts"] = cur.fetchone()[0]
        cur.execute("SELECT COUNT(*) FROM indicators_aggregate")
        out["aggregate_rows"] = cur.fetchone()[0]
        cur.execute("SELECT COUNT(*) FROM indicators_distinctkey")
        out["distinct_keys"] = cur.fetchone()[0]
    return out


def bench(db: str, n_facts: int, n_people: int, repeat: int) -> dict:
    from run import _setup

    # production settings (no debug, no query log), reached over plain HTTP on loopback
    os.environ["SHEGONG_DEBUG"] = "0"
    os.environ["SHEGONG_REQUIRE_2FA"] = "0"
    os.environ["SHEGONG_HTTPS"] = "0"
    os.environ["SHEGONG_ALLOWED_HOSTS"] = "127.0.0.1"
    _setup(db)
    from django.conf import settings
    from django.db import connection

    # pages render their static URLs without a collected manifest (no collectstatic here)
    settings.STORAGES["staticfiles"]["BACKEND"] = (
        "django.contrib.staticfiles.storage.StaticFilesStorage"
    )

    from shegong.indicators import rebuild

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SET maintenance_work_mem = '1GB'")
            cur.execute("SET work_mem = '256MB'")
            cur.execute("SET synchronous_commit = off")
    out: dict = {"db": db, "target_facts": n_facts}
    world = build_world(out, n_people)
    tenth = max(1, n_facts // 10)
    # phase 1: one tenth of the facts
    t = time.perf_counter()
    _fact_indexes("drop")
    load_facts(world, 1, tenth)
    _fact_indexes("add")
    _analyze()
    out["tenth_load_s"] = round(time.perf_counter() - t, 1)
    t = time.perf_counter()
    rebuild.rebuild_aggregates()
    _analyze()
    out["tenth_aggregates_s"] = round(time.perf_counter() - t, 1)
    out["at_tenth"] = measure(world, repeat)
    # phase 2: the rest
    t = time.perf_counter()
    _fact_indexes("drop")
    load_facts(world, tenth + 1, n_facts)
    _fact_indexes("add")
    _analyze()
    out["full_load_s"] = round(time.perf_counter() - t, 1)
    t = time.perf_counter()
    rebuild.rebuild_aggregates()
    _analyze()
    out["full_aggregates_s"] = round(time.perf_counter() - t, 1)
    out["build_total_s"] = round(
        out["build_world_s"]
        + out["tenth_load_s"]
        + out["tenth_aggregates_s"]
        + out["full_load_s"]
        + out["full_aggregates_s"],
        1,
    )
    out["at_full"] = measure(world, repeat)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_size_pretty(pg_total_relation_size('indicators_servicefact'))")
            out["fact_table_size"] = cur.fetchone()[0]
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], required=True)
    parser.add_argument("--facts", type=int, default=10_000_000)
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    print(json.dumps(bench(args.db, args.facts, args.people, args.repeat), ensure_ascii=False))


if __name__ == "__main__":
    main()
