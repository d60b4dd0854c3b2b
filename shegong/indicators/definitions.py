"""The indicators: what each one is (code, label, unit, group), the values a board holds,
and the arithmetic shared by computing them. Computing is ``compute.py``.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from .models import Rule, RuleSet
from .periods import Period


class Domain(models.TextChoices):
    """Service domains (服务领域): the four Hunan judges stations on (seed 000), social
    affairs, and the wider fields of seed 004; which of them a deployment offers is the
    setting ``SHEGONG_SERVICE_DOMAINS`` (all by default)."""

    ASSISTANCE = "assistance", _("Social assistance")
    ELDERLY = "elderly", _("Elderly care")
    CHILDREN = "children", _("Child protection")
    GOVERNANCE = "governance", _("Community governance")
    AFFAIRS = "affairs", _("Social affairs")
    FAMILY = "family", _("Marriage and family")
    MENTAL = "mental", _("Mental health")
    DISABILITY = "disability", _("Disability services")
    EDUCATION = "education", _("Education support")
    EMPLOYMENT = "employment", _("Employment assistance")
    WORKERS = "workers", _("Help for employees")
    PREVENTION = "prevention", _("Crime prevention")
    DRUGS = "drugs", _("Drug rehabilitation")
    CORRECTION = "correction", _("Community correction support")
    HEALTH = "health", _("Health")
    MEDIATION = "mediation", _("Dispute mediation")
    EMERGENCY = "emergency", _("Emergency response")
    OTHER = "other", _("Other")


@dataclass(frozen=True)
class Spec:
    code: str
    label: object
    unit: str = ""  # "" count, "%" share, "h" hours, "h/p" hours per worker, "¥" yuan
    group: str = "service"


SERVICE = [
    Spec("visit", _("Households visited (户次)")),
    Spec("file_household", _("Files created (households)")),
    Spec("file_person", _("Files created (people)")),
    Spec("case_opened", _("Cases opened")),
    Spec("cases_active", _("Cases active at period end")),
    Spec("case_closed", _("Cases closed")),
    Spec("case_entry", _("Case interventions")),
    Spec("group", _("Groups started")),
    Spec("session", _("Group sessions")),
    Spec("activity", _("Theme / community activities")),
    Spec("person_times", _("Person-times served (人次)")),
    Spec("people", _("People served (人数)")),
    Spec("money", _("Charity money linked"), "¥"),
    Spec("in_kind", _("In-kind resources linked (valued)"), "¥"),
    Spec("volunteers", _("Volunteer person-times")),
    Spec("volunteer_hours", _("Volunteer hours (confirmed)"), "h"),
    Spec("hours", _("Hours worked"), "h", "hours"),
    Spec("hours_prof", _("Professional service hours"), "h", "hours"),
    Spec("hours_village", _("Hours in villages"), "h", "hours"),
]

RULED = [
    Spec("qualified_share", _("Staff with social-work education or certificate"), "%", "workforce"),
    Spec("professional_hours_share", _("Professional service hours share"), "%", "hours"),
    Spec("in_village_share", _("Hours spent in villages"), "%", "hours"),
    Spec("five_star_share", _("Five-star township stations"), "%", "stations"),
    Spec("staff_per_station", _("Township stations staffed within range"), "%", "stations"),
    Spec("villages_covered_share", _("Villages covered by professional service"), "%", "coverage"),
    Spec("designated_share", _("Villages with a designated social worker"), "%", "coverage"),
    Spec(
        "supervision_city_hours", _("Supervision per worker (city-organised)"), "h/p", "workforce"
    ),
    Spec(
        "supervision_county_hours",
        _("Supervision per worker (county-organised)"),
        "h/p",
        "workforce",
    ),
    Spec(
        "supervision_agency_hours",
        _("Supervision per worker (agency-organised)"),
        "h/p",
        "workforce",
    ),
    Spec("training_city_hours", _("Training per worker (city-organised)"), "h/p", "workforce"),
    Spec("training_county_hours", _("Training per worker (county-organised)"), "h/p", "workforce"),
    Spec("training_agency_hours", _("Training per worker (agency-organised)"), "h/p", "workforce"),
    Spec("training_hours", _("Training per worker (all)"), "h/p", "workforce"),
    Spec("new_hire_share", _("New hires meeting age and education rules"), "%", "workforce"),
    # Fujian (seed 004): every county fosters at least 5 social work agencies; a county's
    # figure is its filed agencies, a city's or province's the fewest of its counties
    Spec("agencies_per_county", _("Filed agencies per county (the fewest)"), "", "stations"),
    # Hunan (seed 000): one party members' volunteer team per township station
    Spec("party_team_share", _("Township stations with a party volunteer team"), "%", "community"),
    # community social organisations the stations incubate (五社联动)
    Spec("organisations_incubating", _("Community organisations being incubated"), "", "community"),
    Spec("organisations_filed", _("Community organisations filed or registered"), "", "community"),
    # residents' requests (#15): how the stations answer what residents ask of them
    Spec("request_on_time_share", _("Residents' requests answered on time"), "%", "residents"),
    Spec("hours_to_response", _("Time to first response"), "h", "residents"),
    Spec("request_closed_share", _("Residents' requests closed"), "%", "residents"),
    Spec("request_satisfaction", _("Residents' satisfaction (1–5)"), "", "residents"),
    Spec("need_matched_share", _("Residents' needs matched"), "%", "residents"),
    Spec("hours_to_match", _("Time to match a need"), "h", "residents"),
]

SPECS = {s.code: s for s in SERVICE + RULED}
# the domains Hunan's rule set judges stations on (seed 000): always a column of the split
CORE_DOMAINS = ("assistance", "elderly", "children", "governance")
# the service figures split by service domain (``engine.split``): every figure a service
# record adds to; not the distinct people, the open cases, nor the files (registrations)
SPLIT = [
    s.code
    for s in SERVICE
    if s.code not in ("people", "cases_active", "file_household", "file_person")
]
RULE_CHOICES = [(s.code, s.label) for s in RULED]
# hours targets are a year's; a shorter period is held to its share of the year
ANNUAL_HOURS = {
    "supervision_city_hours",
    "supervision_county_hours",
    "training_city_hours",
    "training_county_hours",
    "training_agency_hours",
    "supervision_agency_hours",
    "training_hours",
}
CITY_LEVEL = ("province", "city")
COUNTY_LEVEL = ("county",)
AGENCY_LEVEL = ("agency",)
HUNDRED = Decimal(100)


@dataclass
class Value:
    spec: Spec
    value: Decimal | None
    previous: Decimal | None = None
    target: Decimal | None = None
    upper: Decimal | None = None
    rule: Rule | None = None
    status: str = "none"  # met | at_risk | missed | none (no target) | no_data
    detail: str = ""
    url: str = ""

    @property
    def trend(self) -> str:
        if self.value is None or self.previous is None:
            return ""
        if self.value > self.previous:
            return "up"
        if self.value < self.previous:
            return "down"
        return "flat"


@dataclass
class Board:
    node: object
    period: Period
    rule_set: RuleSet | None
    service: list[Value] = field(default_factory=list)
    ruled: list[Value] = field(default_factory=list)
    raw: dict = field(default_factory=dict)
    raw_previous: dict = field(default_factory=dict)  # the previous period's metrics
    partial: bool = False  # the period is still running: figures so far (截至今日)

    @property
    def carried_forward(self) -> bool:
        """The rule set in force is an earlier year's (targets carry forward)."""
        return self.rule_set is not None and self.rule_set.year != self.period.year

    def get(self, code: str) -> Value:
        for v in self.service + self.ruled:
            if v.spec.code == code:
                return v
        raise KeyError(code)


def q2(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def share(num, den) -> Decimal | None:
    if not den:
        return None
    return q2(Decimal(num) * HUNDRED / Decimal(den))
