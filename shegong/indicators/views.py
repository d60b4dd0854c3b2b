import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import BigIntegerField, Count, Q, Sum
from django.db.models.functions import Cast
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from shegong.accounts import policy
from shegong.accounts.roles import STATION_ROLES
from shegong.core.divisions import in_subtree
from shegong.core.exporters import XLSX_TYPE
from shegong.core.forms import form_page
from shegong.core.lists import Filter, list_page
from shegong.core.restrict import can, get_restricted_or_404, may_add
from shegong.regions.models import Region

from . import catalogue, periods, reports
from .exporters import FactExporter, VillageExporter, WorkerExporter
from .forms import RuleSetForm
from .models import Aggregate, DistinctKey, FactKind, ReportJob, RuleSet, ServiceFact

# what the trend chart and the child ranking show
TREND_METRICS = ["visit", "person_times", "people", "activity", "session"]
RANK_METRICS = [
    "visit",
    "file_person",
    "case_opened",
    "session",
    "activity",
    "person_times",
    "people",
    "money",
]
DOMAINS = {
    "service": gettext_lazy("Services"),
    "hours": gettext_lazy("Working hours"),
    "workforce": gettext_lazy("Workforce"),
    "stations": gettext_lazy("Stations"),
    "coverage": gettext_lazy("Village coverage"),
}
# Provinces and cities (codes of up to 4 digits) build their Excel report in the background.
BACKGROUND_CODE_LENGTH = 4


def resolve(user, code: str, period_key: str, rules: str):
    """The node, period and rule set asked for, checked against the user: 404 for a region
    outside the user's area, 403 for a role without dashboards. A malformed period is
    returned as its error message with the current month in its place."""
    code = (code or user.scope_code or "").strip()
    is_code = code.isascii() and code.isdigit() and len(code) <= 12
    node = Region.objects.restrict(user).filter(code=code).first() if is_code else None
    if node is None:
        raise Http404(_("No such region in your area."))
    if not policy.may_see_dashboards(user):
        raise PermissionDenied(
            _("Dashboards are for civil-affairs officers, evaluators and stations.")
        )
    error = ""
    try:
        period = periods.parse(period_key or periods.current().key)
    except ValueError as exc:
        error, period = str(exc), periods.current()
    rule_set = None
    if _small_int(rules):
        rule_set = RuleSet.objects.restrict(user).filter(pk=rules).first()
    return node, period, rule_set, error


def _small_int(raw: str) -> bool:
    return bool(raw) and raw.isascii() and raw.isdigit() and len(raw) <= 9


def _context(request) -> tuple[Region, periods.Period, RuleSet | None]:
    g = request.GET
    node, period, rule_set, error = resolve(
        request.user, g.get("node", ""), g.get("period", ""), g.get("rules", "")
    )
    if error:
        messages.error(request, error)
    return node, period, rule_set


def _period_choices(period: periods.Period) -> list[tuple[str, str]]:
    current = periods.current()
    out = [(current.previous(i).key, current.previous(i).label) for i in range(12)]
    q = periods.current("quarter")
    out += [(q.previous(i).key, q.previous(i).label) for i in range(4)]
    y = periods.current("year")
    out += [(y.previous(i).key, y.previous(i).label) for i in range(3)]
    if period.key not in {k for k, _l in out}:
        out.insert(0, (period.key, period.label))
    return out


def _ancestors(node: Region, user) -> list[Region]:
    codes = [node.code[:n] for n in (2, 4, 6, 9) if len(node.code) > n]
    found = {r.code: r for r in Region.objects.restrict(user).filter(code__in=codes)}
    return [found[c] for c in codes if c in found]


@require_GET
def dashboard(request):
    node, period, rule_set = _context(request)
    board = catalogue.compute(node, period, rule_set=rule_set)
    trend = catalogue.trend(node.code, period, TREND_METRICS)
    trend_chart = {
        "labels": trend["labels"],
        "series": [
            {"name": str(catalogue.SPECS[m].label), "data": trend["series"][m]}
            for m in TREND_METRICS
        ],
    }
    ranking = catalogue.children(node, period, RANK_METRICS)
    rank_chart = {
        "labels": [c["name"] for c in ranking],
        "series": [
            {
                "name": str(catalogue.SPECS["person_times"].label),
                "data": [float(c["values"][RANK_METRICS.index("person_times")]) for c in ranking],
            }
        ],
        "links": [c["dashboard"] for c in ranking],
    }
    query = {"node": node.code, "period": period.key}
    if rule_set:
        query["rules"] = rule_set.pk
    domain = request.GET.get("domain", "")
    domain = domain if domain in DOMAINS else ""
    return render(
        request,
        "indicators/dashboard.html",
        {
            "node": node,
            "period": period,
            "board": board,
            "sentence": reports.summary_sentence(board),
            "ancestors": _ancestors(node, request.user),
            "periods": _period_choices(period),
            "rule_sets": RuleSet.objects.restrict(request.user),
            "ranking": sorted(
                ranking,
                key=lambda c: c["values"][RANK_METRICS.index("person_times")],
                reverse=True,
            ),
            "rank_labels": [catalogue.SPECS[m].label for m in RANK_METRICS],
            "trend_json": json.dumps(trend_chart, ensure_ascii=False),
            "rank_json": json.dumps(rank_chart, ensure_ascii=False),
            "query": urlencode(query),
            "status_labels": reports.STATUS_LABELS,
            "domains": list(DOMAINS.items()),
            "domain": domain,
            "show_service": any(not domain or v.spec.group == domain for v in board.service),
        },
    )


