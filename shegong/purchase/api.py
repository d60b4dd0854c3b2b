"""The purchase cycle's API: the same forms, services and restrictions as the pages.

Writes take typed JSON; each body is turned into the page form's data (a budget line per
category becomes that category's field …) so the form and the service check exactly what
they check on the page, and ``api_submit`` gives the idempotency key and form-shaped errors.
A voucher travels as base64 in the JSON (a phone's outbox sends it as it sends the rest).
"""

import base64
import binascii
import datetime
from decimal import Decimal
from typing import Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.shortcuts import get_object_or_404
from django.utils.datastructures import MultiValueDict
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from shegong.audit.services import audit_log
from shegong.core.api_forms import (
    WRITE_RESPONSES,
    Code,
    Id,
    Invalid,
    Paged,
    api_submit,
    as_form_data,
    object_first,
    refuse_first,
)
from shegong.core.bounds import MAX_AMOUNT_YUAN
from shegong.core.filters import Filter, read_filters
from shegong.core.forms import through
from shegong.core.restrict import may_add
from shegong.core.validators import MAX_DOCUMENT_BYTES

from . import forms, selectors, services
from .models import (
    Category,
    Contract,
    Filing,
    FundSource,
    Instalment,
    LabourContract,
    Payroll,
    Project,
    Spending,
)

router = Router(tags=["government purchase"])
Amount = Decimal
AMOUNT = {"ge": 0, "le": MAX_AMOUNT_YUAN, "max_digits": 14, "decimal_places": 2}


def _values(choices) -> tuple:
    return tuple(v for v, _label in choices)


# ----- reads -----------------------------------------------------------------------------


class FilingOut(Schema):
    id: int
    agency_id: int
    agency_name: str
    region_id: str
    status: str
    legal_representative: str
    registration_authority: str
    certificate_number: str
    founded_on: datetime.date
    service_fields: list[str]
    submitted_at: datetime.datetime | None
    return_reason: str

    @staticmethod
    def resolve_agency_name(obj):
        return obj.agency.name


class FundingOut(Schema):
    source: str
    amount: Decimal


class ProjectOut(Schema):
    id: int
    title: str
    region_id: str
    purchaser: str
    year: int
    method: str
    notice_number: str
    funding: list[FundingOut]

    @staticmethod
    def resolve_funding(obj):
        return list(obj.funding.all())


class BudgetOut(Schema):
    category: str
    amount: Decimal


class InstalmentOut(Schema):
    seq: int
    condition: str
    amount: Decimal
    condition_met_on: datetime.date | None
    paid_on: datetime.date | None
    paid_amount: Decimal | None


class TargetOut(Schema):
    station_id: int
    output: str
    value: int


class ContractOut(Schema):
    id: int
    number: str
    project_id: int
    agency_id: int
    region_id: str
    signed_on: datetime.date
    starts_on: datetime.date
    ends_on: datetime.date
    amount: Decimal
    station_ids: list[int]
    budget: list[BudgetOut]
    instalments: list[InstalmentOut]
    targets: list[TargetOut]

    @staticmethod
    def resolve_station_ids(obj):
        return [s.pk for s in obj.stations.all()]

    @staticmethod
    def resolve_budget(obj):
        return list(obj.budget.all())

    @staticmethod
    def resolve_instalments(obj):
        return list(obj.instalments.all())

    @staticmethod
    def resolve_targets(obj):
        return list(obj.targets.all())


class SpendingOut(Schema):
    id: int
    contract_id: int
    station_id: int
    region_id: str
    date: datetime.date
    category: str
    sub_item: str
    amount: Decimal
    payee: str
    status: str
    over_budget_reason: str
    decision_note: str


FILING_FILTERS = [Filter("status", kind="select", choices=Filing.Status.choices)]
SPENDING_FILTERS = [
    Filter("status", kind="select", choices=Spending.Status.choices),
    Filter("category", kind="select", choices=Category.choices),
    Filter("region", kind="region"),
    Filter("contract", kind="id"),
    Filter("since", kind="date"),
    Filter("until", kind="date"),
]


