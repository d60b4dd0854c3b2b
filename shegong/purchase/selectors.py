"""Reads of the purchase cycle, always through ``restrict``: lists, a contract's progress
against its agreed outputs, budget against spending for any place, project, contract or
station and period."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Substr
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from shegong.accounts.models import User
from shegong.accounts.roles import STATION_ROLES, Role
from shegong.core.counts import count_together
from shegong.core.divisions import in_subtree, region_filter
from shegong.indicators.compute import rule_set_for
from shegong.indicators.models import Aggregate
from shegong.indicators.selectors import totals_between
from shegong.regions.models import Region
from shegong.stations.models import Agency, Station

from .models import (
    INSURANCES,
    BudgetLine,
    Category,
    Contract,
    Filing,
    Instalment,
    LabourContract,
    Output,
    Payroll,
    Project,
    Spending,
    SubsidyRate,
    Target,
    VersionConfirmation,
)

HUNDRED = Decimal(100)


def _share(part, whole) -> Decimal | None:
    """``part`` as a percentage of ``whole``, to one decimal; None when ``whole`` is 0."""
    if not whole:
        return None
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(Decimal("0.1"))


# ----- lists -----------------------------------------------------------------------------


def filing_list(*, user: User, filters: dict | None = None) -> QuerySet[Filing]:
    """Filings ``user`` may see, filtered by status and place; those awaiting review first."""
    f = filters or {}
    qs = Filing.objects.restrict(user).select_related("agency", "region")
    if f.get("status"):
        qs = qs.filter(status=f["status"])
    if f.get("region"):
        qs = qs.filter(region_filter("region_id", f["region"]))
    return qs.order_by("-submitted_at", "agency__name")


def project_list(*, user: User, filters: dict | None = None) -> QuerySet[Project]:
    """Purchase projects ``user`` may see, with their budget and contracted amount."""
    f = filters or {}
    qs = Project.objects.restrict(user).select_related("region")
    if f.get("year"):
        qs = qs.filter(year=f["year"])
    if f.get("region"):
        qs = qs.filter(region_filter("region_id", f["region"]))
    if f.get("q"):
        qs = qs.filter(title__contains=f["q"])
    return qs.annotate(
        budget_total=Sum("funding__amount", distinct=True),
        contracts_count=Count("contracts", distinct=True),
    ).order_by("-year", "region_id", "title")


def contract_list(*, user: User, filters: dict | None = None) -> QuerySet[Contract]:
    """Contracts ``user`` may see (an agency: its own), filtered by place, year, agency."""
    f = filters or {}
    qs = Contract.objects.restrict(user).select_related("project", "agency", "region")
    if f.get("region"):
        qs = qs.filter(region_filter("region_id", f["region"]))
    if f.get("year"):
        qs = qs.filter(project__year=f["year"])
    if f.get("agency"):
        qs = qs.filter(agency_id=f["agency"])
    if f.get("project"):
        qs = qs.filter(project_id=f["project"])
    return qs.annotate(stations_count=Count("stations", distinct=True)).order_by(
        "-starts_on", "number"
    )


def spending_list(*, user: User, filters: dict | None = None) -> QuerySet[Spending]:
    """Spending entries ``user`` may see, filtered by place, period, contract, status,
    category; the flagged (over budget) with ``flagged=1``."""
    f = filters or {}
    qs = Spending.objects.restrict(user).select_related("contract__agency", "station", "created_by")
    if f.get("region"):
        qs = qs.filter(region_filter("region_id", f["region"]))
    if f.get("since"):
        qs = qs.filter(date__gte=f["since"])
    if f.get("until"):
        qs = qs.filter(date__lte=f["until"])
    for name in ("status", "category"):
        if f.get(name):
            qs = qs.filter(**{name: f[name]})
    if f.get("contract"):
        qs = qs.filter(contract_id=f["contract"])
    if f.get("flagged"):
        qs = qs.exclude(over_budget_reason="")
    return qs.order_by("-date", "-pk")


# ----- a contract's progress -------------------------------------------------------------


@dataclass
class ProgressRow:
    station: Station
    output: str
    label: str
    target: int
    actual: Decimal
    share: Decimal | None
    # the share of the term gone: a station at 40% of its target with 80% of the term gone
    # is behind
    expected: Decimal | None = None

    @property
    def behind(self) -> bool:
        return self.expected is not None and (self.share or 0) < self.expected * Decimal("0.8")


def term_elapsed(*, contract: Contract, today: datetime.date) -> Decimal:
    """The share (percent) of the contract's term gone by ``today``."""
    days = (contract.ends_on - contract.starts_on).days + 1
    gone = (min(today, contract.ends_on) - contract.starts_on).days + 1
    return _share(max(gone, 0), days) or Decimal(0)


