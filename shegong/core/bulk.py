"""Inserting many rows at once: one mechanism for imports and the indicator facts.

Two entry points: ``insert_rows`` takes model instances and prepares each value as an
``INSERT`` would; ``insert_prepared`` takes values already prepared (``prepare``: what an
import's dry run keeps, encrypted and hashed, so that its commit does neither again) and
``update_prepared`` changes rows with such values, each only at the version it was read.

On PostgreSQL the rows go in by ``COPY`` (no SQL text to build and parse for thousands of
parameters), with their primary keys taken from the table's own sequence first, so every
object comes back with its ``pk`` set, as ``bulk_create`` would leave it. Each value is
prepared by its model field exactly as an ``INSERT`` would prepare it
(``get_db_prep_save``: encryption of encrypted fields, ``auto_now_add`` dates, JSON), so
what is stored is the same. Elsewhere (SQLite), and for fewer than ``COPY_FROM`` rows,
this is ``bulk_create``.
"""

import datetime
from collections.abc import Sequence
from operator import itemgetter

from django.db import connections, models, router
from django.utils import timezone


class StaleStage(Exception):
    """What an import's dry run found no longer holds (a person registered since, a
    record edited): its commit checks every row again."""


# fields whose Python value PostgreSQL's driver takes as it is (their ``get_db_prep_save``
# returns it unchanged there): the value is passed without the field's preparation, which
# is most of the time a row takes. Exact types only; a subclass may prepare its value.
PLAIN = {
    models.AutoField,
    models.BigAutoField,
    models.BigIntegerField,
    models.BooleanField,
    models.CharField,
    models.DateField,
    models.DecimalField,  # PostgreSQL rounds to the column's scale, as the field would
    models.ForeignKey,
    models.IntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.SmallIntegerField,
    models.TextField,
}


# below this many rows one INSERT is quicker than taking keys and opening a COPY (a
# record's few facts, written on every save)
COPY_FROM = 200


def _auto_now(field) -> bool:
    return bool(getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False))


def insert_rows(model: type[models.Model], objs: Sequence[models.Model], keys: bool = True) -> list:
    """Insert ``objs`` (new instances of ``model``) and set their primary keys; returns
    them. No signals are sent, as with ``bulk_create``. ``keys`` False: the caller needs
    no keys back, and on PostgreSQL the table gives them itself (no round trip for them)."""
    objs = list(objs)
    if not objs:
        return objs
    alias = router.db_for_write(model)
    connection = connections[alias]
    if connection.vendor != "postgresql" or len(objs) < COPY_FROM:
        return model.objects.using(alias).bulk_create(objs, batch_size=1000)
    opts = model._meta
    pk = opts.pk
    with connection.cursor() as cursor:
        fields = opts.concrete_fields
        if keys:
            missing = [o for o in objs if getattr(o, pk.attname) is None]
            for obj, value in zip(missing, _new_ids(cursor, model, len(missing)), strict=True):
                setattr(obj, pk.attname, value)
        else:
            fields = [f for f in fields if not f.primary_key]
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in fields)
        plain = [type(f) in PLAIN and not _auto_now(f) for f in fields]
        names = [f.attname for f in fields]
        with cursor.cursor.copy(f"COPY {quote(opts.db_table)} ({columns}) FROM STDIN") as copy:
            for obj in objs:
                values = obj.__dict__
                copy.write_row(
                    [
                        values[name]
                        if simple
                        else field.get_db_prep_save(field.pre_save(obj, True), connection)
                        for field, name, simple in zip(fields, names, plain, strict=True)
                    ]
                )
    for obj in objs:
        obj._state.adding, obj._state.db = False, alias
    return objs


def _new_ids(cursor, model: type[models.Model], n: int) -> list[int]:
    """``n`` primary keys taken from the table's sequence (PostgreSQL)."""
    if not n:
        return []
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
        [model._meta.db_table, model._meta.pk.column, n],
    )
    return [row[0] for row in cursor.fetchall()]


def _stored(field: models.Field) -> bool:
    """Whether ``prepare`` keeps the field: not the key, not a date the write sets."""
    return not field.primary_key and not _auto_now(field)