@router.get("/filings", response=list[FilingOut])
@paginate(Paged)
def filing_list(request, status: str = ""):
    """Agency filings the caller may see (an agency: its own; a county: its review queue)."""
    values = read_filters({"status": status}, FILING_FILTERS)
    return selectors.filing_list(user=request.user, filters=values)


@router.get("/filings/{filing_id}", response=FilingOut)
def filing_get(request, filing_id: int):
    return get_object_or_404(
        Filing.objects.restrict(request.user).select_related("agency"), pk=filing_id
    )


@router.get("/projects", response=list[ProjectOut])
@paginate(Paged)
def project_list(request, year: int | None = None, region: str = ""):
    values = read_filters(
        {"year": year or "", "region": region},
        [Filter("year", kind="id"), Filter("region", kind="region")],
    )
    return selectors.project_list(user=request.user, filters=values).prefetch_related("funding")


@router.get("/projects/{project_id}", response=ProjectOut)
def project_get(request, project_id: int):
    return get_object_or_404(
        Project.objects.restrict(request.user).select_related("region"), pk=project_id
    )


@router.get("/contracts", response=list[ContractOut])
@paginate(Paged)
def contract_list(request, region: str = "", project: int | None = None):
    values = read_filters(
        {"region": region, "project": project or ""},
        [Filter("region", kind="region"), Filter("project", kind="id")],
    )
    return selectors.contract_list(user=request.user, filters=values).prefetch_related(
        "stations", "budget", "instalments", "targets"
    )


@router.get("/contracts/{contract_id}", response=ContractOut)
def contract_get(request, contract_id: int):
    return get_object_or_404(Contract.objects.restrict(request.user), pk=contract_id)


@router.get("/spending", response=list[SpendingOut])
@paginate(Paged)
def spending_list(
    request,
    status: str = "",
    category: str = "",
    region: str = "",
    contract: int | None = None,
    since: str = "",
    until: str = "",
):
    raw = {
        "status": status,
        "category": category,
        "region": region,
        "contract": contract or "",
        "since": since,
        "until": until,
    }
    return selectors.spending_list(user=request.user, filters=read_filters(raw, SPENDING_FILTERS))


# ----- writes ----------------------------------------------------------------------------


class FundingIn(Schema):
    source: Literal[_values(FundSource.choices)]  # type: ignore[valid-type]
    amount: Amount = Field(..., **AMOUNT)


class ProjectIn(Schema):
    """A purchase project: its purchaser (a county or a township code) and budget by source."""

    title: str = Field(..., min_length=1, max_length=128)
    region: Code
    year: int = Field(..., ge=2018, le=2100)
    method: Literal[_values(Project.Method.choices)]  # type: ignore[valid-type]
    notice_number: str = Field("", max_length=64)
    funding: list[FundingIn] = Field(..., min_length=1, max_length=len(FundSource))


def _officer(user) -> bool:
    return may_add(user, Project)


@router.post("/projects", response=WRITE_RESPONSES)
@refuse_first(_officer, "只有本县民政干部可以管理购买服务项目。")
def project_create(request, payload: ProjectIn):
    """Add a purchase project (the county civil-affairs officer)."""
    data = payload.dict(exclude={"funding"})
    for line in payload.funding:
        data[f"fund_{line.source}"] = line.amount
    form = forms.ProjectForm(as_form_data(data), user=request.user)
    return api_submit(request, form, save=through(services.project_record))


class BudgetIn(Schema):
    category: Literal[_values(Category.choices)]  # type: ignore[valid-type]
    amount: Amount = Field(..., **AMOUNT)


class InstalmentIn(Schema):
    condition: Literal[_values(Instalment.Condition.choices)]  # type: ignore[valid-type]
    amount: Amount = Field(..., **AMOUNT)


class ContractIn(Schema):
    """A contract of a project with a filed agency: stations, budget by category and
    instalments (each adding up to the amount)."""

    project: Id
    agency: Id
    number: str = Field(..., min_length=1, max_length=64)
    signed_on: datetime.date
    starts_on: datetime.date
    ends_on: datetime.date
    amount: Amount = Field(..., **AMOUNT)
    stations: list[Id] = Field(..., min_length=1, max_length=200)
    budget: list[BudgetIn] = Field(..., min_length=1, max_length=len(Category))
    instalments: list[InstalmentIn] = Field(..., min_length=1, max_length=forms.INSTALMENT_ROWS)