def staff_counts(*, station_ids: list[int]) -> dict[int, int]:
    """Active resident social workers per station (one query)."""
    rows = (
        User.objects.filter(station_id__in=station_ids, role__in=STATION_ROLES, is_active=True)
        .values("station_id")
        .annotate(n=Count("pk"))
        .values_list("station_id", "n")
    )
    return dict(rows)


# what a progress row shows of its target and station (the station's name and link)
TARGET_FIELDS = ("contract_id", "output", "value", "station__name", "station__region_id")


def contract_progress(
    *, contracts: list[Contract], today: datetime.date | None = None, station_id: int | None = None
) -> dict[int, list[ProgressRow]]:
    """Each contract's agreed outputs against the stations' figures over its term so far:
    the same monthly aggregates every dashboard reads (the targets, the staff, and one
    query per distinct term). Staffing is held against the station's active workers today.
    ``station_id``: that station's outputs alone (a station's page), not every station's
    of its contracts."""
    today = today or timezone.localdate()
    if not contracts:
        return {}
    targets = Target.objects.filter(contract__in=contracts)
    if station_id is not None:
        targets = targets.filter(station_id=station_id)
    targets = list(
        targets.select_related("station")
        .only(*TARGET_FIELDS)
        .order_by("contract_id", "station__region_id", "output")
    )
    by_contract = {c.pk: c for c in contracts}
    metrics = sorted({t.output for t in targets if t.output != Output.STAFF})
    nodes = sorted({t.station.region_id for t in targets})
    spans = {c.pk: (c.starts_on, min(c.ends_on, today)) for c in contracts}
    totals = {  # one query per distinct term (contracts of one purchase share theirs)
        span: totals_between(nodes=nodes, start=span[0], end=span[1], metrics=metrics)
        for span in set(spans.values())
    }
    staff = staff_counts(station_ids=sorted({t.station_id for t in targets}))
    labels = dict(Output.choices)
    out: dict[int, list[ProgressRow]] = {c.pk: [] for c in contracts}
    for t in targets:
        contract = by_contract[t.contract_id]
        span = spans[contract.pk]
        if t.output == Output.STAFF:
            actual, expected = Decimal(staff.get(t.station_id, 0)), HUNDRED
        else:
            actual = totals[span].get(t.station.region_id, {}).get(t.output, Decimal(0))
            expected = term_elapsed(contract=contract, today=today)
        out[t.contract_id].append(
            ProgressRow(
                t.station,
                t.output,
                str(labels[t.output]),
                t.value,
                actual,
                _share(actual, t.value),
                expected,
            )
        )
    return out


# ----- budget against spending -----------------------------------------------------------


@dataclass
class BudgetRow:
    key: str
    label: str
    budget: Decimal = Decimal(0)
    approved: Decimal = Decimal(0)
    pending: Decimal = Decimal(0)
    flagged: int = 0
    url: str = ""

    @property
    def rate(self) -> Decimal | None:
        return _share(self.approved, self.budget)

    def add_spent(self, status: str, amount) -> None:
        """Count ``amount`` of spending with ``status`` (a rejected entry counts nowhere)."""
        if status == Spending.Status.APPROVED:
            self.approved += amount or 0
        elif status == Spending.Status.SUBMITTED:
            self.pending += amount or 0

    @property
    def over(self) -> bool:
        return self.approved + self.pending > self.budget


@dataclass
class BudgetView:
    categories: list[BudgetRow]
    parts: list[BudgetRow]
    total: BudgetRow
    part_kind: str  # "contract" or "region"
    stations_shared: bool = False
    notes: list[str] = field(default_factory=list)


def _overlapping(qs, start: datetime.date, end: datetime.date):
    return qs.filter(starts_on__lte=end, ends_on__gte=start)


