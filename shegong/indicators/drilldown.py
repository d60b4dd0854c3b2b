"""Drill-down: from any number on a dashboard to exactly the records behind it.

A dispatch table from metric code to one selector. Indicators registers the metrics it
answers from its own facts (every count, hour and yuan metric, and villages covered); the
apps that own other records register theirs in ``AppConfig.ready()`` (people served, open
cases, workers, training). Each selector reads through ``restrict(user)``.

    drilldown.register(Drilldown("cases_active", _("Cases active at period end"), cases_rows))

A selector is called as ``rows(user=, node=, period=, params=)``, ``params`` being the
request's query (``qualified=1``, ``kind=training`` …), and returns ``Rows``. A drill-down
registered ``deidentified=True`` can also be read by an evaluator or an agency: its
selector then gets ``action="view_masked"`` and the list shows names masked, free text
left out and no link to the record.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shegong.core.divisions import in_subtree
from shegong.regions.models import Region

from .definitions import SPECS, q2
from .engine import split
from .exporters import FactExporter, VillageExporter
from .facts import source_named
from .models import Aggregate, DistinctKey, FactKind, ServiceFact


@dataclass
class Rows:
    """The records behind one number, ready for ``core.lists.list_page``."""

    queryset: Any
    exporter: type
    detail_url: Callable[[Any], str]
    summary: str
    count: int | None = None
    personal: bool = True


@dataclass(frozen=True)
class Drilldown:
    metric: str
    label: Any
    rows: Callable[..., Rows]
    # readable de-identified (``rows`` takes ``action``): evaluators and agencies may open it
    deidentified: bool = False


_TABLE: dict[str, Drilldown] = {}


def register(*drilldowns: Drilldown) -> None:
    for d in drilldowns:
        _TABLE[d.metric] = d


def get(metric: str) -> Drilldown | None:
    return _TABLE.get(metric)


def openable(user_reads_whole: bool, user_reads_masked: bool) -> frozenset[str]:
    """The metrics whose records a user may open: every one for a user who reads records
    whole, the de-identified ones for a user who reads them masked, else none."""
    if user_reads_whole:
        return frozenset(_TABLE)
    if user_reads_masked:
        return frozenset(m for m, d in _TABLE.items() if d.deidentified)
    return frozenset()


def metrics() -> list[Drilldown]:
    """Every metric that can be drilled into, in registration order."""
    return list(_TABLE.values())


def total(qs, column: str) -> dict:
    """The sum of ``column`` and the number of rows, formatted for a summary line."""
    agg = qs.order_by().aggregate(total=Sum(column), rows=Count("pk"))
    return {"total": f"{q2(agg['total'] or 0).normalize():f}", "rows": agg["rows"]}


# ----- what indicators answers from its own facts -----------------------------------------

# kinds named in every condition, so that each is a range of a (node, kind, date) index
SERVED = [FactKind.VISIT, FactKind.CASE_ENTRY, FactKind.SESSION, FactKind.ACTIVITY]
WORKED = [*SERVED, FactKind.ADMIN]
FACT_METRICS = {
    **{k: (Q(kind=k, n__gt=0), "n") for k in FactKind.values},
    "person_times": (Q(kind__in=SERVED, person_times__gt=0), "person_times"),
    # charity money and goods come from the ledger's allocations (community app)
    "money": (Q(kind=FactKind.ALLOCATION, money__gt=0), "money"),
    "in_kind": (Q(kind=FactKind.ALLOCATION, in_kind__gt=0), "in_kind"),
    # the activities' unnamed helpers and the volunteers confirmed at service events
    "volunteers": (
        Q(kind__in=(FactKind.ACTIVITY, FactKind.VOLUNTEER), volunteers__gt=0),
        "volunteers",
    ),
    "volunteer_hours": (Q(kind=FactKind.VOLUNTEER, volunteer_hours__gt=0), "volunteer_hours"),
    "hours": (Q(kind__in=WORKED, hours__gt=0), "hours"),
    "hours_prof": (Q(kind__in=SERVED, hours__gt=0, professional=True), "hours"),
    "hours_village": (Q(kind__in=WORKED, hours__gt=0, in_village=True), "hours"),
}
DOMAIN_CODE = re.compile(r"[a-z_]{1,16}")
NODE_FIELD = {2: "province", 4: "city", 6: "county", 9: "township", 12: "village"}


def node_filter(code: str) -> dict:
    """The fact columns that select a node; a village goes through its township's index."""
    if len(code) > 9:
        return {"township": code[:9], "village": code}
    return {NODE_FIELD[len(code)]: code}


def fact_url(fact: ServiceFact) -> str:
    """A fact's record (a part links to the record it belongs to): no query needed."""
    return source_named(fact.source_type).url(fact)


def _known_count(user, code: str, period, metric: str) -> int | None:
    """A count metric of a node the user sees whole, read from the aggregates; None when
    the user sees only part of the node (or it is a village, which has no aggregate)."""
    scope = user.scope_code or ""
    if len(code) > 9 or not scope or not code.startswith(scope):
        return None
    if ServiceFact.restrict_q(user, "view") is None:
        return None
    row = Aggregate.objects.filter(node=code, period=period.key, metric=metric).first()
    return int(row.value) if row else 0


def fact_rows(metric: str) -> Callable[..., Rows]:
    condition, column = FACT_METRICS[metric]

    def rows(*, user, node, period, params, action="view") -> Rows:
        qs = (
            ServiceFact.objects.restrict(user, action)
            .filter(condition, **node_filter(node.code))
            .filter(date__range=(period.start, period.end))
            .select_related("station", "worker", "recipient")
            .order_by("-date", "-id")
        )
        # within one service domain (the dashboard's split): a code, else ignored
        domain = params.get("domain", "")
        domain = domain if DOMAIN_CODE.fullmatch(domain or "") else ""
        if domain:
            qs = qs.filter(domain=domain)
        whole = action == "view" and column == "n"
        counted = split(metric, domain) if domain else metric
        known = _known_count(user, node.code, period, counted) if whole else None
        # The count is the aggregate itself (equal to a direct count: property-tested), so
        # the first page of a province's month is an index range, not a count of it.
        summed = {"total": known, "rows": known} if known is not None else total(qs, column)
        return Rows(
            qs,
            FactExporter.for_metric(column),
            fact_url,
            _("Total: %(total)s, from %(rows)s records") % summed,
            count=known,
        )

    return rows


def village_rows(*, user, node, period, params, action="view") -> Rows:
    """Villages covered by professional service in the period (or, with ``designated=1``,
    villages with a designated worker)."""
    qs = Region.objects.restrict(user).filter(in_subtree("code", node.code), level=5)
    if params.get("designated"):
        qs = qs.filter(designated_workers__isnull=False).distinct()
    else:
        covered = DistinctKey.objects.filter(
            in_subtree("region", node.code), kind="v", period=period.key
        ).values("key")
        qs = qs.filter(code__in=covered)
    qs = (
        qs.select_related("parent")
        .annotate(n_designated=Count("designated_workers"))
        .order_by("code")
    )
    count = qs.count()
    return Rows(
        qs,
        VillageExporter,
        lambda r: reverse("regions:detail", args=[r.code]),
        _("Total: %(total)s villages") % {"total": count},
        count=count,
        personal=False,
    )


def _fact_label(metric: str):
    if metric in SPECS:
        return SPECS[metric].label
    return FactKind(metric).label


register(
    *(Drilldown(m, _fact_label(m), fact_rows(m), deidentified=True) for m in FACT_METRICS),
    Drilldown("villages", gettext_lazy("Villages"), village_rows, deidentified=True),
)
