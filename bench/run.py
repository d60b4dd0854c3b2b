"""Benchmarks: division import, the "stations under a region" scope query, and (through
bench/indicators.py) dashboards, drill-down and reports on a synthetic province.

    make bench                      # SQLite, and PostgreSQL when 127.0.0.1:5432 answers
    python bench/run.py --db sqlite # one backend only

Builds a province-scale station table (a station for each of Hunan's 2,008 townships,
village rooms in ~10 % of its 29,534 villages, 3-8 workers per station) in a scratch
database, then times through the ORM exactly what the pages run. Figures go to
bench/results.json and bench/results.md; nothing here asserts a time.
"""

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from growth import growth_lines  # noqa: E402  (bench/ is this script's folder)
from instructions import instruction_lines  # noqa: E402
from loadtest import loadtest_lines  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PG_URL = "postgres://postgres@127.0.0.1:5432/shegong_bench"


def fresh_database(name: str, db: str) -> str:
    """The URL of a new, empty database for one bench: a SQLite file in a temporary folder,
    or the PostgreSQL database ``shegong_bench_<name>``, dropped and made again."""
    if db == "sqlite":
        return f"sqlite:///{Path(tempfile.mkdtemp()) / (name + '.sqlite3')}"
    for sql in (
        f"DROP DATABASE IF EXISTS shegong_bench_{name}",
        f"CREATE DATABASE shegong_bench_{name}",
    ):
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", sql], check=True)
    return f"{PG_URL}_{name}"


REPEAT = 50


def _setup(db: str) -> None:
    os.environ.setdefault("SHEGONG_INSECURE_DEV_KEY", "1")
    os.environ["SHEGONG_HTTPS"] = "0"
    if db == "sqlite":
        path = Path(tempfile.mkdtemp()) / "bench.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    else:
        subprocess.run(
            [
                "psql",
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-q",
                "-c",
                "DROP DATABASE IF EXISTS shegong_bench",
                "-c",
                "CREATE DATABASE shegong_bench",
            ],
            check=True,
        )
        os.environ["DATABASE_URL"] = PG_URL
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "shegong.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _timed(fn, repeat=REPEAT) -> dict:
    fn()  # warm
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    return {
        "p50_ms": round(statistics.median(samples), 3),
        "p95_ms": round(samples[int(len(samples) * 0.95) - 1], 3),
        "runs": repeat,
    }


def bench(db: str) -> dict:
    _setup(db)
    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.db import connection

    from shegong.accounts.models import User
    from shegong.accounts.roles import Role
    from shegong.regions import selectors
    from shegong.regions.models import Level, Region
    from shegong.regions.services import divisions_import
    from shegong.stations.models import Station
    from shegong.stations.selectors import station_list

    out: dict = {"db": db}
    t = time.perf_counter()
    r = divisions_import(directory=settings.SHEGONG_DIVISIONS_DIR, only=["43"])
    out["import_hunan_s"] = round(time.perf_counter() - t, 2)
    out["import_hunan_rows"] = r.created
    t = time.perf_counter()
    r = divisions_import(directory=settings.SHEGONG_DIVISIONS_DIR, only=["43"])
    out["reimport_hunan_s"] = round(time.perf_counter() - t, 2)
    assert r.created == r.updated == 0
    t = time.perf_counter()
    r = divisions_import(directory=settings.SHEGONG_DIVISIONS_DIR)
    out["import_all_shipped_s"] = round(time.perf_counter() - t, 2)
    out["import_all_shipped_rows"] = r.created + r.unchanged

    rng = random.Random(7)
    townships = list(Region.objects.filter(level=Level.TOWNSHIP, code__startswith="43"))
    villages = list(Region.objects.filter(level=Level.VILLAGE, code__startswith="43"))
    stations = [Station(name=f"{t.name}社工站", region=t) for t in townships]
    stations += [
        Station(name=f"{v.name}社工室", region=v, tier=Station.Tier.VILLAGE_ROOM)
        for v in villages
        if rng.random() < 0.1
    ]
    Station.objects.bulk_create(stations, batch_size=2000)
    station_rows = list(
        Station.objects.filter(tier=Station.Tier.TOWNSHIP).values_list("pk", "region_id")
    )
    pw = make_password("x")
    users = [
        User(
            username=f"b{pk}_{i}",
            password=pw,
            role=Role.SOCIAL_WORKER,
            station_id=pk,
            scope_region_id=code,
        )
        for pk, code in station_rows
        for i in range(rng.randint(3, 8))
    ]
    User.objects.bulk_create(users, batch_size=2000)
    out["stations"] = Station.objects.count()
    out["workers"] = len(users)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")

    city = User.objects.create(username="b_city", role=Role.CITY_OFFICER, scope_region_id="4301")
    prov = User.objects.create(username="b_prov", role=Role.PROVINCE_OFFICER, scope_region_id="43")
    county = User.objects.create(
        username="b_county", role=Role.COUNTY_OFFICER, scope_region_id="430302"
    )

    def stations_under(user):
        return lambda: list(Station.objects.restrict(user).values_list("pk", flat=True))

    out["stations_under_city_4301"] = Station.objects.restrict(city).count()
    out["q_all_stations_under_city"] = _timed(stations_under(city))
    out["q_all_stations_under_province"] = _timed(stations_under(prov))
    out["q_station_list_first_page_city"] = _timed(
        lambda: list(station_list(user=city)[:50]), repeat=20
    )
    province = Region.objects.get(code="43")
    out["q_province_children_counts"] = _timed(
        lambda: selectors.region_children_with_counts(region=province, user=prov), repeat=20
    )
    county_region = Region.objects.get(code="430302")
    out["q_county_children_counts"] = _timed(
        lambda: selectors.region_children_with_counts(region=county_region, user=county)
    )
    qs = Station.objects.restrict(city).values_list("pk", flat=True)
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cur:
        prefix = "EXPLAIN QUERY PLAN " if db == "sqlite" else "EXPLAIN "
        cur.execute(prefix + sql, params)
        out["plan_stations_under_city"] = " | ".join(str(r[-1]) for r in cur.fetchall())
    return out