def budget_view(
    *,
    user: User,
    node: Region,
    start: datetime.date,
    end: datetime.date,
    project: int | None = None,
    contract: int | None = None,
    station: int | None = None,
    by_part: bool = True,
) -> BudgetView:
    """Budget against spending by fund category for the contracts ``user`` may see in
    ``node`` whose term overlaps ``start``–``end`` (or one project, contract or station),
    and by part: the contracts of a county or below, else the regions one level down.

    The budget is each contract's whole budget; spending is what was dated in the span,
    approved (the execution rate's numerator) or awaiting approval. A station's budget is
    its equal share of each contract covering it (a contract's budget is not split by
    station). Two aggregate queries, whatever the number of contracts and entries, one over
    the budget lines and one over the entries, each grouped by part (contract or region)
    and category and summed both ways; four for a station's share. ``by_part=False``: the
    categories alone (a page that shows no parts: two queries, and no contract read).
    """
    contracts = _overlapping(Contract.objects.restrict(user), start, end).filter(
        in_subtree("region_id", node.code)
    )
    if project:
        contracts = contracts.filter(project_id=project)
    if contract:
        contracts = contracts.filter(pk=contract)
    spending = Spending.objects.restrict(user).filter(
        in_subtree("region_id", node.code), date__range=(start, end)
    )
    if project or contract or len(node.code) > 6:
        # (otherwise implied: an entry is dated within its contract's term, and its station
        # lies in its contract's area, which lies in a county or a township of it; so for a
        # county or above no join to the contracts is needed)
        spending = spending.filter(contract__in=contracts.values("pk"))
    budget_lines = BudgetLine.objects.filter(contract__in=contracts.values("pk"))
    shared = False
    if station:
        contracts = contracts.filter(stations=station)
        spending = spending.filter(station_id=station)
        budget_lines = BudgetLine.objects.filter(contract__in=contracts.values("pk"))
        shared = True
    by_part_contracts = len(node.code) >= 6 or project or contract or station
    categories = {c.value: BudgetRow(c.value, str(c.label)) for c in Category}
    part_key = "contract_id" if by_part_contracts else None
    depth = {2: 4, 4: 6}.get(len(node.code), 6)
    parts: dict[str, BudgetRow] = {}
    if part_key and by_part:
        parts = {
            c.pk: BudgetRow(str(c.pk), f"{c.number} · {c.agency.name}")
            for c in contracts.select_related("agency")[:500]
        }
    if by_part and not shared:
        # the categories' figures and the parts' (contracts, or the regions one level down)
        # are both sums of the same groups: one query over the budget lines and one over the
        # entries, grouped by part and category (a province's year: one scan, not two)
        if part_key:
            key, lines, entries = part_key, budget_lines, spending
        else:
            parts = {
                r.code: BudgetRow(r.code, r.name)
                for r in Region.objects.filter(parent_id=node.code).order_by("code")
            }
            key = "part"
            lines = budget_lines.annotate(part=Substr("contract__region_id", 1, depth))
            entries = spending.annotate(part=Substr("region_id", 1, depth))
        for row in lines.values(key, "category").annotate(s=Sum("amount")):
            amount = row["s"] or Decimal(0)
            categories[row["category"]].budget += amount
            if (part := parts.get(row[key])) is not None:
                part.budget += amount
        for row in entries.values(key, "category", "status").annotate(
            s=Sum("amount"), flagged=Count("pk", filter=~Q(over_budget_reason=""))
        ):
            target = categories[row["category"]]
            target.add_spent(row["status"], row["s"])
            target.flagged += row["flagged"] or 0
            if (part := parts.get(row[key])) is not None:
                part.add_spent(row["status"], row["s"])
        return _budget_view(categories, parts, part_key, shared)
    if shared:
        share_of = {
            c["pk"]: Decimal(1) / c["n"]
            for c in contracts.annotate(n=Count("stations")).values("pk", "n")
        }
        for line in budget_lines.values("contract_id", "category", "amount"):
            amount = line["amount"] * share_of.get(line["contract_id"], 0)
            categories[line["category"]].budget += amount.quantize(Decimal("0.01"))
    else:
        for row in budget_lines.values("category").annotate(s=Sum("amount")):
            categories[row["category"]].budget = row["s"] or Decimal(0)
    for row in spending.values("category", "status").annotate(
        s=Sum("amount"), flagged=Count("pk", filter=~Q(over_budget_reason=""))
    ):
        target = categories[row["category"]]
        target.add_spent(row["status"], row["s"])
        target.flagged += row["flagged"] or 0
    if not by_part:
        return _budget_view(categories, {}, part_key, shared)
    # a station's share (by_part and shared: the parts are its contracts)
    for row in budget_lines.values("contract_id").annotate(s=Sum("amount")):
        if row["contract_id"] in parts:
            parts[row["contract_id"]].budget = row["s"] or Decimal(0)
    for row in spending.values("contract_id", "status").annotate(s=Sum("amount")):
        target = parts.get(row["contract_id"])
        if target is not None:
            target.add_spent(row["status"], row["s"])
    return _budget_view(categories, parts, part_key, shared)


