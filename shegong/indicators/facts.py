"""Keep the facts and the pre-aggregates in step with the records.

Each record type has one builder that turns the record's current state into fact rows.
``sync(record)`` replaces the record's facts and applies the difference to ``Aggregate``
and ``DistinctKey`` in one statement each, inside the caller's transaction: a dashboard
shows a write as soon as it commits. ``rebuild()`` recomputes everything with GROUP BY.
"""

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Prefetch, Q
from django.utils import timezone

from .models import Aggregate, DistinctKey, FactKind, ServiceFact
from .periods import keys_for

LEVELS = ((1, "province"), (2, "city"), (3, "county"), (4, "township"))
NODE_LENGTHS = {1: 2, 2: 4, 3: 6, 4: 9}
ZERO = Decimal(0)
# metrics summed from fact columns (besides the count of each kind)
SUMMED = ("person_times", "money", "in_kind", "volunteers")
# professional service: what covers a village
SERVICE_KINDS = frozenset(
    {FactKind.VISIT, FactKind.CASE_ENTRY, FactKind.SESSION, FactKind.ACTIVITY}
)


def place_codes(code: str) -> dict:
    """Flatten a village (12) or township (9) code into the fact's region columns."""
    return {
        "province": code[:2],
        "city": code[:4],
        "county": code[:6],
        "township": code[:9],
        "village": code if len(code) > 9 else "",
    }


def _fact(kind, source_type, source_id, date, place, **values) -> ServiceFact:
    return ServiceFact(
        kind=kind,
        source_type=source_type,
        source_id=source_id,
        date=date,
        **place_codes(place),
        **values,
    )


# ----- builders: a record's current state → its facts ---------------------------------


def _worker_rows(kind, stype, record, date, workers, hours, in_village, first: dict):
    """One row per worker carrying their hours; the first row also carries the counts."""
    rows = []
    for i, worker_id in enumerate(sorted(workers) or [None]):
        extra = first if i == 0 else {}
        rows.append(
            _fact(
                kind,
                stype,
                record.pk,
                date,
                record.region_id,
                station_id=record.station_id,
                worker_id=worker_id,
                hours=hours if worker_id else ZERO,
                professional=kind in SERVICE_KINDS,
                in_village=in_village,
                work_kind=_work_kind(kind, record),
                **extra,
            )
        )
    return rows


def _work_kind(kind, record) -> str:
    from shegong.work.models import AdminWork, WorkKind

    return {
        FactKind.VISIT: WorkKind.VISIT,
        FactKind.CASE_ENTRY: WorkKind.CASE,
        FactKind.SESSION: WorkKind.GROUP,
        FactKind.ACTIVITY: WorkKind.COMMUNITY,
    }.get(kind) or (
        WorkKind.ADMIN_ASSIST
        if getattr(record, "task", None) in AdminWork.ASSISTING
        else WorkKind.ADMIN_OTHER
    )


def _ids(related) -> list[int]:
    return [o.pk for o in related.all()]


def visit_facts(visit) -> list[ServiceFact]:
    first = {"n": 1, "person_times": 1, "recipient_id": visit.recipient_id}
    if not visit.recipient_id and visit.household_id:
        first["recipient_id"] = getattr(visit.household, "head_id", None)
    return _worker_rows(
        FactKind.VISIT,
        "visit",
        visit,
        visit.date,
        _ids(visit.workers),
        visit.hours,
        True,  # a home visit is made in the village
        first,
    )


def activity_facts(activity) -> list[ServiceFact]:
    money = sum((r.value for r in activity.resources.all() if r.kind == "money"), ZERO)
    in_kind = sum((r.value for r in activity.resources.all() if r.kind != "money"), ZERO)
    first = {
        "n": 1,
        "person_times": activity.participants_count,
        "money": money,
        "in_kind": in_kind,
        "volunteers": activity.volunteers_count,
    }
    in_village = len(activity.region_id) > 9
    rows = _worker_rows(
        FactKind.ACTIVITY,
        "activity",
        activity,
        activity.date,
        _ids(activity.workers),
        activity.hours,
        in_village,
        first,
    )
    rows += _people_rows(
        FactKind.ACTIVITY, "activity", activity, activity.date, activity.participants
    )
    return rows


