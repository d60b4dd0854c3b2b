"""Writes of the purchase cycle. Each takes typed data, checks role and scope, the model's
rules and the cycle's own (only a filed agency is contracted; instalments and the budget
add up to the contract; spending over a category's budget says why), and writes one audit
entry in the same transaction."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet, Sum
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from shegong.accounts.models import User
from shegong.accounts.roles import STATION_ROLES
from shegong.audit.describe import snapshot
from shegong.audit.services import audit_log, audit_saved
from shegong.core.divisions import in_subtree
from shegong.core.restrict import can, may_add, require_may_save
from shegong.core.validation import all_of, full_clean, locked, one_of
from shegong.regions.models import Level
from shegong.regions.selectors import place_in_scope
from shegong.stations.models import Agency, Station

from .models import (
    INSURANCES,
    SUB_ITEMS,
    BudgetLine,
    Category,
    Contract,
    Filing,
    FilingDocument,
    FundSource,
    Instalment,
    LabourContract,
    Output,
    Payroll,
    Project,
    ProjectFunding,
    ServiceField,
    Spending,
    SubsidyRate,
    Target,
    Version,
    VersionConfirmation,
)

FILING_AUDIT = (
    "legal_representative",
    "registration_authority",
    "certificate_number",
    "founded_on",
    "service_fields",
    "qualifications",
)
PROJECT_AUDIT = ("title", "region", "year", "method", "notice_number")
CONTRACT_AUDIT = ("project", "agency", "number", "signed_on", "starts_on", "ends_on", "amount")
SPENDING_AUDIT = (
    "contract",
    "station",
    "date",
    "category",
    "sub_item",
    "amount",
    "payee",
    "over_budget_reason",
)


def _yuan(amount) -> str:
    return f"{Decimal(amount or 0):,.2f}"


# ----- agency filing ---------------------------------------------------------------------


@dataclass(frozen=True)
class FilingInput:
    """An agency's filing as typed; ``documents``: (document kind, upload, checked kind)."""

    legal_representative: str
    registration_authority: str
    certificate_number: str
    founded_on: datetime.date | None
    service_fields: tuple[str, ...] = ()
    qualifications: str = ""
    documents: tuple = ()


@transaction.atomic
def filing_record(
    *,
    by: User,
    data: FilingInput,
    instance: Filing | None = None,
    request: HttpRequest | None = None,
) -> Filing:
    """File ``by``'s agency (``instance`` None) or change its filing while it is a draft or
    returned.

    The caller may rely on: only the agency's own administrator files it, once; a filing
    awaiting review or filed is not changed; at least one service field, each known; the
    model's rules; the documents checked by content and size. Row, documents and audit
    entry are one transaction.
    """
    refused = _("Only the agency's own administrator files it.")
    require_may_save(by, Filing, instance, add_refused=refused, change_refused=refused)
    errors: dict[str, str] = {}
    if instance is None and Filing.objects.filter(agency_id=by.agency_id).exists():
        raise ValidationError({"__all__": _("Your agency has filed already: change that filing.")})
    if instance is not None and instance.status not in (
        Filing.Status.DRAFT,
        Filing.Status.RETURNED,
    ):
        raise ValidationError(
            {"__all__": _("A filing awaiting review or filed cannot be changed.")}
        )
    fields = tuple(dict.fromkeys(data.service_fields))
    if not fields:
        errors["service_fields"] = _("Choose at least one service field.")
    elif any(f not in ServiceField.values for f in fields):
        errors["service_fields"] = _("Unknown service field.")
    filing = instance or Filing(agency=by.agency, region_id=by.agency.region_id)
    before = snapshot(instance, FILING_AUDIT) if instance else None
    filing.legal_representative = data.legal_representative
    filing.registration_authority = data.registration_authority
    filing.certificate_number = (data.certificate_number or "").strip()
    filing.founded_on = data.founded_on
    filing.service_fields = list(fields)
    filing.qualifications = data.qualifications or ""
    for title, _upload, _kind in data.documents:
        if title not in FilingDocument.Kind.values:
            errors["documents"] = _("Unknown document kind.")
    full_clean(filing, errors, exclude=("agency", "region"))
    filing.save()
    for title, upload, kind in data.documents:
        FilingDocument.objects.create(
            filing=filing, title=title, file=upload, kind=kind, size=upload.size, uploaded_by=by
        )
    audit_saved(
        entity="filing",
        obj=filing,
        by=by,
        request=request,
        before=before,
        fields=FILING_AUDIT,
        extra={"documents": [str(FilingDocument.Kind(t).label) for t, _u, _k in data.documents]}
        if data.documents
        else None,
    )
    return filing