def _budget_view(categories: dict, parts: dict, part_key, shared: bool) -> BudgetView:
    total = BudgetRow("total", "")
    for row in categories.values():
        total.budget += row.budget
        total.approved += row.approved
        total.pending += row.pending
        total.flagged += row.flagged
    return BudgetView(
        categories=list(categories.values()),
        parts=[p for p in parts.values() if p.budget or p.approved or p.pending],
        total=total,
        part_kind="contract" if part_key else "region",
        stations_shared=shared,
    )


# ----- panels and stocks -----------------------------------------------------------------


def agency_panel(*, subject: Agency, user: User) -> dict:
    """An agency's filing status and the contracts it holds (those ``user`` may see)."""
    filing = Filing.objects.restrict(user).filter(agency=subject).first()
    public = Filing.objects.filter(agency=subject).values_list("status", flat=True).first()
    contracts = list(
        Contract.objects.restrict(user)
        .filter(agency=subject)
        .select_related("project")
        .annotate(stations_count=Count("stations", distinct=True))
        .order_by("-starts_on")[:50]
    )
    return {"filing": filing, "filed": public == Filing.Status.APPROVED, "contracts": contracts}


def station_panel(*, subject: Station, user: User) -> dict:
    """The contracts covering a station (those ``user`` may see), with its agreed outputs
    and how far it has come."""
    contracts = list(
        Contract.objects.restrict(user)
        .filter(stations=subject)
        .select_related("agency", "project")
        .order_by("-starts_on")[:10]
    )
    progress = contract_progress(contracts=contracts, station_id=subject.pk)
    return {"contracts": [(c, progress.get(c.pk, [])) for c in contracts]}


def filed_agencies_stock(*, code: str) -> dict:
    """Agencies whose filing is approved, per county of the node ``code`` (counties without
    one count 0; two queries), and the list of them as ``url``."""
    county = code[:6] if len(code) >= 6 else None
    counties = (
        [county]
        if county
        else list(
            Region.objects.filter(in_subtree("code", code), level=3).values_list("code", flat=True)
        )
    )
    counts = dict.fromkeys(counties, 0)
    rows = (
        Filing.objects.filter(in_subtree("region_id", code[:6]), status=Filing.Status.APPROVED)
        .annotate(county=Substr("region_id", 1, 6))
        .values("county")
        .annotate(n=Count("pk"))
        .values_list("county", "n")
    )
    for found, n in rows:
        if found in counts:
            counts[found] = n
    url = reverse("purchase:filing_list") + "?" + urlencode({"status": "approved", "region": code})
    return {"counts": counts, "url": url}


def instalments_of(*, contract: Contract) -> list[Instalment]:
    """A contract's instalments in order, with who confirmed each condition."""
    return list(contract.instalments.select_related("confirmed_by").order_by("seq"))


# ----- what waits, and the agency's working dashboard ------------------------------------


def to_do_queries(*, user: User, today: datetime.date) -> dict[str, QuerySet]:
    """What waits for ``user`` in the purchase cycle, as the lists to count (a page counts
    them with others in one query: ``core.counts.count_together``): for a county officer,
    filings to review, spending to approve and instalments due (condition met, not paid);
    for an agency, spending entries rejected in the last 30 days and its filing if it still
    needs doing (``file_open``; ``filed`` tells whether it has one at all)."""
    if user.role == Role.AGENCY_ADMIN:
        filings = Filing.objects.filter(agency_id=user.agency_id)
        return {
            "filed": filings,
            "file_open": filings.filter(status__in=(Filing.Status.DRAFT, Filing.Status.RETURNED)),
            "rejected": Spending.objects.restrict(user).filter(
                status=Spending.Status.REJECTED,
                decided_at__date__gte=today - datetime.timedelta(days=30),
            ),
        }
    if user.role != Role.COUNTY_OFFICER:
        return {}
    return {
        "filings": Filing.objects.restrict(user, "approve").filter(status=Filing.Status.SUBMITTED),
        "spending": Spending.objects.restrict(user, "approve").filter(
            status=Spending.Status.SUBMITTED
        ),
        "instalments": Instalment.objects.filter(
            contract__in=Contract.objects.restrict(user, "change").values("pk"),
            condition_met_on__isnull=False,
            paid_on__isnull=True,
        ),
    }


