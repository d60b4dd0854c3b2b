"""Reads of the facts that other apps' services need (hours already recorded …)."""

import datetime
from decimal import Decimal

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from shegong.core.divisions import in_subtree
from shegong.stations.models import Station

from .models import Aggregate, MonthApproval, ServiceFact, SharedRegion

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
    already: dict | None = None,
) -> str:
    """The reason ``hours`` more on ``date`` would take one of ``workers`` past 24 hours in
    a day (every kind of record counted), or "" when it would not. ``already``: the
    ``hours_on_day`` the caller has read (read here when not given)."""
    if date is None or hours is None or not workers:
        return ""
    if already is None:
        already = hours_on_day(worker_ids=[w.pk for w in workers], date=date, excluding=excluding)
    for worker in workers:
        have = already.get(worker.pk, Decimal(0))
        if have + Decimal(hours) > DAY_HOURS:
            return _(
                "%(name)s already has %(have)s h recorded on %(date)s; %(more)s h more would "
                "pass 24 hours in one day."
            ) % {"name": worker, "have": f"{have.normalize():f}", "date": date, "more": hours}
    return ""


def hours_this_month(
    *, subject: AbstractBaseUser, user: AbstractBaseUser, today: datetime.date | None = None
) -> list[tuple[str, Decimal]]:
    """A worker's hours this month by kind of work (visits, cases, groups, community,
    assisting civil affairs, other administration), as far as ``user`` may see their
    facts; [] when ``user`` sees none of them. One query."""
    today = today or timezone.localdate()
    facts = ServiceFact.objects.restrict(user).filter(
        worker=subject, date__gte=today.replace(day=1), date__lte=today
    )
    rows = dict(
        facts.exclude(work_kind__in=("city", "county"))  # training is learning, not work
        .values("work_kind")
        .annotate(h=Sum("hours"))
        .values_list("work_kind", "h")
    )
    if not rows:
        return []
    return [(str(label), Decimal(rows[kind])) for kind, label in WORK_KINDS if rows.get(kind)]


# the kinds of work the facts carry (``work.models.WorkKind``'s codes), in words
WORK_KINDS = [
    ("visit", _lazy("Home visit")),
    ("case", _lazy("Case work")),
    ("group", _lazy("Group work")),
    ("community", _lazy("Community activity")),
    ("admin_assist", _lazy("Assisting civil-affairs business")),
    ("admin_other", _lazy("Other administrative work")),
]


BOARD_METRICS = (
    "visit",
    "person_times",
    "people",
    "case_opened",
    "activity",
    "hours",
    "hours_prof",
)


def station_board(*, user: AbstractBaseUser, period_key: str, q: str = "") -> QuerySet:
    """The township stations ``user`` may see, each with its figures for the period (read
    from the township's aggregates: one query for the page, a subquery per figure)."""
    stations = Station.objects.restrict(user).filter(tier=Station.Tier.TOWNSHIP)
    if q:
        stations = stations.filter(name__contains=q[:50])
    figures = {
        metric: Subquery(
            Aggregate.objects.filter(
                node=OuterRef("region_id"), period=period_key, metric=metric
            ).values("value")[:1]
        )
        for metric in BOARD_METRICS
    }
    return (
        stations.select_related("region", "region__parent", "agency")
        .annotate(**figures)
        .order_by("region_id")
    )


def station_hours_this_month(
    *, subject: Station, user: AbstractBaseUser, today: datetime.date | None = None
) -> list[tuple[str, list[Decimal], Decimal]]:
    """Each active staff member of the station with their hours this month by kind
    (``WORK_KINDS``, in order) and in all, as far as ``user`` may see the facts; one query."""
    today = today or timezone.localdate()
    staff = list(subject.staff.filter(is_active=True).order_by("-role", "full_name"))
    rows = (
        ServiceFact.objects.restrict(user)
        .filter(worker__in=staff, date__gte=today.replace(day=1), date__lte=today)
        .exclude(work_kind__in=("city", "county"))
        .values("worker_id", "work_kind")
        .annotate(h=Sum("hours"))
        .values_list("worker_id", "work_kind", "h")
    )
    hours: dict[int, dict[str, Decimal]] = {}
    for worker, kind, h in rows:
        hours.setdefault(worker, {})[kind] = Decimal(h or 0)
    if not hours:
        return []
    out = []
    for person in staff:
        mine = hours.get(person.pk, {})
        by_kind = [mine.get(kind, Decimal(0)) for kind, _label in WORK_KINDS]
        out.append((person.display_name, by_kind, sum(by_kind, Decimal(0))))
    return out


