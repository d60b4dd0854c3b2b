"""Pages of the evaluation cycle: indicator trees (import, export, publish, copy),
evaluation agencies, rounds (stations, assignments, publishing, the summary workbook),
score sheets (scoring, evidence, the printable sheet), results and appeals,
rectification, star decisions, and the counties' annual summaries."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shegong.accounts.roles import OFFICER_ROLES, Role
from shegong.core.exporters import XLSX_TYPE, workbook_bytes
from shegong.core.files import private_file
from shegong.core.forms import editable, form_page, say_refusal, show_refusal, step, through
from shegong.core.links import id_url, row_url
from shegong.core.lists import Filter, list_page, read_filters, sub_list
from shegong.core.markup import escape
from shegong.core.restrict import can, get_restricted_or_404, may_add
from shegong.core.templatetags.shegong import num

from . import exporters, forms, selectors, services, trees
from .models import (
    Appeal,
    EvaluationAgency,
    Evidence,
    Grade,
    Rectification,
    Result,
    Round,
    Sheet,
    StarDecision,
    Tree,
)


def _years() -> list[tuple[str, str]]:
    return [(str(y), str(y)) for y in range(timezone.localdate().year + 1, 2017, -1)]


def _xlsx(sheets, filename: str):
    response = HttpResponse(workbook_bytes(sheets), content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


# ----- indicator trees -------------------------------------------------------------------

TREE_FILTERS = [
    Filter("year", gettext_lazy("Service year"), "select", _years()),
    Filter("status", gettext_lazy("Status"), "select", Tree.Status.choices),
]


@require_GET
def tree_list(request):
    values = read_filters(request, TREE_FILTERS)
    return list_page(
        request,
        queryset=selectors.tree_list(user=request.user, filters=values),
        exporter=exporters.TreeExporter,
        title=_("Indicator trees"),
        filters=TREE_FILTERS,
        values=values,
        detail_url=row_url("evaluation:tree_detail"),
        create_url=reverse("evaluation:tree_create") if may_add(request.user, Tree) else None,
    )


@require_GET
def tree_detail(request, pk: int):
    tree = get_restricted_or_404(Tree.objects, request.user, pk=pk)
    nodes = list(tree.nodes.order_by("seq"))
    return render(
        request,
        "evaluation/tree_detail.html",
        {
            "tree": tree,
            "nodes": nodes,
            "items": sum(1 for n in nodes if n.is_item),
            "can_change": can(request.user, tree, "change") and not tree.is_published,
            "can_copy": may_add(request.user, Tree),
            "copy_form": forms.TreeCopyForm(
                initial={
                    "year": tree.year + 1,
                    "title": tree.title.replace(str(tree.year), str(tree.year + 1)),
                }
            ),
        },
    )


@require_http_methods(["GET", "POST"])
def tree_import(request, pk: int | None = None):
    """Import a tree from Excel as a draft (no ``pk``), or import again into a draft."""
    refused = _("Only province and city officers keep indicator trees.")
    tree = editable(request, Tree, pk, add_refused=refused, change_refused=refused)
    if tree is not None and tree.is_published:
        messages.info(request, _("A published tree cannot change; copy it to revise."))
        return redirect("evaluation:tree_detail", tree.pk)
    return form_page(
        request,
        forms.TreeImportForm(
            request.POST or None, request.FILES or None, instance=tree, user=request.user
        ),
        save=through(services.tree_import, edit=True),
        template="evaluation/tree_form.html",
        context={"tree": tree},
        message=_("The tree “%(name)s” was saved as a draft."),
        redirect_to=lambda t: reverse("evaluation:tree_detail", args=[t.pk]),
    )


@require_GET
def tree_export(request, pk: int):
    """The tree in the sheet layout it can be imported from."""
    tree = get_restricted_or_404(Tree.objects, request.user, pk=pk)
    nodes = list(tree.nodes.order_by("seq"))
    return _xlsx([trees.sheet(tree, nodes)], f"{tree.title}.xlsx")


@require_POST
def tree_publish(request, pk: int):
    tree = get_restricted_or_404(Tree.objects, request.user, pk=pk)
    return step(
        request,
        lambda: services.tree_publish(by=request.user, tree=tree, request=request),
        done=_("The tree is published: rounds may use it now."),
        back=reverse("evaluation:tree_detail", args=[pk]),
    )


@require_POST
def tree_copy(request, pk: int):
    tree = get_restricted_or_404(Tree.objects, request.user, pk=pk)
    if not may_add(request.user, Tree):
        raise PermissionDenied(_("Only province and city officers keep indicator trees."))
    form = forms.TreeCopyForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, errors[0])
        return redirect("evaluation:tree_detail", pk)
    try:
        copy = services.tree_copy(
            by=request.user,
            tree=tree,
            year=form.cleaned_data["year"],
            title=form.cleaned_data["title"],
            request=request,
        )
    except ValidationError as refused:
        say_refusal(request, refused)
        return redirect("evaluation:tree_detail", pk)
    messages.success(request, _("A draft copy was made; import a revised sheet into it."))
    return redirect("evaluation:tree_detail", copy.pk)


# ----- evaluation agencies ---------------------------------------------------------------


@require_GET
def agency_list(request):
    if request.user.role not in OFFICER_ROLES and request.user.role != Role.EVALUATOR:
        raise PermissionDenied(_("Evaluation agencies are kept by civil-affairs officers."))
    return list_page(
        request,
        queryset=EvaluationAgency.objects.restrict(request.user).select_related("region"),
        exporter=exporters.EvaluationAgencyExporter,
        title=_("Evaluation agencies"),
        filters=[],
        values={},
        detail_url=lambda a: (
            reverse("evaluation:agency_edit", args=[a.pk]) if can(request.user, a, "change") else ""
        ),
        create_url=reverse("evaluation:agency_create")
        if may_add(request.user, EvaluationAgency)
        else None,
    )


@require_http_methods(["GET", "POST"])
def agency_edit(request, pk: int | None = None):
    refused = _("Only civil-affairs officers keep evaluation agencies.")
    agency = editable(request, EvaluationAgency, pk, add_refused=refused, change_refused=refused)
    return form_page(
        request,
        forms.EvaluationAgencyForm(request.POST or None, instance=agency, user=request.user),
        save=through(services.evaluation_agency_record, edit=True),
        template="evaluation/form.html",
        context={"title": _("Evaluation agency")},
        message=_("“%(name)s” was saved."),
        redirect_to=lambda a: reverse("evaluation:agency_list"),
    )


# ----- rounds ----------------------------------------------------------------------------

ROUND_FILTERS = [
    Filter("year", gettext_lazy("Service year"), "select", _years()),
    Filter("kind", gettext_lazy("Kind"), "select", Round.Kind.choices),
    Filter("region", gettext_lazy("Division code"), "region"),
]


@require_GET
def round_list(request):
    values = read_filters(request, ROUND_FILTERS)
    return list_page(
        request,
        queryset=selectors.round_list(user=request.user, filters=values),
        exporter=exporters.RoundExporter,
        title=_("Evaluation rounds"),
        filters=ROUND_FILTERS,
        values=values,
        detail_url=row_url("evaluation:round_detail"),
        create_url=reverse("evaluation:round_create") if may_add(request.user, Round) else None,
    )


def _round_lines(rnd: Round, rows: list[dict], *, officer: bool, score: bool) -> list[str]:
    """The round's stations as its page shows them, one ``<tr>`` each, built here: a page
    of 50 stations with their evaluators and sheets was most of the page's time as
    template tags (``core.lists._row`` does the same for every list)."""
    sheet_url, result_url = id_url("evaluation:sheet"), id_url("evaluation:result_detail")
    station_url = id_url("evaluation:round_station", rnd.pk)
    headers = {
        key: escape(label)
        for key, label in (
            ("station", _("Station")),
            ("evaluators", _("Evaluators")),
            ("sheets", _("Sheets")),
            ("result", _("Result")),
        )
    }
    lead, score_label = escape(_("lead")), escape(_("Score"))
    spot = rnd.kind == Round.Kind.SPOT
    lines = []
    for row in rows:
        station = row["station"]
        cells = [f'<td data-label="#">{row["draw_order"]}</td>'] if spot else []
        cells.append(
            f'<td data-label="{headers["station"]}">{escape(station.name)}'
            f'<div class="small text-muted">{escape(station.region.name)}</div></td>'
        )
        evaluators = "".join(
            f"<div>{escape(a.evaluator.display_name)}"
            + (f' <span class="badge text-bg-primary">{lead}</span>' if a.is_lead else "")
            + f' <span class="text-muted">{escape(a.agency.name)}</span></div>'
            for a in row["assignments"]
        )
        cells.append(
            f'<td data-label="{headers["evaluators"]}" class="small">{evaluators or "—"}</td>'
        )
        sheets = "".join(
            "<div>"
            + (
                f'<a href="{sheet_url(s.pk)}">{escape(s.author.display_name)}</a>'
                if officer
                else escape(s.author.display_name)
            )
            + f" · {escape(s.get_status_display())} · {escape(num(s.total))}</div>"
            for s in row["sheets"]
        )
        cells.append(f'<td data-label="{headers["sheets"]}" class="small">{sheets or "—"}</td>')
        result = row["result"]
        shown = (
            f'<a href="{result_url(result.pk)}">{escape(num(result.score))} · '
            f"{escape(result.get_grade_display())}</a>"
            if result
            else "—"
        )
        cells.append(f'<td data-label="{headers["result"]}">{shown}</td>')
        if score:
            cells.append(
                f'<td class="no-print"><a class="btn btn-sm btn-primary" '
                f'href="{station_url(station.pk)}" data-testid="score-{station.pk}">'
                f"{score_label}</a></td>"
            )
        lines.append(
            mark_safe(  # noqa: S308 (every part escaped above)
                f'<tr data-station="{station.pk}">{"".join(cells)}</tr>'
            )
        )
    return lines


@require_GET
def round_detail(request, pk: int):
    rnd = get_restricted_or_404(
        Round.objects.select_related("region", "tree", "published_by"), request.user, pk=pk
    )
    user = request.user
    can_change = can(user, rnd, "change") and rnd.status == Round.Status.OPEN
    page, querystring = sub_list(request, selectors.round_entries(user=user, round=rnd))
    is_officer = user.role in OFFICER_ROLES
    running = rnd.is_running()
    scores = user.role == Role.EVALUATOR or (
        user.role == Role.STATION_LEAD and rnd.kind == Round.Kind.SELF
    )
    return render(
        request,
        "evaluation/round_detail.html",
        {
            "round": rnd,
            "lines": _round_lines(
                rnd,
                selectors.round_rows(round=rnd, entries=page),
                officer=is_officer,
                score=scores and running,
            ),
            "page": page,
            "querystring": querystring,
            "progress": selectors.round_progress(round=rnd) if user.role in OFFICER_ROLES else None,
            "can_change": can_change,
            "can_assign": can_change and rnd.kind != Round.Kind.SELF,
            "can_publish": can(user, rnd, "approve") and rnd.status == Round.Status.OPEN,
            "assign_form": forms.AssignmentForm(user=user, round=rnd) if can_change else None,
            "is_officer": is_officer,
            "running": running,
            "scores": scores,
        },
    )


@require_http_methods(["GET", "POST"])
def round_edit(request, pk: int | None = None):
    refused = _("Only county and city officers open evaluation rounds.")
    rnd = editable(request, Round, pk, add_refused=refused, change_refused=refused)
    return form_page(
        request,
        forms.RoundForm(request.POST or None, instance=rnd, user=request.user),
        save=through(services.round_record, edit=True),
        template="evaluation/form.html",
        context={"title": _("Evaluation round"), "round": rnd},
        message=_("The round “%(name)s” was saved."),
        redirect_to=lambda r: reverse("evaluation:round_detail", args=[r.pk]),
    )


@require_POST
def round_assign(request, pk: int):
    rnd = get_restricted_or_404(Round.objects, request.user, pk=pk)
    if not can(request.user, rnd, "change"):
        raise PermissionDenied(_("Only county and city officers open evaluation rounds."))
    form = forms.AssignmentForm(request.POST, user=request.user, round=rnd)
    if form.is_valid():
        try:
            services.assignment_record(
                by=request.user, round=rnd, data=form.to_input(), request=request
            )
            messages.success(request, _("The evaluator was assigned."))
        except ValidationError as refused:
            say_refusal(request, refused)
    else:
        for errors in form.errors.values():
            messages.error(request, errors[0])
    return redirect("evaluation:round_detail", pk)


@require_POST
def round_publish(request, pk: int):
    rnd = get_restricted_or_404(Round.objects, request.user, pk=pk)
    return step(
        request,
        lambda: services.round_publish(by=request.user, round=rnd, request=request),
        done=_("The results are published."),
        back=reverse("evaluation:round_detail", args=[pk]),
    )


@require_GET
def round_summary(request, pk: int):
    """Every station, every item, totals, grades and the counties' averages (Excel)."""
    if request.user.role not in OFFICER_ROLES:
        raise PermissionDenied(_("The round summary is for civil-affairs officers."))
    rnd = get_restricted_or_404(Round.objects.select_related("tree"), request.user, pk=pk)
    summary = selectors.round_summary(user=request.user, round=rnd)
    return _xlsx(exporters.summary_sheets(summary), f"{rnd.title}.xlsx")


