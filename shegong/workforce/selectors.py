"""Reads of the workforce, and what it tells the indicators (stocks and drill-downs)."""

import datetime
from decimal import Decimal

from django.db.models import Count, Q, QuerySet
from django.http import QueryDict
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from shegong.accounts.models import User
from shegong.accounts.roles import STATION_ROLES, Role
from shegong.core.divisions import in_subtree, region_filter
from shegong.core.pagination import Concatenated
from shegong.indicators.drilldown import Rows, total
from shegong.indicators.periods import Period
from shegong.regions.models import Region

from .exporters import TrainingExporter, WorkerExporter
from .facts import CITY_ORGANISED
from .models import (
    CertificateStatus,
    Education,
    Qualification,
    SocialWorkerProfile,
    TrainingRecord,
)

COLLEGE_OR_ABOVE = (Education.COLLEGE, Education.BACHELOR, Education.MASTER, Education.DOCTOR)
COUNTY_ORGANISED = frozenset({"county"})


def active_workers(*, code: str) -> QuerySet[SocialWorkerProfile]:
    """Profiles of the active station staff of the node ``code`` and below."""
    return SocialWorkerProfile.objects.filter(
        in_subtree("user__scope_region_id", code),
        user__is_active=True,
        user__role__in=STATION_ROLES,
    )


