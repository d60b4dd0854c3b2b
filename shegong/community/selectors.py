"""Reads of 五社联动 records, through the caller's restriction."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _

from shegong.core.divisions import in_subtree
from shegong.core.links import row_url
from shegong.indicators.drilldown import Rows
from shegong.indicators.periods import Period
from shegong.regions.models import Region
from shegong.stations.models import Station
from shegong.work.models import Activity

from .exporters import OrganisationExporter, TeamExporter
from .models import (
    Allocation,
    Donation,
    Donor,
    Organisation,
    Service,
    ServiceEvent,
    Volunteer,
    VolunteerTeam,
)


def volunteer_list(*, user: AbstractBaseUser, filters: dict) -> QuerySet[Volunteer]:
    """The volunteers ``user`` may see, with their confirmed hours and services; filtered
    by region, name or number (``q``), political status and team."""
    # the list shows the phone masked; the ID number is left unread
    qs = Volunteer.objects.restrict(user).select_related("region", "station")
    qs = qs.without_secrets(keep=("phone",))
    if filters.get("region"):
        qs = qs.filter(in_subtree("region_id", filters["region"]))
    if filters.get("q"):
        q = filters["q"]
        qs = qs.filter(Q(name__contains=q) | Q(number__startswith=q.upper()))
    if filters.get("political_status"):
        qs = qs.filter(political_status=filters["political_status"])
    if filters.get("team"):
        qs = qs.filter(teams__id=filters["team"])
    confirmed = Q(services__status=Service.Status.CONFIRMED)
    return qs.annotate(
        hours=Sum("services__hours", filter=confirmed),
        times=Count("services", filter=confirmed),
    ).order_by("number")


def team_list(*, user: AbstractBaseUser, filters: dict) -> QuerySet[VolunteerTeam]:
    """The teams ``user`` may see, with their member counts; by region and kind."""
    qs = VolunteerTeam.objects.restrict(user).select_related("station", "leader")
    if filters.get("region"):
        qs = qs.filter(in_subtree("region_id", filters["region"]))
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    return qs.annotate(size=Count("members")).order_by("station__region_id", "name")


def event_list(*, user: AbstractBaseUser, filters: dict) -> QuerySet[ServiceEvent]:
    """The volunteer service events ``user`` may see, newest first, with their sign-ups
    and confirmed hours."""
    qs = ServiceEvent.objects.restrict(user).select_related("station", "region")
    if filters.get("region"):
        qs = qs.filter(in_subtree("region_id", filters["region"]))
    if filters.get("since"):
        qs = qs.filter(date__gte=filters["since"])
    if filters.get("until"):
        qs = qs.filter(date__lte=filters["until"])
    confirmed = Q(services__status=Service.Status.CONFIRMED)
    return qs.annotate(
        signed=Count("services"),
        hours=Sum("services__hours", filter=confirmed),
    ).order_by("-date", "-pk")


def service_records(*, user: AbstractBaseUser, filters: dict) -> QuerySet[Service]:
    """Confirmed volunteer service (志愿服务记录) ``user`` may see, in the fields the
    national volunteer record takes; by region, period and volunteer."""
    events = ServiceEvent.objects.restrict(user)
    qs = Service.objects.filter(
        status=Service.Status.CONFIRMED, event__in=events.values("pk")
    ).select_related("volunteer", "event", "event__station", "event__region", "confirmed_by")
    if filters.get("region"):
        qs = qs.filter(in_subtree("event__region_id", filters["region"]))
    if filters.get("since"):
        qs = qs.filter(event__date__gte=filters["since"])
    if filters.get("until"):
        qs = qs.filter(event__date__lte=filters["until"])
    if filters.get("volunteer"):
        qs = qs.filter(volunteer_id=filters["volunteer"])
    return qs.order_by("event__date", "event_id", "volunteer__number")


@dataclass(frozen=True)
class Certificate:
    """志愿服务证明: a volunteer's verified hours by event over a period."""

    volunteer: Volunteer
    since: datetime.date
    until: datetime.date
    rows: list
    hours: Decimal
    stations: list


def certificate(*, volunteer: Volunteer, since: datetime.date, until: datetime.date) -> Certificate:
    """The confirmed service of ``volunteer`` between two dates (the caller has checked
    the volunteer is one it may see)."""
    rows = list(
        Service.objects.filter(
            volunteer=volunteer,
            status=Service.Status.CONFIRMED,
            event__date__gte=since,
            event__date__lte=until,
        )
        .select_related("event", "event__station", "event__region", "confirmed_by")
        .order_by("event__date", "event_id")
    )
    stations = sorted({r.event.station.name for r in rows})
    return Certificate(
        volunteer=volunteer,
        since=since,
        until=until,
        rows=rows,
        hours=sum((r.hours for r in rows), Decimal(0)),
        stations=stations,
    )


def _party_teams(code: str) -> QuerySet[VolunteerTeam]:
    return VolunteerTeam.objects.filter(
        in_subtree("region_id", code),
        kind=VolunteerTeam.Kind.PARTY,
        station__tier=Station.Tier.TOWNSHIP,
        station__is_active=True,
    )


def party_teams_stock(*, code: str) -> dict:
    """The indicators' count of the node's active township stations with a party
    members' volunteer team (one query)."""
    return {"stations": _party_teams(code).values("station_id").distinct().count()}