@require_GET
def round_station(request, pk: int, station_pk: int):
    """Open the user's sheet for a station of a round: 404 unless the station is assigned
    to them (an evaluator) or is their own (a station lead's self-assessment)."""
    rnd = get_restricted_or_404(Round.objects.select_related("tree"), request.user, pk=pk)
    station = rnd.stations.filter(pk=station_pk).first()
    if station is None:
        raise Http404
    try:
        sheet = services.sheet_open(by=request.user, round=rnd, station=station)
    except PermissionDenied as exc:
        raise Http404 from exc
    return redirect("evaluation:sheet", sheet.pk)


# ----- score sheets ----------------------------------------------------------------------


def _sheet_or_404(request, pk: int) -> Sheet:
    return get_restricted_or_404(
        Sheet.objects.select_related("round__tree", "station__region", "author"),
        request.user,
        pk=pk,
    )


@require_http_methods(["GET", "POST"])
def sheet(request, pk: int):
    """Score a sheet (its author, while a draft), or read it."""
    sheet = _sheet_or_404(request, pk)
    sections = selectors.sheet_rows(sheet=sheet)
    items = [row.item for section in sections for row in section.items]
    context = {
        "sheet": sheet,
        "sections": sections,
        "spread": selectors.sheet_spread(round=sheet.round, station=sheet.station)
        if sheet.is_lead
        else None,
    }
    if not can(request.user, sheet, "change"):
        if request.method == "POST":
            raise PermissionDenied(_("This sheet is not yours to score, or it is submitted."))
        return render(request, "evaluation/sheet.html", {**context, "form": None})
    form = forms.SheetForm(request.POST or None, request.FILES or None, instance=sheet, items=items)
    context["rows"] = {f"{n.pk}": n for n in items}
    return form_page(
        request,
        form,
        save=through(services.sheet_save, edit=True),
        template="evaluation/sheet.html",
        context=context,
        message=_("The sheet of %(name)s was saved."),
        redirect_to=lambda s: reverse("evaluation:sheet", args=[s.pk]),
    )