def _age(birth: datetime.date, on: datetime.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def workforce_stock(*, code: str, period: Period, max_age: int | None) -> dict:
    """Workers and qualified workers of the node; the period's hires, and how many were at
    most ``max_age`` (any age when None) with a college education or above."""
    profiles = active_workers(code=code)
    counts = profiles.aggregate(
        workers=Count("pk"),
        qualified=Count("pk", filter=Q(social_work_major=True) | ~Q(qualification="none")),
    )
    hires = list(
        profiles.filter(hire_date__range=(period.start, period.end)).values_list(
            "birth_date", "hire_date", "education"
        )
    )
    ok = 0
    for birth, hired, education in hires:
        young = birth is not None and (max_age is None or _age(birth, hired) <= max_age)
        ok += bool(young and education in COLLEGE_OR_ABOVE)
    return {**counts, "hires": len(hires), "hires_ok": ok}


def designated_villages_stock(*, code: str) -> int:
    """Villages of the node that have an active designated worker."""
    through = SocialWorkerProfile.designated_villages.through
    return (
        through.objects.filter(
            in_subtree("region_id", code), socialworkerprofile__user__is_active=True
        )
        .values("region_id")
        .distinct()
        .count()
    )


def worker_rows(*, user: User, node: Region, period: Period, params: QueryDict) -> Rows:
    """Drill-down ``workers``: the node's active station staff (``qualified=1``: those with
    social-work education or a certificate; ``hired=1``: hired in the period)."""
    qs = SocialWorkerProfile.objects.restrict(user).filter(
        in_subtree("user__scope_region_id", node.code),
        user__is_active=True,
        user__role__in=STATION_ROLES,
    )
    if params.get("qualified"):
        qs = qs.filter(Q(social_work_major=True) | ~Q(qualification="none"))
    if params.get("hired"):
        qs = qs.filter(hire_date__range=(period.start, period.end))
    qs = qs.select_related("user", "user__station").order_by(
        "user__station__region_id", "user__full_name"
    )
    count = qs.count()
    return Rows(
        qs,
        WorkerExporter,
        lambda p: reverse("stations:detail", args=[p.user.station_id]),
        _("Total: %(total)s workers") % {"total": count},
        count=count,
    )


def training_rows(*, user: User, node: Region, period: Period, params: QueryDict) -> Rows:
    """Drill-down ``training``: training and supervision received in the node and period
    (``kind=training|supervision``; ``organiser=city|county|agency``, and ``agency=1`` with
    ``county`` where the rule set counts the agencies' own training as county level)."""
    qs = TrainingRecord.objects.restrict(user).filter(
        in_subtree("region_code", node.code), date__range=(period.start, period.end)
    )
    if params.get("kind") in TrainingRecord.Kind.values:
        qs = qs.filter(kind=params["kind"])
    organiser = params.get("organiser")
    if organiser == "city":
        qs = qs.filter(organiser__in=CITY_ORGANISED)
    elif organiser == "county":
        qs = qs.filter(
            organiser__in=COUNTY_ORGANISED | ({"agency"} if params.get("agency") else set())
        )
    elif organiser == "agency":
        qs = qs.filter(organiser="agency")
    qs = qs.select_related("worker").order_by("-date", "-pk")
    summed = total(qs, "hours")
    workers = active_workers(code=node.code).count()
    per = Decimal(summed["total"]) / workers if workers else None
    return Rows(
        qs,
        TrainingExporter,
        lambda t: reverse("workforce:training_list") + "?" + urlencode({"region": t.region_code}),
        _("Total: %(total)s h in %(rows)s records, for %(workers)s workers: %(per)s h per worker")
        % {
            **summed,
            "workers": workers,
            "per": "—" if per is None else f"{per.quantize(Decimal('0.01')).normalize():f}",
        },
    )


REGISTRY_READERS = frozenset({Role.COUNTY_OFFICER, Role.CITY_OFFICER, Role.PROVINCE_OFFICER})


def registered(*, user: User, filters: dict | None = None) -> QuerySet[SocialWorkerProfile]:
    """The professionals registered in ``user``'s region (officers): active station staff
    with their qualification and certificate review, filtered by place, qualification and
    review status, by place and name (the order of the index ``user_region_name``)."""
    f = filters or {}
    if user.role not in REGISTRY_READERS:
        return SocialWorkerProfile.objects.none()
    qs = SocialWorkerProfile.objects.restrict(user).filter(
        user__is_active=True, user__role__in=STATION_ROLES
    )
    if f.get("region"):
        qs = qs.filter(region_filter("user__scope_region_id", f["region"]))
    if f.get("qualification"):
        qs = qs.filter(qualification=f["qualification"])
    if f.get("status"):
        qs = qs.filter(certificate_status=f["status"])
    return (
        qs.select_related("user__station")
        .only(*REGISTRY_COLUMNS)
        .order_by("user__scope_region_id", "user__full_name", "user_id")
    )


def registry(*, user: User, filters: dict | None = None) -> Concatenated:
    """``registered``, certificates awaiting review first (``awaiting_first``)."""
    return awaiting_first(queryset=registered(user=user, filters=filters))


def awaiting_first(
    *, queryset: QuerySet[SocialWorkerProfile], awaiting: int | None = None
) -> Concatenated:
    """``queryset`` (``registered``) with certificates awaiting review first (review is
    the officers' work here), each part in its order. ``awaiting``: how many await
    review, when counted already (``registry_counts``)."""
    waiting = Q(certificate_status=CertificateStatus.SUBMITTED)
    return Concatenated(queryset.filter(waiting), queryset.exclude(waiting), first_count=awaiting)


# what the registry's rows show (RegistryExporter), and what orders them (``registered``)
REGISTRY_COLUMNS = (
    "user_id",
    "education",
    "social_work_major",
    "qualification",
    "certificate_no",
    "certificate_status",
    "user__full_name",
    "user__username",
    "user__scope_region_id",
    "user__station_id",
    "user__station__name",
)


def registry_counts(*, queryset: QuerySet[SocialWorkerProfile]) -> dict[str, int]:
    """How many of ``queryset`` (``registered``) hold each qualification level, and how
    many certificates are verified or awaiting review (one query)."""
    agg = queryset.order_by().aggregate(
        total=Count("pk"),
        **{q.value: Count("pk", filter=Q(qualification=q.value)) for q in Qualification},
        verified=Count("pk", filter=Q(certificate_status="verified")),
        submitted=Count("pk", filter=Q(certificate_status="submitted")),
    )
    return {k: v or 0 for k, v in agg.items()}