def _people_rows(kind, stype, record, date, people, *, place=None, station_id=None):
    """A row per named person (no counts, no hours): what the distinct-people figure reads."""
    return [
        _fact(
            kind,
            stype,
            record.pk,
            date,
            place or record.region_id,
            station_id=station_id or record.station_id,
            recipient_id=pk,
            professional=kind in SERVICE_KINDS,
        )
        for pk in sorted(_ids(people))
    ]


def admin_facts(work) -> list[ServiceFact]:
    return _worker_rows(
        FactKind.ADMIN,
        "admin",
        work,
        work.date,
        [work.worker_id],
        work.hours,
        work.in_village,
        {"n": 1},
    )


def case_facts(case) -> list[ServiceFact]:
    common = {
        "station_id": case.station_id,
        "worker_id": case.worker_id,
        "recipient_id": case.recipient_id,
    }
    rows = [
        _fact(FactKind.CASE_OPENED, "case", case.pk, case.opened_on, case.region_id, n=1, **common)
    ]
    if case.stage == "closed" and case.closed_on:
        rows.append(
            _fact(
                FactKind.CASE_CLOSED, "case", case.pk, case.closed_on, case.region_id, n=1, **common
            )
        )
    return rows


def case_entry_facts(entry) -> list[ServiceFact]:
    case = entry.case
    return [
        _fact(
            FactKind.CASE_ENTRY,
            "caseentry",
            entry.pk,
            entry.date,
            case.region_id,
            parent_id=case.pk,
            station_id=case.station_id,
            worker_id=entry.worker_id,
            recipient_id=case.recipient_id,
            n=1,
            person_times=1,
            hours=entry.hours,
            professional=True,
            in_village=entry.in_village,
            work_kind="case",
        )
    ]


def group_facts(group) -> list[ServiceFact]:
    """A group starts with its first session (or, before any, when it was registered)."""
    first = min((s.date for s in group.sessions.all()), default=None)
    return [
        _fact(
            FactKind.GROUP,
            "group",
            group.pk,
            first or timezone.localdate(group.created_at),
            group.region_id,
            station_id=group.station_id,
            n=1,
        )
    ]


def session_facts(session) -> list[ServiceFact]:
    group = session.group
    attendees = _ids(session.attendees)
    first = {"n": 1, "person_times": len(attendees) + session.others_count}

    class _Rec:  # the session, placed where its group is
        pk = session.pk
        region_id = group.region_id
        station_id = group.station_id

    rows = _worker_rows(
        FactKind.SESSION,
        "session",
        _Rec,
        session.date,
        _ids(group.workers),
        session.hours,
        session.in_village,
        first,
    )
    rows += _people_rows(FactKind.SESSION, "session", _Rec, session.date, session.attendees)
    for row in rows:
        row.parent_id = group.pk
    return rows


def person_facts(person) -> list[ServiceFact]:
    by = person.created_by
    return [
        _fact(
            FactKind.FILE_PERSON,
            "person",
            person.pk,
            timezone.localdate(person.created_at),
            person.region_id,
            station_id=getattr(by, "station_id", None),
            worker_id=person.created_by_id,
            recipient_id=person.pk,
            n=1,
        )
    ]


def household_facts(household) -> list[ServiceFact]:
    return [
        _fact(
            FactKind.FILE_HOUSEHOLD,
            "household",
            household.pk,
            timezone.localdate(household.created_at),
            household.region_id,
            n=1,
        )
    ]


TRAINING_KINDS = frozenset({FactKind.TRAINING, FactKind.SUPERVISION})
CITY_ORGANISED = frozenset({"province", "city"})


def training_facts(record) -> list[ServiceFact]:
    """Training or supervision a worker received; ``work_kind`` keeps who organised it
    (city level: province or city; county level: county or agency)."""
    level = "city" if record.organiser in CITY_ORGANISED else "county"
    return [
        _fact(
            record.kind,
            "training",
            record.pk,
            record.date,
            record.region_code,
            worker_id=record.worker_id,
            n=1,
            hours=record.hours,
            work_kind=level,
        )
    ]