@router.post("/contracts", response=WRITE_RESPONSES)
@refuse_first(lambda user: may_add(user, Contract), "只有本县民政干部可以管理合同。")
def contract_create(request, payload: ContractIn):
    """Add a contract (the county civil-affairs officer)."""
    data = payload.dict(exclude={"budget", "instalments"})
    for line in payload.budget:
        data[f"budget_{line.category}"] = line.amount
    for i, line in enumerate(payload.instalments):
        data[f"inst{i}_condition"] = line.condition
        data[f"inst{i}_amount"] = line.amount
    form = forms.ContractForm(as_form_data(data), user=request.user)
    return api_submit(request, form, save=through(services.contract_record))


class VoucherIn(Schema):
    name: str = Field(..., min_length=1, max_length=100, title="文件名 / file name")
    content_base64: str = Field(
        ...,
        min_length=4,
        max_length=(MAX_DOCUMENT_BYTES * 4) // 3 + 8,
        title="文件内容（Base64）/ content, base64",
    )


class SpendingIn(Schema):
    """A spending entry of the caller's agency, with its voucher (PDF or image)."""

    contract: Id
    station: Id
    date: datetime.date
    category: Literal[_values(Category.choices)]  # type: ignore[valid-type]
    sub_item: str = Field(..., min_length=1, max_length=32)
    amount: Amount = Field(..., gt=0, le=MAX_AMOUNT_YUAN, max_digits=14, decimal_places=2)
    payee: str = Field(..., min_length=1, max_length=100)
    voucher: VoucherIn
    over_budget_reason: str = Field("", max_length=300)


@router.post("/spending", response=WRITE_RESPONSES)
@refuse_first(lambda user: may_add(user, Spending), "只有承接机构可以登记经费支出。")
def spending_create(request, payload: SpendingIn):
    """Record a spending entry (the agency administrator); it awaits the county's approval."""
    try:
        content = base64.b64decode(payload.voucher.content_base64, validate=True)
    except (binascii.Error, ValueError):
        return Status(
            422, {"detail": "invalid", "errors": {"voucher": ["凭证不是有效的 Base64 内容。"]}}
        )
    upload = SimpleUploadedFile(payload.voucher.name, content)
    data = payload.dict(exclude={"voucher"})
    form = forms.SpendingForm(
        as_form_data(data), MultiValueDict({"voucher": [upload]}), user=request.user
    )
    return api_submit(request, form, save=through(services.spending_record))


class DecisionIn(Schema):
    """Approve, or return / reject with a reason."""

    approve: bool
    reason: str = Field("", max_length=500)


DECISION_RESPONSES = {200: dict, 403: Invalid, 404: Invalid, 409: Invalid, 422: Invalid}


def _decide(request, run):
    try:
        obj = run()
    except PermissionDenied as exc:
        return Status(403, {"detail": str(exc) or "forbidden", "errors": {}})
    except ValidationError as exc:
        return Status(409, {"detail": " ".join(exc.messages), "errors": {}})
    return Status(200, {"id": obj.pk, "status": obj.status})


@router.post("/filings/{filing_id}/decision", response=DECISION_RESPONSES)
@object_first(Filing, "filing_id", action="approve")
def filing_decision(request, filing_id: int, payload: DecisionIn):
    """Approve a filing awaiting review, or return it with a reason (the county officer)."""
    filing = get_object_or_404(Filing.objects.restrict(request.user), pk=filing_id)
    return _decide(
        request,
        lambda: services.filing_decide(
            by=request.user,
            filing=filing,
            approve=payload.approve,
            reason=payload.reason,
            request=request,
        ),
    )


