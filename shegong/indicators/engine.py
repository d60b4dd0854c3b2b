"""The engine that keeps the aggregates in step with the records, on every write.

``sync(record)`` replaces the record's facts (built by its app's registered
``FactSource``) and applies the difference to ``Aggregate`` and ``DistinctKey`` in one
statement each, inside the caller's transaction: a dashboard shows a write as soon as it
commits. The rebuild from scratch is ``rebuild.py``.
"""

import functools
from collections import Counter, defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Q

from shegong.core.bulk import insert_prepared, insert_rows

from .facts import SERVICE_KINDS, TRAINING_KINDS, source_of
from .models import Aggregate, DistinctKey, ServiceFact, SharedFigure
from .periods import keys_for

LEVELS = ((1, "province"), (2, "city"), (3, "county"), (4, "township"))
NODE_LENGTHS = {1: 2, 2: 4, 3: 6, 4: 9}
# metrics summed from fact columns (besides the count of each kind)
SUMMED = ("person_times", "money", "in_kind", "volunteers", "volunteer_hours")


def metrics_of(fact) -> dict[str, Decimal]:
    """What one fact adds to the aggregates (dict of metric → amount)."""
    out: dict[str, Decimal] = {}
    if fact.kind in TRAINING_KINDS:  # a worker's learning, not working time
        return {fact.kind: Decimal(fact.n), f"{fact.kind}_{fact.work_kind}": Decimal(fact.hours)}
    if fact.n:
        out[fact.kind] = Decimal(fact.n)
    for name in SUMMED:
        value = getattr(fact, name)
        if value:
            out[name] = Decimal(value)
    if fact.hours:
        hours = Decimal(fact.hours)
        out["hours"] = hours
        if fact.professional:
            out["hours_prof"] = hours
        if fact.in_village:
            out["hours_village"] = hours
    if fact.domain:  # the same figures again, split by the service's domain
        out |= {split(metric, fact.domain): amount for metric, amount in list(out.items())}
    return out


def split(metric: str, domain: str) -> str:
    """The aggregate metric of ``metric`` within one service domain (``visit@elderly``)."""
    return f"{metric}@{domain}"


def _distinct_keys(fact) -> list[tuple[str, str]]:
    keys = []
    if fact.recipient_id:
        keys.append(("p", str(fact.recipient_id)))
    if fact.professional and fact.village and fact.kind in SERVICE_KINDS:
        keys.append(("v", fact.village))
    return keys


@functools.lru_cache(maxsize=65536)
def nodes_of(code: str) -> tuple[tuple[str, int], ...]:
    """The regions a code counts in, each with its level (a province's ~30,000 villages
    fit the cache: an import or a rebuild asks for the same few codes again and again)."""
    return tuple(
        (code[:length], level) for level, length in NODE_LENGTHS.items() if len(code) >= length
    )


def sync(record, *, created: bool = False, people: Iterable = ()) -> None:
    """Replace one record's facts with those of its current state. ``created``: the record
    was created in this transaction, so it has no facts yet to read and take away. The
    people the service has already read (a visit's ``recipient``, an activity's
    ``people``: rows with ``region_id``) are not read again for where they live."""
    source = source_of(record)
    homes = _homes(record) | {person.pk: person.region_id for person in people}
    replace(source.name, [record.pk], source.build(record), fresh=created, homes=homes)


def _homes(record) -> dict[int, str]:
    """{person id: village} of the person ``record`` holds in memory (its ``recipient``
    relation, loaded in this transaction), else nothing."""
    descriptor = getattr(type(record), "recipient", None)
    if descriptor is None or not hasattr(descriptor, "is_cached"):
        return {}
    if not descriptor.is_cached(record) or record.recipient is None:
        return {}
    return {record.recipient.pk: record.recipient.region_id}


def remove(stype: str, ids: Iterable[int]) -> None:
    replace(stype, list(ids), [])


# no savepoint of their own: they run inside the write that calls them (a service's
# transaction), and a failure of theirs fails that write whole, so a savepoint would only
# add two statements to every write
@transaction.atomic(savepoint=False)
def replace(
    stype: str,
    source_ids: list[int],
    new: list[ServiceFact],
    *,
    fresh: bool = False,
    homes: dict[int, str] | None = None,
) -> None:
    old = (
        []
        if fresh
        else list(ServiceFact.objects.filter(source_type=stype, source_id__in=source_ids))
    )
    if old:
        # their dates too: PostgreSQL then looks only in those years' partitions
        ServiceFact.objects.filter(
            pk__in=[f.pk for f in old], date__in=sorted({f.date for f in old})
        ).delete()
    if new:
        insert_rows(ServiceFact, new)
    apply(added=new, removed=old, homes=homes)


