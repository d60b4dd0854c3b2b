"""The fact table partitioned by year (PostgreSQL declarative partitioning).

``ServiceFact`` grows by ~10 M rows a province-year. Its reads do not need partitions (the
dashboards read pre-aggregates; a drill-down is an index range), but its upkeep does: a
VACUUM of one table reads every year's rows and indexes, and dropping a year was 10 M row
deletions (bench/growth.py, docs/operations.md "Capacity, measured"). Partitioned by
``RANGE (date)``, one partition a year, each year is its own table with its own indexes:
autovacuum visits only the years that change (this one, and the last in its first weeks),
and a year leaves by ``DETACH PARTITION`` + ``DROP TABLE``.

- ``partition(connection)``: migration 0019 turns the plain table into the partitioned one,
  rows, sequence and index names kept (``unpartition`` is its reverse).
- ``ensure(...)``: this year's and next year's partitions exist; rows that fell into the
  default partition (a date of a year without one) move into their year's. Run every night
  (``manage.py fact_partitions``, deploy/shegong-daily.service); a write never fails for want
  of a partition, since the default one takes any date.
- ``describe(...)``: the partitions, their bounds, rows (estimated) and sizes.

To Django the table stays a table whose primary key is ``id``: PostgreSQL requires the
partition key in the primary key, so the constraint is ``(id, date)``; ``id`` comes from the
one sequence, so it stays unique. SQLite has no partitions: every function here does
nothing there.
"""

import datetime

from django.db import connections, transaction
from django.utils import timezone

TABLE = "indicators_servicefact"
DEFAULT = f"{TABLE}_default"
FIRST_YEAR, LAST_YEAR = 2000, 2100  # a year outside stays in the default partition


def _name(year: int) -> str:
    return f"{TABLE}_y{year}"


def _rows(cursor, sql: str, params=()) -> list:
    cursor.execute(sql, params)
    return cursor.fetchall()


def is_partitioned(connection) -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        return bool(
            _rows(
                cursor,
                "SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
                "WHERE c.relname = %s AND pg_table_is_visible(c.oid)",
                [TABLE],
            )
        )


def _within(year: int) -> str:
    """A year's rows, as SQL literals (DDL takes no parameters; ``year`` is an int)."""
    return f"date >= '{int(year)}-01-01' AND date < '{int(year) + 1}-01-01'"


def _create_year(cursor, year: int) -> None:
    """``year``'s partition, with the rows the default partition holds for it moved in
    (PostgreSQL refuses a partition whose rows sit in the default one)."""
    within = _within(year)
    moved = _rows(cursor, f"SELECT EXISTS (SELECT 1 FROM {DEFAULT} WHERE {within})")[0][0]
    if moved:
        cursor.execute(f"CREATE TEMP TABLE fact_moving AS SELECT * FROM {DEFAULT} WHERE {within}")
        cursor.execute(f"DELETE FROM {DEFAULT} WHERE {within}")
    cursor.execute(
        f"CREATE TABLE {_name(year)} PARTITION OF {TABLE} "
        f"FOR VALUES FROM ('{int(year)}-01-01') TO ('{int(year) + 1}-01-01')"
    )
    if moved:
        cursor.execute(f"INSERT INTO {TABLE} SELECT * FROM fact_moving")
        cursor.execute("DROP TABLE fact_moving")


def _wanted(today: datetime.date, years) -> set[int]:
    """This year, the next, and ``years`` within FIRST_YEAR..LAST_YEAR."""
    return {today.year, today.year + 1} | {y for y in years if FIRST_YEAR <= y <= LAST_YEAR}


def _years(cursor) -> set[int]:
    """The years that have a partition."""
    return {
        int(name.rsplit("_y", 1)[1])
        for (name,) in _rows(
            cursor,
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass",
            [TABLE],
        )
        if name.startswith(f"{TABLE}_y")
    }


def ensure(
    *, today: datetime.date | None = None, years: tuple[int, ...] = (), using: str = "default"
) -> list[int]:
    """This year's and next year's partitions, ``years``' (say, before importing a past
    year), and one for every year of a row in the default partition (within
    FIRST_YEAR..LAST_YEAR); returns the years created.

    One transaction; it waits at most 10 s for the table's lock (a long report holding it
    makes this night's run fail, and the next one catches up: the partitions are made a
    year ahead)."""
    connection = connections[using]
    if not is_partitioned(connection):
        return []
    today = today or timezone.localdate()
    created = []
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute("SET LOCAL lock_timeout = '10s'")
        strays = {
            int(y)
            for (y,) in _rows(
                cursor, f"SELECT DISTINCT EXTRACT(YEAR FROM date)::int FROM {DEFAULT}"
            )
        }
        have = _years(cursor)
        for year in sorted(_wanted(today, (*strays, *years)) - have):
            _create_year(cursor, year)
            created.append(year)
        # back to the session's, should this run inside a longer transaction
        cursor.execute("SET LOCAL lock_timeout = DEFAULT")
    return created