def month_keys(*, start: datetime.date, end: datetime.date) -> list[str]:
    """The month keys (``2026-03``) from ``start``'s month to ``end``'s, at most 10 years."""
    keys, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month) and len(keys) < 120:
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return keys


def totals_between(
    *, nodes: list[str], start: datetime.date, end: datetime.date, metrics: list[str]
) -> dict[str, dict[str, Decimal]]:
    """Each node's sum of each metric over the whole months from ``start`` to ``end``, read
    from the same monthly aggregates as every dashboard (one query): what a contract's
    agreed outputs are held against. Nodes and metrics without records are absent."""
    if not nodes or not metrics or end < start:
        return {}
    rows = (
        Aggregate.objects.filter(
            node__in=nodes, period__in=month_keys(start=start, end=end), metric__in=metrics
        )
        .values("node", "metric")
        .annotate(total=Sum("value"))
        .values_list("node", "metric", "total")
    )
    out: dict[str, dict[str, Decimal]] = {}
    for node, metric, total in rows:
        out.setdefault(node, {})[metric] = Decimal(total or 0)
    return out


def month_locked(*, station_id: int | None, day: datetime.date | None) -> bool:
    """Whether ``day``'s month of the station is accepted by the county (locked)."""
    if station_id is None or day is None:
        return False
    return MonthApproval.objects.filter(
        station_id=station_id,
        month=day.replace(day=1),
        status=MonthApproval.Status.ACCEPTED,
    ).exists()


def locked_months(*, station_id: int | None) -> set[datetime.date]:
    """The months (their first days) of a station the county has accepted: one query, for
    a page listing many records of one station."""
    if station_id is None:
        return set()
    return set(
        MonthApproval.objects.filter(
            station_id=station_id, status=MonthApproval.Status.ACCEPTED
        ).values_list("month", flat=True)
    )


def refuse_locked_month(*, station_id: int | None, day: datetime.date | None, errors: dict) -> None:
    """Put the refusal at ``errors["date"]`` when ``day``'s month of the station is locked:
    every write of station work asks this before it writes."""
    if month_locked(station_id=station_id, day=day):
        errors["date"] = _(
            "%(month)s of this station has been accepted by the county and is locked; "
            "ask the county to unlock it."
        ) % {"month": f"{day:%Y-%m}"}


def month_board(*, user: AbstractBaseUser, month: datetime.date) -> QuerySet:
    """The stations ``user`` may see (township stations and village rooms), each with its
    sign-off of ``month`` as ``approval_status`` (None: not submitted): one query."""
    approvals = MonthApproval.objects.filter(station=OuterRef("pk"), month=month.replace(day=1))
    return (
        Station.objects.restrict(user)
        .exclude(tier=Station.Tier.CITY_CENTRE)
        .filter(is_active=True)
        .select_related("region", "agency")
        .annotate(
            approval_status=Subquery(approvals.values("status")[:1]),
            approval_at=Subquery(approvals.values("submitted_at")[:1]),
        )
        .order_by("region_id", "name")
    )


def months_accepted(*, code: str, start: datetime.date, end: datetime.date) -> dict:
    """How much of a period is signed off in node ``code``: active township stations ×
    months that have ended, and how many of those station-months are accepted."""
    today = timezone.localdate()
    months = [
        datetime.date(y, m, 1)
        for y in range(start.year, end.year + 1)
        for m in range(1, 13)
        if start.replace(day=1) <= datetime.date(y, m, 1) <= end
        and datetime.date(y, m, 1) < today.replace(day=1)
    ]
    stations = Station.objects.filter(
        in_subtree("region_id", code), tier=Station.Tier.TOWNSHIP, is_active=True
    ).count()
    accepted = (
        MonthApproval.objects.filter(
            in_subtree("region_id", code),
            month__in=months,
            status=MonthApproval.Status.ACCEPTED,
            station__tier=Station.Tier.TOWNSHIP,
        ).count()
        if months
        else 0
    )
    return {
        "stations": stations,
        "months": len(months),
        "due": stations * len(months),
        "accepted": accepted,
    }


def month_due(*, month: datetime.date) -> datetime.date:
    """The last day to submit ``month``: ``SHEGONG_MONTH_DUE_DAYS`` after it ends."""
    from django.conf import settings

    first_next = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return first_next + datetime.timedelta(days=settings.SHEGONG_MONTH_DUE_DAYS - 1)


def shared_regions(*, code: str) -> list[SharedRegion]:
    """The regions whose figures came from other deployments and count in ``code``'s: those
    inside it, and the one it lies in (if any). One query; an empty list for most nodes."""
    above = [code[:n] for n in (2, 4, 6, 9, 12) if n <= len(code)]
    return list(SharedRegion.objects.filter(in_subtree("code", code) | Q(code__in=above)))
