"""Reads of the evaluation cycle, each through the reader's restriction: trees, rounds and
their stations, a score sheet with the figures the records hold and the suggested
scores, the spread of a station's evaluators, results, rectifications, star decisions,
the round summary, and the stars in force on a day (a stock for the indicators)."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Avg, Count, Exists, Max, Min, OuterRef, Q, QuerySet
from django.utils import timezone

from shegong.accounts.models import User
from shegong.accounts.roles import OFFICER_ROLES, Role
from shegong.core.counts import count_together
from shegong.core.divisions import in_subtree
from shegong.indicators import compute
from shegong.indicators import periods as P
from shegong.indicators.definitions import SPECS
from shegong.regions.models import Level, Region
from shegong.stations.models import Station

from . import scoring
from .models import (
    Appeal,
    Assignment,
    CountySummary,
    Evidence,
    Node,
    Rectification,
    Result,
    Round,
    Score,
    Sheet,
    StarDecision,
    Tree,
)

# ----- lists ----------------------------------------------------------------------------


def tree_list(*, user: User, filters: dict) -> QuerySet[Tree]:
    """Trees ``user`` may read, newest year first, with their item counts."""
    qs = Tree.objects.restrict(user).annotate(
        items=Count("nodes", filter=Q(nodes__level=Node.Level.ITEM))
    )
    if filters.get("year"):
        qs = qs.filter(year=filters["year"])
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    return qs.order_by("-year", "region_code", "title")


def round_list(*, user: User, filters: dict) -> QuerySet[Round]:
    """Rounds ``user`` may read, with how many stations and submitted lead sheets."""
    qs = (
        Round.objects.restrict(user)
        .select_related("region", "tree")
        .annotate(n_stations=Count("entries", distinct=True))
    )
    if filters.get("year"):
        qs = qs.filter(year=filters["year"])
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    if filters.get("region"):
        qs = qs.filter(in_subtree("region_id", filters["region"]))
    return qs.order_by("-year", "region_id", "opens_on")


def round_entries(*, user: User, round: Round) -> QuerySet:
    """The stations of a round as ``user`` may work on them, in order: an evaluator only
    their assigned stations (while the round runs), station staff their own, an agency
    the stations it runs."""
    entries = (
        round.entries.select_related("station", "station__region")
        .only(
            "round_id",
            "station_id",
            "draw_order",
            "station__name",
            "station__region",
            "station__region__name",
        )
        .order_by("draw_order", "station__region_id")
    )
    if user.role == Role.EVALUATOR:
        mine = Assignment.objects.active(user).filter(round=round).values("station_id")
        entries = entries.filter(station_id__in=mine)
    elif user.role in (Role.STATION_LEAD, Role.SOCIAL_WORKER):
        entries = entries.filter(station_id=user.station_id)
    elif user.role == Role.AGENCY_ADMIN:
        entries = entries.filter(station__agency_id=user.agency_id)
    return entries


def round_rows(*, round: Round, entries: Iterable) -> list[dict]:
    """Each of ``entries`` (a page of a round's stations) with its evaluators, sheets and
    result: three queries whatever the page."""
    entries = list(entries)
    ids = [e.station_id for e in entries]
    # of each, the columns the round's page shows
    assignments: dict[int, list] = {}
    for a in (
        round.assignments.filter(station_id__in=ids)
        .select_related("evaluator", "agency")
        .only(
            "round_id",
            "station_id",
            "is_lead",
            "evaluator__full_name",
            "evaluator__username",
            "agency__name",
        )
        # the lead first within a station (the model's order, less its joins)
        .order_by("-is_lead", "pk")
    ):
        assignments.setdefault(a.station_id, []).append(a)
    sheets: dict[int, list] = {}
    for s in (
        Sheet.objects.filter(round=round, station_id__in=ids)
        .select_related("author")
        .only("station_id", "status", "total", "author__full_name", "author__username")
        .order_by("-is_lead", "pk")
    ):
        sheets.setdefault(s.station_id, []).append(s)
    results = {
        r.station_id: r
        for r in Result.objects.filter(round=round, station_id__in=ids)
        .only("station_id", "score", "grade")
        .order_by()
    }
    return [
        {
            "station": e.station,
            "draw_order": e.draw_order,
            "assignments": assignments.get(e.station_id, []),
            "sheets": sheets.get(e.station_id, []),
            "result": results.get(e.station_id),
        }
        for e in entries
    ]


def round_progress(*, round: Round) -> dict:
    """How far a round has come: stations, stations with an evaluator, lead sheets
    submitted, results published."""
    return {
        "stations": round.entries.count(),
        "assigned": round.assignments.values("station_id").distinct().count(),
        "submitted": Sheet.objects.filter(round=round, status=Sheet.Status.SUBMITTED)
        .filter(Q(is_lead=True) | Q(kind=Sheet.Kind.SELF))
        .count(),
        "results": Result.objects.filter(round=round).count(),
    }


def result_list(*, user: User, filters: dict) -> QuerySet[Result]:
    """Published results ``user`` may read, by year, grade and place."""
    qs = Result.objects.restrict(user).select_related("station", "region", "round")
    if filters.get("year"):
        qs = qs.filter(round__year=filters["year"])
    if filters.get("grade"):
        qs = qs.filter(grade=filters["grade"])
    if filters.get("region"):
        qs = qs.filter(in_subtree("region_id", filters["region"]))
    return qs.order_by("-round__year", "round_id", "region_id", "station__name")


def rectification_list(*, user: User, filters: dict) -> QuerySet[Rectification]:
    """Rectification tasks ``user`` may read, soonest deadline first; ``overdue`` keeps
    those past their deadline and not closed."""
    qs = Rectification.objects.restrict(user).select_related(
        "station", "item", "result__round", "region"
    )
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("overdue"):
        qs = qs.exclude(status=Rectification.Status.CLOSED).filter(
            deadline__lt=timezone.localdate()
        )
    if filters.get("region"):
        qs = qs.filter(in_subtree("region_id", filters["region"]))
    return qs.order_by("deadline", "pk")


def star_list(*, user: User, filters: dict) -> QuerySet[StarDecision]:
    """Star decisions ``user`` may read, newest proposal first."""
    qs = StarDecision.objects.restrict(user).select_related(
        "station", "region", "proposed_by", "approved_by", "province_by"
    )
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("stars"):
        qs = qs.filter(stars=filters["stars"])
    if filters.get("region"):
        qs = qs.filter(in_subtree("region_id", filters["region"]))
    return qs.order_by("-proposed_at", "-pk")


def appeal_list(*, user: User, filters: dict) -> QuerySet[Appeal]:
    """Appeals ``user`` may read, newest first."""
    qs = Appeal.objects.restrict(user).select_related(
        "result__station", "result__round", "filed_by"
    )
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    return qs.order_by("-filed_at")


# ----- a score sheet ---------------------------------------------------------------------


@dataclass
class ItemRow:
    """One item of a sheet as the evaluator sees it."""

    item: Node
    score: Score | None = None
    figure: Decimal | None = None
    figure_label: str = ""
    records_url: str = ""
    suggested: Decimal | None = None
    evidence: list = field(default_factory=list)
    self_score: Decimal | None = None
    spread: dict | None = None  # {"min", "max", "mean", "n", "scores": [(name, score)]}
    low: bool = False


@dataclass
class Section:
    node: Node
    items: list = field(default_factory=list)


def station_figures(*, station: Station, year: int) -> dict[str, tuple[Decimal | None, str]]:
    """The station's figures for the service year, as the indicators compute them for its
    place (a township station its township, a village room its village)."""
    return compute.figures(station.region, P.parse(str(year)))


def sheet_rows(*, sheet: Sheet, with_figures: bool = True) -> list[Section]:
    """The sheet's tree in order: each sub-dimension with its items, each item with the
    score given, the figure the records hold and its suggested score, the evidence, the
    station's self-assessment score, and (for the lead) the spread of the evaluators."""
    rnd = sheet.round
    nodes = list(rnd.tree.nodes.order_by("seq"))
    scores = {s.item_id: s for s in sheet.scores.all()}
    evidence: dict[int, list] = {}
    for e in Evidence.objects.filter(sheet=sheet).order_by("pk"):
        evidence.setdefault(e.item_id, []).append(e)
    figures = station_figures(station=sheet.station, year=rnd.year) if with_figures else {}
    self_scores = _self_scores(sheet)
    spreads = _spreads(sheet) if sheet.is_lead and sheet.kind == Sheet.Kind.EVALUATOR else {}
    sections: list[Section] = []
    for node in nodes:
        if node.level != Node.Level.ITEM:
            sections.append(Section(node))
            continue
        value, url = figures.get(node.metric, (None, "")) if node.metric else (None, "")
        row = ItemRow(
            item=node,
            score=scores.get(node.pk),
            figure=value,
            figure_label=str(SPECS[node.metric].label) if node.metric in SPECS else "",
            records_url=url,
            suggested=scoring.suggest(value, node.bands) if node.metric else None,
            evidence=evidence.get(node.pk, []),
            self_score=self_scores.get(node.pk),
            spread=spreads.get(node.pk),
        )
        if row.score and row.score.score is not None and node.max_score:
            row.low = row.score.score * 100 < node.max_score * rnd.rectify_below
        sections[-1].items.append(row)
    return [s for s in sections if s.items or s.node.level == Node.Level.DIMENSION]


def _self_scores(sheet: Sheet) -> dict[int, Decimal]:
    """The station lead's scores of the same station in the year's self-assessment (or
    this round's own self sheet), shown beside the evaluator's."""
    if sheet.kind == Sheet.Kind.SELF:
        return {}
    own = (
        Sheet.objects.filter(
            station=sheet.station,
            kind=Sheet.Kind.SELF,
            round__year=sheet.round.year,
            status=Sheet.Status.SUBMITTED,
        )
        .order_by("-submitted_at")
        .first()
    )
    if own is None:
        return {}
    return dict(Score.objects.filter(sheet=own).values_list("item_id", "score"))


def _spreads(sheet: Sheet) -> dict[int, dict]:
    """Per item, the submitted scores of the station's evaluators in this round."""
    rows = (
        Score.objects.filter(
            sheet__round=sheet.round,
            sheet__station=sheet.station,
            sheet__kind=Sheet.Kind.EVALUATOR,
            score__isnull=False,
        )
        .exclude(sheet=sheet)
        .select_related("sheet__author")
    )
    out: dict[int, dict] = {}
    for row in rows:
        entry = out.setdefault(row.item_id, {"scores": []})
        entry["scores"].append((row.sheet.author.display_name, row.score))
    for entry in out.values():
        values = [v for _n, v in entry["scores"]]
        entry.update(
            min=min(values), max=max(values), n=len(values), mean=sum(values) / len(values)
        )
    return out


def sheet_spread(*, round: Round, station: Station) -> dict:
    """The totals of a station's evaluators in a round: each one's, lowest, highest."""
    totals = Sheet.objects.filter(round=round, station=station, kind=Sheet.Kind.EVALUATOR)
    agg = totals.aggregate(lo=Min("total"), hi=Max("total"), mean=Avg("total"))
    return {"sheets": list(totals.select_related("author")), **agg}


# ----- the round summary -----------------------------------------------------------------


@dataclass
class Summary:
    round: Round
    items: list  # item nodes in order
    rows: list  # [(station, result or None, sheet or None, {item_id: score})]
    counties: list  # [(region, n, mean, grades {grade: n})]


def round_summary(*, user: User, round: Round) -> Summary:
    """Every station of a round with every item's score (the lead's sheet), its total and
    grade, and each county's average: five queries whatever the number of stations."""
    items = list(round.tree.nodes.filter(level=Node.Level.ITEM).order_by("seq"))
    kind = Sheet.Kind.SELF if round.kind == Round.Kind.SELF else Sheet.Kind.EVALUATOR
    sheets = Sheet.objects.filter(round=round, kind=kind)
    if kind == Sheet.Kind.EVALUATOR:
        sheets = sheets.filter(is_lead=True)
    by_station = {s.station_id: s for s in sheets}
    scores: dict[int, dict] = {}
    for sheet_id, item_id, score in Score.objects.filter(sheet__in=sheets).values_list(
        "sheet_id", "item_id", "score"
    ):
        scores.setdefault(sheet_id, {})[item_id] = score
    results = {r.station_id: r for r in Result.objects.filter(round=round)}
    stations = list(round.stations.select_related("region").order_by("region_id", "name"))
    rows = []
    for st in stations:
        sheet = by_station.get(st.pk)
        rows.append((st, results.get(st.pk), sheet, scores.get(sheet.pk, {}) if sheet else {}))
    county_codes = sorted({st.region_id[:6] for st in stations})
    names = dict(Region.objects.filter(code__in=county_codes).values_list("code", "name"))
    counties = []
    for code in county_codes:
        mine = [
            (r.score if r else (s.total if s else None), r)
            for st, r, s, _sc in rows
            if st.region_id.startswith(code)
        ]
        totals = [t for t, _r in mine if t is not None]
        grades: dict[str, int] = {}
        for _t, r in mine:
            if r:
                grades[r.grade] = grades.get(r.grade, 0) + 1
        counties.append(
            (
                code,
                names.get(code, code),
                len(mine),
                (sum(totals) / len(totals)) if totals else None,
                grades,
            )
        )
    return Summary(round=round, items=items, rows=rows, counties=counties)


# ----- stars -----------------------------------------------------------------------------


def stars_in_force(*, code: str, on: datetime.date) -> dict[int, int]:
    """{station id: stars} of the stations in ``code`` with a rating in force on ``on``
    (the latest to begin wins): the indicators' five-star share of any period."""
    rows = (
        StarDecision.objects.filter(StarDecision.valid_on(on), in_subtree("region_id", code))
        .order_by("station_id", "valid_from", "pk")
        .values_list("station_id", "stars")
    )
    return dict(rows)  # later rows (later starts) overwrite earlier ones


def _star_decisions(*, user: User, station: Station) -> QuerySet[StarDecision]:
    """The star decisions of a station ``user`` may read, newest first."""
    return (
        StarDecision.objects.restrict(user).filter(station=station).order_by("-proposed_at", "-pk")
    )


def star_history(*, user: User, station: Station) -> list[StarDecision]:
    """Every star decision of a station ``user`` may read, newest first, with who
    proposed, approved, confirmed and ended each."""
    return list(
        _star_decisions(user=user, station=station).select_related(
            "proposed_by", "approved_by", "province_by", "ended_by"
        )
    )


def station_panel(*, subject: Station, user: User) -> dict:
    """A station's published results and its star decisions, as ``user`` may see them."""
    results = list(
        Result.objects.restrict(user)
        .filter(station=subject)
        .select_related("round")
        .order_by("-round__year", "-published_at")[:10]
    )
    stars = _star_decisions(
        user=user, station=subject
    ).only(  # no one's name: not shown
        "station_id", "stars", "status", "valid_from", "ended_on"
    )[:10]
    return {"results": results, "stars": list(stars)}


# ----- dashboards ------------------------------------------------------------------------


def overdue_rectifications(*, user: User) -> QuerySet[Rectification]:
    """Tasks past their deadline and not closed, in ``user``'s area."""
    return (
        Rectification.objects.restrict(user)
        .exclude(status=Rectification.Status.CLOSED)
        .filter(deadline__lt=timezone.localdate())
    )


def _counties(user: User):
    """The counties of ``user``'s area (an index range on level and code)."""
    return Region.objects.filter(in_subtree("code", user.scope_code or ""), level=Level.COUNTY)


def _summary_due(rule_set, year: int) -> datetime.date:
    """The day a county's summary for ``year`` is due: its rule set's day, else 30 November."""
    return rule_set.summary_due(year) if rule_set else datetime.date(year, 11, 30)


def summaries_due(*, user: User, year: int) -> list[dict]:
    """For a city (or province) officer: each county of the area, its summary for
    ``year`` if sent, the day it is due and whether it is overdue."""
    counties = list(_counties(user).order_by("code"))
    sent = {s.region_id: s for s in CountySummary.objects.restrict(user).filter(year=year)}
    today = timezone.localdate()
    out = []
    rule_sets = compute.rule_sets_for((c.code for c in counties), year)  # one query at most
    for county in counties:
        due = _summary_due(rule_sets[county.code], year)
        summary = sent.get(county.code)
        out.append(
            {
                "county": county,
                "summary": summary,
                "due": due,
                "overdue": summary is None and today > due,
            }
        )
    return out


def summaries_late(*, user: User, today: datetime.date) -> int:
    """How many counties of ``user``'s area are past the day this year's summary was due
    without having sent it: the overdue rows of ``summaries_due`` counted from codes alone
    (a province's home page asks for it, over some 130 counties)."""
    year = today.year
    codes = list(_counties(user).values_list("code", flat=True))
    sent = set(
        CountySummary.objects.restrict(user).filter(year=year).values_list("region_id", flat=True)
    )
    rule_sets = compute.rule_sets_for(codes, year)
    return sum(1 for c in codes if c not in sent and today > _summary_due(rule_sets[c], year))


def to_do_queries(*, user: User, today: datetime.date) -> dict[str, QuerySet]:
    """What evaluation asks of ``user`` now, as the lists to count (a page counts them with
    others in one query: ``core.counts.count_together``): overdue rectification (officers),
    appeals to answer and rectification to check (the county), ratings to decide (the city
    and the province), the stations to score (an evaluator), tasks to rectify (the station
    and its agency)."""
    role = user.role
    out: dict[str, QuerySet] = {}
    if role in OFFICER_ROLES:
        out["overdue"] = overdue_rectifications(user=user)
    if role == Role.COUNTY_OFFICER:
        out["appeals"] = Appeal.objects.restrict(user, "approve").filter(status=Appeal.Status.OPEN)
        out["checks"] = Rectification.objects.restrict(user, "approve").filter(
            status=Rectification.Status.SUBMITTED
        )
    if role in (Role.CITY_OFFICER, Role.PROVINCE_OFFICER):
        stage = (
            StarDecision.Status.PROPOSED
            if role == Role.CITY_OFFICER
            else StarDecision.Status.CITY_APPROVED
        )
        out["ratings"] = StarDecision.objects.restrict(user, "approve").filter(status=stage)
    if role == Role.EVALUATOR:
        out["to_score"] = Assignment.objects.active(user, today).exclude(
            Exists(
                Sheet.objects.filter(
                    round=OuterRef("round"),
                    station=OuterRef("station"),
                    author=user,
                    status=Sheet.Status.SUBMITTED,
                )
            )
        )
    if role in (Role.STATION_LEAD, Role.AGENCY_ADMIN):
        out["rectify"] = Rectification.objects.restrict(user, "change").filter(
            status=Rectification.Status.OPEN
        )
    return out


def to_do(*, user: User, today: datetime.date, counts: dict[str, int] | None = None) -> dict:
    """What evaluation asks of ``user`` now, as counts with the lists they open: those of
    ``to_do_queries`` (``counts`` when the page has read them with its other counts, else
    read here in one query) and, for the city and the province, the counties late with
    their summary."""
    if counts is None:
        (counts,) = count_together(to_do_queries(user=user, today=today))
    out = dict(counts)
    if user.role in (Role.CITY_OFFICER, Role.PROVINCE_OFFICER):
        out["summaries_late"] = summaries_late(user=user, today=today)
    return out