def party_team_rows(
    *, user: AbstractBaseUser, node: Region, period: Period, params: QueryDict
) -> Rows:
    """Drill-down ``party_teams``: the node's party volunteer teams at township stations."""
    qs = (
        _party_teams(node.code)
        .filter(pk__in=VolunteerTeam.objects.restrict(user).values("pk"))
        .select_related("station", "leader")
        .annotate(size=Count("members"))
        .order_by("station__region_id", "name")
    )
    count = qs.count()
    return Rows(
        qs,
        TeamExporter,
        lambda t: reverse("community:volunteer_list") + f"?team={t.pk}",
        _("Total: %(total)s teams") % {"total": count},
        count=count,
        personal=False,
    )


def organisation_list(*, user: AbstractBaseUser, filters: dict) -> QuerySet[Organisation]:
    """The community organisations ``user`` may see; by region, kind and stage."""
    qs = Organisation.objects.restrict(user).select_related("station", "region")
    if filters.get("region"):
        qs = qs.filter(in_subtree("region_id", filters["region"]))
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    if filters.get("stage"):
        qs = qs.filter(stage=filters["stage"])
    return qs.order_by("station__region_id", "name")


def organisations_stock(*, code: str) -> dict:
    """The indicators' counts of the node's community organisations (one query): being
    incubated, and filed or registered."""
    found = Organisation.objects.filter(in_subtree("region_id", code)).aggregate(
        incubating=Count("pk", filter=Q(stage=Organisation.Stage.INCUBATING)),
        filed=Count("pk", filter=~Q(stage=Organisation.Stage.INCUBATING)),
    )
    return {k: v or 0 for k, v in found.items()}


def organisation_rows(
    *, user: AbstractBaseUser, node: Region, period: Period, params: QueryDict
) -> Rows:
    """Drill-down ``organisations``: the node's community organisations (``filed=1``: those
    filed or registered; ``filed=0``: those being incubated)."""
    qs = Organisation.objects.restrict(user).filter(in_subtree("region_id", node.code))
    if params.get("filed") == "1":
        qs = qs.exclude(stage=Organisation.Stage.INCUBATING)
    elif params.get("filed") == "0":
        qs = qs.filter(stage=Organisation.Stage.INCUBATING)
    qs = qs.select_related("station", "region").order_by("station__region_id", "name")
    count = qs.count()
    return Rows(
        qs,
        OrganisationExporter,
        row_url("community:organisation_edit"),
        _("Total: %(total)s organisations") % {"total": count},
        count=count,
        personal=False,
    )


def donor_list(*, user: AbstractBaseUser, filters: dict) -> QuerySet[Donor]:
    """The donors ``user`` may see, with what each gave."""
    qs = Donor.objects.restrict(user).select_related("station")
    if filters.get("region"):
        qs = qs.filter(in_subtree("region_id", filters["region"]))
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    return qs.annotate(given=Sum("donations__amount")).order_by("station__region_id", "name")


def donation_list(*, user: AbstractBaseUser, filters: dict) -> QuerySet[Donation]:
    """The ledger (台账): each donation ``user`` may see, received, allocated and the
    balance; by region, donor, kind, restriction and date received."""
    qs = Donation.objects.restrict(user).select_related(
        "donor", "station", "restricted_category", "restricted_region"
    )
    if filters.get("region"):
        qs = qs.filter(in_subtree("region_id", filters["region"]))
    for name in ("kind", "restriction"):
        if filters.get(name):
            qs = qs.filter(**{name: filters[name]})
    if filters.get("donor"):
        qs = qs.filter(donor_id=filters["donor"])
    if filters.get("since"):
        qs = qs.filter(received_on__gte=filters["since"])
    if filters.get("until"):
        qs = qs.filter(received_on__lte=filters["until"])
    allocated = Subquery(
        Allocation.objects.filter(donation_id=OuterRef("pk"))
        .values("donation_id")
        .annotate(s=Sum("amount"))
        .values("s")[:1]
    )
    return qs.annotate(allocated=Coalesce(allocated, Decimal(0))).order_by("-received_on", "-pk")


def allocation_list(*, user: AbstractBaseUser, filters: dict) -> QuerySet[Allocation]:
    """The allocations ``user`` may see; by region, period, donation and id (the
    dashboard's drill-down opens one by its id)."""
    qs = Allocation.objects.restrict(user).select_related(
        "donation", "donation__donor", "activity", "case", "group", "station", "region"
    )
    if filters.get("region"):
        qs = qs.filter(in_subtree("region_id", filters["region"]))
    if filters.get("since"):
        qs = qs.filter(date__gte=filters["since"])
    if filters.get("until"):
        qs = qs.filter(date__lte=filters["until"])
    if filters.get("donation"):
        qs = qs.filter(donation_id=filters["donation"])
    if filters.get("id"):
        qs = qs.filter(pk=filters["id"])
    if filters.get("activity"):
        qs = qs.filter(activity_id=filters["activity"])
    return qs.order_by("-date", "-pk")


def ledger_totals(*, donations: QuerySet[Donation]) -> dict:
    """Received, allocated and the balance over a list of donations (two queries)."""
    received = donations.aggregate(s=Sum("amount"))["s"] or Decimal(0)
    allocated = Allocation.objects.filter(donation__in=donations.values("pk")).aggregate(
        s=Sum("amount")
    )["s"] or Decimal(0)
    return {"received": received, "allocated": allocated, "balance": received - allocated}


def activity_allocations(*, subject: Activity, user: AbstractBaseUser) -> list[Allocation]:
    """The charity money and goods allocated to an activity (its page's panel)."""
    return list(
        Allocation.objects.restrict(user)
        .filter(activity=subject)
        .select_related("donation", "donation__donor")
        .order_by("date", "pk")
    )