BUILDERS = {
    "visit": visit_facts,
    "activity": activity_facts,
    "admin": admin_facts,
    "case": case_facts,
    "caseentry": case_entry_facts,
    "group": group_facts,
    "session": session_facts,
    "person": person_facts,
    "household": household_facts,
    "training": training_facts,
}


def source_type(record) -> str:
    return {
        "homevisit": "visit",
        "activity": "activity",
        "adminwork": "admin",
        "case": "case",
        "caseentry": "caseentry",
        "group": "group",
        "groupsession": "session",
        "recipient": "person",
        "household": "household",
        "trainingrecord": "training",
    }[record._meta.model_name]


# ----- keeping aggregates in step -------------------------------------------------------


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
    return out


def _distinct_keys(fact) -> list[tuple[str, str]]:
    keys = []
    if fact.recipient_id:
        keys.append(("p", str(fact.recipient_id)))
    if fact.professional and fact.village and fact.kind in SERVICE_KINDS:
        keys.append(("v", fact.village))
    return keys


def nodes_of(code: str) -> list[tuple[str, int]]:
    return [(code[:length], level) for level, length in NODE_LENGTHS.items() if len(code) >= length]


def sync(record) -> None:
    """Replace one record's facts with those of its current state."""
    stype = source_type(record)
    replace(stype, [record.pk], BUILDERS[stype](record))


def remove(stype: str, ids: Iterable[int]) -> None:
    replace(stype, list(ids), [])


@transaction.atomic
def replace(stype: str, source_ids: list[int], new: list[ServiceFact]) -> None:
    old = list(ServiceFact.objects.filter(source_type=stype, source_id__in=source_ids))
    if old:
        ServiceFact.objects.filter(pk__in=[f.pk for f in old]).delete()
    if new:
        ServiceFact.objects.bulk_create(new)
    apply(added=new, removed=old)


def apply(*, added: Iterable, removed: Iterable) -> None:
    """Apply the difference between two sets of facts to the aggregates."""
    deltas: dict[tuple[str, int, str, str], Decimal] = defaultdict(Decimal)
    refs: dict[tuple[str, str, str], int] = defaultdict(int)
    recipients: set[int] = set()
    for sign, facts in ((1, added), (-1, removed)):
        for fact in facts:
            periods = keys_for(fact.date)
            nodes = nodes_of(fact.township)
            for metric, amount in metrics_of(fact).items():
                for node, level in nodes:
                    for period in periods:
                        deltas[(node, level, period, metric)] += sign * amount
            for kind, key in _distinct_keys(fact):
                if kind == "p":
                    recipients.add(fact.recipient_id)
                for period in periods:
                    refs[(kind, key, period)] += sign
    refs = {k: v for k, v in refs.items() if v}
    if refs:
        _apply_refs(refs, recipients, deltas)
    _upsert_aggregates({k: v for k, v in deltas.items() if v})


def _apply_refs(refs, recipients, deltas) -> None:
    from shegong.people.models import Recipient

    homes = dict(Recipient.objects.filter(pk__in=recipients).values_list("pk", "region_id"))
    rows = []
    for (kind, key, period), d in refs.items():
        region = homes.get(int(key), "") if kind == "p" else key
        rows.append((kind, key, period, region, d))
    table = DistinctKey._meta.db_table
    changed = []
    with connection.cursor() as cursor:
        for chunk in _chunks(rows, 150):
            cursor.execute(
                f"INSERT INTO {table} (kind, key, period, region, refs) VALUES "
                + ", ".join(["(%s, %s, %s, %s, %s)"] * len(chunk))
                + " ON CONFLICT (kind, key, period) DO UPDATE SET refs = "
                f"{table}.refs + excluded.refs RETURNING kind, key, period, region, refs",
                [v for row in chunk for v in row],
            )
            changed += cursor.fetchall()
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