@transaction.atomic
def filing_submit(*, by: User, filing: Filing, request: HttpRequest | None = None) -> Filing:
    """Send a draft or returned filing for review.

    The caller may rely on: only the agency's administrator submits; a registration
    certificate is attached; the filing is awaiting review afterwards.
    """
    if not can(by, filing, "change"):
        raise PermissionDenied(_("Only the agency's own administrator files it."))
    filing = locked(Filing, filing)
    if filing.status not in (Filing.Status.DRAFT, Filing.Status.RETURNED):
        raise ValidationError({"__all__": _("This filing has been submitted already.")})
    if not filing.documents.filter(title=FilingDocument.Kind.CERTIFICATE).exists():
        raise ValidationError(
            {"documents": _("Attach the registration certificate before submitting.")}
        )
    filing.status = Filing.Status.SUBMITTED
    filing.submitted_at = timezone.now()
    filing.return_reason = ""
    filing.save(update_fields=["status", "submitted_at", "return_reason", "updated_at"])
    audit_log(action="shegong.filing.submitted", actor=by, request=request, obj=filing)
    return filing


@transaction.atomic
def filing_decide(
    *,
    by: User,
    filing: Filing,
    approve: bool,
    reason: str = "",
    request: HttpRequest | None = None,
) -> Filing:
    """Approve a submitted filing (the agency may then be contracted) or return it with a
    reason.

    The caller may rely on: only a county officer of the agency's county decides; only a
    filing awaiting review; a return says why.
    """
    if not Filing.objects.restrict(by, "approve").filter(pk=filing.pk).exists():
        raise PermissionDenied(_("Only the county's civil-affairs officer reviews filings."))
    filing = locked(Filing, filing)
    if filing.status != Filing.Status.SUBMITTED:
        raise ValidationError({"__all__": _("This filing is not awaiting review.")})
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ValidationError({"reason": _("Say why the filing is returned.")})
    filing.status = Filing.Status.APPROVED if approve else Filing.Status.RETURNED
    filing.return_reason = "" if approve else reason[:500]
    filing.decided_by, filing.decided_at = by, timezone.now()
    filing.save()
    audit_log(
        action="shegong.filing.approved" if approve else "shegong.filing.returned",
        actor=by,
        request=request,
        obj=filing,
        data={} if approve else {"reason": filing.return_reason},
    )
    return filing


# ----- projects --------------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectInput:
    """A purchase project as typed; ``funding``: (fund source, amount) pairs."""

    title: str
    region: str
    year: int | None
    method: str
    notice_number: str = ""
    funding: tuple[tuple[str, Decimal], ...] = ()


@transaction.atomic
def project_record(
    *,
    by: User,
    data: ProjectInput,
    instance: Project | None = None,
    request: HttpRequest | None = None,
) -> Project:
    """Add a purchase project (``instance`` None) or change one.

    The caller may rely on: only a county officer, for a purchaser in the county (the
    bureau: the county; a township government: the township); each fund source once,
    known, with an amount in bounds; at least one source; the budget is the sum of the
    sources. Project, funding and audit entry are one transaction.
    """
    refused = _("Only the county's civil-affairs officer manages purchase projects.")
    require_may_save(by, Project, instance, add_refused=refused, change_refused=refused)
    errors: dict[str, str] = {}
    region = place_in_scope(
        by=by, code=data.region, levels=(Level.COUNTY, Level.TOWNSHIP), errors=errors
    )
    sources = [s for s, _a in data.funding]
    if not data.funding:
        errors["funding"] = _("Give the budget by fund source.")
    elif len(set(sources)) != len(sources):
        errors["funding"] = _("Each fund source may appear once.")
    elif any(s not in FundSource.values for s in sources):
        errors["funding"] = _("Unknown fund source.")
    project = instance or Project(created_by=by)
    before = snapshot(instance, PROJECT_AUDIT) if instance else None
    project.title, project.year = data.title, data.year
    project.method, project.notice_number = data.method, data.notice_number or ""
    project.region = region
    lines = [ProjectFunding(project=project, source=s, amount=a) for s, a in data.funding]
    for line in lines:
        try:
            line.full_clean(exclude=["project"])
        except ValidationError as exc:
            errors.setdefault("funding", next(iter(exc.message_dict.values()))[0])
    full_clean(project, errors, exclude=("region",) if region is None else ())
    project.save()
    project.funding.all().delete()
    ProjectFunding.objects.bulk_create(lines)
    audit_saved(
        entity="project",
        obj=project,
        by=by,
        request=request,
        before=before,
        fields=PROJECT_AUDIT,
        extra={"funding": {str(FundSource(s).label): _yuan(a) for s, a in data.funding}},
    )
    return project


# ----- contracts -------------------------------------------------------------------------


@dataclass(frozen=True)
class ContractInput:
    """A contract as typed: ``budget`` (category, amount) pairs; ``instalments``
    (condition, amount) in order."""

    project: int | None
    agency: int | None
    number: str
    signed_on: datetime.date | None
    starts_on: datetime.date | None
    ends_on: datetime.date | None
    amount: Decimal | None
    stations: tuple[int, ...] = ()
    budget: tuple[tuple[str, Decimal], ...] = ()
    instalments: tuple[tuple[str, Decimal], ...] = ()