# ----- drill-down: the records behind a number -------------------------------------------

# kinds named in every condition, so that each is a range of a (node, kind, date) index
SERVED = [FactKind.VISIT, FactKind.CASE_ENTRY, FactKind.SESSION, FactKind.ACTIVITY]
WORKED = [*SERVED, FactKind.ADMIN]
FACT_METRICS = {
    **{k: (Q(kind=k, n__gt=0), "n") for k in FactKind.values},
    "person_times": (Q(kind__in=SERVED, person_times__gt=0), "person_times"),
    "money": (Q(kind=FactKind.ACTIVITY, money__gt=0), "money"),
    "in_kind": (Q(kind=FactKind.ACTIVITY, in_kind__gt=0), "in_kind"),
    "volunteers": (Q(kind=FactKind.ACTIVITY, volunteers__gt=0), "volunteers"),
    "hours": (Q(kind__in=WORKED, hours__gt=0), "hours"),
    "hours_prof": (Q(kind__in=SERVED, hours__gt=0, professional=True), "hours"),
    "hours_village": (Q(kind__in=WORKED, hours__gt=0, in_village=True), "hours"),
}
OTHER_METRICS = ["people", "cases_active", "villages", "workers", "training"]
NODE_FIELD = {2: "province", 4: "city", 6: "county", 9: "township", 12: "village"}


def _metric_label(metric: str):
    if metric in catalogue.SPECS:
        return catalogue.SPECS[metric].label
    if metric in FactKind.values:
        return FactKind(metric).label
    return {
        "villages": gettext_lazy("Villages"),
        "workers": gettext_lazy("Resident social workers"),
        "training": gettext_lazy("Training and supervision"),
    }[metric]


