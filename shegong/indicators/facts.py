"""Facts: the toolkit the apps use to describe their records, and the registry of sources.

A fact is one row of ``ServiceFact``: what a record adds to the figures (a count, hours,
person-times, yuan), where (the village or township code) and when. Indicators never
reach into another app's records. Each app that has records which count tells the engine
about them, in its ``AppConfig.ready()``:

    from shegong.indicators.facts import FactSource, register
    register(FactSource("visit", HomeVisit, visit_facts, records=..., url=...))

``build(record)`` turns a record's current state into its fact rows, with the helpers
below. The services call ``engine.sync(record)`` after each write; ``rebuild.rebuild_facts``
runs every source's ``records()`` through its builder.
"""

import functools
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import models

from .models import FactKind, ServiceFact

ZERO = Decimal(0)
# professional service: what covers a village
SERVICE_KINDS = frozenset(
    {FactKind.VISIT, FactKind.CASE_ENTRY, FactKind.SESSION, FactKind.ACTIVITY}
)
TRAINING_KINDS = frozenset({FactKind.TRAINING, FactKind.SUPERVISION})


@dataclass(frozen=True)
class FactSource:
    """One kind of record that produces facts.

    ``name`` is stored on each fact as ``source_type``; ``build(record)`` returns the
    record's facts; ``records()`` is what a rebuild reads (ids, places and dates: never a
    person's encrypted fields); ``url(fact)`` is the page of the record behind a fact,
    built without a query (a drill-down lists thousands).
    """

    name: str
    model: type[models.Model]
    build: Callable[[Any], list[ServiceFact]]
    records: Callable[[], models.QuerySet]
    url: Callable[[ServiceFact], str]


_SOURCES: dict[str, FactSource] = {}
_BY_MODEL: dict[type[models.Model], FactSource] = {}


def register(*sources: FactSource) -> None:
    """Register sources (again under the same name replaces: reloading stays idempotent)."""
    for source in sources:
        _SOURCES[source.name] = source
        _BY_MODEL[source.model] = source


def sources() -> list[FactSource]:
    """Every registered source, in registration order (the order of INSTALLED_APPS)."""
    return list(_SOURCES.values())


def source_named(name: str) -> FactSource:
    return _SOURCES[name]


def source_of(record: models.Model) -> FactSource:
    """The source a record belongs to; LookupError if its app registered none."""
    try:
        return _BY_MODEL[type(record)]
    except KeyError:
        raise LookupError(
            f"{type(record).__name__} has no registered FactSource (indicators.facts.register)"
        ) from None


def place_codes(code: str) -> dict:
    """Flatten a village (12) or township (9) code into the fact's region columns."""
    return {
        "province": code[:2],
        "city": code[:4],
        "county": code[:6],
        "township": code[:9],
        "village": code if len(code) > 9 else "",
    }


@functools.cache
def _defaults() -> dict:
    """Each column of a fact (by attribute, in the table's order) with its default."""
    return {f.attname: f.get_default() for f in ServiceFact._meta.concrete_fields}


def fact(kind, source_type, source_id, date, place, **values) -> ServiceFact:
    """One fact row placed at ``place`` (a village or township code). ``values`` by column
    attribute (``station_id``): the row is built by position, as Django builds a row it
    reads, a third of the time keywords take (a rebuild or an import builds millions)."""
    row = {
        **_defaults(),
        "kind": kind,
        "source_type": source_type,
        "source_id": source_id,
        "date": date,
        **place_codes(place),
    }
    for name, value in values.items():
        if name not in row:  # a relation given as an object: Django's keywords handle it
            return ServiceFact(
                kind=kind,
                source_type=source_type,
                source_id=source_id,
                date=date,
                **place_codes(place),
                **values,
            )
        row[name] = value
    return ServiceFact(*row.values())


def ids(related) -> list[int]:
    """Primary keys of a (prefetched) many-to-many, read without another query."""
    return [o.pk for o in related.all()]


def worker_rows(
    kind, stype, record, date, workers, hours, in_village, first: dict, *, work_kind: str = ""
) -> list[ServiceFact]:
    """One row per worker carrying their hours; the first row also carries the counts."""
    rows = []
    for i, worker_id in enumerate(sorted(workers) or [None]):
        extra = first if i == 0 else {}
        rows.append(
            fact(
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
                work_kind=work_kind,
                **extra,
            )
        )
    return rows


def people_rows(kind, stype, record, date, people, *, place=None, station_id=None):
    """A row per named person (no counts, no hours): what the distinct-people figure reads."""
    return [
        fact(
            kind,
            stype,
            record.pk,
            date,
            place or record.region_id,
            station_id=station_id or record.station_id,
            recipient_id=pk,
            professional=kind in SERVICE_KINDS,
        )
        for pk in sorted(ids(people))
    ]