def _check_sums(data: ContractInput, errors: dict) -> None:
    amount = data.amount or Decimal(0)
    budget = sum((a for _c, a in data.budget), Decimal(0))
    paid = sum((a for _c, a in data.instalments), Decimal(0))
    categories = [c for c, _a in data.budget]
    if not data.budget:
        errors["budget"] = _("Give the budget by fund category.")
    elif len(set(categories)) != len(categories) or any(
        c not in Category.values for c in categories
    ):
        errors["budget"] = _("Each fund category may appear once.")
    elif budget != amount:
        errors["budget"] = _(
            "The budget (%(budget)s yuan) must add up to the contract amount (%(amount)s yuan)."
        ) % {"budget": _yuan(budget), "amount": _yuan(amount)}
    if not data.instalments:
        errors["instalments"] = _("Give at least one instalment.")
    elif any(c not in Instalment.Condition.values for c, _a in data.instalments):
        errors["instalments"] = _("Unknown instalment condition.")
    elif paid != amount:
        errors["instalments"] = _(
            "The instalments (%(paid)s yuan) must add up to the contract amount (%(amount)s yuan)."
        ) % {"paid": _yuan(paid), "amount": _yuan(amount)}


@transaction.atomic
def contract_record(
    *,
    by: User,
    data: ContractInput,
    instance: Contract | None = None,
    request: HttpRequest | None = None,
) -> Contract:
    """Add a contract to a project (``instance`` None) or change one.

    The caller may rely on: only a county officer, on a project they may change; only a
    filed agency (its filing approved); township stations of the purchaser's area, at least
    one; the term in order and signed by its start at the latest, within the service year
    give or take a year; the budget by category and the instalments each add up to the
    amount; a contract number used once. Contract, stations, budget, instalments and audit
    entry are one transaction; an instalment already confirmed or paid is kept as it is
    (a change of the schedule is refused then).
    """
    refused = _("Only the county's civil-affairs officer manages contracts.")
    require_may_save(by, Contract, instance, add_refused=refused, change_refused=refused)
    errors: dict[str, str] = {}
    project = one_of(Project.objects.restrict(by, "change"), data.project, "project", errors)
    agency = one_of(Agency.objects.restrict(by), data.agency, "agency", errors)
    if (
        agency is not None
        and not Filing.objects.filter(agency=agency, status=Filing.Status.APPROVED).exists()
    ):
        errors["agency"] = _("Only a filed agency can be contracted: its filing is not approved.")
    stations = []
    if project is not None:
        area = Station.objects.filter(
            in_subtree("region_id", project.region_id), tier=Station.Tier.TOWNSHIP, is_active=True
        )
        stations = all_of(area, data.stations, "stations", errors)
    if not data.stations:
        errors["stations"] = _("Choose the stations the contract covers.")
    if data.starts_on and data.ends_on and data.ends_on < data.starts_on:
        errors["ends_on"] = _("The term ends before it starts.")
    if data.signed_on and data.ends_on and data.signed_on > data.ends_on:
        errors["signed_on"] = _("The contract is signed after its term ends.")
    if project and data.starts_on and abs(data.starts_on.year - project.year) > 1:
        errors["starts_on"] = _("The term must lie in the project's service year.")
    _check_sums(data, errors)
    contract = instance or Contract(created_by=by)
    before = snapshot(instance, CONTRACT_AUDIT) if instance else None
    if (
        instance is not None
        and instance.instalments.filter(
            Q(condition_met_on__isnull=False) | Q(paid_on__isnull=False)
        ).exists()
    ):
        schedule = [(i.condition, i.amount) for i in instance.instalments.order_by("seq")]
        if schedule != [(c, Decimal(a)) for c, a in data.instalments]:
            errors["instalments"] = _(
                "Instalments already confirmed or paid: the schedule can no longer change."
            )
    contract.project, contract.agency = project, agency
    contract.region_id = project.region_id if project else None
    contract.number = (data.number or "").strip()
    contract.signed_on, contract.starts_on, contract.ends_on = (
        data.signed_on,
        data.starts_on,
        data.ends_on,
    )
    contract.amount = data.amount
    full_clean(contract, errors, exclude=("project", "agency", "region"))
    contract.save()
    contract.stations.set(stations)
    contract.budget.all().delete()
    BudgetLine.objects.bulk_create(
        BudgetLine(contract=contract, category=c, amount=a) for c, a in data.budget
    )
    if not contract.instalments.filter(
        Q(condition_met_on__isnull=False) | Q(paid_on__isnull=False)
    ).exists():
        contract.instalments.all().delete()
        Instalment.objects.bulk_create(
            Instalment(contract=contract, seq=i, condition=c, amount=a)
            for i, (c, a) in enumerate(data.instalments, start=1)
        )
    audit_saved(
        entity="contract",
        obj=contract,
        by=by,
        request=request,
        before=before,
        fields=CONTRACT_AUDIT,
        extra={
            "stations": "、".join(s.name for s in stations),
            "budget": {str(Category(c).label): _yuan(a) for c, a in data.budget},
            "instalments": [
                f"{i}. {Instalment.Condition(c).label} {_yuan(a)}"
                for i, (c, a) in enumerate(data.instalments, start=1)
            ],
        },
    )
    return contract