@transaction.atomic(savepoint=False)
def add(new: list[ServiceFact], *, fresh: dict[int, str]) -> None:
    """Add the facts of records just created, which had none before (an import's new
    people): nothing old to read or take away. ``fresh``: the people (id → village) just
    created, whom no fact mentioned before, so that their distinct keys are inserted, not
    merged (``apply``)."""
    insert_rows(ServiceFact, new, keys=False)
    apply(added=new, removed=(), fresh=fresh)


def apply(
    *,
    added: Iterable,
    removed: Iterable,
    fresh: dict[int, str] | None = None,
    homes: dict[int, str] | None = None,
) -> None:
    """Apply the difference between two sets of facts to the aggregates. ``fresh``: people
    (id → village) only ``added`` mentions, never a fact before (``add``); ``homes``: the
    villages of people already read (not asked again)."""
    deltas: dict[tuple[str, int, str, str], Decimal] = defaultdict(Decimal)
    refs: dict[tuple[str, str, str], int] = defaultdict(int)
    first: dict[tuple[str, str, str], int] = defaultdict(int)  # the fresh people's keys
    recipients: set[int] = set()
    fresh = fresh or {}
    # each fact's figures summed by township and day first, then spread over the regions
    # and periods above: a batch of an import's facts is a few places and one day
    placed: dict[tuple[str, object, str], Decimal] = defaultdict(Decimal)
    for sign, facts in ((1, added), (-1, removed)):
        for fact in facts:
            periods = keys_for(fact.date)
            for metric, amount in metrics_of(fact).items():
                placed[(fact.township, fact.date, metric)] += sign * amount
            for kind, key in _distinct_keys(fact):
                into = refs
                if kind == "p":
                    if fact.recipient_id in fresh and sign > 0:
                        into = first
                    else:
                        recipients.add(fact.recipient_id)
                for period in periods:
                    into[(kind, key, period)] += sign
    for (township, date, metric), amount in placed.items():
        for node, level in nodes_of(township):
            for period in keys_for(date):
                deltas[(node, level, period, metric)] += amount
    refs = {k: v for k, v in refs.items() if v}
    if refs:
        _apply_refs(refs, recipients, deltas, homes or {})
    if first:
        _first_refs(first, fresh, deltas)
    _upsert_aggregates({k: v for k, v in deltas.items() if v})


def _first_refs(first: dict, fresh: dict[int, str], deltas) -> None:
    """The keys of people no fact mentioned before: inserted as they are, and each counts
    its person once where they live."""
    rows = []
    places: Counter = Counter()  # (village, period) → people newly counted there
    for (kind, key, period), count in first.items():
        region = fresh[int(key)]
        rows.append({"kind": kind, "key": key, "period": period, "region": region, "refs": count})
        places[(region, period)] += 1
    for (region, period), people in places.items():
        for node, level in nodes_of(region):
            deltas[(node, level, period, "people")] += people
    insert_prepared(DistinctKey, rows, keys=False)


def _apply_refs(refs, recipients, deltas, known: dict[int, str]) -> None:
    # a person counts where they live: their record's village (the model the facts point at)
    homes = {pk: known[pk] for pk in recipients if pk in known}
    if missing := recipients - homes.keys():
        homes |= dict(person_model().objects.filter(pk__in=missing).values_list("pk", "region_id"))
    rows = []
    for (kind, key, period), d in refs.items():
        region = homes.get(int(key), "") if kind == "p" else key
        rows.append((kind, key, period, region, d))
    table = DistinctKey._meta.db_table
    changed = _upsert(
        table,
        {
            "kind": "varchar",
            "key": "varchar",
            "period": "varchar",
            "region": "varchar",
            "refs": "int",
        },
        rows,
        f"ON CONFLICT (kind, key, period) DO UPDATE SET refs = {table}.refs + excluded.refs "
        "RETURNING kind, key, period, region, refs",
    )
    gone = []
    for kind, key, period, region, now in changed:
        before = now - refs[(kind, key, period)]
        step = (1 if now > 0 else 0) - (1 if before > 0 else 0)
        if step:
            metric = "people" if kind == "p" else "villages"
            for node, level in nodes_of(region):
                deltas[(node, level, period, metric)] += step
        if now <= 0:
            gone.append((kind, key, period))
    if gone:  # keys nothing mentions any more: one DELETE for all of them
        lookup = Q()
        for kind, key, period in gone:
            lookup |= Q(kind=kind, key=key, period=period)
        DistinctKey.objects.filter(lookup, refs__lte=0).delete()


