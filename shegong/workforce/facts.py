"""What the workforce adds to the indicators: training and supervision received.

Registered with the engine in ``WorkforceConfig.ready()``.
"""

from django.urls import reverse

from shegong.indicators.facts import FactSource, fact
from shegong.indicators.models import ServiceFact

from .models import TrainingRecord

CITY_ORGANISED = frozenset({"province", "city"})


def training_facts(record: TrainingRecord) -> list[ServiceFact]:
    """Training or supervision a worker received; ``work_kind`` keeps who organised it:
    "city" (the province or the city), "county", or "agency" (its own level, counted as
    county level only where the rule set says so)."""
    if record.voided_at:  # a voided record leaves the figures
        return []
    level = "city" if record.organiser in CITY_ORGANISED else record.organiser
    return [
        fact(
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


FACT_SOURCES = [
    FactSource(
        "training",
        TrainingRecord,
        training_facts,
        records=TrainingRecord.objects.all,
        url=lambda f: reverse("workforce:training_list"),
    ),
]
