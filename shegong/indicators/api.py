"""Indicators over the API: the same board as the dashboard, for a region node and period
(what a city or province deployment reads from the ones below it)."""

from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import Router, Schema
from ninja.errors import HttpError

from shegong.core.replica import heavy_reads

from . import compute, reports
from .views import resolve

router = Router(tags=["indicators"])


class ValueOut(Schema):
    code: str
    label: str
    unit: str
    value: Decimal | None
    previous: Decimal | None
    target: Decimal | None
    status: str
    detail: str
    records_url: str


class BoardOut(Schema):
    node: str
    name: str
    period: str
    rule_set: str | None
    summary: str
    service: list[ValueOut]
    ruled: list[ValueOut]


def _out(v) -> dict:
    return {
        "code": v.spec.code,
        "label": str(v.spec.label),
        "unit": v.spec.unit,
        "value": v.value,
        "previous": v.previous,
        "target": v.target,
        "status": v.status,
        "detail": v.detail,
        "records_url": v.url,
    }


@router.get("/indicators", response=BoardOut)
@heavy_reads
def indicators(request, node: str = "", period: str = "", rules: str = ""):
    """Indicators of a region (default: the caller's) for a period (``2025``, ``2025Q1``,
    ``2025-03``; default: this month), against the rule set in force or ``rules``."""

    try:
        region, when, rule_set, error = resolve(request.user, node, period, rules)
    except Http404 as exc:
        raise HttpError(404, str(exc)) from exc
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from exc
    if error:
        raise HttpError(422, error)
    board = compute.compute(region, when, rule_set=rule_set)
    return {
        "node": region.code,
        "name": region.name,
        "period": when.key,
        "rule_set": board.rule_set.title if board.rule_set else None,
        "summary": reports.summary_sentence(board),
        "service": [_out(v) for v in board.service],
        "ruled": [_out(v) for v in board.ruled],
    }