@require_GET
def sheet_print(request, pk: int):
    """The printable score sheet of a station: every item, score, comment, total, grade."""
    sheet = _sheet_or_404(request, pk)
    result = Result.objects.filter(round=sheet.round, station=sheet.station).first()
    return render(
        request,
        "evaluation/sheet_print.html",
        {
            "sheet": sheet,
            "sections": selectors.sheet_rows(sheet=sheet, with_figures=False),
            "result": result,
        },
    )


@require_GET
def evidence(request, pk: int):
    """An evidence file, for those who may read its sheet or its rectification (else 404)."""
    item = Evidence.objects.filter(pk=pk).first()
    if item is None:
        raise Http404
    if item.sheet_id:
        visible = Sheet.objects.restrict(request.user).filter(pk=item.sheet_id).exists() or (
            Result.objects.restrict(request.user).filter(sheet_id=item.sheet_id).exists()
        )
    else:
        visible = (
            Rectification.objects.restrict(request.user).filter(pk=item.rectification_id).exists()
        )
    if not visible:
        raise Http404
    return private_file(item.file, item.kind)


# ----- results and appeals ---------------------------------------------------------------

RESULT_FILTERS = [
    Filter("year", gettext_lazy("Service year"), "select", _years()),
    Filter("grade", gettext_lazy("Grade"), "select", Grade.choices),
    Filter("region", gettext_lazy("Division code"), "region"),
]


