"""Computing a board: the value of every indicator for a region node and a period, its
target from the rule set in force, its status, its trend, and its children.

Service counts come from ``Aggregate`` (one indexed read per node and period; a village
reads its facts directly). Workforce and coverage indicators are stocks (``stocks.py``),
provided by the apps that own those records; stations and villages are counted here.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Q
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shegong.accounts.roles import STATION_ROLES
from shegong.core import sharedcache
from shegong.core.divisions import in_subtree
from shegong.core.links import url_of, with_query
from shegong.regions.models import Region
from shegong.stations.models import Station

from . import periods as P
from . import stocks as stock_providers
from .definitions import (
    ANNUAL_HOURS,
    CORE_DOMAINS,
    HUNDRED,
    RULED,
    SERVICE,
    SPECS,
    SPLIT,
    Board,
    Domain,
    Spec,
    Value,
    q2,
    share,
)
from .engine import metrics_of, split
from .facts import SERVICE_KINDS
from .models import Aggregate, DistinctKey, Rule, RuleSet, ServiceFact
from .periods import Period

# the ruled indicators a board shows even when the rule set in force names no target
ALWAYS_SHOWN = frozenset(
    {
        "professional_hours_share",
        "qualified_share",
        "in_village_share",
        "villages_covered_share",
        # the agencies' own training: a level no rule set targets, shown beside the others
        "supervision_agency_hours",
        "training_agency_hours",
        # the community organisations the stations incubate (五社联动)
        "organisations_incubating",
        "organisations_filed",
        # residents' requests: how a region answers its residents, targeted or not
        "request_on_time_share",
        "hours_to_response",
        "request_closed_share",
        "request_satisfaction",
        "need_matched_share",
        "hours_to_match",
    }
)

# ----- reading the aggregates -------------------------------------------------------------


def node_level(code: str) -> int:
    return {2: 1, 4: 2, 6: 3, 9: 4, 12: 5}[len(code)]


def metrics(code: str, period_keys: list[str], periods: dict | None = None) -> dict:
    """{period key: {metric: value}} for one node; a village is read from its facts."""
    out = {key: {} for key in period_keys}
    if len(code) > 9:
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
        "volunteer_hours",
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
    return cases_active_at(code, [period])[0]


def cases_active_at(code: str, periods: list[Period]) -> list[Decimal]:
    """``cases_active`` at the end of each of ``periods``, read in one query (a board's
    period and the one before)."""
    if len(code) > 9:  # a village has no aggregate: its cases are counted where they are
        return [Decimal(stock_providers.read("open_cases", code=code, period=p)) for p in periods]
    wanted = [_keys_up_to(p) for p in periods]
    rows = list(
        Aggregate.objects.filter(
            node=code,
            period__in=sorted(set().union(*wanted)),
            metric__in=("case_opened", "case_closed"),
        ).values_list("period", "metric", "value")
    )
    return [
        q2(
            sum(
                (value if metric == "case_opened" else -value)
                for key, metric, value in rows
                if key in keys
            )
        )
        for keys in wanted
    ]


def _keys_up_to(period: Period) -> set[str]:
    """The aggregates' periods that add up to everything before the period's end: every
    year before its year, and its year's months up to its last."""
    end = period.end
    return {str(y) for y in range(2000, end.year)} | {
        f"{end.year}-{m:02d}" for m in range(1, end.month + 1)
    }


# ----- stocks: workers, stations, villages -------------------------------------------------


def stocks(code: str, period: Period, max_age: int | None) -> tuple:
    """Workers, stations and villages of a node: they change slowly, so they are cached
    for ``SHEGONG_INDICATOR_CACHE_SECONDS`` (a change shows within a minute)."""

    def load() -> tuple:
        work = stock_providers.read("workforce", code=code, period=period, max_age=max_age)
        return (work, stations(code, on=min(period.end, timezone.localdate())), villages(code))

    key = f"shegong:stocks:{code}:{period.key}:{max_age}"
    return sharedcache.read(key, load, settings.SHEGONG_INDICATOR_CACHE_SECONDS)