@require_GET
def records(request):
    """Exactly the records that make up one number of a dashboard, scoped to the user."""
    node, period, _rules = _context(request)
    metric = request.GET.get("metric", "")
    if metric not in FACT_METRICS and metric not in OTHER_METRICS:
        raise Http404(_("Unknown indicator."))
    user = request.user
    title = f"{_metric_label(metric)} · {node.name} · {period.label}"
    filters = [
        Filter(
            "metric",
            gettext_lazy("Indicator"),
            "select",
            [(m, _metric_label(m)) for m in [*FACT_METRICS, *OTHER_METRICS]],
        ),
        Filter("node", gettext_lazy("Division code")),
        Filter("period", gettext_lazy("Period")),
    ]
    values = {"metric": metric, "node": node.code, "period": period.key}
    common = {"title": title, "filters": filters, "values": values}
    if metric in FACT_METRICS:
        condition, column = FACT_METRICS[metric]
        qs = (
            ServiceFact.objects.restrict(user)
            .filter(condition, **_node_filter(node.code))
            .filter(date__range=(period.start, period.end))
            .select_related("station", "worker", "recipient")
            .order_by("-date", "-id")
        )
        known = _known_count(user, node.code, period, metric) if column == "n" else None
        if known is not None:
            # The count is the aggregate itself (equal to a direct count: property-tested),
            # so the first page of a province's month is an index range, not a count of it.
            total = {"total": known, "rows": known}
        else:
            total = _total(qs, column)
        return list_page(
            request,
            queryset=qs,
            exporter=FactExporter.for_metric(column),
            detail_url=_source_url,
            personal=True,
            count=known,
            summary=_("Total: %(total)s, from %(rows)s records")
            % {"total": total["total"], "rows": total["rows"]},
            **common,
        )
    if metric == "people":
        from shegong.people.exporters import RecipientExporter
        from shegong.people.models import Recipient

        keys = DistinctKey.objects.filter(
            in_subtree("region", node.code), kind="p", period=period.key
        ).annotate(pk_int=Cast("key", BigIntegerField()))
        qs = (
            Recipient.objects.restrict(user)
            .filter(pk__in=keys.values("pk_int"))
            .select_related("region", "household")
            .prefetch_related("category_links__category")
            .order_by("region_id", "name")
        )
        return list_page(
            request,
            queryset=qs,
            exporter=RecipientExporter,
            detail_url=lambda p: reverse("people:detail", args=[p.pk]),
            personal=True,
            summary=_("Total: %(total)s people") % {"total": (count := qs.count())},
            count=count,
            **common,
        )
    if metric == "cases_active":
        from shegong.work.exporters import CaseExporter
        from shegong.work.models import Case

        qs = (
            Case.objects.restrict(user)
            .filter(in_subtree("region_id", node.code), opened_on__lte=period.end)
            .exclude(stage=Case.Stage.CLOSED, closed_on__lte=period.end)
            .select_related("recipient", "region", "worker")
            .order_by("-opened_on", "-pk")
        )
        return list_page(
            request,
            queryset=qs,
            exporter=CaseExporter,
            detail_url=lambda c: reverse("work:case_detail", args=[c.pk]),
            personal=True,
            summary=_("Total: %(total)s cases") % {"total": (count := qs.count())},
            count=count,
            **common,
        )
    if metric == "villages":
        qs = Region.objects.restrict(user).filter(in_subtree("code", node.code), level=5)
        if request.GET.get("designated"):
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
        return list_page(
            request,
            queryset=qs,
            exporter=VillageExporter,
            detail_url=lambda r: reverse("regions:detail", args=[r.code]),
            summary=_("Total: %(total)s villages") % {"total": (count := qs.count())},
            count=count,
            **common,
        )
    if metric == "workers":
        from shegong.workforce.models import SocialWorkerProfile

        qs = SocialWorkerProfile.objects.restrict(user).filter(
            in_subtree("user__scope_region_id", node.code),
            user__is_active=True,
            user__role__in=STATION_ROLES,
        )
        if request.GET.get("qualified"):
            qs = qs.filter(Q(social_work_major=True) | ~Q(qualification="none"))
        if request.GET.get("hired"):
            qs = qs.filter(hire_date__range=(period.start, period.end))
        qs = qs.select_related("user", "user__station").order_by(
            "user__station__region_id", "user__full_name"
        )
        return list_page(
            request,
            queryset=qs,
            exporter=WorkerExporter,
            detail_url=lambda p: reverse("stations:detail", args=[p.user.station_id]),
            summary=_("Total: %(total)s workers") % {"total": (count := qs.count())},
            count=count,
            **common,
        )
    # training and supervision
    from shegong.workforce.exporters import TrainingExporter
    from shegong.workforce.models import TrainingRecord

    qs = TrainingRecord.objects.restrict(user).filter(
        in_subtree("region_code", node.code), date__range=(period.start, period.end)
    )
    if request.GET.get("kind") in TrainingRecord.Kind.values:
        qs = qs.filter(kind=request.GET["kind"])
    organiser = request.GET.get("organiser")
    if organiser == "city":
        qs = qs.filter(organiser__in=catalogue.CITY_LEVEL)
    elif organiser == "county":
        qs = qs.filter(organiser__in=catalogue.COUNTY_LEVEL)
    qs = qs.select_related("worker").order_by("-date", "-pk")
    total = _total(qs, "hours")
    return list_page(
        request,
        queryset=qs,
        exporter=TrainingExporter,
        detail_url=lambda t: (
            reverse("workforce:training_list") + "?" + urlencode({"region": t.region_code})
        ),
        summary=_("Total: %(total)s, from %(rows)s records") % total,
        **common,
    )


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


def _node_filter(code: str) -> dict:
    """The fact columns that select a node; a village goes through its township's index."""
    if len(code) > 9:
        return {"township": code[:9], "village": code}
    return {NODE_FIELD[len(code)]: code}


def _total(qs, column: str) -> dict:
    agg = qs.order_by().aggregate(total=Sum(column), rows=Count("pk"))
    return {"total": f"{catalogue.q2(agg['total'] or 0).normalize():f}", "rows": agg["rows"]}


def _source_url(fact) -> str:
    """A fact's record (a part links to the record it belongs to): no query needed."""
    pk, parent = fact.source_id, fact.parent_id or 0
    return {
        "visit": lambda: reverse("work:visit_detail", args=[pk]),
        "activity": lambda: reverse("work:activity_detail", args=[pk]),
        "case": lambda: reverse("work:case_detail", args=[pk]),
        "caseentry": lambda: reverse("work:case_detail", args=[parent]),
        "group": lambda: reverse("work:group_detail", args=[pk]),
        "session": lambda: reverse("work:group_detail", args=[parent]),
        "person": lambda: reverse("people:detail", args=[pk]),
        "household": lambda: reverse("people:list"),
        "admin": lambda: reverse("work:admin_work_list"),
        "training": lambda: reverse("workforce:training_list"),
    }[fact.source_type]()


# ----- reports ----------------------------------------------------------------------------