def to_do(
    *, user: User, today: datetime.date, counts: dict[str, int] | None = None
) -> dict[str, int]:
    """What waits for ``user`` in the purchase cycle, counted: ``counts`` are those of
    ``to_do_queries`` when the page has read them with its other counts, else they are read
    here (one query). An agency's ``file`` is 1 while it has no filing or its filing is a
    draft or returned."""
    if counts is None:
        (counts,) = count_together(to_do_queries(user=user, today=today))
    if "filed" not in counts:
        return dict(counts)
    return {
        "file": int(not counts["filed"] or counts["file_open"] > 0),
        "rejected": counts["rejected"],
    }


@dataclass
class ContractSummary:
    contract: Contract
    rows: list[ProgressRow]
    elapsed: Decimal

    @property
    def behind(self) -> int:
        return sum(1 for r in self.rows if r.behind)

    @property
    def progress(self) -> Decimal | None:
        """The mean progress of the contract's agreed outputs (percent), or None."""
        shares = [min(r.share, HUNDRED) for r in self.rows if r.share is not None]
        return (sum(shares) / len(shares)).quantize(Decimal("0.1")) if shares else None


def agency_dashboard(*, user: User, today: datetime.date) -> dict:
    """An agency's working page: its contracts in force with their progress against the
    agreed outputs, and its budget execution this year (a fixed number of queries)."""
    contracts = list(
        Contract.objects.restrict(user)
        .filter(ends_on__gte=today - datetime.timedelta(days=365))
        .select_related("project__region")
        .order_by("-starts_on")[:20]
    )
    progress = contract_progress(contracts=contracts, today=today)
    year_start, year_end = datetime.date(today.year, 1, 1), datetime.date(today.year, 12, 31)
    region = user.agency.region if user.agency_id else None
    budget = (
        budget_view(user=user, node=region, start=year_start, end=year_end, by_part=False)
        if region is not None
        else None
    )
    return {
        "contracts": [
            ContractSummary(c, progress.get(c.pk, []), term_elapsed(contract=c, today=today))
            for c in contracts
        ],
        "budget": budget,
        "year": today.year,
    }


# ----- employment compliance -------------------------------------------------------------

NO_CONTRACT, LATE_PAY, UNINSURED = "no_contract", "late_pay", "uninsured"
FLAGS = {
    NO_CONTRACT: _("No current labour contract"),
    LATE_PAY: _("Pay not made by the agreed day"),
    UNINSURED: _("Social insurance missing"),
}


def month_end(*, month: datetime.date) -> datetime.date:
    """The last day of ``month``."""
    nxt = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return nxt - datetime.timedelta(days=1)


@dataclass
class WorkerCheck:
    worker: User
    flags: list[str]
    due: datetime.date
    paid_on: datetime.date | None
    missing: list[str]

    @property
    def flag_labels(self) -> list[str]:
        return [str(FLAGS[f]) for f in self.flags]


@dataclass
class AgencyCheck:
    agency: Agency
    workers: int = 0
    gross: Decimal = Decimal(0)
    counts: dict = field(default_factory=lambda: dict.fromkeys(FLAGS, 0))


def _employed(user: User, code: str):
    """The active station staff an agency employs in the node ``code`` that ``user`` may
    see (an agency: its own staff)."""
    return User.objects.restrict(user).filter(
        in_subtree("scope_region_id", code),
        role__in=STATION_ROLES,
        is_active=True,
        station__agency__isnull=False,
    )


def _month_terms(ids: list[int], month: datetime.date):
    """(each worker's pay day under the labour contract covering the month's last day —
    the latest begun —, each worker's pay row of ``month`` as values): two queries."""
    last = month_end(month=month)
    pay_days = dict(
        LabourContract.objects.filter(worker_id__in=ids, starts_on__lte=last)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=last))
        .order_by("starts_on")
        .values_list("worker_id", "pay_day")
    )  # ordered by start: the latest begun is the one kept
    pays = {
        p["worker_id"]: p
        for p in Payroll.objects.filter(worker_id__in=ids, month=month).values(
            "worker_id", "gross", "paid_on", *INSURANCES
        )
    }
    return pay_days, pays


