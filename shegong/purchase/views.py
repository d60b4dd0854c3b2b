"""Pages of the purchase cycle: filings, projects, contracts (targets, instalments),
spending, budget against spending, and employment (labour contracts, pay, compliance)."""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shegong.accounts.roles import Role
from shegong.audit.services import audit_log
from shegong.core.exporters import XLSX_TYPE, Sheet, workbook_bytes
from shegong.core.files import private_file
from shegong.core.forms import editable, form_page, say_refusal, step, through
from shegong.core.links import row_url
from shegong.core.lists import Filter, list_page, read_filters
from shegong.core.replica import heavy_reads
from shegong.core.restrict import can, get_restricted_or_404, may_add
from shegong.indicators import periods
from shegong.regions.models import Region
from shegong.stations.models import Station

from . import exporters, forms, selectors, services
from .models import (
    Category,
    Contract,
    Filing,
    FilingDocument,
    Instalment,
    LabourContract,
    Output,
    Payroll,
    Project,
    Spending,
    SubsidyRate,
    Version,
    VersionConfirmation,
)


def _years() -> list[tuple[str, str]]:
    """Service years to filter by: next year back to 2018 (the stations began then)."""
    return [(str(y), str(y)) for y in range(timezone.localdate().year + 1, 2017, -1)]


def _node_of(request) -> Region:
    """The region a page is about (``node``, else the user's own scope), within the
    user's area; 404 otherwise."""
    code = request.GET.get("node") or request.POST.get("node") or request.user.scope_code or ""
    is_code = code.isascii() and code.isdigit() and len(code) <= 12
    node = Region.objects.restrict(request.user).filter(code=code).first() if is_code else None
    if node is None:
        raise Http404(_("No such region in your area."))
    return node


# ----- filings ---------------------------------------------------------------------------

FILING_FILTERS = [
    Filter("status", gettext_lazy("Status"), "select", Filing.Status.choices),
    Filter("region", gettext_lazy("Division code"), "region"),
]


@require_GET
def filing_list(request):
    """Filings: the county's review queue; an agency's own filing."""
    user = request.user
    if user.role == Role.AGENCY_ADMIN:
        own = Filing.objects.filter(agency_id=user.agency_id).first()
        return (
            redirect("purchase:filing_detail", own.pk)
            if own
            else redirect("purchase:filing_create")
        )
    values = read_filters(request, FILING_FILTERS)
    return list_page(
        request,
        queryset=selectors.filing_list(user=user, filters=values),
        exporter=exporters.FilingExporter,
        title=_("Agency filings"),
        filters=FILING_FILTERS,
        values=values,
        detail_url=row_url("purchase:filing_detail"),
    )


@require_GET
def filing_detail(request, pk: int):
    filing = get_restricted_or_404(
        Filing.objects.select_related("agency", "region", "decided_by"), request.user, pk=pk
    )
    return render(
        request,
        "purchase/filing_detail.html",
        {
            "filing": filing,
            "documents": filing.documents.all(),
            "can_change": can(request.user, filing, "change")
            and filing.status in (Filing.Status.DRAFT, Filing.Status.RETURNED),
            "can_decide": can(request.user, filing, "approve")
            and filing.status == Filing.Status.SUBMITTED,
        },
    )


@require_http_methods(["GET", "POST"])
def filing_edit(request, pk: int | None = None):
    """File the agency (no ``pk``) or change its filing."""
    refused = _("Only the agency's own administrator files it.")
    if pk is None and request.user.agency_id:
        own = Filing.objects.filter(agency_id=request.user.agency_id).first()
        if own:
            return redirect("purchase:filing_edit", own.pk)
    filing = editable(request, Filing, pk, add_refused=refused, change_refused=refused)
    if filing is not None and filing.status not in (Filing.Status.DRAFT, Filing.Status.RETURNED):
        messages.info(request, _("A filing awaiting review or filed cannot be changed."))
        return redirect("purchase:filing_detail", filing.pk)
    return form_page(
        request,
        forms.FilingForm(
            request.POST or None, request.FILES or None, instance=filing, user=request.user
        ),
        save=through(services.filing_record, edit=True),
        template="purchase/filing_form.html",
        context={"filing": filing},
        message=_("The filing of “%(name)s” was saved."),
        redirect_to=lambda f: reverse("purchase:filing_detail", args=[f.pk]),
    )