@require_GET
def report(request):
    node, period, rule_set = _context(request)
    fmt = request.GET.get("format", "html")
    if fmt == "xlsx":
        if len(node.code) <= BACKGROUND_CODE_LENGTH:
            return _queue_report(request, node, period)
        built = reports.build(node, period, rule_set=rule_set, townships=True)
        content = reports.to_xlsx(built, user=request.user)
        return _xlsx_response(
            content, f"{node.name}-{period.key}-{built['title']}.xlsx", request, node, period
        )
    built = reports.build(node, period, rule_set=rule_set)
    return render(
        request,
        "indicators/report.html",
        {
            "report": built,
            "status_labels": reports.STATUS_LABELS,
            "query": urlencode({"node": node.code, "period": period.key}),
        },
    )


def _xlsx_response(content: bytes, filename: str, request, node, period) -> HttpResponse:
    from shegong.audit.services import audit_log

    audit_log(
        action="shegong.export",
        actor=request.user,
        request=request,
        data={"report": filename, "node": node.code, "period": period.key},
    )
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _queue_report(request, node, period):
    from .tasks import build_report

    job = ReportJob.objects.create(
        requested_by=request.user, region=node, period=period.key, report=period.kind
    )
    build_report.enqueue(job.pk, get_language() or "zh-hans")
    return redirect("indicators:job", pk=job.pk)


@require_GET
def job(request, pk: int):
    job = get_restricted_or_404(ReportJob.objects.select_related("region"), request.user, pk=pk)
    template = (
        "indicators/job_status.html" if request.headers.get("HX-Request") else "indicators/job.html"
    )
    return render(request, template, {"job": job, "title": reports.REPORT_TITLES[job.report]})


@require_GET
def job_download(request, pk: int):
    job = get_restricted_or_404(ReportJob.objects.select_related("region"), request.user, pk=pk)
    if job.status != ReportJob.Status.DONE:
        raise Http404(_("The report is not ready yet."))
    period = periods.parse(job.period)
    filename = f"{job.region.name}-{job.period}-{reports.REPORT_TITLES[job.report]}.xlsx"
    return _xlsx_response(bytes(job.content), filename, request, job.region, period)


# ----- rule sets --------------------------------------------------------------------------


@require_GET
def rule_set_list(request):
    if not policy.may_read_rule_sets(request.user):
        raise PermissionDenied(_("Rule sets are for civil-affairs officers and evaluators."))
    return render(
        request,
        "indicators/rule_set_list.html",
        {
            "rule_sets": RuleSet.objects.restrict(request.user).annotate(n_rules=Count("rules")),
            "can_add": may_add(request.user, RuleSet),
        },
    )


@require_GET
def rule_set_detail(request, pk: int):
    rule_set = get_restricted_or_404(RuleSet.objects.all(), request.user, pk=pk)
    return render(
        request,
        "indicators/rule_set_detail.html",
        {
            "rule_set": rule_set,
            "rules": [(r, catalogue.SPECS.get(r.indicator)) for r in rule_set.rules.all()],
            "can_change": can(request.user, rule_set, "change"),
        },
    )


@require_http_methods(["GET", "POST"])
def rule_set_edit(request, pk: int | None = None):
    user = request.user
    if pk is None:
        if not may_add(user, RuleSet):
            raise PermissionDenied(_("Only province and city officers set targets."))
        instance = RuleSet()
        copy_from = None
        if _small_int(request.GET.get("copy", "")):
            copy_from = RuleSet.objects.restrict(user).filter(pk=request.GET["copy"]).first()
    else:
        instance = get_restricted_or_404(RuleSet.objects.all(), user, pk=pk)
        if not can(user, instance, "change"):
            raise PermissionDenied(_("Only province and city officers set targets."))
        copy_from = None
    initial = {}
    if copy_from is not None:
        initial = {
            "region_code": copy_from.region_code,
            "year": copy_from.year + 1,
            "title": copy_from.title.replace(str(copy_from.year), str(copy_from.year + 1)),
            "source": copy_from.source,
        }
    rules_initial = None
    if copy_from is not None:
        rules_initial = [
            {
                "indicator": r.indicator,
                "op": r.op,
                "target": r.target,
                "upper": r.upper,
                "minimum_count": r.minimum_count,
                "at_risk_margin": r.at_risk_margin,
                "note": r.note,
            }
            for r in copy_from.rules.all()
        ]
    form = RuleSetForm(
        request.POST or None,
        instance=instance,
        user=user,
        initial=initial,
        rules_initial=rules_initial,
    )

    from .services import rule_set_save

    return form_page(
        request,
        form,
        save=rule_set_save,
        template="indicators/rule_set_form.html",
        context={"title": _("Edit rule set") if pk else _("New rule set")},
        message=_("“%(name)s” was saved."),
        redirect_to=lambda obj: reverse("indicators:rule_set_detail", args=[obj.pk]),
    )