def _flags(*, pay_day: int | None, pay: dict | None, last, today, labels: dict):
    """One worker's month: (flags, the day pay was due, the insurances missing)."""
    due = last + datetime.timedelta(days=pay_day if pay_day is not None else 15)
    flags, missing = [], []
    if pay_day is None:
        flags.append(NO_CONTRACT)
    paid_on = pay["paid_on"] if pay is not None else None
    if paid_on is None and today > due:
        flags.append(LATE_PAY)
    elif paid_on is not None and paid_on > due:
        flags.append(LATE_PAY)
    if pay is not None:
        missing = [labels[n] for n in INSURANCES if not pay[n]]
    elif today > due:
        missing = list(labels.values())
    if missing:
        flags.append(UNINSURED)
    return flags, due, missing


def _insurance_labels() -> dict[str, str]:
    return {name: str(Payroll._meta.get_field(name).verbose_name) for name in INSURANCES}


def compliance(
    *, user: User, code: str, month: datetime.date, today: datetime.date | None = None
) -> tuple[list[AgencyCheck], list[WorkerCheck]]:
    """The monthly employment check of every worker an agency employs in the node ``code``
    (an agency: its own staff), for ``month`` (its first day), as of ``today``:

    - ``no_contract``: no labour contract covering the month's last day;
    - ``late_pay``: the month not paid by the agreed day (the contract's pay day of the
      following month), whether paid late or not yet paid once that day has passed;
    - ``uninsured``: one of the five insurances not paid for the month (or no record of
      the month once pay was due).

    Per agency: workers, flags and the month's gross pay in all (a total, not a person's).
    Three queries, whatever the number of workers."""
    today = today or timezone.localdate()
    last = month_end(month=month)
    workers = list(
        _employed(user, code)
        .select_related("station__agency")
        .order_by("station__agency_id", "scope_region_id", "full_name")
    )
    pay_days, pays = _month_terms([w.pk for w in workers], month)
    agencies: dict[int, AgencyCheck] = {}
    checks = []
    labels = _insurance_labels()
    for w in workers:
        agency = w.station.agency
        row = agencies.setdefault(agency.pk, AgencyCheck(agency))
        row.workers += 1
        pay = pays.get(w.pk)
        if pay is not None:
            row.gross += pay["gross"]
        flags, due, missing = _flags(
            pay_day=pay_days.get(w.pk), pay=pay, last=last, today=today, labels=labels
        )
        for f in flags:
            row.counts[f] += 1
        checks.append(WorkerCheck(w, flags, due, pay["paid_on"] if pay else None, missing))
    return list(agencies.values()), checks


def payroll_list(*, user: User, filters: dict | None = None) -> QuerySet[Payroll]:
    """Monthly pay ``user`` may see (an agency: its own staff; a county officer: the
    county's, each read audited by the page), filtered by month, worker and place."""
    f = filters or {}
    qs = Payroll.objects.restrict(user).select_related("worker__station", "agency")
    if f.get("month"):
        qs = qs.filter(month=f["month"])
    if f.get("worker"):
        qs = qs.filter(worker_id=f["worker"])
    if f.get("region"):
        qs = qs.filter(region_filter("region_id", f["region"]))
    return qs.order_by("-month", "region_id", "worker_id")


def labour_contract_list(*, user: User, filters: dict | None = None) -> QuerySet[LabourContract]:
    """Labour contracts ``user`` may see, filtered by worker and place."""
    f = filters or {}
    qs = LabourContract.objects.restrict(user).select_related("worker__station", "agency")
    if f.get("worker"):
        qs = qs.filter(worker_id=f["worker"])
    if f.get("region"):
        qs = qs.filter(region_filter("region_id", f["region"]))
    return qs.order_by("-starts_on", "worker_id")