@require_POST
def filing_submit(request, pk: int):
    filing = get_restricted_or_404(Filing.objects, request.user, pk=pk)
    return step(
        request,
        lambda: services.filing_submit(by=request.user, filing=filing, request=request),
        done=_("The filing was sent for review."),
        back=reverse("purchase:filing_detail", args=[pk]),
    )


@require_POST
def filing_decide(request, pk: int):
    filing = get_restricted_or_404(Filing.objects, request.user, pk=pk)
    return _decide(
        request,
        lambda approve, reason: services.filing_decide(
            by=request.user, filing=filing, approve=approve, reason=reason, request=request
        ),
        done=(_("Filed."), _("The filing was returned.")),
        back=reverse("purchase:filing_detail", args=[pk]),
    )


def _decide(request, decide, *, done, back):
    """An approve-or-return POST (a filing, a spending entry): the service decides; what
    it refuses is shown as a message on the page the user came from."""
    form = forms.DecisionForm(request.POST)
    form.is_valid()
    approve = bool(form.cleaned_data.get("approve"))
    try:
        decide(approve, form.cleaned_data.get("reason", ""))
        messages.success(request, done[0] if approve else done[1])
    except ValidationError as refused:
        say_refusal(request, refused)
    return redirect(back)


@require_GET
def filing_document(request, pk: int):
    """A filing's document, for those who may see the filing (else 404)."""
    doc = FilingDocument.objects.select_related("filing").filter(pk=pk).first()
    if doc is None or not Filing.objects.restrict(request.user).filter(pk=doc.filing_id).exists():
        raise Http404
    return private_file(doc.file, doc.kind)


# ----- projects --------------------------------------------------------------------------

PROJECT_FILTERS = [
    Filter("q", gettext_lazy("Project title")),
    Filter("year", gettext_lazy("Service year"), "select", _years()),
    Filter("region", gettext_lazy("Division code"), "region"),
]


@require_GET
def project_list(request):
    values = read_filters(request, PROJECT_FILTERS)
    return list_page(
        request,
        queryset=selectors.project_list(user=request.user, filters=values),
        exporter=exporters.ProjectExporter,
        title=_("Purchase projects"),
        filters=PROJECT_FILTERS,
        values=values,
        detail_url=row_url("purchase:project_detail"),
        create_url=reverse("purchase:project_create") if may_add(request.user, Project) else None,
    )


@require_GET
def project_detail(request, pk: int):
    project = get_restricted_or_404(Project.objects.select_related("region"), request.user, pk=pk)
    contracts = selectors.contract_list(user=request.user, filters={"project": project.pk})
    funding = list(project.funding.all())
    return render(
        request,
        "purchase/project_detail.html",
        {
            "project": project,
            "funding": funding,
            "budget": sum((f.amount for f in funding), 0),
            "contracts": contracts,
            "can_change": can(request.user, project, "change"),
        },
    )


@require_http_methods(["GET", "POST"])
def project_edit(request, pk: int | None = None):
    refused = _("Only the county's civil-affairs officer manages purchase projects.")
    project = editable(request, Project, pk, add_refused=refused, change_refused=refused)
    return form_page(
        request,
        forms.ProjectForm(request.POST or None, instance=project, user=request.user),
        save=through(services.project_record, edit=True),
        template="purchase/project_form.html",
        context={"project": project},
        message=_("Project “%(name)s” was saved."),
        redirect_to=lambda p: reverse("purchase:project_detail", args=[p.pk]),
    )


# ----- contracts -------------------------------------------------------------------------

CONTRACT_FILTERS = [
    Filter("year", gettext_lazy("Service year"), "select", _years()),
    Filter("region", gettext_lazy("Division code"), "region"),
    Filter("project", gettext_lazy("Project"), "id"),
    Filter("agency", gettext_lazy("Agency"), "id"),
]


@require_GET
def contract_list(request):
    values = read_filters(request, CONTRACT_FILTERS)
    return list_page(
        request,
        queryset=selectors.contract_list(user=request.user, filters=values),
        exporter=exporters.ContractExporter,
        title=_("Contracts"),
        filters=CONTRACT_FILTERS,
        values=values,
        detail_url=row_url("purchase:contract_detail"),
        create_url=reverse("purchase:contract_create") if may_add(request.user, Contract) else None,
    )