@dataclass(frozen=True)
class TargetsInput:
    """The agreed outputs of a contract: (station id, output, value) rows; a value of 0 or
    None leaves that output without a target."""

    rows: tuple[tuple[int, str, int | None], ...]


@transaction.atomic
def targets_record(
    *, by: User, contract: Contract, data: TargetsInput, request: HttpRequest | None = None
) -> list[Target]:
    """Set the agreed outputs per station of ``contract`` (replacing the earlier ones).

    The caller may rely on: only a county officer who may change the contract; only the
    contract's stations; known outputs, each once per station, from 1 to 10,000,000.
    """
    if not can(by, contract, "change"):
        raise PermissionDenied(_("Only the county's civil-affairs officer manages contracts."))
    covered = {s.pk: s for s in contract.stations.all()}
    errors: dict[str, str] = {}
    targets, seen = [], set()
    for station_id, output, value in data.rows:
        if not value:
            continue
        if station_id not in covered:
            errors["targets"] = _("A target names a station the contract does not cover.")
            continue
        if output not in Output.values:
            errors["targets"] = _("Unknown output.")
            continue
        if (station_id, output) in seen:
            errors["targets"] = _("Each output may appear once per station.")
            continue
        seen.add((station_id, output))
        target = Target(contract=contract, station_id=station_id, output=output, value=value)
        try:
            target.full_clean(exclude=["contract", "station"])
        except ValidationError as exc:
            errors["targets"] = next(iter(exc.message_dict.values()))[0]
        targets.append(target)
    if errors:
        raise ValidationError(errors)
    contract.targets.all().delete()
    Target.objects.bulk_create(targets)
    audit_log(
        action="shegong.contract.targets_set",
        actor=by,
        request=request,
        obj=contract,
        data={
            covered[sid].name: {
                str(Output(t.output).label): t.value for t in targets if t.station_id == sid
            }
            for sid in sorted({t.station_id for t in targets})
        },
    )
    return targets


@transaction.atomic
def instalment_confirm(
    *,
    by: User,
    instalment: Instalment,
    met_on: datetime.date | None,
    request: HttpRequest | None = None,
) -> Instalment:
    """Confirm that an instalment's condition is met (signing, an evaluation): by hand, or
    by a published mid-term or final evaluation round (``evaluation.services``).

    The caller may rely on: only a county officer who may change the contract; once; the
    date not in the future nor before the contract was signed.
    """
    if not can(by, instalment.contract, "change"):
        raise PermissionDenied(_("Only the county's civil-affairs officer manages contracts."))
    instalment = locked(Instalment, instalment)
    if instalment.condition_met_on:
        raise ValidationError({"__all__": _("This condition has been confirmed already.")})
    if met_on is None:
        raise ValidationError({"met_on": _("This field is required.")})
    if met_on > timezone.localdate():
        raise ValidationError({"met_on": _("This date is in the future.")})
    if met_on < instalment.contract.signed_on:
        raise ValidationError({"met_on": _("This date is before the contract was signed.")})
    instalment.condition_met_on, instalment.confirmed_by = met_on, by
    instalment.save(update_fields=["condition_met_on", "confirmed_by"])
    audit_log(
        action="shegong.instalment.confirmed",
        actor=by,
        request=request,
        obj=instalment,
        data={"condition": str(instalment.get_condition_display()), "met_on": str(met_on)},
    )
    return instalment


@transaction.atomic
def instalment_pay(
    *,
    by: User,
    instalment: Instalment,
    paid_on: datetime.date | None,
    amount: Decimal | None,
    request: HttpRequest | None = None,
) -> Instalment:
    """Record that the purchaser paid an instalment.

    The caller may rely on: only a county officer who may change the contract; only once
    the condition is confirmed; paid on or after that day, not in the future; the amount
    above 0 and at most the instalment's.
    """
    if not can(by, instalment.contract, "change"):
        raise PermissionDenied(_("Only the county's civil-affairs officer manages contracts."))
    instalment = locked(Instalment, instalment)
    errors: dict[str, str] = {}
    if instalment.paid_on:
        raise ValidationError({"__all__": _("This instalment has been paid already.")})
    if not instalment.condition_met_on:
        raise ValidationError({"__all__": _("Confirm the instalment's condition first.")})
    if instalment.held_since:
        raise ValidationError(
            {
                "__all__": _("This instalment is held: %(reason)s")
                % {"reason": instalment.held_reason}
            }
        )
    if paid_on is None:
        errors["paid_on"] = _("This field is required.")
    elif paid_on > timezone.localdate():
        errors["paid_on"] = _("This date is in the future.")
    elif paid_on < instalment.condition_met_on:
        errors["paid_on"] = _("Paid before the condition was met.")
    if amount is None or amount <= 0:
        errors["amount"] = _("Give the amount paid.")
    elif amount > instalment.amount:
        errors["amount"] = _("More than the instalment (%(amount)s yuan).") % {
            "amount": _yuan(instalment.amount)
        }
    if errors:
        raise ValidationError(errors)
    instalment.paid_on, instalment.paid_amount = paid_on, amount
    instalment.save(update_fields=["paid_on", "paid_amount"])
    audit_log(
        action="shegong.instalment.paid",
        actor=by,
        request=request,
        obj=instalment,
        data={"paid_on": str(paid_on), "amount": _yuan(amount)},
    )
    return instalment