def describe(*, using: str = "default") -> list[dict]:
    """Each partition: its name, the year it holds (None for the default), rows (the
    planner's estimate: no scan) and size with indexes in bytes. Empty when the table is
    not partitioned."""
    connection = connections[using]
    if not is_partitioned(connection):
        return []
    with connection.cursor() as cursor:
        rows = _rows(
            cursor,
            "SELECT c.relname, GREATEST(c.reltuples, 0)::bigint, pg_total_relation_size(c.oid) "
            "FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass ORDER BY c.relname",
            [TABLE],
        )
    return [
        {
            "name": name,
            "year": int(name.rsplit("_y", 1)[1]) if name.startswith(f"{TABLE}_y") else None,
            "rows": estimate,
            "bytes": size,
        }
        for name, estimate, size in rows
    ]


def health(*, today: datetime.date | None = None, using: str = "default") -> dict:
    """For ``/healthz``: whether the table is partitioned and, if so, whether next year's
    partition is ready and the default partition empty (else the nightly
    ``fact_partitions`` is not running). No data: years and booleans."""
    connection = connections[using]
    if not is_partitioned(connection):
        return {"partitioned": False}
    today = today or timezone.localdate()
    with connection.cursor() as cursor:
        years = _years(cursor)
        (outside,) = _rows(cursor, f"SELECT EXISTS (SELECT 1 FROM {DEFAULT})")[0]
    return {
        "partitioned": True,
        "years": sorted(years),
        "next_year_ready": today.year + 1 in years,
        "rows_in_default": outside,
        "ok": today.year + 1 in years and not outside,
    }


def _index_definitions(cursor, table: str) -> list[tuple[str, str]]:
    """(name, CREATE INDEX …) of every index of ``table`` but its primary key."""
    return _rows(
        cursor,
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary ORDER BY 1",
        [table],
    )


def _move(cursor, *, partitioned: bool, today: datetime.date) -> None:
    """Rebuild TABLE as partitioned (or plain again), its rows, sequence position, column
    defaults, CHECK constraints and index names kept. Indexes are built after the copy."""
    old = f"{TABLE}_old"
    indexes = _index_definitions(cursor, TABLE)
    (sequence,) = _rows(cursor, "SELECT pg_get_serial_sequence(%s, 'id')", [TABLE])[0]
    last_value, is_called = _rows(cursor, f"SELECT last_value, is_called FROM {sequence}")[0]
    cursor.execute(f"LOCK TABLE {TABLE} IN ACCESS EXCLUSIVE MODE")
    cursor.execute(f"ALTER TABLE {TABLE} RENAME TO {old}")
    for name, _ in indexes:
        cursor.execute(f'ALTER INDEX "{name}" RENAME TO "{name[:55]}_old"')
    cursor.execute(f"ALTER TABLE {old} RENAME CONSTRAINT {TABLE}_pkey TO {old}_pkey")
    # the id's sequence leaves with the old table (an identity's, or one it owns)
    cursor.execute(f"ALTER TABLE {old} ALTER COLUMN id DROP IDENTITY IF EXISTS")
    cursor.execute(f"ALTER TABLE {old} ALTER COLUMN id DROP DEFAULT")
    cursor.execute(f"DROP SEQUENCE IF EXISTS {sequence}")
    like = f"(LIKE {old} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE)"
    if partitioned:
        cursor.execute(f"CREATE TABLE {TABLE} {like} PARTITION BY RANGE (date)")
        cursor.execute(f"CREATE TABLE {DEFAULT} PARTITION OF {TABLE} DEFAULT")
        years = {
            int(y)
            for (y,) in _rows(cursor, f"SELECT DISTINCT EXTRACT(YEAR FROM date)::int FROM {old}")
        }
        for year in sorted(_wanted(today, years)):
            _create_year(cursor, year)
        cursor.execute(f"CREATE SEQUENCE {TABLE}_id_seq AS bigint OWNED BY {TABLE}.id")
        cursor.execute(f"ALTER TABLE {TABLE} ALTER COLUMN id SET DEFAULT nextval('{TABLE}_id_seq')")
        cursor.execute("SELECT setval(%s, %s, %s)", [f"{TABLE}_id_seq", last_value, is_called])
    else:
        cursor.execute(f"CREATE TABLE {TABLE} {like}")
    cursor.execute(f"INSERT INTO {TABLE} SELECT * FROM {old}")
    cursor.execute(f"DROP TABLE {old}")
    key = "id, date" if partitioned else "id"
    cursor.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_pkey PRIMARY KEY ({key})")
    if not partitioned:  # as Django made it: an identity column
        cursor.execute(f"ALTER TABLE {TABLE} ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY")
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, %s)",
            [TABLE, last_value, is_called],
        )
    for _, definition in indexes:
        # ON ONLY is pg_get_indexdef's for a partitioned table's own index: build them all
        cursor.execute(
            definition.replace(f" ON ONLY {TABLE}", f" ON {TABLE}").replace(
                f" ON ONLY public.{TABLE}", f" ON public.{TABLE}"
            )
        )


def partition(connection, *, today: datetime.date | None = None) -> None:
    """The plain fact table to the partitioned one (migration 0019). Copies every row: at
    ~10 M rows a year it takes minutes, while writes of facts wait."""
    if connection.vendor != "postgresql" or is_partitioned(connection):
        return
    with connection.cursor() as cursor:
        _move(cursor, partitioned=True, today=today or timezone.localdate())


def unpartition(connection) -> None:
    """The reverse of ``partition``: one plain table again."""
    if not is_partitioned(connection):
        return
    with connection.cursor() as cursor:
        _move(cursor, partitioned=False, today=timezone.localdate())