@require_GET
def result_list(request):
    values = read_filters(request, RESULT_FILTERS)
    return list_page(
        request,
        queryset=selectors.result_list(user=request.user, filters=values),
        exporter=exporters.ResultExporter,
        title=_("Evaluation results"),
        filters=RESULT_FILTERS,
        values=values,
        detail_url=row_url("evaluation:result_detail"),
    )


@require_GET
def result_detail(request, pk: int):
    result = get_restricted_or_404(
        Result.objects.select_related("round__tree", "station", "sheet"), request.user, pk=pk
    )
    appeal = Appeal.objects.filter(result=result).select_related("filed_by", "answered_by").first()
    user = request.user
    return render(
        request,
        "evaluation/result_detail.html",
        {
            "result": result,
            "sections": selectors.sheet_rows(sheet=result.sheet, with_figures=False),
            "appeal": appeal,
            "can_appeal": appeal is None
            and can(user, result, "add")
            and timezone.localdate() <= result.appeal_until,
            "appeal_form": forms.AppealForm(),
            "can_answer": appeal is not None
            and appeal.status == Appeal.Status.OPEN
            and can(user, appeal, "approve"),
            "answer_form": forms.AnswerForm(instance=appeal) if appeal else None,
            "rectifications": result.rectifications.select_related("item"),
            "can_propose": user.role == Role.COUNTY_OFFICER
            and result.round.kind == Round.Kind.FINAL
            and result.stars,
        },
    )


