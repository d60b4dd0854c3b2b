import datetime
import json

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import BooleanField, Case, Count, Q, Value, When
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shegong.accounts import policy
from shegong.audit.services import audit_log
from shegong.core import links
from shegong.core.divisions import region_filter
from shegong.core.exporters import XLSX_TYPE
from shegong.core.forms import form_page, step, through
from shegong.core.links import row_url
from shegong.core.lists import Filter, list_page, read_filters
from shegong.core.markup import format_html_join
from shegong.core.replica import heavy_reads
from shegong.core.restrict import can, get_restricted_or_404, may_add
from shegong.regions.models import Region
from shegong.stations.models import Station

from . import cells, compute, definitions, drilldown, periods, reports, selectors
from .exporters import MonthBoardExporter, StationBoardExporter
from .forms import RuleSetForm, VoidForm
from .models import MonthApproval, ReportJob, RuleSet
from .services import MonthStep, month_step, rule_set_record
from .tasks import build_report

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
    "community": gettext_lazy("Volunteers and community organisations"),
    "residents": gettext_lazy("Residents' requests"),
}
# Provinces and cities (codes of up to 4 digits) build their Excel report in the background.
BACKGROUND_CODE_LENGTH = 4


def resolve(user, code: str, period_key: str, rules: str, *, may=policy.may_see_dashboards):
    """The node, period and rule set asked for, checked against the user: 404 for a region
    outside the user's area, 403 for a role without dashboards. A malformed period is
    returned as its error message with the current month in its place."""
    code = (code or user.scope_code or "").strip()
    is_code = code.isascii() and code.isdigit() and len(code) <= 12
    node = Region.objects.restrict(user).filter(code=code).first() if is_code else None
    if node is None:
        raise Http404(_("No such region in your area."))
    if not may(user):
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