def registered(name: str, **kwargs):
    """The stock ``name`` of a provider (``stocks.read``) kept like ``stocks`` for
    ``SHEGONG_INDICATOR_CACHE_SECONDS`` per its arguments: what is registered (party teams,
    community organisations, filed agencies) and the residents' requests of a period change
    slowly beside the service figures, and a dashboard read them on every view (a change
    shows within a minute). LookupError, when no app provides it, is not kept."""
    args = ":".join(f"{k}={getattr(v, 'key', v)}" for k, v in sorted(kwargs.items()))
    return sharedcache.read(
        f"shegong:stock:{name}:{args}",
        lambda: stock_providers.read(name, **kwargs),
        settings.SHEGONG_INDICATOR_CACHE_SECONDS,
    )


def stations(code: str, on: datetime.date | None = None) -> list[tuple[str, int | None, int]]:
    """(region, star rating, active staff) for every township station in the node; the
    star rating in force on ``on`` (the evaluation app keeps the decisions), today's
    when no app provides them."""
    rows = list(
        Station.objects.filter(in_subtree("region_id", code), tier=Station.Tier.TOWNSHIP)
        .annotate(
            n_staff=Count("staff", filter=Q(staff__is_active=True, staff__role__in=STATION_ROLES))
        )
        .values_list("pk", "region_id", "star_rating", "n_staff")
    )
    try:
        stars = stock_providers.read("star_ratings", code=code, on=on or timezone.localdate())
    except LookupError:
        return [(region, star, n) for _pk, region, star, n in rows]
    return [(region, stars.get(pk), n) for pk, region, _star, n in rows]


def villages(code: str) -> dict:
    """Villages in the node, and how many have an active designated worker."""
    if len(code) > 9:
        total = Region.objects.filter(code=code, level=5).count()
    else:
        total = Region.objects.filter(in_subtree("code", code), level=5).count()
    return {"total": total, "designated": stock_providers.read("designated_villages", code=code)}


# ----- rule sets -------------------------------------------------------------------------


def rule_set_for(code: str, year: int) -> RuleSet | None:
    """The rule set in force: the city's before the province's; that year's, or else the
    latest earlier one (targets carry forward until a new year's set is entered). Every
    write of station work (its day's hours ceiling) and every dashboard asks: the order
    is written once, in ``rule_sets_for``."""
    return rule_sets_for([code], year)[code]


RULE_SETS_KEY = "indicators:rule_sets"


def all_rule_sets() -> list[RuleSet]:
    """Every rule set (a province's and its cities' over the years: a few dozen rows), kept
    in the shared cache for an hour and forgotten whenever one of them or their rules is
    saved or deleted (``forget_rule_sets``, IndicatorsConfig.ready)."""
    seconds = 3600 if settings.SHEGONG_SHARED_CACHE else 0
    return sharedcache.read(RULE_SETS_KEY, lambda: list(RuleSet.objects.all()), seconds)


def forget_rule_sets(**kwargs) -> None:
    """Drop the cached rule sets, now and when the transaction commits."""
    sharedcache.forget([RULE_SETS_KEY])


def rule_sets_for(codes, year: int) -> dict[str, RuleSet | None]:
    """The rule set in force for each code (``rule_set_for``): one query for all of them
    (a province's counties), or none when the shared cache holds the deployment's few rule
    sets (``all_rule_sets``)."""
    codes = list(codes)
    prefixes = {p for c in codes for p in (c[:4], c[:2]) if len(p) in (2, 4)}
    if settings.SHEGONG_SHARED_CACHE:  # from the shared cache, no query
        found = sorted(
            (r for r in all_rule_sets() if r.region_code in prefixes and r.year <= year),
            key=lambda r: (-len(r.region_code), -r.year),
        )
    else:  # one query: the longer (city) codes first, then the latest year
        found = list(
            RuleSet.objects.filter(region_code__in=prefixes, year__lte=year).order_by(
                Length("region_code").desc(), "-year"
            )
        )
    out: dict[str, RuleSet | None] = {}
    for code in codes:
        mine = {p for p in (code[:4], code[:2]) if len(p) in (2, 4)}
        out[code] = next((r for r in found if r.region_code in mine), None)
    return out