@require_POST
def result_appeal(request, pk: int):
    result = get_restricted_or_404(Result.objects, request.user, pk=pk)
    form = forms.AppealForm(request.POST)
    form.is_valid()
    return step(
        request,
        lambda: services.appeal_file(
            by=request.user,
            result=result,
            reasons=form.cleaned_data.get("reasons", ""),
            request=request,
        ),
        done=_("The appeal was sent to the county."),
        back=reverse("evaluation:result_detail", args=[pk]),
    )


APPEAL_FILTERS = [Filter("status", gettext_lazy("Status"), "select", Appeal.Status.choices)]


@require_GET
def appeal_list(request):
    values = read_filters(request, APPEAL_FILTERS)
    return list_page(
        request,
        queryset=selectors.appeal_list(user=request.user, filters=values),
        exporter=exporters.AppealExporter,
        title=_("Appeals"),
        filters=APPEAL_FILTERS,
        values=values,
        detail_url=row_url("evaluation:result_detail", "result_id"),
    )


@require_http_methods(["GET", "POST"])
def appeal_answer(request, pk: int):
    appeal = get_restricted_or_404(Appeal.objects.select_related("result"), request.user, pk=pk)
    if not can(request.user, appeal, "approve"):
        raise PermissionDenied(_("Only the county officer answers appeals."))
    form = forms.AnswerForm(request.POST or None, instance=appeal)
    return form_page(
        request,
        form,
        save=lambda *, form, by, request=None: services.appeal_answer(
            by=by,
            appeal=Appeal.objects.get(pk=appeal.pk),
            data=form.to_input(),
            request=request,
        ),
        template="evaluation/form.html",
        context={"title": _("Answer the appeal"), "appeal": appeal},
        message=_("The appeal was answered."),
        redirect_to=lambda a: reverse("evaluation:result_detail", args=[a.result_id]),
    )