def prepare(obj: models.Model, only: Sequence[str] | None = None) -> dict:
    """A new instance's values as its table stores them (encrypted fields encrypted), by
    column attribute, leaving out the primary key and the dates the write sets
    (``auto_now``, ``auto_now_add``); dates as ISO text, so the values can be kept as
    JSON. ``insert_prepared`` writes them; ``only`` (attribute names): just these, for
    ``update_prepared``."""
    connection = connections[router.db_for_write(type(obj))]
    out = {}
    for field in type(obj)._meta.concrete_fields:
        if _stored(field) and (only is None or field.attname in only):
            value = field.get_db_prep_save(field.pre_save(obj, True), connection)
            if isinstance(value, datetime.date):
                value = value.isoformat()
            out[field.attname] = value
    return out


def reserve_ids(model: type[models.Model], n: int) -> list[int] | None:
    """``n`` primary keys for rows not yet written, taken from the table's sequence, so
    that rows written before them can name them (the foreign keys are checked at commit);
    ``insert_prepared(…, ids=)`` then writes the rows with them. PostgreSQL only: None
    elsewhere (SQLite learns each key as it inserts)."""
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        return _new_ids(cursor, model, n)


def insert_prepared(
    model: type[models.Model],
    rows: Sequence[dict],
    keys: bool = True,
    ids: Sequence[int] | None = None,
) -> list[int]:
    """Insert rows of values ``prepare`` gave; returns their new primary keys, in order
    (``keys`` False: none, and the table gives them itself; ``ids``: the keys
    ``reserve_ids`` took for them). The dates the write sets are set to now. On
    PostgreSQL by ``COPY``; elsewhere one ``INSERT`` per row (SQLite: in process, and the
    way to learn each key)."""
    if not rows:
        return []
    alias = router.db_for_write(model)
    connection = connections[alias]
    opts = model._meta
    quote = connection.ops.quote_name
    fields = [f for f in opts.concrete_fields if _stored(f)]
    dated = [f for f in opts.concrete_fields if _auto_now(f)]
    now = timezone.now()
    stamp = [f.get_db_prep_save(now, connection) for f in dated]
    columns = [opts.pk, *dated, *fields]
    names = ", ".join(quote(f.column) for f in columns)
    table = quote(opts.db_table)
    values = itemgetter(*(f.attname for f in fields))  # a row's values, in column order
    if len(fields) == 1:
        one = values
        values = lambda row: (one(row),)  # noqa: E731
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and not keys:
            names = ", ".join(quote(f.column) for f in columns[1:])
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([*stamp, *values(row)])
            return []
        if connection.vendor == "postgresql":
            ids = list(ids) if ids is not None else _new_ids(cursor, model, len(rows))
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for pk, row in zip(ids, rows, strict=True):
                    copy.write_row([pk, *stamp, *values(row)])
            return ids
        # names from the model's own options, quoted; the values are parameters
        marks = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608
        ids = []
        for row in rows:
            cursor.execute(sql, [None, *stamp, *values(row)])
            ids.append(cursor.lastrowid)
        return ids if keys else []


def update_prepared(
    model: type[models.Model], changes: Sequence[tuple[int, int, dict]], version: str = "version"
) -> int:
    """Set prepared values (``prepare``'s, of the fields named) on existing rows, each
    ``(pk, the version it was read at, {attname: value})``, and take each row to its next
    version; ``auto_now`` dates are set to now. A row whose version has moved on since is
    left as it is; returns how many rows changed (the caller compares)."""
    if not changes:
        return 0
    alias = router.db_for_write(model)
    connection = connections[alias]
    opts = model._meta
    quote = connection.ops.quote_name
    dated = [f for f in opts.concrete_fields if getattr(f, "auto_now", False)]
    now = timezone.now()
    groups: dict[tuple[str, ...], list] = {}
    for pk, seen, values in changes:
        names = tuple(sorted(values))
        groups.setdefault(names, []).append(
            [
                *(values[n] for n in names),
                *(f.get_db_prep_save(now, connection) for f in dated),
                pk,
                seen,
            ]
        )
    column = {f.attname: f.column for f in opts.concrete_fields}
    done = 0
    with connection.cursor() as cursor:
        for names, params in groups.items():
            sets = [f"{quote(column[n])} = %s" for n in (*names, *(f.attname for f in dated))]
            sets.append(f"{quote(column[version])} = {quote(column[version])} + 1")
            # names from the model's own options, quoted; the values are parameters
            sql = (
                f"UPDATE {quote(opts.db_table)} SET {', '.join(sets)} "  # noqa: S608
                f"WHERE {quote(opts.pk.column)} = %s AND {quote(column[version])} = %s"
            )
            for row in params:
                cursor.execute(sql, row)
                done += cursor.rowcount
    return done
