"""The evaluation API: trees, rounds, score sheets and star ratings, read through the same
restrictions as the pages; an evaluator's phone scores a sheet through the same form and
service as the page (typed JSON, the sheet's version against lost updates, an
``Idempotency-Key`` for retries)."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import F
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from shegong.core.api_forms import WRITE_RESPONSES, Paged, api_submit, as_form_data, object_first
from shegong.core.filters import Filter, read_filters
from shegong.core.forms import through

from . import forms, selectors, services
from .models import Node, Round, Sheet, StarDecision, Tree

router = Router(tags=["evaluation"])


class NodeOut(Schema):
    id: int
    code: str
    level: int
    title: str
    max_score: Decimal
    standard: str
    evidence: str
    method: str
    options: list
    metric: str
    bands: list


class TreeOut(Schema):
    id: int
    region_code: str
    year: int
    title: str
    total: Decimal
    status: str
    source: str


class TreeDetailOut(TreeOut):
    nodes: list[NodeOut]

    @staticmethod
    def resolve_nodes(obj):
        return list(obj.nodes.order_by("seq"))


class RoundOut(Schema):
    id: int
    region_id: str
    year: int
    kind: str
    tier: str
    title: str
    tree_id: int
    opens_on: datetime.date
    closes_on: datetime.date
    status: str
    sample_share: Decimal | None
    seed: str
    population: int
    station_ids: list[int]

    @staticmethod
    def resolve_station_ids(obj):
        return [e.station_id for e in obj.entries.all()]


class ScoreOut(Schema):
    item_id: int
    score: Decimal | None
    comment: str
    flagged: bool


class SheetOut(Schema):
    id: int
    round_id: int
    station_id: int
    kind: str
    is_lead: bool
    status: str
    total: Decimal
    version: int
    scores: list[ScoreOut]

    @staticmethod
    def resolve_scores(obj):
        return list(obj.scores.all())


class StarOut(Schema):
    id: int
    station_id: int
    region_id: str
    stars: int
    status: str
    valid_from: datetime.date | None
    ended_on: datetime.date | None
    basis: str


@router.get("/evaluation-trees", response=list[TreeOut])
@paginate(Paged)
def tree_list(request, year: int | None = None, status: str = ""):
    """Indicator trees the caller may read."""
    values = read_filters(
        {"year": year or "", "status": status},
        [Filter("year", kind="id"), Filter("status", kind="select", choices=Tree.Status.choices)],
    )
    return selectors.tree_list(user=request.user, filters=values)


@router.get("/evaluation-trees/{tree_id}", response=TreeDetailOut)
def tree_get(request, tree_id: int):
    return get_object_or_404(Tree.objects.restrict(request.user), pk=tree_id)


@router.get("/rounds", response=list[RoundOut])
@paginate(Paged)
def round_list(request, year: int | None = None, kind: str = "", region: str = ""):
    """Rounds the caller may read (an evaluator: those with a station assigned, running)."""
    values = read_filters(
        {"year": year or "", "kind": kind, "region": region},
        [
            Filter("year", kind="id"),
            Filter("kind", kind="select", choices=Round.Kind.choices),
            Filter("region", kind="region"),
        ],
    )
    return selectors.round_list(user=request.user, filters=values).prefetch_related("entries")


@router.get("/rounds/{round_id}", response=RoundOut)
def round_get(request, round_id: int):
    return get_object_or_404(Round.objects.restrict(request.user), pk=round_id)


@router.get("/score-sheets", response=list[SheetOut])
@paginate(Paged)
def sheet_list(request, round: int | None = None):
    """Score sheets the caller may read (an evaluator: their own, the lead the station's)."""
    values = read_filters({"round": round or ""}, [Filter("round", kind="id")])
    qs = Sheet.objects.restrict(request.user).prefetch_related("scores")
    if values.get("round"):
        qs = qs.filter(round_id=values["round"])
    return qs.order_by("round_id", "station_id", "pk")


@router.get("/score-sheets/{sheet_id}", response=SheetOut)
def sheet_get(request, sheet_id: int):
    return get_object_or_404(Sheet.objects.restrict(request.user), pk=sheet_id)


class ScoreIn(Schema):
    item: int
    score: Decimal | None = Field(None, ge=0, le=1000, max_digits=5, decimal_places=1)
    comment: str = Field("", max_length=500)
    flagged: bool = False


class SheetIn(Schema):
    """Scores so far (items left out keep what they had); ``submit`` locks the sheet;
    ``version`` is the sheet's as last read: an older one is refused (409)."""

    scores: list[ScoreIn] = Field(..., max_length=500)
    submit: bool = False
    version: int


@router.post("/score-sheets/{sheet_id}", response=WRITE_RESPONSES)
@object_first(Sheet, "sheet_id")
def sheet_save(request, sheet_id: int, payload: SheetIn):
    """Save an evaluator's (or a station lead's self-assessment) scores, as the page does."""
    sheet = Sheet.objects.restrict(request.user, "change").get(pk=sheet_id)
    items = list(sheet.round.tree.nodes.filter(level=Node.Level.ITEM).order_by("seq"))
    known = {i.pk for i in items}
    data: dict = {"action": "submit" if payload.submit else "draft"}
    for line in payload.scores:
        if line.item not in known:
            return Status(
                422, {"detail": "invalid", "errors": {"scores": ["评分项不属于本轮指标体系。"]}}
            )
        data[f"score_{line.item}"] = line.score
        data[f"comment_{line.item}"] = line.comment
        data[f"flagged_{line.item}"] = line.flagged
    # items not sent keep what they had
    for row in sheet.scores.exclude(item_id__in=[line.item for line in payload.scores]):
        data[f"score_{row.item_id}"] = row.score
        data[f"comment_{row.item_id}"] = row.comment
        data[f"flagged_{row.item_id}"] = row.flagged
    form = forms.SheetForm(as_form_data(data), instance=sheet, items=items)

    def save(*, form, by, request=None):
        # claim the next version in the save's transaction: of two phones, one wins
        claimed = Sheet.objects.filter(pk=sheet.pk, version=payload.version).update(
            version=F("version") + 1
        )
        if not claimed:
            raise ValidationError({"version": "评分表已被修改，请重新读取。"})
        return through(services.sheet_save, edit=True)(form=form, by=by, request=request)

    def stale():
        if sheet.version == payload.version:
            return None
        return 409, {
            "detail": "评分表已被修改，请重新读取 / the sheet changed since you read it",
            "errors": {"version": [str(sheet.version)]},
        }

    return api_submit(request, form, save=save, conflict=stale)


@router.get("/star-ratings", response=list[StarOut])
@paginate(Paged)
def star_list(request, status: str = "", stars: int | None = None, region: str = ""):
    """Star decisions the caller may read, with their status and validity."""
    values = read_filters(
        {"status": status, "stars": stars or "", "region": region},
        [
            Filter("status", kind="select", choices=StarDecision.Status.choices),
            Filter("stars", kind="select", choices=[(str(i), str(i)) for i in range(1, 6)]),
            Filter("region", kind="region"),
        ],
    )
    return selectors.star_list(user=request.user, filters=values)


@router.get("/star-ratings/{decision_id}", response=StarOut)
def star_get(request, decision_id: int):
    return get_object_or_404(StarDecision.objects.restrict(request.user), pk=decision_id)