def _upsert_aggregates(deltas) -> None:
    if not deltas:
        return
    table = Aggregate._meta.db_table
    rows = [
        (node, level, period, metric, value)
        for (node, level, period, metric), value in deltas.items()
    ]
    with connection.cursor() as cursor:
        for chunk in _chunks(rows, 150):
            cursor.execute(
                f"INSERT INTO {table} (node, level, period, metric, value) VALUES "
                + ", ".join(["(%s, %s, %s, %s, %s)"] * len(chunk))
                + f" ON CONFLICT (node, period, metric) DO UPDATE SET value = {table}.value + excluded.value",
                [v for row in chunk for v in row],
            )


def _chunks(rows, size):
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


# ----- rebuilding -------------------------------------------------------------------------


def _record_querysets():
    from shegong.people.models import Household, Recipient
    from shegong.work.models import (
        Activity,
        AdminWork,
        Case,
        CaseEntry,
        Group,
        GroupSession,
        HomeVisit,
    )
    from shegong.workforce.models import TrainingRecord

    # The builders read ids, places and dates, never a person's personal fields: those stay
    # encrypted in the database (no decrypting a million addresses to count files).
    people = Recipient.objects.only("pk")
    return {
        "visit": HomeVisit.objects.select_related("household")
        .defer("household__address")
        .prefetch_related("workers"),
        "activity": Activity.objects.prefetch_related(
            "workers", Prefetch("participants", queryset=people), "resources"
        ),
        "admin": AdminWork.objects.all(),
        "case": Case.objects.all(),
        "caseentry": CaseEntry.objects.select_related("case"),
        "group": Group.objects.prefetch_related("sessions"),
        "session": GroupSession.objects.select_related("group").prefetch_related(
            Prefetch("attendees", queryset=people), "group__workers"
        ),
        "person": Recipient.objects.select_related("created_by").only(
            "pk", "created_at", "region_id", "created_by_id", "created_by__station_id"
        ),
        "household": Household.objects.only("pk", "created_at", "region_id"),
        "training": TrainingRecord.objects.all(),
    }


@transaction.atomic
def rebuild_facts(progress=None) -> int:
    """Regenerate every fact from the records, then the aggregates. Returns the fact count."""
    ServiceFact.objects.all().delete()
    total = 0
    for stype, queryset in _record_querysets().items():
        batch: list[ServiceFact] = []
        for record in queryset.order_by("pk").iterator(chunk_size=2000):
            batch += BUILDERS[stype](record)
            if len(batch) >= 5000:
                ServiceFact.objects.bulk_create(batch)
                total += len(batch)
                batch = []
        ServiceFact.objects.bulk_create(batch)
        total += len(batch)
        if progress:
            progress(stype, total)
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
    the month keys. Returns the number of aggregate rows written.
    """
    from shegong.people.models import Recipient

    facts, keys = ServiceFact._meta.db_table, DistinctKey._meta.db_table
    aggs, people = Aggregate._meta.db_table, Recipient._meta.db_table
    month_sql = _month_sql()
    service = ", ".join(f"'{k}'" for k in sorted(SERVICE_KINDS))
    truth = "TRUE" if connection.vendor == "postgresql" else "1"
    statements = [
        f"DELETE FROM {aggs}",
        f"DELETE FROM {keys}",
        "DROP TABLE IF EXISTS agg_g",
        "DROP TABLE IF EXISTS agg_m",
        f"CREATE TEMP TABLE agg_g AS SELECT township, {month_sql} AS month, kind, "
        "professional AS prof, in_village AS inv, work_kind AS wk, SUM(n) AS n, "
        "SUM(person_times) AS pt, SUM(money) AS money, SUM(in_kind) AS ink, "
        f"SUM(volunteers) AS vol, SUM(hours) AS hours FROM {facts} GROUP BY 1, 2, 3, 4, 5, 6",
        "CREATE TEMP TABLE agg_m AS "
        + " UNION ALL ".join(
            f"SELECT township, month, {metric} AS metric, {value} AS value FROM agg_g "
            f"WHERE {cond.replace('TRUE', truth)}"
            for metric, value, cond in _UNPIVOT
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
        cursor.execute(f"SELECT COUNT(*) FROM {aggs}")
        return cursor.fetchone()[0]