def instalments_awaiting(
    *, station_ids: list[int], year: int, condition: str
) -> QuerySet[Instalment]:
    """Unconfirmed instalments with ``condition`` of the contracts covering any of
    ``station_ids`` in ``year``: what an evaluation round confirms when it is published."""
    contracts = Contract.objects.filter(
        stations__in=station_ids, starts_on__year__lte=year, ends_on__year__gte=year
    ).values("pk")
    return Instalment.objects.filter(
        contract__in=contracts, condition=condition, condition_met_on__isnull=True
    ).select_related("contract")


def held_instalments(*, station_id: int, year: int) -> QuerySet[Instalment]:
    """The last unpaid instalment of each contract covering ``station_id`` in ``year``:
    what a final evaluation graded fail holds."""
    contracts = Contract.objects.filter(
        stations=station_id, starts_on__year__lte=year, ends_on__year__gte=year
    )
    last = [
        c.instalments.order_by("-seq").first() for c in contracts.prefetch_related("instalments")
    ]
    return Instalment.objects.filter(pk__in=[i.pk for i in last if i and not i.paid_on])


@transaction.atomic
def instalment_hold(
    *,
    by: User,
    instalment: Instalment,
    reason: str,
    request: HttpRequest | None = None,
) -> Instalment:
    """Hold an unpaid instalment (the evaluation does, for a station graded fail).

    The caller may rely on: only the county officer who may change the contract; a paid
    instalment is not held; holding again keeps the first date and adds the reason.
    """
    if not can(by, instalment.contract, "change"):
        raise PermissionDenied(_("Only the county's civil-affairs officer manages contracts."))
    instalment = locked(Instalment, instalment)
    if instalment.paid_on:
        raise ValidationError({"__all__": _("This instalment has been paid already.")})
    if reason in instalment.held_reason:
        return instalment
    instalment.held_since = instalment.held_since or timezone.localdate()
    instalment.held_reason = "；".join(r for r in (instalment.held_reason, reason) if r)[:300]
    instalment.save(update_fields=["held_since", "held_reason"])
    audit_log(
        action="shegong.instalment.held",
        actor=by,
        request=request,
        obj=instalment,
        data={"reason": reason},
    )
    return instalment


@transaction.atomic
def instalment_release(
    *, by: User, instalment: Instalment, request: HttpRequest | None = None
) -> Instalment:
    """Release a held instalment (its station's rectification closed).

    The caller may rely on: only the county officer who may change the contract; an
    instalment not held is left as it is.
    """
    if not can(by, instalment.contract, "change"):
        raise PermissionDenied(_("Only the county's civil-affairs officer manages contracts."))
    instalment = locked(Instalment, instalment)
    if not instalment.held_since:
        return instalment
    instalment.held_since, instalment.held_reason = None, ""
    instalment.save(update_fields=["held_since", "held_reason"])
    audit_log(action="shegong.instalment.released", actor=by, request=request, obj=instalment)
    return instalment


# ----- spending --------------------------------------------------------------------------


@dataclass(frozen=True)
class SpendingInput:
    """A spending entry as typed; ``voucher``: (upload, checked kind)."""

    contract: int | None
    station: int | None
    date: datetime.date | None
    category: str
    sub_item: str
    amount: Decimal | None
    payee: str
    voucher: tuple | None = None
    over_budget_reason: str = ""


def category_room(*, contract: Contract, category: str, excluding: int | None = None) -> Decimal:
    """What is left of ``contract``'s budget in ``category`` after the spending approved
    or awaiting approval (less the entry ``excluding``); negative when overspent."""
    budget = (
        BudgetLine.objects.filter(contract=contract, category=category)
        .values_list("amount", flat=True)
        .first()
    ) or Decimal(0)
    spent = (
        Spending.objects.filter(contract=contract, category=category)
        .exclude(status=Spending.Status.REJECTED)
        .exclude(pk=excluding)
        .aggregate(s=Sum("amount"))["s"]
    ) or Decimal(0)
    return budget - spent


