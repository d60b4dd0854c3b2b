from django.utils.translation import gettext_lazy as _

from shegong.core.exporters import Column, Exporter, choice


class FilingExporter(Exporter):
    title = _("Agency filings")
    columns = [
        Column(_("Agency"), lambda f: f.agency.name, 24),
        Column(_("Unified social credit code"), lambda f: f.agency.credit_code, 20),
        Column(_("Registered in"), lambda f: f.region.name, 12),
        Column(_("Status"), choice("status"), 10),
        Column(_("Legal representative"), lambda f: f.legal_representative, 10),
        Column(_("Registration certificate number"), lambda f: f.certificate_number, 18),
        Column(_("Service fields"), lambda f: "、".join(f.field_labels()), 24),
        Column(_("Submitted at"), lambda f: f.submitted_at, 16),
        Column(_("Reason returned"), lambda f: f.return_reason, 24),
    ]


class ProjectExporter(Exporter):
    title = _("Purchase projects")
    columns = [
        Column(_("Project title"), lambda p: p.title, 28),
        Column(_("Purchaser"), lambda p: p.purchaser, 18),
        Column(_("Service year"), lambda p: p.year, 8),
        Column(_("Procurement method"), choice("method"), 12),
        Column(_("Procurement notice number"), lambda p: p.notice_number, 18),
        Column(_("Budget (yuan)"), lambda p: p.budget_total or 0, 14),
        Column(_("Contracts"), lambda p: p.contracts_count, 8),
    ]


class ContractExporter(Exporter):
    title = _("Contracts")
    columns = [
        Column(_("Contract number"), lambda c: c.number, 20),
        Column(_("Project"), lambda c: c.project.title, 24),
        Column(_("Agency"), lambda c: c.agency.name, 24),
        Column(_("Signed on"), lambda c: c.signed_on, 12),
        Column(_("Term starts"), lambda c: c.starts_on, 12),
        Column(_("Term ends"), lambda c: c.ends_on, 12),
        Column(_("Contract amount (yuan)"), lambda c: c.amount, 14),
        Column(_("Stations covered"), lambda c: c.stations_count, 8),
    ]


class SpendingExporter(Exporter):
    title = _("Spending")
    columns = [
        Column(_("Date"), lambda s: s.date, 12),
        Column(_("Station"), lambda s: s.station.name, 20),
        Column(_("Contract"), lambda s: s.contract.number, 18),
        Column(_("Agency"), lambda s: s.contract.agency.name, 20),
        Column(_("Category"), choice("category"), 8),
        Column(_("Sub-item"), lambda s: s.sub_item, 10),
        Column(_("Amount (yuan)"), lambda s: s.amount, 12),
        Column(_("Payee"), lambda s: s.payee, 16),
        Column(_("Status"), choice("status"), 8),
        Column(_("Reason for spending over budget"), lambda s: s.over_budget_reason, 24),
    ]
    page_columns = [columns[0], columns[1], columns[4], columns[6], columns[8], columns[9]]


class BudgetExporter(Exporter):
    """Budget against spending, by category or by part (rows of ``selectors.BudgetRow``)."""

    title = _("Budget and spending")
    columns = [
        Column(_("Item"), lambda r: r.label, 24),
        Column(_("Budget (yuan)"), lambda r: r.budget, 14),
        Column(_("Approved spending (yuan)"), lambda r: r.approved, 14),
        Column(_("Awaiting approval (yuan)"), lambda r: r.pending, 14),
        Column(_("Execution rate (%)"), lambda r: r.rate if r.rate is not None else "", 10),
        Column(_("Over budget"), lambda r: r.over, 8),
    ]


def _yes(value: bool) -> str:
    return "是" if value else "否"


class PayrollExporter(Exporter):
    title = _("Monthly pay and insurance")
    columns = [
        Column(_("Month"), lambda p: f"{p.month:%Y-%m}", 8),
        Column(_("Worker"), lambda p: p.worker.display_name, 10),
        Column(_("Station"), lambda p: p.worker.station.name if p.worker.station_id else "", 20),
        Column(_("Gross pay (yuan)"), lambda p: p.gross, 12),
        Column(_("Net pay (yuan)"), lambda p: p.net, 12),
        Column(_("Paid on"), lambda p: p.paid_on, 12),
        Column(_("Pension insurance"), lambda p: _yes(p.pension), 6),
        Column(_("Medical insurance"), lambda p: _yes(p.medical), 6),
        Column(_("Unemployment insurance"), lambda p: _yes(p.unemployment), 6),
        Column(_("Work injury insurance"), lambda p: _yes(p.injury), 6),
        Column(_("Maternity insurance"), lambda p: _yes(p.maternity), 6),
        Column(_("Housing fund"), lambda p: _yes(p.housing_fund), 6),
    ]
    page_columns = [columns[0], columns[1], columns[2], columns[4], columns[5]]


class LabourContractExporter(Exporter):
    title = _("Labour contracts")
    columns = [
        Column(_("Worker"), lambda c: c.worker.display_name, 10),
        Column(_("Station"), lambda c: c.worker.station.name if c.worker.station_id else "", 20),
        Column(_("Contract type"), choice("kind"), 10),
        Column(_("Starts on"), lambda c: c.starts_on, 12),
        Column(_("Ends on"), lambda c: c.ends_on, 12),
        Column(_("Pay day"), lambda c: c.pay_day, 6),
    ]


class ComplianceExporter(Exporter):
    """The workers a compliance flag is about (rows of ``selectors.WorkerCheck``): names,
    stations and what is wrong, never the amounts."""

    title = _("Employment compliance")
    columns = [
        Column(_("Worker"), lambda r: r.worker.display_name, 10),
        Column(_("Station"), lambda r: r.worker.station.name, 20),
        Column(_("Agency"), lambda r: r.worker.station.agency.name, 24),
        Column(_("What is wrong"), lambda r: "、".join(r.flag_labels), 30),
        Column(_("Pay due by"), lambda r: r.due, 12),
        Column(_("Paid on"), lambda r: r.paid_on, 12),
        Column(_("Insurance missing"), lambda r: "、".join(r.missing), 24),
    ]


class VersionExporter(Exporter):
    title = _("Service versions")
    columns = [
        Column(_("Station"), lambda r: r.station.name, 20),
        Column(_("Agency"), lambda r: r.station.agency.name if r.station.agency_id else "", 20),
        Column(_("Professional-hours share (%)"), lambda r: r.share, 10),
        Column(_("Computed version"), lambda r: r.computed, 8),
        Column(_("Declared version"), lambda r: r.declared, 8),
        Column(_("Confirmed version"), lambda r: r.confirmed.version if r.confirmed else "", 8),
        Column(
            _("Reason for another version"), lambda r: r.confirmed.reason if r.confirmed else "", 24
        ),
    ]


class SubsidyExporter(Exporter):
    title = _("Tiered subsidy")
    columns = [
        Column(_("County"), lambda r: r.name, 14),
        Column(_("1.0 stations"), lambda r: r.counts["1.0"], 8),
        Column(_("2.0 stations"), lambda r: r.counts["2.0"], 8),
        Column(_("3.0 stations"), lambda r: r.counts["3.0"], 8),
        Column(_("Not confirmed"), lambda r: r.counts[""], 8),
        Column(_("Subsidy (yuan)"), lambda r: r.amount, 14),
    ]