def apply_shared(region: str, rows: Iterable[tuple], sign: int = 1) -> None:
    """Add (``sign`` 1) or take away (-1) a received package's figures: each row
    (node, level, period, metric, value) to its own node's aggregate, and the region's own
    rows (its "top") to every region above it as well."""
    deltas: defaultdict = defaultdict(Decimal)
    for node, level, period, metric, value in rows:
        amount = sign * Decimal(value)
        deltas[(node, level, period, metric)] += amount
        if node == region:
            for above, above_level in nodes_of(region):
                if above != region:
                    deltas[(above, above_level, period, metric)] += amount
    _upsert_aggregates({k: v for k, v in deltas.items() if v})


def reapply_shared() -> None:
    """Add every received figure back after the aggregates were rebuilt from the facts."""
    for region in SharedFigure.objects.values_list("region", flat=True).distinct():
        rows = SharedFigure.objects.filter(region=region).values_list(
            "node", "level", "period", "metric", "value"
        )
        apply_shared(region, rows.iterator(chunk_size=5000))


def _upsert_aggregates(deltas) -> None:
    if not deltas:
        return
    table = Aggregate._meta.db_table
    rows = [
        (node, level, period, metric, value)
        for (node, level, period, metric), value in deltas.items()
    ]
    _upsert(
        table,
        {
            "node": "varchar",
            "level": "smallint",
            "period": "varchar",
            "metric": "varchar",
            "value": "numeric",
        },
        rows,
        f"ON CONFLICT (node, period, metric) DO UPDATE SET value = {table}.value + excluded.value",
    )


def _upsert(table: str, columns: dict[str, str], rows: list[tuple], conflict: str) -> list:
    """INSERT ``rows`` (tuples in the order of ``columns``, which map each name to its
    PostgreSQL type, the conflict key's columns first) with the ``ON CONFLICT …`` clause;
    the rows a ``RETURNING`` in it returns.

    The rows go in the order of their key. Each row updated is locked until the write
    commits, and every write in a county adds to the same rows (the county's, the city's,
    the province's): taken in one order by every write, those locks make one write wait
    for another, never two wait for each other. In the order the facts came in (a visit's
    metrics before an activity's in one write, after them in another), PostgreSQL found
    and broke deadlocks between two such writes within a few rounds
    (``tests/test_aggregate_locks.py``)."""
    return _sql_upsert(table, columns, sorted(rows), conflict)


def _sql_upsert(table: str, columns: dict[str, str], rows: list[tuple], conflict: str) -> list:
    """``_upsert``'s statements. On PostgreSQL the columns go as arrays through ``unnest``
    (rows in the arrays' order): one short statement per 5,000 rows, its text parsed once;
    elsewhere a VALUES list of 150 rows.

    Where parameters are bound on the server (the default) the arrays go in PostgreSQL's
    binary format (``%b``): psycopg otherwise checks every element of a text array against
    a pattern for quoting (the 500-odd strings of a visit's aggregate rows), and
    PostgreSQL parses it back."""
    names = ", ".join(columns)
    returned: list = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            binding = connection.settings_dict["OPTIONS"].get("server_side_binding")
            mark = "%b" if binding else "%s"
            arrays = ", ".join(f"{mark}::{kind}[]" for kind in columns.values())
            sql = f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays}) {conflict}"
            for chunk in _chunks(rows, 5000):
                cursor.execute(sql, [list(column) for column in zip(*chunk, strict=True)])
                if "RETURNING" in conflict:
                    returned += cursor.fetchall()
            return returned
        one = "(" + ", ".join(["%s"] * len(columns)) + ")"
        for chunk in _chunks(rows, 150):
            cursor.execute(
                f"INSERT INTO {table} ({names}) VALUES "
                + ", ".join([one] * len(chunk))
                + " "
                + conflict,
                [v for row in chunk for v in row],
            )
            if "RETURNING" in conflict:
                returned += cursor.fetchall()
    return returned


def _chunks(rows, size):
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


def person_model():
    """The model of the people facts name (``ServiceFact.recipient``), read from the relation:
    indicators sits below the people app and does not import it."""
    return ServiceFact._meta.get_field("recipient").related_model