def status(value: Decimal | None, rule: Rule | None, target: Decimal | None) -> str:
    """met / at_risk / missed against the target; ``none`` when there is no target,
    ``no_data`` when there is a target but nothing to measure yet."""
    if rule is None or target is None:
        return "none"
    if value is None:
        return "no_data"
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
    return with_query(url_of("indicators:records"), query)


def stations_url(code: str, **extra) -> str:
    """Township stations are listed by the station list itself, already filtered."""
    query = {"region": code, "tier": "township", **extra}
    return with_query(url_of("stations:list"), query)


# what a ruled indicator reads off: (value, previous value, detail sentence, records URL)
Reading = tuple[Decimal | None, Decimal | None, object, str]


def compute(node, period: Period, *, rule_set: RuleSet | None = None, today=None) -> Board:
    """Every indicator of ``node`` for ``period``, judged against the rule set in force."""
    code = node.code
    previous = period.previous()
    data = metrics(code, [period.key, previous.key], {period.key: period, previous.key: previous})
    now, before = data[period.key], data[previous.key]
    now["cases_active"], before["cases_active"] = cases_active_at(code, [period, previous])
    rule_set = rule_set or rule_set_for(code, period.year)
    rules = {r.indicator: r for r in rule_set.rules.all()} if rule_set else {}
    board = Board(
        node=node,
        period=period,
        rule_set=rule_set,
        raw=now,
        raw_previous=before,
        partial=period.start <= (today or timezone.localdate()) <= period.end,
    )
    board.service = service_values(code, period, now, before)
    age_rule = rules.get("new_hire_share")
    work, st, vil = stocks(
        code, period, int(age_rule.upper) if age_rule and age_rule.upper else None
    )
    readings = {
        **workforce_readings(
            code,
            period,
            work,
            now,
            agency_as_county=bool(rule_set and rule_set.agency_training_as_county),
        ),
        **hours_readings(code, period, now, before),
        **station_readings(code, st, rules),
        **coverage_readings(code, period, vil, now, before),
        **resident_readings(code, period),
        **organisation_readings(code, period),
    }
    if "agencies_per_county" in rules:
        readings.update(agency_readings(code, rules["agencies_per_county"]))
    if "party_team_share" in rules:
        readings.update(party_team_readings(code, period, st))
    fraction = Decimal(str(_year_fraction(period, today or timezone.localdate())))
    for spec in RULED:
        rule = rules.get(spec.code)
        if rule is None and spec.code not in ALWAYS_SHOWN:
            continue  # shown only when the rule set in force asks for it
        board.ruled.append(judge(spec, readings[spec.code], rule, fraction, code, st, rules))
    return board


def figures(node, period: Period) -> dict[str, tuple[Decimal | None, str]]:
    """Every indicator of ``node`` for ``period`` as (value, records URL), judged against
    nothing: what an evaluation item reads its suggested score from."""
    code = node.code
    data = metrics(code, [period.key], {period.key: period})
    now = data[period.key]
    now["cases_active"] = cases_active(code, period)
    rule_set = rule_set_for(code, period.year)
    rules = {r.indicator: r for r in rule_set.rules.all()} if rule_set else {}
    age_rule = rules.get("new_hire_share")
    work, st, vil = stocks(
        code, period, int(age_rule.upper) if age_rule and age_rule.upper else None
    )
    out = {v.spec.code: (v.value, v.url) for v in service_values(code, period, now, {})}
    readings = {
        **workforce_readings(
            code,
            period,
            work,
            now,
            agency_as_county=bool(rule_set and rule_set.agency_training_as_county),
        ),
        **hours_readings(code, period, now, {}),
        **station_readings(code, st, rules),
        **coverage_readings(code, period, vil, now, {}),
        **resident_readings(code, period),
        **organisation_readings(code, period),
    }
    if "party_team_share" in rules:
        readings.update(party_team_readings(code, period, st))
    out.update({name: (value, url) for name, (value, _prev, _detail, url) in readings.items()})
    return out