@transaction.atomic
def spending_record(
    *, by: User, data: SpendingInput, request: HttpRequest | None = None
) -> Spending:
    """Record a spending entry of ``by``'s agency, awaiting the county's approval.

    The caller may rely on: only the agency administrator, on a contract of their agency;
    a station the contract covers; the date within the contract's term and not in the
    future; a known category and one of its sub-items; an amount in bounds; a voucher
    (PDF or image, checked by content); spending that takes the category past its budget
    says why (the entry is then flagged). Row and audit entry are one transaction; the
    contract's row is locked so two entries cannot both squeeze under the budget.
    """
    if not may_add(by, Spending):
        raise PermissionDenied(_("Only the agency records its spending."))
    errors: dict[str, str] = {}
    contract = one_of(Contract.objects.restrict(by), data.contract, "contract", errors)
    if contract is not None:
        contract = Contract.objects.select_for_update().get(pk=contract.pk)
    station = None
    if contract is not None:
        station = one_of(contract.stations.all(), data.station, "station", errors)
        if data.date and not (contract.starts_on <= data.date <= contract.ends_on):
            errors["date"] = _("The date is outside the contract's term (%(start)s – %(end)s).") % {
                "start": contract.starts_on,
                "end": contract.ends_on,
            }
    if data.category in SUB_ITEMS and data.sub_item not in SUB_ITEMS[data.category]:
        errors["sub_item"] = _("Choose one of the category's sub-items.")
    if not data.voucher:
        errors["voucher"] = _("Attach the voucher (a PDF or a photo of it).")
    reason = (data.over_budget_reason or "").strip()
    if contract is not None and data.category in Category.values and data.amount:
        room = category_room(contract=contract, category=data.category)
        if data.amount > room and not reason:
            errors["over_budget_reason"] = _(
                "This takes %(category)s past its budget (%(room)s yuan left): say why."
            ) % {"category": Category(data.category).label, "room": _yuan(room)}
        elif data.amount <= room:
            reason = ""  # within budget: nothing to explain
    upload, kind = data.voucher or (None, "")
    spending = Spending(
        contract=contract,
        station=station,
        region_id=station.region_id if station else None,
        date=data.date,
        category=data.category,
        sub_item=data.sub_item,
        amount=data.amount,
        payee=data.payee,
        voucher=upload,
        kind=kind,
        size=upload.size if upload else 0,
        over_budget_reason=reason,
        created_by=by,
    )
    full_clean(spending, errors, exclude=("contract", "region", "voucher"))
    spending.save()
    audit_saved(entity="spending", obj=spending, by=by, request=request, fields=SPENDING_AUDIT)
    return spending


@transaction.atomic
def spending_decide(
    *,
    by: User,
    spending: Spending,
    approve: bool,
    note: str = "",
    request: HttpRequest | None = None,
) -> Spending:
    """Approve or reject a spending entry awaiting approval.

    The caller may rely on: only a county officer of the station's county; once; a
    rejection says why.
    """
    if not Spending.objects.restrict(by, "approve").filter(pk=spending.pk).exists():
        raise PermissionDenied(_("Only the county's civil-affairs officer approves spending."))
    spending = locked(Spending, spending)
    if spending.status != Spending.Status.SUBMITTED:
        raise ValidationError({"__all__": _("This entry has been decided already.")})
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationError({"note": _("Say why the entry is rejected.")})
    spending.status = Spending.Status.APPROVED if approve else Spending.Status.REJECTED
    spending.decided_by, spending.decided_at, spending.decision_note = by, timezone.now(), note
    spending.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit_log(
        action="shegong.spending.approved" if approve else "shegong.spending.rejected",
        actor=by,
        request=request,
        obj=spending,
        data={"amount": _yuan(spending.amount), **({"note": note} if note else {})},
    )
    return spending


# ----- employment ------------------------------------------------------------------------


def agency_staff(*, agency_id: int | None) -> QuerySet[User]:
    """The workers an agency employs: the staff of the stations it runs (those who left
    included, for the months they worked)."""
    return User.objects.filter(station__agency_id=agency_id, role__in=STATION_ROLES).select_related(
        "station"
    )


@dataclass(frozen=True)
class LabourContractInput:
    """A labour contract as typed; ``document``: (upload, checked kind)."""

    worker: int | None
    kind: str
    starts_on: datetime.date | None
    ends_on: datetime.date | None = None
    pay_day: int | None = 15
    document: tuple | None = None