@require_GET
def contract_detail(request, pk: int):
    contract = get_restricted_or_404(
        Contract.objects.select_related("project__region", "agency", "region"), request.user, pk=pk
    )
    progress = selectors.contract_progress(contracts=[contract]).get(contract.pk, [])
    budget = selectors.budget_view(
        user=request.user,
        node=contract.region,
        start=contract.starts_on,
        end=contract.ends_on,
        contract=contract.pk,
        by_part=False,
    )
    can_change = can(request.user, contract, "change")
    return render(
        request,
        "purchase/contract_detail.html",
        {
            "contract": contract,
            "stations": contract.stations.order_by("region_id"),
            "instalments": selectors.instalments_of(contract=contract),
            "progress": progress,
            "elapsed": selectors.term_elapsed(contract=contract, today=_today()),
            "budget": budget,
            "can_change": can_change,
            "confirm_form": forms.ConfirmForm(initial={"met_on": _today()}),
            "pay_form": forms.PayForm(initial={"paid_on": _today()}),
        },
    )


def _today():
    return timezone.localdate()


@require_http_methods(["GET", "POST"])
def contract_edit(request, pk: int | None = None):
    refused = _("Only the county's civil-affairs officer manages contracts.")
    contract = editable(request, Contract, pk, add_refused=refused, change_refused=refused)
    form = forms.ContractForm(request.POST or None, instance=contract, user=request.user)
    if not request.POST and contract is None and request.GET.get("project"):
        form.initial["project"] = request.GET["project"]
    return form_page(
        request,
        form,
        save=through(services.contract_record, edit=True),
        template="purchase/contract_form.html",
        context={"contract": contract},
        message=_("Contract “%(name)s” was saved."),
        redirect_to=lambda c: (
            reverse("purchase:contract_targets", args=[c.pk])
            if not c.targets.exists()
            else reverse("purchase:contract_detail", args=[c.pk])
        ),
    )


@require_http_methods(["GET", "POST"])
def contract_targets(request, pk: int):
    """The agreed outputs per station (服务协议指标) of a contract."""
    contract = get_restricted_or_404(Contract.objects, request.user, pk=pk)
    if not can(request.user, contract, "change"):
        raise PermissionDenied(_("Only the county's civil-affairs officer manages contracts."))
    form = forms.TargetsForm(request.POST or None, contract=contract)
    if request.method == "POST" and form.is_valid():
        try:
            services.targets_record(
                by=request.user, contract=contract, data=form.to_input(), request=request
            )
            messages.success(request, _("The agreed outputs were saved."))
            return redirect("purchase:contract_detail", pk)
        except ValidationError as refused:
            for message in refused.messages:
                form.add_error(None, message)
    return render(
        request,
        "purchase/contract_targets.html",
        {"contract": contract, "form": form, "outputs": [label for _v, label in Output.choices]},
    )


def _instalment_step(request, pk: int, step):
    instalment = Instalment.objects.select_related("contract").filter(pk=pk).first()
    if (
        instalment is None
        or not Contract.objects.restrict(request.user).filter(pk=instalment.contract_id).exists()
    ):
        raise Http404
    if not can(request.user, instalment.contract, "change"):
        raise PermissionDenied(_("Only the county's civil-affairs officer manages contracts."))
    try:
        step(instalment)
    except ValidationError as refused:
        say_refusal(request, refused)
    return redirect("purchase:contract_detail", instalment.contract_id)


@require_POST
def instalment_confirm(request, pk: int):
    def step(instalment):
        form = forms.ConfirmForm(request.POST)
        if not form.is_valid():
            raise ValidationError(form.errors.get("met_on") or _("This field is required."))
        services.instalment_confirm(
            by=request.user,
            instalment=instalment,
            met_on=form.cleaned_data["met_on"],
            request=request,
        )
        messages.success(request, _("The condition was confirmed."))

    return _instalment_step(request, pk, step)


@require_POST
def instalment_pay(request, pk: int):
    def step(instalment):
        form = forms.PayForm(request.POST)
        if not form.is_valid():
            raise ValidationError([e for errors in form.errors.values() for e in errors])
        services.instalment_pay(
            by=request.user,
            instalment=instalment,
            paid_on=form.cleaned_data["paid_on"],
            amount=form.cleaned_data["amount"],
            request=request,
        )
        messages.success(request, _("The payment was recorded."))

    return _instalment_step(request, pk, step)