# ----- rectification ---------------------------------------------------------------------

RECTIFICATION_FILTERS = [
    Filter("status", gettext_lazy("Status"), "select", Rectification.Status.choices),
    Filter("overdue", gettext_lazy("Overdue only"), "select", [("1", gettext_lazy("Yes"))]),
    Filter("region", gettext_lazy("Division code"), "region"),
]


@require_GET
def rectification_list(request):
    values = read_filters(request, RECTIFICATION_FILTERS)
    return list_page(
        request,
        queryset=selectors.rectification_list(user=request.user, filters=values),
        exporter=exporters.RectificationExporter,
        title=_("Rectification tasks"),
        filters=RECTIFICATION_FILTERS,
        values=values,
        detail_url=row_url("evaluation:rectification_detail"),
    )


@require_GET
def rectification_detail(request, pk: int):
    task = get_restricted_or_404(
        Rectification.objects.select_related("station", "item", "result__round", "closed_by"),
        request.user,
        pk=pk,
    )
    return render(
        request,
        "evaluation/rectification_detail.html",
        {
            "task": task,
            "evidence": task.evidence.all(),
            "can_report": task.status == Rectification.Status.OPEN
            and can(request.user, task, "change"),
            "can_check": task.status == Rectification.Status.SUBMITTED
            and can(request.user, task, "approve"),
            "overdue": task.is_overdue(),
        },
    )


@require_http_methods(["GET", "POST"])
def rectification_report(request, pk: int):
    refused = _("Only the station or its agency reports a rectification.")
    task = editable(request, Rectification, pk, add_refused=refused, change_refused=refused)
    if task.status != Rectification.Status.OPEN:
        messages.info(request, _("This task is not open."))
        return redirect("evaluation:rectification_detail", pk)
    return form_page(
        request,
        forms.RectificationReportForm(
            request.POST or None, request.FILES or None, instance=task, user=request.user
        ),
        save=through(services.rectification_submit, edit=True),
        template="evaluation/form.html",
        context={"title": _("Report the rectification"), "task": task},
        message=_("The rectification was reported for the county's check."),
        redirect_to=lambda t: reverse("evaluation:rectification_detail", args=[t.pk]),
    )


@require_POST
def rectification_check(request, pk: int):
    task = get_restricted_or_404(Rectification.objects, request.user, pk=pk)
    form = forms.CheckForm(request.POST)
    form.is_valid()
    accept = bool(form.cleaned_data.get("accept"))
    return step(
        request,
        lambda: services.rectification_check(
            by=request.user,
            task=task,
            accept=accept,
            note=form.cleaned_data.get("note", ""),
            request=request,
        ),
        done=_("Closed.") if accept else _("Sent back to the station."),
        back=reverse("evaluation:rectification_detail", args=[pk]),
    )


# ----- star decisions --------------------------------------------------------------------

STAR_FILTERS = [
    Filter("status", gettext_lazy("Status"), "select", StarDecision.Status.choices),
    Filter("stars", gettext_lazy("Stars"), "select", [(str(i), "★" * i) for i in range(5, 0, -1)]),
    Filter("region", gettext_lazy("Division code"), "region"),
]


@require_GET
def star_list(request):
    values = read_filters(request, STAR_FILTERS)
    return list_page(
        request,
        queryset=selectors.star_list(user=request.user, filters=values),
        exporter=exporters.StarExporter,
        title=_("Star ratings"),
        filters=STAR_FILTERS,
        values=values,
        detail_url=row_url("evaluation:star_detail"),
        create_url=reverse("evaluation:star_create")
        if may_add(request.user, StarDecision)
        else None,
    )


