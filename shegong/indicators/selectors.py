"""Reads of the facts that other apps' services need (hours already recorded …)."""

import datetime
from decimal import Decimal

from django.db.models import Sum
from django.utils.translation import gettext as _

from .models import ServiceFact

DAY_HOURS = Decimal(24)


def hours_on_day(
    *, worker_ids: list[int], date: datetime.date, excluding: tuple[str, int | None] = ("", None)
) -> dict[int, Decimal]:
    """Hours each worker already has on ``date`` across every kind of record (visits,
    cases, groups, activities, administrative work, training), less the record
    ``excluding`` (source type, id) being changed. One indexed query."""
    facts = ServiceFact.objects.filter(worker_id__in=worker_ids, date=date)
    stype, pk = excluding
    if pk is not None:
        facts = facts.exclude(source_type=stype, source_id=pk)
    rows = facts.values("worker_id").annotate(h=Sum("hours")).values_list("worker_id", "h")
    return {worker: Decimal(h or 0) for worker, h in rows}


def day_hours_exceeded(
    *,
    workers: list,
    date: datetime.date | None,
    hours: Decimal | None,
    excluding: tuple = ("", None),
) -> str:
    """The reason ``hours`` more on ``date`` would take one of ``workers`` past 24 hours in
    a day (every kind of record counted), or "" when it would not."""
    if date is None or hours is None or not workers:
        return ""
    already = hours_on_day(worker_ids=[w.pk for w in workers], date=date, excluding=excluding)
    for worker in workers:
        have = already.get(worker.pk, Decimal(0))
        if have + Decimal(hours) > DAY_HOURS:
            return _(
                "%(name)s already has %(have)s h recorded on %(date)s; %(more)s h more would "
                "pass 24 hours in one day."
            ) % {"name": worker, "have": f"{have.normalize():f}", "date": date, "more": hours}
    return ""