# ----- spending --------------------------------------------------------------------------

SPENDING_FILTERS = [
    Filter("status", gettext_lazy("Status"), "select", Spending.Status.choices),
    Filter("category", gettext_lazy("Category"), "select", Category.choices),
    Filter("flagged", gettext_lazy("Over budget"), "select", [("1", gettext_lazy("Flagged"))]),
    Filter("region", gettext_lazy("Division code"), "region"),
    Filter("since", gettext_lazy("From"), "date"),
    Filter("until", gettext_lazy("To"), "date"),
    Filter("contract", gettext_lazy("Contract"), "id"),
]


@require_GET
def spending_list(request):
    values = read_filters(request, SPENDING_FILTERS)
    return list_page(
        request,
        queryset=selectors.spending_list(user=request.user, filters=values),
        exporter=exporters.SpendingExporter,
        title=_("Spending"),
        filters=SPENDING_FILTERS,
        values=values,
        detail_url=row_url("purchase:spending_detail"),
        create_url=reverse("purchase:spending_create") if may_add(request.user, Spending) else None,
    )


@require_GET
def spending_detail(request, pk: int):
    spending = get_restricted_or_404(
        Spending.objects.select_related("contract__agency", "station", "created_by", "decided_by"),
        request.user,
        pk=pk,
    )
    return render(
        request,
        "purchase/spending_detail.html",
        {
            "spending": spending,
            "can_decide": can(request.user, spending, "approve")
            and spending.status == Spending.Status.SUBMITTED,
            "room": services.category_room(contract=spending.contract, category=spending.category),
        },
    )


@require_http_methods(["GET", "POST"])
def spending_create(request):
    if not may_add(request.user, Spending):
        raise PermissionDenied(_("Only the agency records its spending."))
    return form_page(
        request,
        forms.SpendingForm(request.POST or None, request.FILES or None, user=request.user),
        save=through(services.spending_record),
        template="purchase/spending_form.html",
        context={},
        message=_("“%(name)s” was recorded and awaits approval."),
        redirect_to=lambda s: reverse("purchase:spending_detail", args=[s.pk]),
    )


@require_POST
def spending_decide(request, pk: int):
    spending = get_restricted_or_404(Spending.objects, request.user, pk=pk)
    return _decide(
        request,
        lambda approve, reason: services.spending_decide(
            by=request.user, spending=spending, approve=approve, note=reason, request=request
        ),
        done=(_("Approved."), _("Rejected.")),
        back=reverse("purchase:spending_detail", args=[pk]),
    )


@require_GET
def voucher(request, pk: int):
    """A spending entry's voucher, for those who may see the entry (else 404)."""
    spending = get_restricted_or_404(Spending.objects, request.user, pk=pk)
    return private_file(spending.voucher, spending.kind)


# ----- budget against spending -----------------------------------------------------------


@require_GET
@heavy_reads  # sums over a year's entries of a province: the replica may answer
def budget(request):
    """Budget against spending by category and by part, for a place, period and optionally
    a project, contract or station; Excel on ``?export=xlsx``."""
    user = request.user
    if not Contract.restrict_q(user, "view"):
        raise PermissionDenied(
            _("Budgets are for civil-affairs officers, evaluators and agencies.")
        )
    node = _node_of(request)
    try:
        period = periods.parse(request.GET.get("period") or periods.current("year").key)
    except ValueError as exc:
        messages.error(request, str(exc))
        period = periods.current("year")
    ids = {}
    for name in ("project", "contract", "station"):
        raw = request.GET.get(name, "")
        ids[name] = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None
    view = selectors.budget_view(user=user, node=node, start=period.start, end=period.end, **ids)
    view.total.label = _("Total")
    for part in view.parts:
        part.url = (
            reverse("purchase:contract_detail", args=[part.key])
            if view.part_kind == "contract"
            else f"{reverse('purchase:budget')}?node={part.key}&period={period.key}"
        )
    if request.GET.get("export") in ("xlsx", "csv"):
        rows = [*view.categories, view.total, *view.parts]
        values = {"node": node.code, "period": period.key, **{k: v for k, v in ids.items() if v}}
        return list_page(
            request,
            queryset=rows,
            exporter=exporters.BudgetExporter,
            title=_("Budget and spending"),
            filters=[],
            values=values,
            detail_url=lambda r: r.url,
        )
    return render(
        request,
        "purchase/budget.html",
        {
            "node": node,
            "period": period,
            "view": view,
            "ids": ids,
            "periods": [
                (p.key, p.label) for p in (periods.current("year").previous(i) for i in range(3))
            ],
        },
    )


