"""Growth of the fact table: 10 M facts (one year) against 30 M (three years), PostgreSQL.

    python bench/growth.py                    # 10 M a year, three years
    python bench/growth.py --per-year 1000000 # a quicker try

The synthetic province of bench/indicators.py (Hunan's divisions, 2,008 stations, ~8,000
workers, 1 M people). Year 2025 is loaded with ``--per-year`` facts, its aggregates built,
and everything measured: the dashboards (province to station, month and year), the
drill-down's first page, the monthly report (page and Excel), VACUUM, and the sizes of the
table and each index. Then 2023 and 2024 are loaded with as many facts each, their
aggregates added, and everything measured again: what three years of history cost the
work of this year. (The older years' aggregates are copied from 2025's with their periods
renamed, rather than rebuilt: the same number and shape of rows in less time; the facts are
real rows.) Figures to bench/results.json ("growth") and bench/results.md.
"""

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import indicators  # noqa: E402  (bench/indicators.py: the world, the facts, the measures)

YEARS = (2025, 2023, 2024)  # this year first: measured alone, then with two years before it


def _sql(sql: str, params=None):
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(sql, params or [])
        return cur.fetchall() if cur.description else None


def _leaves(relation: str) -> str:
    """SQL: the relations holding ``relation``'s data (its partitions, or itself)."""
    return f"SELECT relid FROM pg_partition_tree('{relation}') WHERE isleaf"


def sizes() -> dict:
    """The fact table's size, its indexes' (each summed over the partitions) and, when
    partitioned, each partition's with its indexes."""
    mb = 1024 * 1024
    table = "indicators_servicefact"
    rows = _sql(
        "SELECT indexrelid::regclass::text, "
        "(SELECT sum(pg_relation_size(t.relid)) FROM pg_partition_tree(indexrelid) t) "
        "FROM pg_index WHERE indrelid = %s::regclass ORDER BY 1",
        [table],
    )
    parts = _sql(
        "SELECT relid::regclass::text, pg_total_relation_size(relid) "
        f"FROM pg_partition_tree('{table}') WHERE isleaf AND level > 0 ORDER BY 1"
    )
    return {
        "table_mb": round(
            _sql(f"SELECT sum(pg_relation_size(relid)) FROM ({_leaves(table)}) t")[0][0] / mb
        ),
        "indexes_mb": {name: round(size / mb) for name, size in rows},
        "total_mb": round(
            _sql(f"SELECT sum(pg_total_relation_size(relid)) FROM ({_leaves(table)}) t")[0][0] / mb
        ),
        "partitions_mb": {name: round(size / mb) for name, size in parts},
        "aggregate_mb": round(
            _sql("SELECT pg_total_relation_size('indicators_aggregate')")[0][0] / mb
        ),
    }


def vacuum() -> dict:
    """VACUUM after a month of corrections: 0.1 % of this year's June facts changed (as
    voids and edits do), then vacuumed as autovacuum would — the table, or when it is
    partitioned only 2025's partition, the one that changed —; a VACUUM of everything with
    nothing to do; ANALYZE of the table (of every partition)."""
    from django.db import connection

    from shegong.indicators import partitions

    changed = (
        "indicators_servicefact_y2025"
        if partitions.is_partitioned(connection)
        else "indicators_servicefact"
    )
    out = {"vacuumed": changed}
    with connection.cursor() as cur:
        t = time.perf_counter()
        cur.execute("VACUUM indicators_servicefact")
        out["vacuum_clean_s"] = round(time.perf_counter() - t, 2)
        cur.execute(
            "UPDATE indicators_servicefact SET hours = hours WHERE date BETWEEN %s AND %s "
            "AND id %% 1000 = 0",
            ["2025-06-01", "2025-06-30"],
        )
        out["rows_changed"] = cur.rowcount
        t = time.perf_counter()
        cur.execute(f"VACUUM {changed}")
        out["vacuum_after_changes_s"] = round(time.perf_counter() - t, 2)
        t = time.perf_counter()
        cur.execute("ANALYZE indicators_servicefact")
        out["analyze_s"] = round(time.perf_counter() - t, 2)
    return out