@require_http_methods(["GET", "POST"])
def star_create(request):
    if not may_add(request.user, StarDecision):
        raise PermissionDenied(_("Only the county officer proposes star ratings."))
    initial = {}
    result = None
    if request.GET.get("result", "").isdigit():
        result = Result.objects.restrict(request.user).filter(pk=request.GET["result"]).first()
        if result:
            initial = {"station": result.station_id, "stars": result.stars, "result": result.pk}
    return form_page(
        request,
        forms.StarProposeForm(request.POST or None, initial=initial, user=request.user),
        save=through(services.star_propose),
        template="evaluation/form.html",
        context={"title": _("Propose a star rating"), "result": result},
        message=_("The rating of %(name)s was proposed to the city."),
        redirect_to=lambda d: reverse("evaluation:star_detail", args=[d.pk]),
    )


@require_GET
def star_detail(request, pk: int):
    decision = get_restricted_or_404(
        StarDecision.objects.select_related("station", "result__round", "proposed_by"),
        request.user,
        pk=pk,
    )
    user = request.user
    stage = {
        StarDecision.Status.PROPOSED: Role.CITY_OFFICER,
        StarDecision.Status.CITY_APPROVED: Role.PROVINCE_OFFICER,
    }.get(decision.status)
    return render(
        request,
        "evaluation/star_detail.html",
        {
            "decision": decision,
            "history": selectors.star_history(user=user, station=decision.station),
            "can_decide": stage == user.role and can(user, decision, "approve"),
            "final_step": stage == Role.PROVINCE_OFFICER or not decision.needs_province,
            "can_revoke": decision.status == StarDecision.Status.VALID
            and not decision.ended_on
            and can(user, decision, "change"),
            "today": timezone.localdate(),
        },
    )


@require_POST
def star_decide(request, pk: int):
    decision = get_restricted_or_404(StarDecision.objects, request.user, pk=pk)
    form = forms.StarDecideForm(request.POST)
    form.is_valid()
    return step(
        request,
        lambda: services.star_decide(
            by=request.user, decision=decision, data=form.to_input(), request=request
        ),
        done=_("Decided."),
        back=reverse("evaluation:star_detail", args=[pk]),
    )


@require_POST
def star_revoke(request, pk: int):
    decision = get_restricted_or_404(StarDecision.objects, request.user, pk=pk)
    form = forms.RevokeForm(request.POST)
    form.is_valid()
    return step(
        request,
        lambda: services.star_revoke(
            by=request.user,
            decision=decision,
            on=form.cleaned_data.get("on"),
            note=form.cleaned_data.get("note", ""),
            request=request,
        ),
        done=_("The rating was revoked."),
        back=reverse("evaluation:star_detail", args=[pk]),
    )


# ----- the counties' annual summaries ----------------------------------------------------


@require_http_methods(["GET", "POST"])
def summaries(request):
    """The county sends its annual summary; the city sees which counties have, and which
    are overdue."""
    user = request.user
    if user.role not in OFFICER_ROLES:
        raise PermissionDenied(_("Annual summaries are for civil-affairs officers."))
    year = timezone.localdate().year
    form = None
    if user.role == Role.COUNTY_OFFICER:
        form = forms.SummaryForm(request.POST or None, initial={"year": year})
        if request.method == "POST" and form.is_valid():
            try:
                services.summary_submit(
                    by=user,
                    year=form.cleaned_data["year"],
                    text=form.cleaned_data["text"],
                    request=request,
                )
                messages.success(request, _("The summary was sent to the city."))
                return redirect("evaluation:summaries")
            except ValidationError as refused:
                show_refusal(form, refused)
    elif request.method == "POST":
        raise PermissionDenied(_("Only the county officer sends the county's summary."))
    return render(
        request,
        "evaluation/summaries.html",
        {"form": form, "year": year, "counties": selectors.summaries_due(user=user, year=year)},
    )