# ----- employment ------------------------------------------------------------------------


def _audit_pay_read(request, title, values) -> None:
    """A county officer reading individuals' pay: one audit entry per list read."""
    if request.user.role == Role.COUNTY_OFFICER:
        audit_log(
            action="shegong.payroll.viewed",
            request=request,
            data={"list": str(title), **{k: str(v) for k, v in values.items() if v}},
        )


PAYROLL_FILTERS = [
    Filter("month", gettext_lazy("Month (first day)"), "date"),
    Filter("region", gettext_lazy("Division code"), "region"),
    Filter("worker", gettext_lazy("Worker"), "id"),
]


@require_GET
def payroll_list(request):
    """Monthly pay: the agency's own staff; the county officer's county (audited)."""
    if Payroll.restrict_q(request.user, "view") is None:
        raise PermissionDenied(_("Pay is seen by the agency and the county officer."))
    values = read_filters(request, PAYROLL_FILTERS)
    title = _("Monthly pay and insurance")
    _audit_pay_read(request, title, values)
    return list_page(
        request,
        queryset=selectors.payroll_list(user=request.user, filters=values),
        exporter=exporters.PayrollExporter,
        title=title,
        filters=PAYROLL_FILTERS,
        values=values,
        detail_url=lambda p: reverse("purchase:labour_contract_list") + f"?worker={p.worker_id}",
        create_url=reverse("purchase:payroll_create") if may_add(request.user, Payroll) else None,
        personal=request.user.role != Role.AGENCY_ADMIN,  # an agency's own staff: its records
    )


@require_http_methods(["GET", "POST"])
def payroll_create(request):
    if not may_add(request.user, Payroll):
        raise PermissionDenied(_("Only the agency records its staff's employment."))
    return form_page(
        request,
        forms.PayrollForm(request.POST or None, user=request.user),
        save=through(services.payroll_record),
        template="purchase/payroll_form.html",
        context={"title": _("Monthly pay and insurance")},
        message=_("“%(name)s” was saved."),
        redirect_to=lambda p: reverse("purchase:payroll_list") + f"?worker={p.worker_id}",
    )


@require_http_methods(["GET", "POST"])
def payroll_import(request):
    """A month of pay from the agency's sheet: every bad line reported, nothing half-saved."""
    if not may_add(request.user, Payroll):
        raise PermissionDenied(_("Only the agency records its staff's employment."))
    form = forms.PayrollImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        month = form.cleaned_data["month"]
        try:
            saved = services.payroll_import(
                by=request.user, month=month, rows=form.cleaned_data["rows"], request=request
            )
        except ValidationError as refused:
            for name, problems in refused.message_dict.items():
                for problem in problems:
                    form.add_error("file" if name in ("file", "__all__") else None, problem)
        else:
            messages.success(
                request,
                _("%(n)s lines of %(month)s were saved.") % {"n": saved, "month": f"{month:%Y-%m}"},
            )
            return redirect(reverse("purchase:payroll_list") + f"?month={month:%Y-%m-%d}")
    return render(request, "purchase/payroll_import.html", {"form": form})


@require_GET
def payroll_template(request):
    """The month's sheet to fill in: the agency's staff, one line each."""
    if not may_add(request.user, Payroll):
        raise PermissionDenied(_("Only the agency records its staff's employment."))
    staff = services.agency_staff(agency_id=request.user.agency_id).filter(is_active=True)
    rows = [
        [u.username, u.display_name, "", "", "", "是", "是", "是", "是", "是", "否"]
        for u in staff.order_by("station__region_id", "full_name")
    ]
    content = workbook_bytes(
        [
            Sheet(
                title=_("Monthly pay and insurance"),
                lines=[
                    str(_("Monthly pay and insurance")) + " · " + request.user.agency.name,
                    str(_("One line per worker; insurances 是 or 否; dates as 2026-03-10.")),
                ],
                headers=[label for _key, label in forms.SHEET_COLUMNS],
                widths=[14, 10, 12, 12, 12, 8, 8, 8, 8, 8, 10],
                rows=rows,
            )
        ]
    )
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, "工资与五险模板.xlsx")
    return response