def service_values(
    code: str, period: Period, now: dict, before: dict, *, domain: str = ""
) -> list[Value]:
    """The service counts, each with last period's and the link to its records; with
    ``domain``, within that service domain (a figure not split by domain has no value)."""
    out = []
    for spec in SERVICE:
        if domain and spec.code not in SPLIT:
            out.append(Value(spec, None, detail=str(_("Not split by service domain"))))
            continue
        metric = split(spec.code, domain) if domain else spec.code
        extra = {"domain": domain} if domain else {}
        out.append(
            Value(
                spec,
                q2(now.get(metric, Decimal(0))),
                previous=q2(before.get(metric, Decimal(0))),
                url=records_url(spec.code, code, period, **extra),
            )
        )
    return out


@dataclass
class DomainRow:
    spec: Spec
    total: Decimal
    cells: list  # (value, records URL) per domain column
    rest: Decimal  # what no domain holds (records from before domains): shown, so it adds up
    cells_html: str = ""  # the cells as the dashboard draws them (indicators.views)


def domain_split(code: str, period: Period, now: dict) -> tuple[list, list[DomainRow]]:
    """Every service figure of a node's period split by service domain: the columns (the
    four Hunan judges on, and any other domain with work in the period) and one row per
    figure whose cells add up to its total."""
    used = {m.split("@", 1)[1] for m, v in now.items() if "@" in m and v}
    columns = [(d, label) for d, label in Domain.choices if d in CORE_DOMAINS or d in used]
    rows = []
    for metric in SPLIT:
        total = q2(now.get(metric, Decimal(0)))
        cells = [
            (
                q2(now.get(split(metric, d), Decimal(0))),
                records_url(metric, code, period, domain=d),
            )
            for d, _label in columns
        ]
        rest = total - sum((v for v, _u in cells), Decimal(0))
        rows.append(DomainRow(SPECS[metric], total, cells, rest))
    return columns, rows


def workforce_readings(
    code: str, period: Period, work: dict, now: dict, *, agency_as_county: bool = False
) -> dict[str, Reading]:
    """Qualified staff, new hires, and training and supervision hours per worker, by who
    organised them (city, county, agency; the agency's added to the county's where the
    rule set says so)."""
    workers = work["workers"]
    out: dict[str, Reading] = {
        "qualified_share": (
            share(work["qualified"], workers),
            None,
            _("%(n)s of %(d)s workers") % {"n": work["qualified"], "d": workers},
            records_url("workers", code, period, qualified="1"),
        ),
        "new_hire_share": (
            share(work["hires_ok"], work["hires"]),
            None,
            _("%(n)s of %(d)s hired in the period") % {"n": work["hires_ok"], "d": work["hires"]},
            records_url("workers", code, period, hired="1"),
        ),
    }
    agency_note = _("including %(h)s h organised by agencies")
    for kind in ("supervision", "training"):
        city = Decimal(now.get(f"{kind}_city", 0))
        county = Decimal(now.get(f"{kind}_county", 0))
        agency = Decimal(now.get(f"{kind}_agency", 0))
        counted = county + agency if agency_as_county else county
        for level, hours, extra in (
            ("city", city, {}),
            ("county", counted, {"agency": "1"} if agency_as_county else {}),
            ("agency", agency, {}),
        ):
            detail = _("%(h)s h for %(w)s workers") % {"h": q2(hours), "w": workers}
            if level == "county" and agency_as_county and agency:
                detail += "（" + agency_note % {"h": q2(agency)} + "）"
            out[f"{kind}_{level}_hours"] = (
                q2(hours / workers) if workers else None,
                None,
                detail,
                records_url("training", code, period, kind=kind, organiser=level, **extra),
            )
    all_training = sum(
        (Decimal(now.get(f"training_{level}", 0)) for level in ("city", "county", "agency")),
        Decimal(0),
    )
    out["training_hours"] = (
        q2(all_training / workers) if workers else None,
        None,
        _("%(h)s h for %(w)s workers") % {"h": q2(all_training), "w": workers},
        records_url("training", code, period, kind="training"),
    )
    return out


def hours_readings(code: str, period: Period, now: dict, before: dict) -> dict[str, Reading]:
    """Shares of the hours worked: professional service, and in villages."""

    def hours_share(metric, data):
        return share(data.get(metric, 0), data.get("hours", 0))

    return {
        metric_code: (
            hours_share(metric, now),
            hours_share(metric, before),
            _("%(n)s of %(d)s hours") % {"n": q2(now.get(metric, 0)), "d": q2(now.get("hours", 0))},
            records_url(metric, code, period),
        )
        for metric_code, metric in (
            ("professional_hours_share", "hours_prof"),
            ("in_village_share", "hours_village"),
        )
    }


