"""What volunteer service adds to the indicators: one fact per service event with the
volunteers whose hours a worker confirmed (person-times) and those hours. Registered in
``CommunityConfig.ready()``; the services call ``indicators.engine.sync(event)``."""

from django.db.models import Count, Q, Sum
from django.urls import reverse

from shegong.indicators.facts import ZERO, FactSource, fact
from shegong.indicators.models import FactKind, ServiceFact

from .models import Allocation, Donation, Service, ServiceEvent

CONFIRMED = Q(services__status=Service.Status.CONFIRMED)


def event_facts(event: ServiceEvent) -> list[ServiceFact]:
    """The event's confirmed volunteers and hours (nothing before any is confirmed)."""
    found = getattr(event, "confirmed_n", None)
    if found is None:
        sums = event.services.filter(status=Service.Status.CONFIRMED).aggregate(
            n=Count("pk"), h=Sum("hours")
        )
        found, hours = sums["n"], sums["h"] or ZERO
    else:
        hours = event.confirmed_hours or ZERO
    if not found:
        return []
    return [
        fact(
            FactKind.VOLUNTEER,
            "volunteer_event",
            event.pk,
            event.date,
            event.region_id,
            station_id=event.station_id,
            n=1,
            volunteers=found,
            volunteer_hours=hours,
        )
    ]


def _records():
    return ServiceEvent.objects.annotate(
        confirmed_n=Count("services", filter=CONFIRMED),
        confirmed_hours=Sum("services__hours", filter=CONFIRMED),
    ).only("pk", "date", "region_id", "station_id")


FACT_SOURCES = [
    FactSource(
        "volunteer_event",
        ServiceEvent,
        event_facts,
        _records,
        lambda f: reverse("community:event_detail", args=[f.source_id]),
    )
]


def allocation_facts(allocation: Allocation) -> list[ServiceFact]:
    """Charity money or goods (valued) put to use, where and when they were allocated."""
    money = allocation.donation.kind == Donation.Kind.MONEY
    target = allocation.activity or allocation.group
    row = fact(
        FactKind.ALLOCATION,
        "allocation",
        allocation.pk,
        allocation.date,
        allocation.region_id,
        station_id=allocation.station_id,
        n=1,
        money=allocation.amount if money else ZERO,
        in_kind=ZERO if money else allocation.amount,
    )
    # the service domain of what it paid for (the dashboard's split by domain)
    row.domain = getattr(target, "domain", "") or ""
    return [row]


FACT_SOURCES.append(
    FactSource(
        "allocation",
        Allocation,
        allocation_facts,
        lambda: Allocation.objects.select_related("donation", "activity", "group").only(
            "pk",
            "date",
            "region_id",
            "station_id",
            "amount",
            "donation__kind",
            "activity__domain",
            "group__domain",
        ),
        lambda f: reverse("community:allocation_list") + f"?id={f.source_id}",
    )
)