LABOUR_FILTERS = [
    Filter("region", gettext_lazy("Division code"), "region"),
    Filter("worker", gettext_lazy("Worker"), "id"),
]


@require_GET
def labour_contract_list(request):
    if LabourContract.restrict_q(request.user, "view") is None:
        raise PermissionDenied(_("Pay is seen by the agency and the county officer."))
    values = read_filters(request, LABOUR_FILTERS)
    title = _("Labour contracts")
    _audit_pay_read(request, title, values)
    return list_page(
        request,
        queryset=selectors.labour_contract_list(user=request.user, filters=values),
        exporter=exporters.LabourContractExporter,
        title=title,
        filters=LABOUR_FILTERS,
        values=values,
        detail_url=row_url("purchase:labour_contract_document"),
        create_url=reverse("purchase:labour_contract_create")
        if may_add(request.user, LabourContract)
        else None,
    )


@require_http_methods(["GET", "POST"])
def labour_contract_create(request):
    if not may_add(request.user, LabourContract):
        raise PermissionDenied(_("Only the agency records its staff's employment."))
    return form_page(
        request,
        forms.LabourContractForm(request.POST or None, request.FILES or None, user=request.user),
        save=through(services.labour_contract_record),
        template="purchase/payroll_form.html",
        context={"title": _("New labour contract"), "multipart": True},
        message=_("“%(name)s” was saved."),
        redirect_to=lambda c: reverse("purchase:labour_contract_list") + f"?worker={c.worker_id}",
    )


@require_GET
def labour_contract_document(request, pk: int):
    contract = get_restricted_or_404(LabourContract.objects, request.user, pk=pk)
    return private_file(contract.document, contract.kind_of_file)


COMPLIANCE_ROLES = {
    Role.COUNTY_OFFICER,
    Role.CITY_OFFICER,
    Role.PROVINCE_OFFICER,
    Role.AGENCY_ADMIN,
}


@require_GET
def compliance(request):
    """The month's employment check per agency, and the workers behind each flag."""
    user = request.user
    if user.role not in COMPLIANCE_ROLES:
        raise PermissionDenied(_("Employment compliance is for officers and agencies."))
    node = _node_of(request)
    month = _month(request.GET.get("month", ""))
    agencies, checks = selectors.compliance(user=user, code=node.code, month=month)
    flag = request.GET.get("flag", "")
    agency = request.GET.get("agency", "")
    rows = [
        c
        for c in checks
        if c.flags
        and (not flag or flag in c.flags)
        and (not agency or str(c.worker.station.agency_id) == agency)
    ]
    values = {"node": node.code, "month": f"{month:%Y-%m}", "flag": flag, "agency": agency}
    if request.GET.get("export"):
        return list_page(
            request,
            queryset=rows,
            exporter=exporters.ComplianceExporter,
            title=_("Employment compliance"),
            filters=[],
            values=values,
            detail_url=lambda r: "",
        )
    return render(
        request,
        "purchase/compliance.html",
        {
            "node": node,
            "month": month,
            "agencies": agencies,
            "rows": rows,
            "flags": selectors.FLAGS,
            "flag": flag,
            "agency": agency,
            "months": _recent_months(),
            "may_read_pay": Payroll.restrict_q(user, "view") is not None,
        },
    )


def _month(raw: str) -> datetime.date:
    """The month asked for (2026-03), else the latest month whose pay is due by now."""
    try:
        return datetime.date.fromisoformat(f"{raw[:7]}-01")
    except ValueError:
        return selectors.checked_month(today=timezone.localdate())


def _recent_months() -> list[str]:
    first = timezone.localdate().replace(day=1)
    out = []
    for _i in range(12):
        first = (first - datetime.timedelta(days=1)).replace(day=1)
        out.append(f"{first:%Y-%m}")
    return out


# ----- service versions and the tiered subsidy -------------------------------------------