def station_readings(code: str, st: list, rules: dict) -> dict[str, Reading]:
    """Five-star township stations, and stations staffed within the rule's range."""
    five = sum(1 for _r, star, _n in st if star == 5)
    lo_hi = rules.get("staff_per_station")
    lo = int(lo_hi.target) if lo_hi else 3
    hi = int(lo_hi.upper) if lo_hi and lo_hi.upper else 8
    inside = sum(1 for _r, _s, n in st if lo <= n <= hi)
    return {
        "five_star_share": (
            share(five, len(st)),
            None,
            _("%(n)s of %(d)s township stations") % {"n": five, "d": len(st)},
            stations_url(code, star="5"),
        ),
        "staff_per_station": (
            share(inside, len(st)),
            None,
            _("%(n)s of %(d)s stations have %(lo)s–%(hi)s staff")
            % {"n": inside, "d": len(st), "lo": lo, "hi": hi},
            stations_url(code),
        ),
    }


def agency_readings(code: str, rule: Rule) -> dict[str, Reading]:
    """Filed agencies per county (the purchase app provides the counts): a county's own
    count; above a county, the fewest of its counties, so the rule is met only where every
    county meets it."""
    found = registered("filed_agencies", code=code)
    counts = found["counts"]
    if not counts:
        return {"agencies_per_county": (None, None, _("No counties here."), found["url"])}
    fewest = min(counts.values())
    target = int(rule.target)
    short = sum(1 for n in counts.values() if n < target)
    return {
        "agencies_per_county": (
            Decimal(fewest),
            None,
            _("%(total)s filed agencies; %(short)s of %(counties)s counties below %(target)s")
            % {
                "total": sum(counts.values()),
                "short": short,
                "counties": len(counts),
                "target": target,
            },
            found["url"],
        )
    }


def coverage_readings(
    code: str, period: Period, vil: dict, now: dict, before: dict
) -> dict[str, Reading]:
    """Villages covered by professional service, and villages with a designated worker."""
    covered_now = now.get("villages", 0)
    return {
        "villages_covered_share": (
            share(covered_now, vil["total"]),
            share(before.get("villages", 0), vil["total"]),
            _("%(n)s of %(d)s villages") % {"n": int(covered_now), "d": vil["total"]},
            records_url("villages", code, period),
        ),
        "designated_share": (
            share(vil["designated"], vil["total"]),
            None,
            _("%(n)s of %(d)s villages") % {"n": vil["designated"], "d": vil["total"]},
            records_url("villages", code, period, designated="1"),
        ),
    }


def party_team_readings(code: str, period: Period, st: list) -> dict[str, Reading]:
    """Township stations with a party members' volunteer team (the community app provides
    the count, ``stocks.party_teams``)."""
    try:
        found = registered("party_teams", code=code)
    except LookupError:
        return {}
    return {
        "party_team_share": (
            share(found["stations"], len(st)),
            None,
            _("%(n)s of %(d)s township stations") % {"n": found["stations"], "d": len(st)},
            records_url("party_teams", code, period),
        )
    }


def organisation_readings(code: str, period: Period) -> dict[str, Reading]:
    """The node's community organisations, being incubated and filed or registered, as
    they are today (the community app provides the counts, ``stocks.organisations``)."""
    try:
        found = registered("organisations", code=code)
    except LookupError:
        return {}
    return {
        "organisations_incubating": (
            Decimal(found["incubating"]),
            None,
            _("as registered today"),
            records_url("organisations", code, period, filed="0"),
        ),
        "organisations_filed": (
            Decimal(found["filed"]),
            None,
            _("as registered today"),
            records_url("organisations", code, period, filed="1"),
        ),
    }


