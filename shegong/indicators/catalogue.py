"""The indicators: what each is, how it is computed for a region node and a period, its
target from the rule set in force, its status and its trend.

Service counts come from ``Aggregate`` (one indexed read per node and period; a village
reads its facts directly). Workforce and coverage indicators are stocks over small tables
(workers, stations, villages, training), one GROUP BY each.
"""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from shegong.core.divisions import in_subtree

from .facts import SERVICE_KINDS, metrics_of
from .models import Aggregate, DistinctKey, Rule, RuleSet, ServiceFact
from .periods import Period


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
    Spec("training_city_hours", _("Training per worker (city-organised)"), "h/p", "workforce"),
    Spec("training_county_hours", _("Training per worker (county-organised)"), "h/p", "workforce"),
    Spec("training_hours", _("Training per worker (all)"), "h/p", "workforce"),
    Spec("new_hire_share", _("New hires meeting age and education rules"), "%", "workforce"),
]

SPECS = {s.code: s for s in SERVICE + RULED}
RULE_CHOICES = [(s.code, s.label) for s in RULED]
# hours targets are a year's; a shorter period is held to its share of the year
ANNUAL_HOURS = {
    "supervision_city_hours",
    "supervision_county_hours",
    "training_city_hours",
    "training_county_hours",
    "training_hours",
}
CITY_LEVEL = ("province", "city")
COUNTY_LEVEL = ("county", "agency")
COLLEGE_OR_ABOVE = ("college", "bachelor", "master", "doctor")
HUNDRED = Decimal(100)


@dataclass
class Value:
    spec: Spec
    value: Decimal | None
    previous: Decimal | None = None
    target: Decimal | None = None
    upper: Decimal | None = None
    rule: Rule | None = None
    status: str = "none"  # met | at_risk | missed | none (no target or no data)
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

    def get(self, code: str) -> Value:
        for v in self.service + self.ruled:
            if v.spec.code == code:
                return v
        raise KeyError(code)