@transaction.atomic
def labour_contract_record(
    *, by: User, data: LabourContractInput, request: HttpRequest | None = None
) -> LabourContract:
    """Record a labour contract of ``by``'s agency with one of its workers.

    The caller may rely on: only the agency administrator, for a worker of a station the
    agency runs; an open-ended contract has no end, any other has one, after its start;
    the pay day 1–28; the signed contract attached (PDF or image, by content).
    """
    if not may_add(by, LabourContract):
        raise PermissionDenied(_("Only the agency records its staff's employment."))
    errors: dict[str, str] = {}
    worker = one_of(agency_staff(agency_id=by.agency_id), data.worker, "worker", errors)
    if data.kind == LabourContract.Kind.OPEN and data.ends_on:
        errors["ends_on"] = _("An open-ended contract has no end date.")
    elif data.kind and data.kind != LabourContract.Kind.OPEN and not data.ends_on:
        errors["ends_on"] = _("Give the date the contract ends.")
    if not data.document:
        errors["document"] = _("Attach the signed contract (a PDF or a photo of it).")
    upload, kind = data.document or (None, "")
    contract = LabourContract(
        agency_id=by.agency_id,
        worker=worker,
        region_id=worker.station.region_id if worker and worker.station_id else None,
        kind=data.kind,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        pay_day=data.pay_day or 15,
        document=upload,
        kind_of_file=kind,
        size=upload.size if upload else 0,
        created_by=by,
    )
    full_clean(contract, errors, exclude=("agency", "worker", "region", "document"))
    contract.save()
    audit_saved(
        entity="labour_contract",
        obj=contract,
        by=by,
        request=request,
        fields=("worker", "kind", "starts_on", "ends_on", "pay_day"),
    )
    return contract


@dataclass(frozen=True)
class PayrollRow:
    """One worker's month as typed (a form, an API body or a spreadsheet line): the worker
    by id or by username; ``line`` is the spreadsheet line it came from (0: none)."""

    worker: int | str | None
    month: datetime.date | None
    gross: Decimal | None
    net: Decimal | None
    paid_on: datetime.date | None = None
    pension: bool = False
    medical: bool = False
    unemployment: bool = False
    injury: bool = False
    maternity: bool = False
    housing_fund: bool = False
    line: int = 0


PAY_FIELDS = ("gross", "net", "paid_on", *INSURANCES, "housing_fund")


def _payroll_row(by: User, row: PayrollRow, staff: dict, existing: dict) -> tuple:
    """The row to save for ``row`` (new or the month's existing one, changed), and its
    errors as a dict of field → message."""
    errors: dict[str, str] = {}
    key = str(row.worker or "").strip()
    worker = staff.get(key)
    if worker is None:
        errors["worker"] = _("“%(who)s” is not on your agency's staff.") % {"who": key[:40]}
    today = timezone.localdate()
    if row.month is None:
        errors["month"] = _("This field is required.")
    elif row.month.day != 1:
        errors["month"] = _("Give the month as its first day.")
    elif row.month > today:
        errors["month"] = _("This month has not begun.")
    if row.gross is not None and row.net is not None and row.net > row.gross:
        errors["net"] = _("Net pay is more than gross pay.")
    if row.paid_on and row.month and row.paid_on < row.month:
        errors["paid_on"] = _("Paid before the month began.")
    pay = existing.get((worker.pk, row.month)) if worker and row.month else None
    if pay is None:
        pay = Payroll(agency_id=by.agency_id, worker=worker, month=row.month, created_by=by)
    pay.region_id = worker.station.region_id if worker and worker.station_id else None
    for name in PAY_FIELDS:
        setattr(pay, name, getattr(row, name))
    try:
        pay.full_clean(
            exclude=["agency", "worker", "region", "created_by", "month"], validate_unique=False
        )
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, messages[0])
    return pay, errors


def _staff_keys(by: User) -> dict:
    staff = {}
    for u in agency_staff(agency_id=by.agency_id):
        staff[str(u.pk)] = u
        staff[u.username] = u
    return staff


@transaction.atomic
def payroll_record(*, by: User, data: PayrollRow, request: HttpRequest | None = None) -> Payroll:
    """Record (or correct) one worker's month of pay and insurance for ``by``'s agency.

    The caller may rely on: only the agency administrator, for its own staff; a month
    that has begun, given as its first day; net pay at most gross, both in bounds; paid
    on or after the month began and not in the future. The audit entry names the worker,
    the month, the payment date and the insurances, not the amounts.
    """
    if not may_add(by, Payroll):
        raise PermissionDenied(_("Only the agency records its staff's employment."))
    existing = {}
    if data.month:
        existing = {
            (p.worker_id, p.month): p
            for p in Payroll.objects.filter(agency_id=by.agency_id, month=data.month)
        }
    pay, errors = _payroll_row(by, data, _staff_keys(by), existing)
    if errors:
        raise ValidationError(errors)
    created = pay.pk is None
    pay.save()
    audit_log(
        action="shegong.payroll.created" if created else "shegong.payroll.changed",
        actor=by,
        request=request,
        obj=pay,
        data=_pay_words(pay),
    )
    return pay


def _pay_words(pay: Payroll) -> dict:
    labels = {name: str(Payroll._meta.get_field(name).verbose_name) for name in INSURANCES}
    missing = [labels[name] for name in INSURANCES if not getattr(pay, name)]
    return {
        "worker": pay.worker.display_name,
        "month": f"{pay.month:%Y-%m}",
        "paid_on": str(pay.paid_on or "—"),
        "insurance": "、".join(missing)
        and _("missing: %(list)s") % {"list": "、".join(missing)}
        or _("all five paid"),
    }


