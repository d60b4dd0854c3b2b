"""What the people registry adds to the indicators: files created (people, households).

Registered with the engine in ``PeopleConfig.ready()``.
"""

from django.urls import reverse
from django.utils import timezone

from shegong.indicators.facts import FactSource, fact
from shegong.indicators.models import FactKind, ServiceFact

from .models import Household, Recipient


def person_facts(person: Recipient) -> list[ServiceFact]:
    by = person.created_by
    return [
        fact(
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


def household_facts(household: Household) -> list[ServiceFact]:
    return [
        fact(
            FactKind.FILE_HOUSEHOLD,
            "household",
            household.pk,
            timezone.localdate(household.created_at),
            household.region_id,
            n=1,
        )
    ]


FACT_SOURCES = [
    FactSource(
        "person",
        Recipient,
        person_facts,
        # ids, places and dates only: a rebuild decrypts no one's address
        records=lambda: Recipient.objects.select_related("created_by").only(
            "pk", "created_at", "region_id", "created_by_id", "created_by__station_id"
        ),
        url=lambda f: reverse("people:detail", args=[f.source_id]),
    ),
    FactSource(
        "household",
        Household,
        household_facts,
        records=lambda: Household.objects.only("pk", "created_at", "region_id"),
        url=lambda f: reverse("people:list"),
    ),
]