VERSION_READERS = {*COMPLIANCE_ROLES, Role.EVALUATOR}


def _year(raw: str) -> int:
    return (
        int(raw)
        if raw.isascii() and raw.isdigit() and 2018 <= int(raw) <= 2100
        else timezone.localdate().year
    )


@require_GET
def versions(request):
    """Each township station's service version for a year: computed from its records
    beside the declared one; the county officer confirms."""
    if request.user.role not in VERSION_READERS:
        raise PermissionDenied(_("Service versions are for officers, evaluators and agencies."))
    node = _node_of(request)
    year = _year(request.GET.get("year", ""))
    rows = selectors.station_versions(user=request.user, code=node.code, year=year)
    if request.GET.get("export"):
        return list_page(
            request,
            queryset=rows,
            exporter=exporters.VersionExporter,
            title=_("Service versions"),
            filters=[],
            values={"node": node.code, "year": year},
            detail_url=lambda r: "",
        )
    return render(
        request,
        "purchase/versions.html",
        {
            "node": node,
            "year": year,
            "rows": rows,
            "years": [str(y) for y in range(timezone.localdate().year, 2020, -1)],
            "may_confirm": may_add(request.user, VersionConfirmation),
            "versions": Version.choices,
        },
    )


@require_POST
def version_confirm(request):
    station_id = request.POST.get("station", "")
    year = _year(request.POST.get("year", ""))
    station = get_restricted_or_404(
        Station.objects,
        request.user,
        pk=station_id if station_id.isascii() and station_id.isdigit() else 0,
    )
    row = next(
        (
            r
            for r in selectors.station_versions(
                user=request.user, code=station.region_id, year=year
            )
            if r.station.pk == station.pk
        ),
        None,
    )
    if row is None:
        raise Http404
    try:
        services.version_confirm(
            by=request.user,
            station_id=station.pk,
            year=year,
            version=request.POST.get("version", ""),
            computed=row.computed,
            share=row.share,
            reason=request.POST.get("reason", ""),
            request=request,
        )
        messages.success(
            request, _("The version of “%(name)s” was confirmed.") % {"name": station.name}
        )
    except ValidationError as refused:
        say_refusal(request, refused)
    return redirect(reverse("purchase:versions") + f"?node={station.region_id[:6]}&year={year}")


@require_http_methods(["GET", "POST"])
def subsidy(request):
    """The province's subsidy per station by version, and each county's subsidy from the
    confirmed versions (Excel)."""
    user = request.user
    if user.role not in {
        Role.PROVINCE_OFFICER,
        Role.CITY_OFFICER,
        Role.COUNTY_OFFICER,
        Role.EVALUATOR,
    }:
        raise PermissionDenied(_("The subsidy report is for officers and evaluators."))
    node = _node_of(request)
    year = _year(request.GET.get("year", "") or request.POST.get("year", ""))
    form = forms.SubsidyForm(request.POST or None, initial={"year": year})
    if request.method == "POST":
        if not may_add(user, SubsidyRate):
            raise PermissionDenied(_("Only the province officer sets the subsidy."))
        if form.is_valid():
            try:
                services.subsidy_rate_record(by=user, data=form.to_input(), request=request)
                messages.success(request, _("The subsidy was saved."))
                return redirect(
                    reverse("purchase:subsidy")
                    + f"?node={node.code}&year={form.cleaned_data['year']}"
                )
            except ValidationError as refused:
                say_refusal(request, refused)
    rate, rows = selectors.subsidy_report(user=user, code=node.code, year=year)
    if request.GET.get("export"):
        return list_page(
            request,
            queryset=rows,
            exporter=exporters.SubsidyExporter,
            title=_("Tiered subsidy"),
            filters=[],
            values={"node": node.code, "year": year},
            detail_url=lambda r: "",
        )
    if rate and not form.is_bound:
        form = forms.SubsidyForm(
            initial={"year": year, "v1": rate.v1, "v2": rate.v2, "v3": rate.v3}
        )
    return render(
        request,
        "purchase/subsidy.html",
        {
            "node": node,
            "year": year,
            "rate": rate,
            "rows": rows,
            "total": sum((r.amount for r in rows), 0),
            "form": form,
            "may_set": may_add(user, SubsidyRate),
        },
    )