def checked_month(*, today: datetime.date) -> datetime.date:
    """The latest month whose pay is due by now at the usual pay day (the 15th of the
    next month): on 1 December, October; from 16 December, November."""
    ref = today - datetime.timedelta(days=16)
    return (ref.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def compliance_summary(*, user: User, code: str, today: datetime.date) -> dict:
    """The compliance flags of the latest month due (``checked_month``), in all: for a
    home page. The same check as ``compliance`` (``_flags``), on ids and values: three
    queries, no worker or agency built as a model object."""
    month = checked_month(today=today)
    last = month_end(month=month)
    ids = list(_employed(user, code).values_list("pk", flat=True))
    pay_days, pays = _month_terms(ids, month)
    labels = _insurance_labels()
    counts = dict.fromkeys(FLAGS, 0)
    for pk in ids:
        flags, _due, _missing = _flags(
            pay_day=pay_days.get(pk), pay=pays.get(pk), last=last, today=today, labels=labels
        )
        for f in flags:
            counts[f] += 1
    return {"month": month, "counts": counts, "labels": FLAGS}


# ----- service versions and the tiered subsidy -------------------------------------------


@dataclass
class StationVersion:
    station: Station
    share: Decimal | None
    computed: str
    declared: str
    confirmed: VersionConfirmation | None

    @property
    def differs(self) -> bool:
        """The computed version is not the one declared on the station."""
        return bool(self.declared) and self.declared != self.computed


def version_of(*, share: Decimal | None, version2: Decimal, version3: Decimal) -> str:
    """The service version a year's professional-hours share makes (no hours: 1.0)."""
    if share is not None and share >= version3:
        return "3.0"
    if share is not None and share >= version2:
        return "2.0"
    return "1.0"


def station_versions(*, user: User, code: str, year: int) -> list[StationVersion]:
    """Every township station ``user`` may see in the node ``code`` with its year's
    professional-hours share (from the township aggregates), the version it makes under
    the thresholds of the rule set in force, the declared version and any confirmation.
    Four queries, whatever the number of stations."""
    stations = list(
        Station.objects.restrict(user)
        .filter(in_subtree("region_id", code), tier=Station.Tier.TOWNSHIP, is_active=True)
        .select_related("agency", "region")
        .order_by("region_id")
    )
    nodes = [s.region_id for s in stations]
    hours: dict[str, dict[str, Decimal]] = {}
    for node, metric, value in Aggregate.objects.filter(
        node__in=nodes, period=str(year), metric__in=("hours", "hours_prof")
    ).values_list("node", "metric", "value"):
        hours.setdefault(node, {})[metric] = Decimal(value)
    rule_set = rule_set_for(code, year)
    version2 = rule_set.version2_share if rule_set else Decimal(30)
    version3 = rule_set.version3_share if rule_set else Decimal(60)
    confirmed = {
        c.station_id: c for c in VersionConfirmation.objects.filter(station__in=stations, year=year)
    }
    out = []
    for s in stations:
        h = hours.get(s.region_id, {})
        share = _share(h.get("hours_prof", 0), h.get("hours", 0))
        out.append(
            StationVersion(
                s,
                share,
                version_of(share=share, version2=version2, version3=version3),
                s.service_version,
                confirmed.get(s.pk),
            )
        )
    return out


@dataclass
class SubsidyRow:
    code: str
    name: str
    counts: dict = field(default_factory=lambda: {"1.0": 0, "2.0": 0, "3.0": 0, "": 0})
    amount: Decimal = Decimal(0)


def subsidy_report(
    *, user: User, code: str, year: int
) -> tuple[SubsidyRate | None, list[SubsidyRow]]:
    """Each county's tiered subsidy for ``year``: its township stations by confirmed
    version (unconfirmed ones earn nothing and are counted apart) times the province's
    rate per version. Three queries."""
    rate = SubsidyRate.objects.filter(province_id=code[:2], year=year).first()
    counties = {
        r.code: SubsidyRow(r.code, r.name)
        for r in Region.objects.restrict(user)
        .filter(in_subtree("code", code), level=3)
        .order_by("code")
    }
    stations = Station.objects.restrict(user).filter(
        in_subtree("region_id", code), tier=Station.Tier.TOWNSHIP, is_active=True
    )
    confirmed = dict(
        VersionConfirmation.objects.filter(station__in=stations, year=year).values_list(
            "station_id", "version"
        )
    )
    for pk, region in stations.values_list("pk", "region_id"):
        row = counties.get(region[:6])
        if row is None:
            continue
        version = confirmed.get(pk, "")
        row.counts[version] += 1
        if rate is not None and version:
            row.amount += rate.per(version)
    return rate, list(counties.values())


def labour_panel(*, subject: User, user: User) -> list[LabourContract]:
    """A worker's labour contracts, as far as ``user`` may see them (the agency, the
    county officer): on the worker's page."""
    return list(
        LabourContract.objects.restrict(user).filter(worker=subject).order_by("-starts_on")[:10]
    )