def _script(name: str, *args: str) -> dict:
    """Run one benchmark script of bench/ in its own process; its last line is its JSON."""
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / name), *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"])
    parser.add_argument(
        "--markdown-only", action="store_true", help="write results.md from results.json"
    )
    args = parser.parse_args()
    if args.db:
        print(json.dumps(bench(args.db)))
        return
    if args.markdown_only:
        write_markdown(json.loads((ROOT / "bench" / "results.json").read_text()))
        return
    results = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "date": time.strftime("%Y-%m-%d"),
        "runs": [],
    }
    backends = ["sqlite"]
    if subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1"]).returncode == 0:
        backends.append("postgres")
    for db in backends:
        proc = subprocess.run(
            [sys.executable, __file__, "--db", db], capture_output=True, text=True, check=True
        )
        results["runs"].append(json.loads(proc.stdout.strip().splitlines()[-1]))
    # indicators: a small province on SQLite, Hunan's real scale on PostgreSQL
    sizes = {
        "sqlite": (os.environ.get("BENCH_SQLITE_FACTS", "200000"), "20000"),
        "postgres": (
            os.environ.get("BENCH_FACTS", "10000000"),
            os.environ.get("BENCH_PEOPLE", "1000000"),
        ),
    }
    results["indicators"] = []
    for db in backends:
        n_facts, n_people = sizes[db]
        print(f"indicators benchmark on {db}: {n_facts} facts …", flush=True)
        results["indicators"].append(
            _script("indicators.py", "--db", db, "--facts", n_facts, "--people", n_people)
        )
    for key, script, title in (
        ("purchase", "purchase.py", "purchase"),
        ("evaluation", "evaluation.py", "evaluation"),
        ("field", "field.py", "field app"),
        ("public", "public.py", "public board"),
    ):
        results[key] = []
        for db in backends:
            print(f"{title} benchmark on {db} …", flush=True)
            results[key].append(_script(script, "--db", db))
    # imports: the 100,000-row roster on PostgreSQL; a fifth of it on SQLite
    results["imports"] = []
    for db in backends:
        rows = os.environ.get("BENCH_IMPORT_ROWS", "100000" if db == "postgres" else "20000")
        print(f"imports benchmark on {db}: {rows} rows …", flush=True)
        results["imports"].append(_script("imports.py", "--db", db, "--rows", rows))
    # measured by their own commands (make loadtest, bench/growth.py): kept
    kept = json.loads((ROOT / "bench" / "results.json").read_text())
    for key in kept:
        if key == "loadtest" or key.startswith("growth"):
            results[key] = kept[key]
    (ROOT / "bench" / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    write_markdown(results)


def write_markdown(results: dict) -> None:
    lines = [
        "# Foundation benchmark",
        "",
        f"{results['machine']}, {results['date']}. Reproduce: `make bench`.",
        "",
        "| measure | " + " | ".join(r["db"] for r in results["runs"]) + " |",
        "|---|" + "---|" * len(results["runs"]),
    ]
    keys = [
        "import_hunan_rows",
        "import_hunan_s",
        "reimport_hunan_s",
        "import_all_shipped_rows",
        "import_all_shipped_s",
        "stations",
        "workers",
        "stations_under_city_4301",
    ]
    for k in keys:
        lines.append(f"| {k} | " + " | ".join(str(r[k]) for r in results["runs"]) + " |")
    for k in [
        "q_all_stations_under_city",
        "q_all_stations_under_province",
        "q_station_list_first_page_city",
        "q_province_children_counts",
        "q_county_children_counts",
    ]:
        lines.append(
            f"| {k} p50 / p95 ms | "
            + " | ".join(f"{r[k]['p50_ms']} / {r[k]['p95_ms']}" for r in results["runs"])
            + " |"
        )
    lines += ["", "Query plans for “all stations under a city”:", ""]
    lines += [f"- {r['db']}: `{r['plan_stations_under_city']}`" for r in results["runs"]]
    lines += indicator_lines(results["indicators"])
    lines += purchase_lines(results["purchase"])
    lines += evaluation_lines(results.get("evaluation", []))
    lines += field_lines(results.get("field", []))
    lines += public_lines(results.get("public", []))
    lines += import_lines(results.get("imports", []))
    for key in sorted(k for k in results if k.startswith("growth")):
        lines += growth_lines(results[key])
    lines += loadtest_lines(results.get("loadtest"))
    lines += instruction_lines(results.get("instructions"))
    (ROOT / "bench" / "results.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def purchase_lines(runs: list[dict]) -> list[str]:
    """The purchase benchmark as a table: p50 / p95 ms and queries per page."""
    if not runs:
        return []
    lines = [
        "",
        "## Government purchase (bench/purchase.py)",
        "",
        " · ".join(
            f"{r['db']}: {r['contracts']} contracts, {r['spending']} spending entries, "
            f"{r['stations']} stations, built in {r['built_s']} s"
            for r in runs
        ),
        "",
        "| page | " + " | ".join(f"{r['db']} p50 / p95 ms (queries)" for r in runs) + " |",
        "|---|" + "---|" * len(runs),
    ]
    for name in runs[0]["measures"]:
        cells = [
            f"{r['measures'][name]['p50_ms']} / {r['measures'][name]['p95_ms']} "
            f"({r['measures'][name]['queries']})"
            for r in runs
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


MEASURES = [
    ("dashboard_province_month", "dashboard, province, month"),
    ("dashboard_province_year", "dashboard, province, year"),
    ("dashboard_city_month", "dashboard, city, month"),
    ("dashboard_city_year", "dashboard, city, year"),
    ("dashboard_county_month", "dashboard, county, month"),
    ("dashboard_county_year", "dashboard, county, year"),
    ("dashboard_station_month", "dashboard, station (township), month"),
    ("dashboard_station_year", "dashboard, station (township), year"),
    ("drilldown_province_month_visits_first_page", "drill-down first page: province visits, month"),
    ("drilldown_county_month_visits_first_page", "drill-down first page: county visits, month"),
    ("report_province_month_html", "monthly province report (page)"),
    ("report_province_month_xlsx_with_townships", "monthly province report (Excel, all townships)"),
    ("floor_sql_group_by_province_month", "floor: one SQL GROUP BY, province month"),
]


def evaluation_lines(runs: list[dict]) -> list[str]:
    """The evaluation benchmark as a table: p50 / p95 ms and queries per page."""
    if not runs:
        return []
    lines = [
        "",
        "## Evaluation (bench/evaluation.py)",
        "",
        " · ".join(
            f"{r['db']}: a city round of {r['stations']} stations × {r['items']} items, "
            f"{r['scores']} scores (a second evaluator on a third), built in {r['built_s']} s"
            for r in runs
        ),
        "",
        "| page | " + " | ".join(f"{r['db']} p50 / p95 ms (queries)" for r in runs) + " |",
        "|---|" + "---|" * len(runs),
    ]
    for name in runs[0]["measures"]:
        cells = [
            f"{r['measures'][name]['p50_ms']} / {r['measures'][name]['p95_ms']} "
            f"({r['measures'][name]['queries']})"
            for r in runs
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def field_lines(runs: list[dict]) -> list[str]:
    """The field app benchmark: the working set's time and size, and a changes call."""
    if not runs:
        return []
    lines = [
        "",
        "## Field app (bench/field.py)",
        "",
        " · ".join(
            f"{r['db']}: one township of {r['villages']} villages, {r['people']} people in "
            f"{r['households']} households, 40 open cases, 6 groups, 5 activities today"
            for r in runs
        ),
        "",
        "| call | "
        + " | ".join(f"{r['db']} p50 / p95 ms (queries), JSON / gzip KB" for r in runs)
        + " |",
        "|---|" + "---|" * len(runs),
    ]
    for name in runs[0]["measures"]:
        cells = []
        for r in runs:
            m = r["measures"][name]
            cells.append(
                f"{m['p50_ms']} / {m['p95_ms']} ({m['queries']}), "
                f"{m['bytes'] / 1024:.0f} / {m['gzip_bytes'] / 1024:.0f}"
            )
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def public_lines(runs: list[dict]) -> list[str]:
    """The public pages under ApacheBench against gunicorn: requests per second."""
    if not runs:
        return []
    r0 = runs[0]
    lines = [
        "",
        "## Public station pages (bench/public.py)",
        "",
        f"{r0['stations']:,} township stations (5 staff each), the board of the one with the "
        f"most villages ({r0['villages_of_station']}); {r0['server']}; ApacheBench, "
        f"{r0['measures']['board (cached)']['requests']:,} requests, "
        f"{r0['measures']['board (cached)']['concurrency']} at a time, on the same 2 cores.",
        "",
        "| call | " + " | ".join(f"{r['db']} req/s, p50 / p95 ms, KB" for r in runs) + " |",
        "|---|" + "---|" * len(runs),
    ]
    for name in r0["measures"]:
        cells = []
        for r in runs:
            m = r["measures"][name]
            failed = f", {m['failed']} failed" if m["failed"] else ""
            cells.append(
                f"{m['rps']:,.0f}, {m['p50_ms']:.0f} / {m['p95_ms']:.0f}, "
                f"{(m['bytes'] or 0) / 1024:.1f}{failed}"
            )
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def import_lines(runs: list[dict]) -> list[str]:
    """The roster import: the check, the commit, the same file again, and peak memory."""
    if not runs:
        return []
    lines = [
        "",
        "## Imports (bench/imports.py)",
        "",
        "A roster of people of one county (雨湖区, its villages), one or two categories each, "
        "a quarter of them with two, disabled people with type and grade; `.xlsx` as a "
        "civil-affairs export. Each phase is the operator's `import_people` (the same job, "
        "checks and writes as an upload), in a fresh process; peak memory is that "
        "process's `ru_maxrss`.",
        "",
        "| measure | " + " | ".join(f"{r['db']}, {r['rows']:,} rows" for r in runs) + " |",
        "|---|" + "---|" * len(runs),
    ]
    for label, key in (
        ("file size (MB)", "file_mb"),
        ("dry run: check every row (s)", "check_s"),
        ("commit: check again, write people, categories, facts, aggregates (s)", "commit_s"),
        ("the same file again: all unchanged (s)", "reimport_s"),
        ("peak memory (MB)", "rss_peak_mb"),
        ("memory after the check (MB)", "rss_after_check_mb"),
        ("people / category links / facts written", None),
        ("encrypting four fields per row, alone (s)", "encrypt_s"),
        ("keyed hash of the ID number per row, alone (s)", "hash_s"),
    ):
        if key is None:
            cells = [f"{r['people']:,} / {r['category_links']:,} / {r['facts']:,}" for r in runs]
        else:
            cells = [str(r[key]) for r in runs]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    steps = sorted({k for r in runs for k in r.get("commit_steps_s", {})})
    for step in steps:
        cells = [str(r.get("commit_steps_s", {}).get(step, "—")) for r in runs]
        lines.append(f"| commit, of which {step} (s) | " + " | ".join(cells) + " |")
    return lines


def indicator_lines(runs: list[dict]) -> list[str]:
    lines = ["", "# Indicators benchmark", ""]
    for r in runs:
        lines += [
            f"## {r['db']}: {r['at_full']['facts']:,} facts, {r['recipients']:,} people, "
            f"{r['stations']:,} stations, {r['workers']:,} workers",
            "",
            f"Build: world {r['build_world_s']} s; first tenth {r['tenth_load_s']} s + "
            f"aggregates {r['tenth_aggregates_s']} s; the rest {r['full_load_s']} s + "
            f"aggregates {r['full_aggregates_s']} s; total {r['build_total_s']} s. "
            f"Aggregate rows {r['at_full']['aggregate_rows']:,}, distinct keys "
            f"{r['at_full']['distinct_keys']:,}"
            + (f", fact table {r['fact_table_size']}." if r.get("fact_table_size") else "."),
            "",
            f"| measure (p50 / p95 ms) | {r['at_tenth']['facts']:,} facts | "
            f"{r['at_full']['facts']:,} facts | growth (p95) |",
            "|---|---|---|---|",
        ]
        for key, label in MEASURES:
            a, b = r["at_tenth"][key], r["at_full"][key]
            growth = round(b["p95_ms"] / a["p95_ms"], 2) if a["p95_ms"] else "—"
            lines.append(
                f"| {label} | {a['p50_ms']} / {a['p95_ms']} | {b['p50_ms']} / {b['p95_ms']} "
                f"| {growth}× |"
            )
        lines.append("")
    return lines


if __name__ == "__main__":
    main()
