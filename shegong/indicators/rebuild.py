"""Rebuilding the facts and the aggregates from scratch (``manage.py rebuild_indicators``).

``rebuild_facts`` runs every registered source's records through its builder;
``rebuild_aggregates`` recomputes ``Aggregate`` and ``DistinctKey`` from the facts in SQL.
Both give the same figures as the on-write engine (property-tested).
"""

from django.db import connection, transaction

from .engine import NODE_LENGTHS, person_model, reapply_shared
from .facts import SERVICE_KINDS, sources
from .models import Aggregate, DistinctKey, ServiceFact


@transaction.atomic
def rebuild_facts(progress=None) -> int:
    """Regenerate every fact from the records, then the aggregates. Returns the fact count."""
    ServiceFact.objects.all().delete()
    total = 0
    for source in sources():
        batch: list[ServiceFact] = []
        for record in source.records().order_by("pk").iterator(chunk_size=2000):
            batch += source.build(record)
            if len(batch) >= 5000:
                ServiceFact.objects.bulk_create(batch)
                total += len(batch)
                batch = []
        ServiceFact.objects.bulk_create(batch)
        total += len(batch)
        if progress:
            progress(source.name, total)
    rebuild_aggregates()
    return total


def _month_sql() -> str:
    """The month key (``2025-03``) of the ``date`` column."""
    if connection.vendor == "postgresql":
        return "to_char(date, 'YYYY-MM')"
    return "strftime('%Y-%m', date)"


def _quarter_sql(col: str) -> str:
    """The quarter key of a month key column, in SQL both databases understand."""
    return (
        f"SUBSTR({col}, 1, 4) || 'Q' || "
        f"CAST((CAST(SUBSTR({col}, 6, 2) AS INTEGER) + 2) / 3 AS VARCHAR(1))"
    )


# metric rows from one grouped fact row: (metric SQL, value SQL, condition SQL)
_TRAINING = "kind IN ('training', 'supervision')"
_UNPIVOT = [
    ("kind", "n", "TRUE"),
    ("kind || '_' || wk", "hours", _TRAINING),
    ("'person_times'", "pt", f"NOT {_TRAINING}"),
    ("'money'", "money", f"NOT {_TRAINING}"),
    ("'in_kind'", "ink", f"NOT {_TRAINING}"),
    ("'volunteers'", "vol", f"NOT {_TRAINING}"),
    ("'volunteer_hours'", "vh", f"NOT {_TRAINING}"),
    ("'hours'", "hours", f"NOT {_TRAINING}"),
    ("'hours_prof'", "hours", f"prof AND NOT {_TRAINING}"),
    ("'hours_village'", "hours", f"inv AND NOT {_TRAINING}"),
]


@transaction.atomic
def rebuild_aggregates() -> int:
    """Recompute ``Aggregate`` and ``DistinctKey`` from the facts, in SQL.

    One scan of the facts grouped by (township, month, kind, flags) into a small temporary
    table; the metrics, the upper levels, quarters and years are GROUP BYs of that. Distinct
    people and villages: one GROUP BY of the facts by month, then quarters and years from
    the month keys. Figures received from other deployments (``SharedFigure``) are added
    back last. Returns the number of aggregate rows written.
    """
    facts, keys = ServiceFact._meta.db_table, DistinctKey._meta.db_table
    aggs, people = Aggregate._meta.db_table, person_model()._meta.db_table
    month_sql = _month_sql()
    service = ", ".join(f"'{k}'" for k in sorted(SERVICE_KINDS))
    truth = "TRUE" if connection.vendor == "postgresql" else "1"
    statements = [
        f"DELETE FROM {aggs}",
        f"DELETE FROM {keys}",
        "DROP TABLE IF EXISTS agg_g",
        "DROP TABLE IF EXISTS agg_m",
        f"CREATE TEMP TABLE agg_g AS SELECT township, {month_sql} AS month, kind, "
        "professional AS prof, in_village AS inv, work_kind AS wk, domain AS dm, SUM(n) AS n, "
        "SUM(person_times) AS pt, SUM(money) AS money, SUM(in_kind) AS ink, "
        f"SUM(volunteers) AS vol, SUM(volunteer_hours) AS vh, SUM(hours) AS hours "
        f"FROM {facts} GROUP BY 1, 2, 3, 4, 5, 6, 7",
        "CREATE TEMP TABLE agg_m AS "
        + " UNION ALL ".join(
            f"SELECT township, month, {metric} AS metric, {value} AS value FROM agg_g "
            f"WHERE {cond.replace('TRUE', truth)}"
            for metric, value, cond in _UNPIVOT
            + [  # the same figures within each service domain (``engine.split``)
                (f"{metric} || '@' || dm", value, f"{cond} AND dm <> ''")
                for metric, value, cond in _UNPIVOT
            ]
        ),
    ]
    periods = ("month", _quarter_sql("month"), "SUBSTR(month, 1, 4)")
    for level, length in NODE_LENGTHS.items():
        for period in periods:
            statements.append(
                f"INSERT INTO {aggs} (node, level, period, metric, value) "
                f"SELECT SUBSTR(township, 1, {length}), {level}, {period}, metric, SUM(value) "
                f"FROM agg_m GROUP BY SUBSTR(township, 1, {length}), {period}, metric "
                "HAVING SUM(value) <> 0"
            )
    f_month = month_sql.replace("date", "f.date")
    statements += [
        f"INSERT INTO {keys} (kind, key, period, region, refs) "
        f"SELECT 'p', CAST(f.recipient_id AS VARCHAR(20)), {f_month}, r.region_id, COUNT(*) "
        f"FROM {facts} f JOIN {people} r ON r.id = f.recipient_id "
        f"GROUP BY f.recipient_id, r.region_id, {f_month}",
        f"INSERT INTO {keys} (kind, key, period, region, refs) "
        f"SELECT 'v', f.village, {f_month}, f.village, COUNT(*) FROM {facts} f "
        f"WHERE f.professional AND f.village <> '' AND f.kind IN ({service}) "
        f"GROUP BY f.village, {f_month}",
    ]
    for period in (_quarter_sql("period"), "SUBSTR(period, 1, 4)"):
        statements.append(
            f"INSERT INTO {keys} (kind, key, period, region, refs) "
            f"SELECT kind, key, {period}, region, SUM(refs) FROM {keys} "
            f"WHERE LENGTH(period) = 7 GROUP BY kind, key, {period}, region"
        )
    for level, length in NODE_LENGTHS.items():
        statements.append(
            f"INSERT INTO {aggs} (node, level, period, metric, value) "
            f"SELECT SUBSTR(region, 1, {length}), {level}, period, "
            "CASE kind WHEN 'p' THEN 'people' ELSE 'villages' END, COUNT(*) "
            f"FROM {keys} WHERE LENGTH(region) >= {length} "
            f"GROUP BY SUBSTR(region, 1, {length}), period, kind"
        )
    statements += ["DROP TABLE agg_g", "DROP TABLE agg_m"]
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
    reapply_shared()  # the regions whose figures came in packages from other deployments
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {aggs}")
        return cursor.fetchone()[0]