def _context(request, *, may=policy.may_see_dashboards):
    """The node, period and rule set of the request (see ``resolve``)."""
    g = request.GET
    node, period, rule_set, error = resolve(
        request.user, g.get("node", ""), g.get("period", ""), g.get("rules", ""), may=may
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


def _only_openable(user, board, ranking) -> None:
    """Blank the links of the figures whose records ``user`` may not open: all of them for
    a role that sees figures only (or for ``user`` None: figures with no records here),
    those not readable de-identified for an evaluator."""
    allowed = (
        drilldown.openable(policy.may_drill_down(user), policy.reads_masked(user))
        if user is not None
        else set()
    )

    def keep(url: str) -> str:
        return url if url and links.param(url, "metric") in allowed else ""

    for value in [*board.service, *board.ruled]:
        value.url = keep(value.url)
    for child in ranking:
        child["urls"] = [keep(u) for u in child["urls"]]


def _split_cells(figures) -> str:
    """The domain table's cells of one figure: linked when there is something to open."""
    return format_html_join(
        "",
        '<td class="text-end" data-cell>{}</td>',
        ((cells.figure(value, url if value else ""),) for value, url in figures),
    )


def _rank_cells(child: dict, labels) -> str:
    """The ranking's cells of one area, each labelled for the stacked phone layout."""
    return format_html_join(
        "",
        '<td data-label="{}">{}</td>',
        (
            (label, cells.figure(value, url))
            for value, url, label in zip(child["values"], child["urls"], labels, strict=True)
        ),
    )


@require_GET
@heavy_reads
def dashboard(request):
    if policy.may_see_station_board(request.user) and not policy.may_see_dashboards(request.user):
        return redirect("indicators:station_board")  # an agency: its stations' board
    node, period, rule_set = _context(request)
    # the service domain (服务领域) the service figures are read in, and the group of
    # indicators shown (services, hours, workforce …)
    domain = request.GET.get("domain", "")
    domain = domain if domain in definitions.Domain.values else ""
    group = request.GET.get("group", "")
    group = group if group in DOMAINS else ""
    board = compute.compute(node, period, rule_set=rule_set)
    sentence = reports.summary_sentence(board)  # of all the work, whatever domain is read
    if domain:
        board.service = compute.service_values(
            node.code, period, board.raw, board.raw_previous, domain=domain
        )
    ranking = compute.children(node, period, RANK_METRICS)
    _only_openable(request.user, board, ranking)
    # figures received from other deployments: marked, and their drill-down stops there
    shared = selectors.shared_regions(code=node.code)
    shared_here = next((s for s in shared if node.code.startswith(s.code)), None)
    shared_codes = tuple(s.code for s in shared)
    if shared_here is not None:
        _only_openable(None, board, ranking)
    for child in ranking:
        child["shared"] = child["code"].startswith(shared_codes) if shared_codes else False
        if child["shared"]:
            child["urls"] = ["" for _u in child["urls"]]
    split_columns, split_rows = compute.domain_split(node.code, period, board.raw)
    allowed = drilldown.openable(
        policy.may_drill_down(request.user), policy.reads_masked(request.user)
    )
    for row in split_rows:
        if row.spec.code not in allowed or shared_here is not None:
            row.cells = [(value, "") for value, _url in row.cells]
        row.cells_html = _split_cells(row.cells)
    rule_rows = cells.rule_rows(board.ruled, group=group, partial=board.partial)
    kpi_cards = cells.kpi_cards(board.service, group=group, partial=board.partial)
    rank_labels = [definitions.SPECS[m].label for m in RANK_METRICS]
    for child in ranking:
        child["cells_html"] = _rank_cells(child, rank_labels)
    trend = compute.trend(node.code, period, TREND_METRICS)
    trend_chart = {
        "labels": trend["labels"],
        "series": [
            {"name": str(definitions.SPECS[m].label), "data": trend["series"][m]}
            for m in TREND_METRICS
        ],
    }
    rank_chart = {
        "labels": [c["name"] for c in ranking],
        "series": [
            {
                "name": str(definitions.SPECS["person_times"].label),
                "data": [float(c["values"][RANK_METRICS.index("person_times")]) for c in ranking],
            }
        ],
        "links": [c["dashboard"] for c in ranking],
    }
    query = {"node": node.code, "period": period.key}
    if rule_set:
        query["rules"] = rule_set.pk
    return render(
        request,
        "indicators/dashboard.html",
        {
            "node": node,
            "period": period,
            "board": board,
            "rule_rows": rule_rows,  # the table against the targets, built in Python
            "kpi_cards": kpi_cards,  # the service figures' cards, likewise
            "shared": shared,
            "shared_here": shared_here,
            "signed_off": selectors.months_accepted(
                code=node.code, start=period.start, end=period.end
            )
            if len(node.code) <= 9
            else None,
            "sentence": sentence,
            "ancestors": _ancestors(node, request.user),
            "periods": _period_choices(period),
            "rule_sets": RuleSet.objects.restrict(request.user),
            "ranking": sorted(
                ranking,
                key=lambda c: c["values"][RANK_METRICS.index("person_times")],
                reverse=True,
            ),
            "rank_labels": rank_labels,
            "trend_json": json.dumps(trend_chart, ensure_ascii=False),
            "rank_json": json.dumps(rank_chart, ensure_ascii=False),
            "query": urlencode(query),
            "status_labels": reports.STATUS_LABELS,
            "groups": list(DOMAINS.items()),
            "group": group,
            "domains": definitions.Domain.choices,
            "domain": domain,
            "split_columns": split_columns,
            "split_rows": split_rows,
            "show_service": bool(kpi_cards),
        },
    )


# ----- the stations board (an agency's stations, or any officer's) ---------------------


@require_GET
@heavy_reads
def station_board(request):
    """Each township station the user may see with its figures for a period: an agency's
    way to follow the stations it runs (figures only, no person-level records)."""
    if not policy.may_see_station_board(request.user):
        raise PermissionDenied(
            _("Dashboards are for civil-affairs officers, evaluators and stations.")
        )
    filters = [
        Filter("q", gettext_lazy("Station")),
        Filter("period", gettext_lazy("Period (e.g. 2026-03, 2026Q1, 2026)")),
    ]
    values = read_filters(request, filters)
    try:
        period = periods.parse(values.get("period") or periods.current().key)
    except ValueError as exc:
        messages.error(request, str(exc))
        period = periods.current()
    values["period"] = period.key
    return list_page(
        request,
        queryset=selectors.station_board(
            user=request.user, period_key=period.key, q=values.get("q") or ""
        ),
        exporter=StationBoardExporter,
        title=f"{_('Stations board')} · {period.label}",
        filters=filters,
        values=values,
        detail_url=row_url("stations:detail"),
    )


# ----- drill-down: the records behind a number -------------------------------------------


def _may_open_records(user) -> bool:
    return policy.may_drill_down(user) or policy.reads_masked(user)


@require_GET
@heavy_reads
def records(request):
    """Exactly the records that make up one number of a dashboard, scoped to the user.

    One selector per metric, from the dispatch table in ``drilldown``."""
    node, period, _rules = _context(request, may=_may_open_records)
    user = request.user
    whole, masked = policy.may_drill_down(user), policy.reads_masked(user)
    if not (whole or masked):
        raise PermissionDenied(_("Your role sees the figures, not the records behind them."))
    metric = request.GET.get("metric", "")
    entry = drilldown.get(metric)
    if entry is None:
        raise Http404(_("Unknown indicator."))
    if not whole and not entry.deidentified:
        raise PermissionDenied(_("Your role sees this figure, not the records behind it."))
    filters = [
        Filter(
            "metric",
            gettext_lazy("Indicator"),
            "select",
            [(d.metric, d.label) for d in drilldown.metrics() if whole or d.deidentified],
        ),
        Filter("node", gettext_lazy("Division code")),
        Filter("period", gettext_lazy("Period")),
    ]
    values = {"metric": metric, "node": node.code, "period": period.key}
    title = f"{entry.label} · {node.name} · {period.label}"
    if whole:
        rows = entry.rows(user=user, node=node, period=period, params=request.GET)
    else:
        # an evaluator or an agency: the same records, de-identified, and the read audited
        rows = entry.rows(
            user=user, node=node, period=period, params=request.GET, action="view_masked"
        )
        audit_log(action="shegong.records.viewed_masked", request=request, data={"list": title})
    return list_page(
        request,
        queryset=rows.queryset,
        exporter=rows.exporter if whole else rows.exporter.deidentified(),
        detail_url=rows.detail_url if whole else (lambda obj: ""),
        personal=rows.personal and whole,
        count=rows.count,
        summary=rows.summary,
        title=title,
        filters=filters,
        values=values,
    )


# ----- reports ----------------------------------------------------------------------------


@require_GET
@heavy_reads
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
            "rules": [(r, definitions.SPECS.get(r.indicator)) for r in rule_set.rules.all()],
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

    return form_page(
        request,
        form,
        save=through(rule_set_record, edit=True),
        template="indicators/rule_set_form.html",
        context={"title": _("Edit rule set") if pk else _("New rule set")},
        message=_("“%(name)s” was saved."),
        redirect_to=lambda obj: reverse("indicators:rule_set_detail", args=[obj.pk]),
    )


# ----- monthly sign-off (逐级审核) ------------------------------------------------------


def _last_months(today, n: int = 13) -> list[tuple[str, str]]:
    first = today.replace(day=1)
    out = []
    for _i in range(n):
        first = (first - datetime.timedelta(days=1)).replace(day=1)
        out.append((f"{first:%Y-%m}", f"{first:%Y-%m}"))
    return out


MONTH_STATUS = [("none", gettext_lazy("Not submitted")), *MonthApproval.Status.choices]


def _month_filters():
    return [
        Filter("month", gettext_lazy("Month"), "select", _last_months(timezone.localdate())),
        Filter("status", gettext_lazy("Status"), "select", MONTH_STATUS),
        Filter("region", gettext_lazy("Division code"), "region"),
    ]


def _month_of(raw: str | None, default: datetime.date) -> datetime.date:
    try:
        period = periods.parse(raw or "")
    except ValueError:
        return default
    return period.start if period.kind == "month" else default


@require_GET
@heavy_reads
def month_board(request):
    """Each station's month: submitted, reviewed, accepted or returned, and overdue where
    the station has not submitted within the days allowed after the month."""
    user = request.user
    if not (policy.may_see_station_board(user)):
        raise PermissionDenied(_("The monthly sign-off is for officers, stations and agencies."))
    today = timezone.localdate()
    filters = _month_filters()
    values = read_filters(request, filters)
    last = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    month = _month_of(values.get("month"), last)
    qs = selectors.month_board(user=user, month=month)
    if values.get("status") == "none":
        qs = qs.filter(approval_status__isnull=True)
    elif values.get("status"):
        qs = qs.filter(approval_status=values["status"])
    if values.get("region"):
        qs = qs.filter(region_filter("region_id", values["region"]))
    due = selectors.month_due(month=month)
    late = today > due
    qs = qs.annotate(
        overdue=Case(
            When(
                Q(approval_status__isnull=True) | Q(approval_status=MonthApproval.Status.RETURNED),
                then=Value(late),
            ),
            default=Value(False),
            output_field=BooleanField(),
        )
    )
    return list_page(
        request,
        queryset=qs,
        exporter=MonthBoardExporter,
        title=_("Monthly sign-off") + f" · {month:%Y-%m}",
        filters=filters,
        values={**values, "month": f"{month:%Y-%m}"},
        detail_url=lambda s: reverse("indicators:month_detail", args=[s.pk, f"{month:%Y-%m}"]),
        summary=_("Stations submit a month within %(days)s days after it ends (by %(due)s).")
        % {"days": settings.SHEGONG_MONTH_DUE_DAYS, "due": due},
    )


@require_GET
def month_detail(request, station_pk: int, month: str):
    """One station's month: where its sign-off stands, and the step the user may take."""
    if not policy.may_see_station_board(request.user):
        raise PermissionDenied(_("The monthly sign-off is for officers, stations and agencies."))
    station = get_restricted_or_404(
        Station.objects.select_related("agency"), request.user, pk=station_pk
    )
    day = _month_of(month, None)
    if day is None:
        raise Http404
    approval = (
        MonthApproval.objects.restrict(request.user)
        .filter(station=station, month=day)
        .select_related("submitted_by", "reviewed_by", "decided_by")
        .first()
    )
    status = approval.status if approval else None
    user, S = request.user, MonthApproval.Status
    steps = []
    if (
        user.role == "station_lead"
        and user.station_id == station.pk
        and status in (None, S.RETURNED)
    ):
        steps.append("submit")
    if (
        user.role == "agency_admin"
        and station.agency_id == user.agency_id
        and status == S.SUBMITTED
    ):
        steps += ["review", "return"]
    if user.role == "county_officer" and can(user, station, "change"):
        if status == S.REVIEWED or (status == S.SUBMITTED and not station.agency_id):
            steps += ["accept", "return"]
        elif status == S.SUBMITTED:
            steps.append("return")
        if status == S.ACCEPTED:
            steps.append("unlock")
    return render(
        request,
        "indicators/month_detail.html",
        {
            "station": station,
            "month": day,
            "approval": approval,
            "steps": steps,
            "dashboard": reverse("indicators:dashboard")
            + "?"
            + urlencode({"node": station.region_id[:9], "period": f"{day:%Y-%m}"}),
        },
    )


@require_POST
def month_step_view(request, station_pk: int, month: str):
    """Take one step of a station's month (submit, review, accept, return, unlock)."""
    if not policy.may_see_station_board(request.user):
        raise PermissionDenied(_("The monthly sign-off is for officers, stations and agencies."))
    station = get_restricted_or_404(Station.objects, request.user, pk=station_pk)
    day = _month_of(month, None)
    if day is None:
        raise Http404
    action = request.POST.get("action", "")
    done = {
        "submit": _("The month was submitted."),
        "review": _("The month was reviewed and sent to the county."),
        "accept": _("The month was accepted and is locked."),
        "return": _("The month was returned."),
        "unlock": _("The month was unlocked."),
    }.get(action, "")
    return step(
        request,
        lambda: month_step(
            by=request.user,
            data=MonthStep(
                station=station.pk,
                month=day,
                action=action,
                reason=request.POST.get("reason", "")[:500],
            ),
            request=request,
        ),
        done=done,
        back=reverse("indicators:month_detail", args=[station.pk, f"{day:%Y-%m}"]),
    )


# ----- voiding a record (作废), for every app above ---------------------------------------


def void_page(request, record, *, save, title: str, back: str):
    """The page that voids ``record``: a reason (and the version it was read at); on a
    valid POST ``save(by=…, instance=…, data=VoidInput, request=…)`` (a service that checks
    every rule), then back to ``back`` saying so. What the service refuses is shown on the
    form, with the reason typed kept. The caller has checked the user may correct it."""
    form = VoidForm(request.POST or None, initial={"version": getattr(record, "version", None)})
    if request.method == "POST" and form.is_valid():
        try:
            save(by=request.user, instance=record, data=form.to_input(), request=request)
        except ValidationError as refused:
            for name, errors in getattr(refused, "error_dict", {None: refused.messages}).items():
                form.add_error(name if name in ("reason",) else None, errors)
        else:
            messages.success(request, _("“%(name)s” was voided.") % {"name": record})
            return redirect(back)
    return render(
        request,
        "indicators/void_form.html",
        {"title": title, "form": form, "record": record, "back": back},
    )