@router.post("/spending/{spending_id}/decision", response=DECISION_RESPONSES)
@object_first(Spending, "spending_id", action="approve")
def spending_decision(request, spending_id: int, payload: DecisionIn):
    """Approve a spending entry, or reject it with a reason (the county officer)."""
    spending = get_object_or_404(Spending.objects.restrict(request.user), pk=spending_id)
    return _decide(
        request,
        lambda: services.spending_decide(
            by=request.user,
            spending=spending,
            approve=payload.approve,
            note=payload.reason,
            request=request,
        ),
    )


# ----- employment ------------------------------------------------------------------------


class PayrollOut(Schema):
    id: int
    worker_id: int
    agency_id: int
    month: datetime.date
    gross: Decimal
    net: Decimal
    paid_on: datetime.date | None
    pension: bool
    medical: bool
    unemployment: bool
    injury: bool
    maternity: bool
    housing_fund: bool


class LabourContractOut(Schema):
    id: int
    worker_id: int
    agency_id: int
    kind: str
    starts_on: datetime.date
    ends_on: datetime.date | None
    pay_day: int


PAY_FILTERS = [Filter("month", kind="date"), Filter("worker", kind="id")]


def _pay_read(request, what: str, values: dict) -> None:
    if request.user.role == "county_officer":
        audit_log(
            action="shegong.payroll.viewed",
            request=request,
            data={"list": what, **{k: str(v) for k, v in values.items() if v}},
        )


@router.get("/payroll", response=list[PayrollOut])
@paginate(Paged)
def payroll_list(request, month: str = "", worker: int | None = None):
    """Monthly pay: an agency's own staff; a county officer's county (each read audited)."""
    values = read_filters({"month": month, "worker": worker or ""}, PAY_FILTERS)
    _pay_read(request, "api:payroll", values)
    return selectors.payroll_list(user=request.user, filters=values)


@router.get("/labour-contracts", response=list[LabourContractOut])
@paginate(Paged)
def labour_contract_list(request, worker: int | None = None):
    values = read_filters({"worker": worker or ""}, [Filter("worker", kind="id")])
    _pay_read(request, "api:labour-contracts", values)
    return selectors.labour_contract_list(user=request.user, filters=values)


class PayrollIn(Schema):
    """One worker's month (the agency administrator; the month's existing record is
    corrected)."""

    worker: Id
    month: datetime.date = Field(..., title="月份（当月1日）/ month, its first day")
    gross: Amount = Field(..., **AMOUNT)
    net: Amount = Field(..., **AMOUNT)
    paid_on: datetime.date | None = None
    pension: bool = False
    medical: bool = False
    unemployment: bool = False
    injury: bool = False
    maternity: bool = False
    housing_fund: bool = False


def _staffing(user) -> bool:
    return may_add(user, Payroll)


@router.post("/payroll", response=WRITE_RESPONSES)
@refuse_first(_staffing, "只有承接机构可以登记本机构人员的劳动用工信息。")
def payroll_create(request, payload: PayrollIn):
    form = forms.PayrollForm(as_form_data(payload.dict()), user=request.user)
    return api_submit(request, form, save=through(services.payroll_record))


class LabourContractIn(Schema):
    """A labour contract of the agency with one of its workers, with the signed document."""

    worker: Id
    kind: Literal[_values(LabourContract.Kind.choices)]  # type: ignore[valid-type]
    starts_on: datetime.date
    ends_on: datetime.date | None = None
    pay_day: int = Field(15, ge=1, le=28)
    document: VoucherIn


@router.post("/labour-contracts", response=WRITE_RESPONSES)
@refuse_first(_staffing, "只有承接机构可以登记本机构人员的劳动用工信息。")
def labour_contract_create(request, payload: LabourContractIn):
    try:
        content = base64.b64decode(payload.document.content_base64, validate=True)
    except (binascii.Error, ValueError):
        return Status(
            422, {"detail": "invalid", "errors": {"document": ["文件不是有效的 Base64 内容。"]}}
        )
    upload = SimpleUploadedFile(payload.document.name, content)
    form = forms.LabourContractForm(
        as_form_data(payload.dict(exclude={"document"})),
        MultiValueDict({"document": [upload]}),
        user=request.user,
    )
    return api_submit(request, form, save=through(services.labour_contract_record))