@transaction.atomic
def payroll_import(
    *,
    by: User,
    month: datetime.date | None,
    rows: tuple[PayrollRow, ...],
    request: HttpRequest | None = None,
) -> int:
    """Record a month of an agency's pay and insurance from a spreadsheet: every line is
    checked as ``payroll_record`` checks one, and if any line fails nothing is saved; the
    error names each failing line. Lines of a worker already recorded for the month
    correct that record. Returns the number of lines saved.
    """
    if not may_add(by, Payroll):
        raise PermissionDenied(_("Only the agency records its staff's employment."))
    if month is None or not rows:
        raise ValidationError({"file": _("The sheet has no lines to import.")})
    staff = _staff_keys(by)
    existing = {
        (p.worker_id, p.month): p
        for p in Payroll.objects.filter(agency_id=by.agency_id, month=month)
    }
    problems, saved, seen = [], [], set()
    for row in rows:
        pay, errors = _payroll_row(by, row, staff, existing)
        if row.month != month:
            errors.setdefault("month", _("Another month than the import's."))
        if pay.worker_id in seen:
            errors.setdefault("worker", _("This worker appears twice in the sheet."))
        seen.add(pay.worker_id)
        for name, message in errors.items():
            field = (
                str(Payroll._meta.get_field(name).verbose_name)
                if name in PAY_FIELDS or name == "month" or name == "worker"
                else name
            )
            problems.append(
                _("Line %(line)s, %(field)s: %(message)s")
                % {"line": row.line, "field": field, "message": message}
            )
        saved.append(pay)
    if problems:
        raise ValidationError({"file": problems})
    for pay in saved:
        pay.save()
    audit_log(
        action="shegong.payroll.imported",
        actor=by,
        request=request,
        data={"month": f"{month:%Y-%m}", "lines": len(saved)},
    )
    return len(saved)


# ----- service versions and the tiered subsidy -------------------------------------------


@transaction.atomic
def version_confirm(
    *,
    by: User,
    station_id: int | None,
    year: int,
    version: str,
    computed: str,
    share: Decimal | None,
    reason: str = "",
    request: HttpRequest | None = None,
) -> VersionConfirmation:
    """Confirm a township station's service version for ``year`` (again: replaces the
    earlier confirmation).

    The caller may rely on: only a county officer, for a station of the county; a known
    version; another version than the computed one says why; the station's declared
    version follows the confirmation.
    """
    errors: dict[str, str] = {}
    if not may_add(by, VersionConfirmation):
        raise PermissionDenied(_("Only the county's civil-affairs officer confirms versions."))
    station = one_of(
        Station.objects.restrict(by).filter(tier=Station.Tier.TOWNSHIP),
        station_id,
        "station",
        errors,
    )
    if version not in Version.values:
        errors["version"] = _("Unknown version.")
    reason = (reason or "").strip()
    if version != computed and not reason:
        errors["reason"] = _("Say why the version differs from the computed one.")
    if errors:
        raise ValidationError(errors)
    row, _created = VersionConfirmation.objects.update_or_create(
        station=station,
        year=year,
        defaults={
            "region_id": station.region_id,
            "version": version,
            "computed": computed,
            "share": share or Decimal(0),
            "reason": reason if version != computed else "",
            "confirmed_by": by,
        },
    )
    Station.objects.filter(pk=station.pk).update(service_version=version)
    audit_log(
        action="shegong.version.confirmed",
        actor=by,
        request=request,
        obj=row,
        data={
            "station": station.name,
            "year": year,
            "version": version,
            "computed": computed,
            **({"reason": reason} if version != computed else {}),
        },
    )
    return row


@dataclass(frozen=True)
class SubsidyInput:
    year: int
    v1: Decimal
    v2: Decimal
    v3: Decimal


@transaction.atomic
def subsidy_rate_record(
    *, by: User, data: SubsidyInput, request: HttpRequest | None = None
) -> SubsidyRate:
    """Set the province's subsidy per township station by version for a year.

    The caller may rely on: only a province officer, for their province; amounts in
    bounds and not decreasing from 1.0 to 3.0 (the subsidy rewards the move to 3.0).
    """
    if not may_add(by, SubsidyRate):
        raise PermissionDenied(_("Only the province officer sets the subsidy."))
    errors: dict[str, str] = {}
    if not (data.v1 <= data.v2 <= data.v3):
        errors["v3"] = _("The subsidy rises with the version: 1.0 ≤ 2.0 ≤ 3.0.")
    rate = SubsidyRate.objects.filter(province_id=by.scope_code[:2], year=data.year).first()
    before = snapshot(rate, ("v1", "v2", "v3")) if rate else None
    rate = rate or SubsidyRate(province_id=by.scope_code[:2], year=data.year, updated_by=by)
    rate.v1, rate.v2, rate.v3, rate.updated_by = data.v1, data.v2, data.v3, by
    full_clean(rate, errors, exclude=("province",))
    rate.save()
    audit_saved(
        entity="subsidy_rate",
        obj=rate,
        by=by,
        request=request,
        before=before,
        fields=("year", "v1", "v2", "v3"),
    )
    return rate