def q2(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _share(num, den) -> Decimal | None:
    if not den:
        return None
    return q2(Decimal(num) * HUNDRED / Decimal(den))


# ----- reading the aggregates -------------------------------------------------------------


def node_level(code: str) -> int:
    return {2: 1, 4: 2, 6: 3, 9: 4, 12: 5}[len(code)]


def metrics(code: str, period_keys: list[str], periods: dict | None = None) -> dict:
    """{period key: {metric: value}} for one node; a village is read from its facts."""
    out = {key: {} for key in period_keys}
    if len(code) > 9:
        from . import periods as P

        for key in period_keys:
            p = (periods or {}).get(key) or P.parse(key)
            out[key] = _village_metrics(code, p)
        return out
    rows = Aggregate.objects.filter(node=code, period__in=period_keys).values_list(
        "period", "metric", "value"
    )
    for period, metric, value in rows:
        out[period][metric] = value
    return out


def _village_metrics(code: str, period: Period) -> dict:
    sums: dict = {}
    facts = ServiceFact.objects.filter(
        township=code[:9], village=code, date__range=(period.start, period.end)
    ).only(
        "kind",
        "n",
        "person_times",
        "money",
        "in_kind",
        "volunteers",
        "hours",
        "professional",
        "in_village",
    )
    covered = False
    for fact in facts:
        for metric, amount in metrics_of(fact).items():
            sums[metric] = sums.get(metric, Decimal(0)) + amount
        covered = covered or (fact.professional and fact.kind in SERVICE_KINDS)
    sums["people"] = Decimal(
        DistinctKey.objects.filter(kind="p", period=period.key, region=code).count()
    )
    if covered:
        sums["villages"] = Decimal(1)
    return sums


def cases_active(code: str, period: Period) -> Decimal:
    """Cases open at the end of the period: all opened up to then, less all closed."""
    keys = [str(y) for y in range(2000, period.end.year)] + [
        f"{period.end.year}-{m:02d}" for m in range(1, period.end.month + 1)
    ]
    if len(code) > 9:
        from shegong.work.models import Case

        return Decimal(
            Case.objects.filter(region_id=code, opened_on__lte=period.end)
            .exclude(stage="closed", closed_on__lte=period.end)
            .count()
        )
    total = Aggregate.objects.filter(
        node=code, period__in=keys, metric__in=("case_opened", "case_closed")
    ).aggregate(
        opened=Sum("value", filter=Q(metric="case_opened")),
        closed=Sum("value", filter=Q(metric="case_closed")),
    )
    return q2((total["opened"] or 0) - (total["closed"] or 0))


# ----- stocks: workers, stations, villages, training -------------------------------------


def workforce(code: str, period: Period, max_age: int | None) -> dict:
    from shegong.accounts.roles import STATION_ROLES
    from shegong.workforce.models import SocialWorkerProfile

    profiles = SocialWorkerProfile.objects.filter(
        in_subtree("user__scope_region_id", code),
        user__is_active=True,
        user__role__in=STATION_ROLES,
    )
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


def stocks(code: str, period: Period, max_age: int | None) -> tuple:
    """Workers, stations and villages of a node: they change slowly, so they are cached
    for ``SHEGONG_INDICATOR_CACHE_SECONDS`` (a change shows within a minute)."""
    from django.conf import settings
    from django.core.cache import cache

    seconds = settings.SHEGONG_INDICATOR_CACHE_SECONDS
    key = f"shegong:stocks:{code}:{period.key}:{max_age}"
    if seconds and (hit := cache.get(key)) is not None:
        return hit
    value = (workforce(code, period, max_age), stations(code), villages(code))
    if seconds:
        cache.set(key, value, seconds)
    return value


def _age(birth: datetime.date, on: datetime.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def stations(code: str) -> list[tuple[str, int | None, int]]:
    """(region, star rating, active staff) for every township station in the node."""
    from shegong.accounts.roles import STATION_ROLES
    from shegong.stations.models import Station

    return list(
        Station.objects.filter(in_subtree("region_id", code), tier=Station.Tier.TOWNSHIP)
        .annotate(
            n_staff=Count("staff", filter=Q(staff__is_active=True, staff__role__in=STATION_ROLES))
        )
        .values_list("region_id", "star_rating", "n_staff")
    )


def villages(code: str) -> dict:
    from shegong.regions.models import Region
    from shegong.workforce.models import SocialWorkerProfile

    if len(code) > 9:
        total = Region.objects.filter(code=code, level=5).count()
    else:
        total = Region.objects.filter(in_subtree("code", code), level=5).count()
    through = SocialWorkerProfile.designated_villages.through
    designated = (
        through.objects.filter(
            in_subtree("region_id", code), socialworkerprofile__user__is_active=True
        )
        .values("region_id")
        .distinct()
        .count()
    )
    return {"total": total, "designated": designated}


# ----- rule sets -------------------------------------------------------------------------


def rule_set_for(code: str, year: int) -> RuleSet | None:
    """The rule set in force: the city's before the province's; that year's, or else the
    latest earlier one (targets carry forward until a new year's set is entered)."""
    for prefix in (code[:4], code[:2]):
        if len(code) < len(prefix) or len(prefix) not in (2, 4):
            continue
        found = RuleSet.objects.filter(region_code=prefix, year__lte=year).order_by("-year").first()
        if found:
            return found
    return None


def _status(value: Decimal | None, rule: Rule | None, target: Decimal | None) -> str:
    if value is None or rule is None or target is None:
        return "none"
    margin = Decimal(1) - rule.at_risk_margin / HUNDRED
    if rule.op == Rule.Op.AT_MOST:
        if value <= target:
            return "met"
        return "at_risk" if value * margin <= target else "missed"
    if value >= target:
        return "met"
    return "at_risk" if value >= target * margin else "missed"


# ----- the board -------------------------------------------------------------------------


def records_url(metric: str, code: str, period: Period, **extra) -> str:
    query = {"metric": metric, "node": code, "period": period.key, **extra}
    return reverse("indicators:records") + "?" + urlencode(query)


def stations_url(code: str, **extra) -> str:
    """Township stations are listed by the station list itself, already filtered."""
    query = {"region": code, "tier": "township", **extra}
    return reverse("stations:list") + "?" + urlencode(query)


def compute(node, period: Period, *, rule_set: RuleSet | None = None, today=None) -> Board:
    code = node.code
    today = today or timezone.localdate()
    previous = period.previous()
    data = metrics(code, [period.key, previous.key], {period.key: period, previous.key: previous})
    now, before = data[period.key], data[previous.key]
    now["cases_active"] = cases_active(code, period)
    before["cases_active"] = cases_active(code, previous)
    rule_set = rule_set or rule_set_for(code, period.year)
    rules = {r.indicator: r for r in rule_set.rules.all()} if rule_set else {}
    board = Board(node=node, period=period, rule_set=rule_set, raw=now)
    for spec in SERVICE:
        value = now.get(spec.code, Decimal(0))
        board.service.append(
            Value(
                spec,
                q2(value),
                previous=q2(before.get(spec.code, Decimal(0))),
                url=records_url(spec.code, code, period),
            )
        )
    # ruled indicators
    age_rule = rules.get("new_hire_share")
    work, st, vil = stocks(
        code, period, int(age_rule.upper) if age_rule and age_rule.upper else None
    )
    workers = work["workers"]
    fraction = Decimal(str(_year_fraction(period, today)))
    values: dict[str, tuple] = {}

    def hours_share(metric, data_):
        return _share(data_.get(metric, 0), data_.get("hours", 0))

    values["qualified_share"] = (
        _share(work["qualified"], workers),
        None,
        _("%(n)s of %(d)s workers") % {"n": work["qualified"], "d": workers},
        records_url("workers", code, period, qualified="1"),
    )
    values["professional_hours_share"] = (
        hours_share("hours_prof", now),
        hours_share("hours_prof", before),
        _("%(n)s of %(d)s hours")
        % {"n": q2(now.get("hours_prof", 0)), "d": q2(now.get("hours", 0))},
        records_url("hours_prof", code, period),
    )
    values["in_village_share"] = (
        hours_share("hours_village", now),
        hours_share("hours_village", before),
        _("%(n)s of %(d)s hours")
        % {"n": q2(now.get("hours_village", 0)), "d": q2(now.get("hours", 0))},
        records_url("hours_village", code, period),
    )
    five = sum(1 for _r, star, _n in st if star == 5)
    values["five_star_share"] = (
        _share(five, len(st)),
        None,
        _("%(n)s of %(d)s township stations") % {"n": five, "d": len(st)},
        stations_url(code, star="5"),
    )
    star_rule = rules.get("five_star_share")
    lo_hi = rules.get("staff_per_station")
    lo = int(lo_hi.target) if lo_hi else 3
    hi = int(lo_hi.upper) if lo_hi and lo_hi.upper else 8
    inside = sum(1 for _r, _s, n in st if lo <= n <= hi)
    values["staff_per_station"] = (
        _share(inside, len(st)),
        None,
        _("%(n)s of %(d)s stations have %(lo)s–%(hi)s staff")
        % {"n": inside, "d": len(st), "lo": lo, "hi": hi},
        stations_url(code),
    )
    covered_now = now.get("villages", 0)
    values["villages_covered_share"] = (
        _share(covered_now, vil["total"]),
        _share(before.get("villages", 0), vil["total"]),
        _("%(n)s of %(d)s villages") % {"n": int(covered_now), "d": vil["total"]},
        records_url("villages", code, period),
    )
    values["designated_share"] = (
        _share(vil["designated"], vil["total"]),
        None,
        _("%(n)s of %(d)s villages") % {"n": vil["designated"], "d": vil["total"]},
        records_url("villages", code, period, designated="1"),
    )
    for key, kind, level in (
        ("supervision_city_hours", "supervision", "city"),
        ("supervision_county_hours", "supervision", "county"),
        ("training_city_hours", "training", "city"),
        ("training_county_hours", "training", "county"),
    ):
        hours = Decimal(now.get(f"{kind}_{level}", 0))
        values[key] = (
            q2(hours / workers) if workers else None,
            None,
            _("%(h)s h for %(w)s workers") % {"h": q2(hours), "w": workers},
            records_url("training", code, period, kind=kind, organiser=level),
        )
    all_training = Decimal(now.get("training_city", 0)) + Decimal(now.get("training_county", 0))
    values["training_hours"] = (
        q2(all_training / workers) if workers else None,
        None,
        _("%(h)s h for %(w)s workers") % {"h": q2(all_training), "w": workers},
        records_url("training", code, period, kind="training"),
    )
    values["new_hire_share"] = (
        _share(work["hires_ok"], work["hires"]),
        None,
        _("%(n)s of %(d)s hired in the period") % {"n": work["hires_ok"], "d": work["hires"]},
        records_url("workers", code, period, hired="1"),
    )
    for spec in RULED:
        value, prev, detail, url = values[spec.code]
        rule = rules.get(spec.code)
        if rule is None and spec.code not in ("professional_hours_share", "qualified_share"):
            # shown only when the rule set in force asks for it, or always-useful shares
            if spec.code not in ("in_village_share", "villages_covered_share"):
                continue
        target = upper = None
        status = "none"
        if rule is not None:
            if rule.op == Rule.Op.BETWEEN:
                target, upper = HUNDRED, None
                status = _status(value, rule, HUNDRED)
            else:
                target = rule.target
                if spec.code in ANNUAL_HOURS:
                    target = q2(target * fraction)
                status = _status(value, rule, target)
            if spec.code == "five_star_share" and star_rule and star_rule.minimum_count:
                short = _counties_short(st, star_rule.minimum_count) if len(code) <= 6 else 0
                if short and status == "met":
                    status = "at_risk"
                if short:
                    detail = f"{detail}; " + str(
                        _("%(n)s counties have fewer than %(m)s")
                        % {"n": short, "m": star_rule.minimum_count}
                    )
        board.ruled.append(Value(spec, value, prev, target, upper, rule, status, str(detail), url))
    return board


def _counties_short(st, minimum: int) -> int:
    per_county: dict[str, int] = {}
    for region, star, _n in st:
        per_county.setdefault(region[:6], 0)
        if star == 5:
            per_county[region[:6]] += 1
    return sum(1 for n in per_county.values() if n < minimum)


def _year_fraction(period: Period, today: datetime.date) -> float:
    """The share of a year's target a period is held to: its elapsed days over the year's."""
    end = min(period.end, max(today, period.start))
    days = (end - period.start).days + 1
    year_days = 366 if period.year % 4 == 0 else 365
    return min(1.0, days / year_days)


def children(node, period: Period, metric_codes: list[str]) -> list[dict]:
    """The node's child regions ranked: one aggregate read for all of them."""
    from shegong.regions.models import Region

    level = node_level(node.code)
    if level >= 4:
        return []
    kids = list(
        Region.objects.filter(parent_id=node.code).order_by("code").values_list("code", "name")
    )
    values: dict = {c: {} for c, _n in kids}
    for child, metric, value in Aggregate.objects.filter(
        in_subtree("node", node.code),
        period=period.key,
        level=level + 1,
        metric__in=metric_codes,
    ).values_list("node", "metric", "value"):
        if child in values:
            values[child][metric] = value
    return [
        {
            "code": c,
            "name": n,
            "values": [values[c].get(m, Decimal(0)) for m in metric_codes],
            "urls": [records_url(m, c, period) for m in metric_codes],
            "dashboard": reverse("indicators:dashboard")
            + "?"
            + urlencode({"node": c, "period": period.key}),
        }
        for c, n in kids
    ]


def trend(code: str, period: Period, metric_codes: list[str], steps: int = 12) -> dict:
    """The last ``steps`` periods of the same kind, oldest first: {"labels", "series"}."""
    if period.kind == "year":
        steps = 5
    keys = [period.previous(i) for i in range(steps - 1, -1, -1)]
    data = metrics(code, [p.key for p in keys], {p.key: p for p in keys})
    return {
        "labels": [p.key for p in keys],
        "series": {m: [float(data[p.key].get(m, 0)) for p in keys] for m in metric_codes},
    }