def resident_readings(code: str, period: Period) -> dict[str, Reading]:
    """How residents' requests of the period were answered (the residents app provides
    the counts, ``stocks.resident_requests``): on time, closed, rated, and needs matched."""
    try:
        r = registered("resident_requests", code=code, period=period)
    except LookupError:  # the residents app is not installed
        return {}

    def avg(total, n, scale=1):
        return q2(Decimal(total) / Decimal(n) / Decimal(scale)) if n else None

    url = records_url("requests", code, period)
    return {
        "request_on_time_share": (
            share(r["on_time"], r["due"]),
            None,
            _("%(n)s of %(d)s requests answered by their due date")
            % {"n": r["on_time"], "d": r["due"]},
            records_url("requests", code, period, which="due"),
        ),
        "hours_to_response": (
            avg(r["response_seconds"], r["answered"], 3600),
            None,
            _("the mean of %(n)s requests answered") % {"n": r["answered"]},
            records_url("requests", code, period, which="answered"),
        ),
        "request_closed_share": (
            share(r["closed"], r["total"]),
            None,
            _("%(n)s of %(d)s requests") % {"n": r["closed"], "d": r["total"]},
            url,
        ),
        "request_satisfaction": (
            avg(r["satisfaction"], r["rated"]),
            None,
            _("%(n)s ratings") % {"n": r["rated"]},
            records_url("requests", code, period, which="rated"),
        ),
        "need_matched_share": (
            share(r["matched"], r["needs"]),
            None,
            _("%(n)s of %(d)s needs; %(u)s unmatched")
            % {"n": r["matched"], "d": r["needs"], "u": r["needs"] - r["matched"]},
            records_url("requests", code, period, which="needs"),
        ),
        "hours_to_match": (
            avg(r["match_seconds"], r["matched"], 3600),
            None,
            _("the mean of %(n)s needs matched") % {"n": r["matched"]},
            records_url("requests", code, period, which="matched"),
        ),
    }


def judge(
    spec: Spec,
    reading: Reading,
    rule: Rule | None,
    fraction: Decimal,
    code: str,
    st: list,
    rules: dict,
) -> Value:
    """One ruled indicator's value with its target and status.

    A range rule (staff per station) is met by 100 % of stations inside it; a year's hours
    target is held pro rata for a shorter period; the five-star share is at risk while a
    county has fewer five-star stations than the rule's minimum.
    """
    value, prev, detail, url = reading
    target = upper = None
    judged = "none"
    if rule is not None:
        if rule.op == Rule.Op.BETWEEN:
            target = HUNDRED
            judged = status(value, rule, HUNDRED)
        else:
            target = rule.target
            if spec.code in ANNUAL_HOURS:
                target = q2(target * fraction)
            judged = status(value, rule, target)
        star_rule = rules.get("five_star_share")
        if spec.code == "five_star_share" and star_rule and star_rule.minimum_count:
            short = _counties_short(st, star_rule.minimum_count) if len(code) <= 6 else []
            if short and judged == "met":
                judged = "at_risk"
            if short:
                names = Region.objects.filter(code__in=short).order_by("code")
                detail = f"{detail}; " + str(
                    _("%(n)s counties have fewer than %(m)s: %(names)s")
                    % {
                        "n": len(short),
                        "m": star_rule.minimum_count,
                        "names": "、".join(names.values_list("name", flat=True)),
                    }
                )
    return Value(spec, value, prev, target, upper, rule, judged, str(detail), url)


def _counties_short(st, minimum: int) -> list[str]:
    """The counties (codes) with fewer than ``minimum`` five-star township stations."""
    per_county: dict[str, int] = {}
    for region, star, _n in st:
        per_county.setdefault(region[:6], 0)
        if star == 5:
            per_county[region[:6]] += 1
    return sorted(county for county, n in per_county.items() if n < minimum)


def _year_fraction(period: Period, today: datetime.date) -> float:
    """The share of a year's target a period is held to: its elapsed days over the year's."""
    end = min(period.end, max(today, period.start))
    days = (end - period.start).days + 1
    year_days = 366 if period.year % 4 == 0 else 365
    return min(1.0, days / year_days)


# ----- around the board: children and trend ------------------------------------------------


def children(node, period: Period, metric_codes: list[str]) -> list[dict]:
    """The node's child regions ranked: one aggregate read for all of them."""
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
            "dashboard": with_query(
                url_of("indicators:dashboard"), {"node": c, "period": period.key}
            ),
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
