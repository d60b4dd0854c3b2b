"""Inserting many rows at once: one mechanism for imports and the indicator facts.

On PostgreSQL the rows go in by ``COPY`` (no SQL text to build and parse for thousands of
parameters), with their primary keys taken from the table's own sequence first, so every
object comes back with its ``pk`` set, as ``bulk_create`` would leave it. Each value is
prepared by its model field exactly as an ``INSERT`` would prepare it
(``get_db_prep_save``: encryption of encrypted fields, ``auto_now_add`` dates, JSON), so
what is stored is the same. Elsewhere (SQLite), and for fewer than ``COPY_FROM`` rows,
this is ``bulk_create``.
"""

from collections.abc import Sequence

from django.db import connections, models, router

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


def insert_rows(model: type[models.Model], objs: Sequence[models.Model]) -> list:
    """Insert ``objs`` (new instances of ``model``) and set their primary keys; returns
    them. No signals are sent, as with ``bulk_create``."""
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
        if any(getattr(o, pk.attname) is None for o in objs):
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [opts.db_table, pk.column, len(objs)],
            )
            ids = iter(row[0] for row in cursor.fetchall())
            for obj in objs:
                if getattr(obj, pk.attname) is None:
                    setattr(obj, pk.attname, next(ids))
        fields = opts.concrete_fields
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