def drop_year(year: int) -> dict:
    """Retention: the facts of ``year`` leave — a DETACH and a DROP of its partition, or
    a DELETE of its rows and the VACUUM that frees their space. Measured last: it
    destroys."""
    from django.db import connection

    from shegong.indicators import partitions

    partitioned = partitions.is_partitioned(connection)
    with connection.cursor() as cur:
        t = time.perf_counter()
        if partitioned:
            cur.execute(
                f"ALTER TABLE indicators_servicefact DETACH PARTITION indicators_servicefact_y{year}"
            )
            cur.execute(f"DROP TABLE indicators_servicefact_y{year}")
            rows = None
        else:
            cur.execute(
                "DELETE FROM indicators_servicefact WHERE date >= %s AND date < %s",
                [f"{year}-01-01", f"{year + 1}-01-01"],
            )
            rows = cur.rowcount
        seconds = round(time.perf_counter() - t, 2)
        t = time.perf_counter()
        if not partitioned:
            cur.execute("VACUUM indicators_servicefact")
        vacuum_s = round(time.perf_counter() - t, 2)
    return {"year": year, "rows_deleted": rows, "seconds": seconds, "vacuum_s": vacuum_s}


def copy_aggregates(year: int) -> None:
    """``year``'s aggregates and distinct keys as 2025's, renamed (see the module)."""
    _sql(
        "INSERT INTO indicators_aggregate (node, level, period, metric, value) "
        "SELECT node, level, replace(period, '2025', %s), metric, value "
        "FROM indicators_aggregate WHERE period LIKE '2025%%'",
        [str(year)],
    )
    _sql(
        "INSERT INTO indicators_distinctkey (kind, key, period, region, refs) "
        "SELECT kind, key, replace(period, '2025', %s), region, refs "
        "FROM indicators_distinctkey WHERE period LIKE '2025%%'",
        [str(year)],
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-year", type=int, default=10_000_000)
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument(
        "--layout",
        choices=("partitioned", "plain"),
        default="partitioned",
        help="the fact table as migrated (a partition a year) or one plain table",
    )
    parser.add_argument("--key", help="results.json key (default growth_<layout>)")
    args = parser.parse_args()
    import os

    os.environ["SHEGONG_DEBUG"] = "0"
    os.environ["SHEGONG_REQUIRE_2FA"] = "0"
    os.environ["SHEGONG_HTTPS"] = "0"
    os.environ["SHEGONG_ALLOWED_HOSTS"] = "127.0.0.1"
    from run import _setup

    _setup("postgres")
    from django.conf import settings

    settings.STORAGES["staticfiles"]["BACKEND"] = (
        "django.contrib.staticfiles.storage.StaticFilesStorage"
    )
    from django.db import connection

    from shegong.indicators import partitions, rebuild

    if args.layout == "plain":
        partitions.unpartition(connection)
    else:
        partitions.partition(connection)
        partitions.ensure(years=YEARS)

    _sql("SET maintenance_work_mem = '1GB'")
    _sql("SET work_mem = '256MB'")
    _sql("SET synchronous_commit = off")
    out: dict = {"per_year": args.per_year, "people": args.people, "layout": args.layout}
    world = indicators.build_world(out, args.people)
    stages = {}
    for i, year in enumerate(YEARS):
        indicators.YEAR = year  # the facts' dates (bench/indicators.py `_day`)
        lo = i * args.per_year + 1
        t = time.perf_counter()
        indicators._fact_indexes("drop")
        indicators.load_facts(world, lo, lo + args.per_year - 1)
        indicators._fact_indexes("add")
        _sql("ANALYZE indicators_servicefact")
        stages[f"load_{year}_s"] = round(time.perf_counter() - t, 1)
        t = time.perf_counter()
        if year == 2025:
            rebuild.rebuild_aggregates()
        else:
            copy_aggregates(year)
        _sql("ANALYZE")
        stages[f"aggregates_{year}_s"] = round(time.perf_counter() - t, 1)
        print(f"growth: {year} loaded {stages}", flush=True)
        indicators.YEAR = 2025  # the measures read this year
        if i == 0:
            out["one_year"] = {
                "measures": indicators.measure(world, args.repeat),
                "sizes": sizes(),
                "vacuum": vacuum(),
            }
            print(f"growth: one year measured {out['one_year']['sizes']}", flush=True)
    out["three_years"] = {
        "measures": indicators.measure(world, args.repeat),
        "sizes": sizes(),
        "vacuum": vacuum(),
    }
    out["drop_oldest_year"] = drop_year(YEARS[1])
    out["stages"] = stages
    out["date"] = time.strftime("%Y-%m-%d")
    path = ROOT / "bench" / "results.json"
    results = json.loads(path.read_text())
    results[args.key or f"growth_{args.layout}"] = out
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    import subprocess

    subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--markdown-only"], check=True)
    print(json.dumps(out))


LABELS = {
    "dashboard_province_month": "dashboard, province, month",
    "dashboard_province_year": "dashboard, province, year",
    "dashboard_city_month": "dashboard, city, month",
    "dashboard_city_year": "dashboard, city, year",
    "dashboard_county_month": "dashboard, county, month",
    "dashboard_county_year": "dashboard, county, year",
    "dashboard_station_month": "dashboard, station, month",
    "dashboard_station_year": "dashboard, station, year",
    "drilldown_province_month_visits_first_page": "drill-down first page: province visits, month",
    "drilldown_county_month_visits_first_page": "drill-down first page: county visits, month",
    "report_province_month_html": "monthly province report (page)",
    "report_province_month_xlsx_with_townships": "monthly province report (Excel, all townships)",
    "floor_sql_group_by_province_month": "floor: one SQL GROUP BY, province month",
}


LAYOUTS = {"plain": "one table", "partitioned": "a partition a year"}


def growth_lines(g: dict | None) -> list[str]:
    if not g:
        return []
    one, three = g["one_year"], g["three_years"]
    a, b = one["measures"], three["measures"]
    lines = [
        "",
        f"## Growth of the fact table (bench/growth.py): {LAYOUTS[g.get('layout', 'plain')]}, "
        f"{g['per_year']:,} facts a year",
        "",
        f"PostgreSQL, {g['date']}: {a['facts']:,} facts of 2025, then {b['facts']:,} with "
        f"2023 and 2024; {g['people']:,} people, 2,008 stations. Stages (s): "
        + ", ".join(f"{k} {v}" for k, v in g["stages"].items())
        + ".",
        "",
        f"| measure (p50 / p95 ms) | one year ({a['facts']:,}) | three years ({b['facts']:,}) | p95 × |",
        "|---|---|---|---|",
    ]
    for key, label in LABELS.items():
        if key in a and key in b:
            x, y = a[key], b[key]
            ratio = round(y["p95_ms"] / x["p95_ms"], 2) if x["p95_ms"] else 0
            lines.append(
                f"| {label} | {x['p50_ms']} / {x['p95_ms']} | {y['p50_ms']} / {y['p95_ms']} | {ratio}× |"
            )
    s1, s3 = one["sizes"], three["sizes"]
    v1, v3 = one["vacuum"], three["vacuum"]
    lines += [
        f"| VACUUM, nothing to do (s) | {v1['vacuum_clean_s']} | {v3['vacuum_clean_s']} | |",
        f"| VACUUM after {v1['rows_changed']:,} / {v3['rows_changed']:,} changed rows of June, "
        f"of {v3.get('vacuumed', 'indicators_servicefact')} (s) | {v1['vacuum_after_changes_s']} | {v3['vacuum_after_changes_s']} | |",
        f"| ANALYZE (s) | {v1['analyze_s']} | {v3['analyze_s']} | |",
        f"| fact table (MB) | {s1['table_mb']:,} | {s3['table_mb']:,} | |",
        f"| its indexes, total with the table (MB) | {s1['total_mb']:,} | {s3['total_mb']:,} | |",
        f"| aggregates with indexes (MB) | {s1['aggregate_mb']:,} | {s3['aggregate_mb']:,} | |",
    ]
    for name in s1["indexes_mb"]:
        lines.append(
            f"| index {name} (MB) | {s1['indexes_mb'][name]:,} | {s3['indexes_mb'].get(name, 0):,} | |"
        )
    for name in s3.get("partitions_mb", {}):
        lines.append(
            f"| partition {name} with its indexes (MB) | {s1['partitions_mb'].get(name, 0):,} "
            f"| {s3['partitions_mb'][name]:,} | |"
        )
    drop = g.get("drop_oldest_year")
    if drop:
        how = (
            f"DELETE of {drop['rows_deleted']:,} rows {drop['seconds']} s, then VACUUM {drop['vacuum_s']} s"
            if drop["rows_deleted"] is not None
            else f"DETACH PARTITION and DROP TABLE {drop['seconds']} s"
        )
        lines.append(f"| retention: {drop['year']}'s facts removed (s) | | {how} | |")
    return lines


if __name__ == "__main__":
    main()
