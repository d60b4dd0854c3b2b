"""Government purchase of station services (政府购买服务, "费随事转"): an agency's online
filing, the purchase projects and their contracts, what a contract agrees (outputs per
station, a budget by fund category, instalments and their conditions), and the spending
the agency records against it.

Every row carries a division code (``region``) so "this region and below" is a prefix
range: a project its purchaser's (a county, or a township government), a contract its
project's, a spending entry its station's township.
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shegong.accounts.roles import OFFICER_ROLES, Role
from shegong.core.bounds import (
    AMOUNT_VALIDATORS,
    EARLIEST_ORG_DATE,
    EARLIEST_WORK_DATE,
    MAX_AMOUNT_YUAN,
    at_most,
    not_before,
    past_dates,
)
from shegong.core.models import Versioned
from shegong.core.restrict import RestrictedQuerySet, scope_q
from shegong.regions.models import Region
from shegong.stations.models import Agency, Station

MONEY = {"max_digits": 14, "decimal_places": 2, "validators": AMOUNT_VALIDATORS}
PAST = {"validators": past_dates()}
READERS = OFFICER_ROLES | {Role.EVALUATOR}
# an agreed output of one station over a term: a few thousand households, a few hundred
# activities; ten million is a typing error
MAX_TARGET = 10_000_000


def _purchase_q(user, action: str, *, agency_rows, agency_may=(), county_may=()):
    """The purchase cycle's one access rule, for a row with a ``region_id``: officers and
    evaluators read their region and below; an agency reads its own rows
    (``agency_rows(agency_id)``, or none) and may ``agency_may`` them; the county officer
    may ``county_may`` in the county."""
    role = user.role
    if role == Role.AGENCY_ADMIN:
        if user.agency_id and agency_rows and (action == "view" or action in agency_may):
            return agency_rows(user.agency_id)
        return None
    if action == "view" and role in READERS:
        return scope_q(user, "region_id")
    if action in county_may and role == Role.COUNTY_OFFICER:
        return scope_q(user, "region_id")
    return None


def _money_bound(field: str, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__gte": 0, f"{field}__lte": MAX_AMOUNT_YUAN}), name=name
    )


def _document_path(instance, filename: str) -> str:
    ext = {"pdf": "pdf", "jpeg": "jpg", "png": "png", "webp": "webp"}.get(instance.kind, "bin")
    return f"documents/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}.{ext}"


# ----- agency filing (承接机构线上备案) ----------------------------------------------------


class ServiceField(models.TextChoices):
    ASSISTANCE = "assistance", _("Social assistance")
    ELDERLY = "elderly", _("Elderly care")
    CHILDREN = "children", _("Child protection")
    COMMUNITY = "community", _("Community governance")
    DISABILITY = "disability", _("Disability services")
    FAMILY = "family", _("Marriage and family")
    MENTAL = "mental", _("Mental health")
    EMPLOYMENT = "employment", _("Employment assistance")
    CORRECTIONS = "corrections", _("Community corrections")
    EMERGENCY = "emergency", _("Emergency response")


class Filing(Versioned, models.Model):
    """An agency's online filing: what the county checks before it may be contracted."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Awaiting review")
        APPROVED = "approved", _("Filed")
        RETURNED = "returned", _("Returned")

    agency = models.OneToOneField(
        Agency, on_delete=models.PROTECT, related_name="filing", verbose_name=_("agency")
    )
    # the agency's registration place: whose county officers review the filing
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", editable=False)
    legal_representative = models.CharField(_("legal representative"), max_length=64)
    registration_authority = models.CharField(_("registration authority"), max_length=100)
    certificate_number = models.CharField(_("registration certificate number"), max_length=40)
    founded_on = models.DateField(_("founded on"), validators=past_dates(EARLIEST_ORG_DATE))
    service_fields = models.JSONField(_("service fields"), default=list)
    qualifications = models.TextField(
        _("qualifications"),
        max_length=2000,
        blank=True,
        help_text=_("Assessment grade (e.g. 4A), certified social workers, past projects."),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    return_reason = models.CharField(_("reason returned"), max_length=500, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("agency filing")
        verbose_name_plural = _("agency filings")
        indexes = [models.Index(fields=["region", "status"])]

    def __str__(self) -> str:
        return str(self.agency)

    def field_labels(self) -> list[str]:
        labels = dict(ServiceField.choices)
        return [str(labels.get(f, f)) for f in self.service_fields or []]

    @classmethod
    def restrict_q(cls, user, action: str):
        return _purchase_q(
            user,
            action,
            agency_rows=lambda agency: Q(agency_id=agency),
            agency_may=("add", "change"),
            county_may=("approve",),
        )


class FilingDocument(models.Model):
    """A document of a filing (certificate, articles, qualification): PDF or image, checked
    by content and size, served only through a view applying the filing's restriction."""

    class Kind(models.TextChoices):
        CERTIFICATE = "certificate", _("Registration certificate")
        ARTICLES = "articles", _("Articles of association")
        QUALIFICATION = "qualification", _("Qualification")
        OTHER = "other", _("Other")

    filing = models.ForeignKey(Filing, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("document"), max_length=20, choices=Kind.choices)
    file = models.FileField(upload_to=_document_path)
    kind = models.CharField(max_length=8)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.get_title_display()


# ----- projects and contracts (购买服务项目与合同) ------------------------------------------


class FundSource(models.TextChoices):
    ASSISTANCE_SPECIAL = "assistance_special", _("Social assistance special funds")
    LOTTERY = "lottery", _("Welfare lottery public-welfare funds")
    ASSISTANCE_WORK = "assistance_work", _("Social assistance work funds")
    LOCAL_BUDGET = "local_budget", _("Local fiscal budget")
    HIGHER_SUBSIDY = "higher_subsidy", _("Subsidy from higher levels")
    CHARITY = "charity", _("Charity and social funds")
    OTHER = "other", _("Other")


class Category(models.TextChoices):
    """The four fund categories of a station (seed 002)."""

    CONSTRUCTION = "construction", _("Construction funds")
    OPERATIONS = "operations", _("Operations funds")
    PERSONNEL = "personnel", _("Personnel funds")
    EVALUATION = "evaluation", _("Evaluation funds")


# the sub-items seed 002 names under each category
SUB_ITEMS = {
    Category.CONSTRUCTION: ["场地租赁", "设备购置", "装修建设", "维修维护"],
    Category.OPERATIONS: ["物资购置", "技术服务", "服务项目"],
    Category.PERSONNEL: ["工资", "奖金", "五险一金", "其他福利"],
    Category.EVALUATION: ["第三方评估", "评估培训", "明察暗访", "抽查"],
}


class Project(Versioned, models.Model):
    """A purchase of station services by a county civil-affairs bureau or a township
    government, for a service year, with its budget by fund source."""

    class Method(models.TextChoices):
        OPEN_TENDER = "open_tender", _("Open tender")
        CONSULTATION = "consultation", _("Competitive consultation")
        NEGOTIATION = "negotiation", _("Competitive negotiation")
        SINGLE_SOURCE = "single_source", _("Single source")
        INQUIRY = "inquiry", _("Request for quotation")
        OTHER = "other", _("Other")

    title = models.CharField(_("project title"), max_length=128)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("purchaser")
    )
    year = models.PositiveSmallIntegerField(_("service year"), validators=[MinValueValidator(2018)])
    method = models.CharField(_("procurement method"), max_length=16, choices=Method.choices)
    notice_number = models.CharField(_("procurement notice number"), max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "region_id", "title"]
        verbose_name = _("purchase project")
        verbose_name_plural = _("purchase projects")
        indexes = [models.Index(fields=["region", "year"])]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "year", "title"],
                name="project_unique_title",
                violation_error_message=_("This purchaser already has a project of this title."),
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def purchaser(self) -> str:
        """The purchasing body, in words: "雨湖区民政局", "姜畲镇人民政府"."""
        name = self.region.name
        if len(self.region_id) == 6:
            return str(_("%(county)s civil affairs bureau") % {"county": name})
        return str(_("%(township)s government") % {"township": name})

    @classmethod
    def restrict_q(cls, user, action: str):
        return _purchase_q(
            user,
            action,
            agency_rows=lambda agency: Q(
                Exists(Contract.objects.filter(project=OuterRef("pk"), agency_id=agency))
            ),
            county_may=("add", "change"),
        )


class ProjectFunding(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="funding")
    source = models.CharField(_("fund source"), max_length=20, choices=FundSource.choices)
    amount = models.DecimalField(_("amount (yuan)"), **MONEY)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "source"], name="funding_source_once"),
            _money_bound("amount", "funding_amount_bounds"),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.amount}"


class Contract(Versioned, models.Model):
    """A contract of a project with a filed agency, for the stations it covers."""

    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="contracts", verbose_name=_("project")
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="contracts", verbose_name=_("agency")
    )
    # the project's purchaser, copied: contracts are scoped without a join
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", editable=False)
    number = models.CharField(_("contract number"), max_length=64, unique=True)
    signed_on = models.DateField(_("signed on"), **PAST)
    starts_on = models.DateField(_("term starts"), validators=[not_before(EARLIEST_WORK_DATE)])
    ends_on = models.DateField(_("term ends"), validators=[not_before(EARLIEST_WORK_DATE)])
    amount = models.DecimalField(_("contract amount (yuan)"), **MONEY)
    stations = models.ManyToManyField(
        Station, related_name="contracts", verbose_name=_("stations covered")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "number"]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        indexes = [models.Index(fields=["region", "starts_on"]), models.Index(fields=["agency"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="contract_term_ordered"
            ),
            _money_bound("amount", "contract_amount_bounds"),
        ]

    def __str__(self) -> str:
        return self.number

    @classmethod
    def restrict_q(cls, user, action: str):
        return _purchase_q(
            user,
            action,
            agency_rows=lambda agency: Q(agency_id=agency),
            county_may=("add", "change"),
        )


class Instalment(models.Model):
    """One payment of a contract, due when its condition is met (an officer confirms the
    condition until the evaluation rounds confirm it), and when paid."""

    class Condition(models.TextChoices):
        SIGNING = "signing", _("On signing")
        MID_EVALUATION = "mid_evaluation", _("After the mid-term evaluation")
        FINAL_EVALUATION = "final_evaluation", _("After the final evaluation")
        OTHER = "other", _("Other")

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="instalments")
    seq = models.PositiveSmallIntegerField(_("instalment"))
    condition = models.CharField(_("condition"), max_length=20, choices=Condition.choices)
    amount = models.DecimalField(_("amount (yuan)"), **MONEY)
    condition_met_on = models.DateField(_("condition met on"), null=True, blank=True, **PAST)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    paid_on = models.DateField(_("paid on"), null=True, blank=True, **PAST)
    paid_amount = models.DecimalField(_("paid (yuan)"), null=True, blank=True, **MONEY)
    # a final evaluation graded fail holds the last instalment until rectification closes
    held_since = models.DateField(_("held since"), null=True, blank=True)
    held_reason = models.CharField(_("reason held"), max_length=300, blank=True)

    class Meta:
        ordering = ["contract", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "seq"], name="instalment_seq_once"),
            _money_bound("amount", "instalment_amount_bounds"),
        ]

    def __str__(self) -> str:
        return f"{self.contract} #{self.seq}"

    @property
    def state(self) -> str:
        if self.paid_on:
            return "paid"
        if self.held_since:
            return "held"
        return "due" if self.condition_met_on else "waiting"


class Output(models.TextChoices):
    """What a contract agrees a station will deliver (服务协议指标): the indicators' own
    metrics, so progress is the same computation as every dashboard figure."""

    VISIT = "visit", _("Households visited (户次)")
    FILE_HOUSEHOLD = "file_household", _("Files created (households)")
    CASE_OPENED = "case_opened", _("Cases opened")
    GROUP = "group", _("Groups started")
    SESSION = "session", _("Group sessions")
    ACTIVITY = "activity", _("Theme / community activities")
    VOLUNTEERS = "volunteers", _("Volunteer person-times")
    PERSON_TIMES = "person_times", _("Person-times served (人次)")
    STAFF = "staff", _("Resident social workers")


class Target(models.Model):
    """An agreed output of one station over the contract's term."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="targets")
    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="+")
    output = models.CharField(_("output"), max_length=16, choices=Output.choices)
    value = models.PositiveIntegerField(
        _("target"), validators=[MinValueValidator(1), at_most(MAX_TARGET)]
    )

    class Meta:
        ordering = ["contract", "station", "output"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "station", "output"], name="target_once_per_station"
            ),
            models.CheckConstraint(
                condition=Q(value__gte=1, value__lte=MAX_TARGET), name="target_bounds"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.station} {self.get_output_display()} {self.value}"


class BudgetLine(models.Model):
    """A contract's budget in one fund category."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="budget")
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    amount = models.DecimalField(_("budget (yuan)"), **MONEY)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contract", "category"], name="budget_category_once"),
            _money_bound("amount", "budget_amount_bounds"),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.amount}"


# ----- spending (经费使用) ---------------------------------------------------------------


class Spending(models.Model):
    """One spending entry an agency records against a contract, for one station, with its
    voucher; the county officer approves or rejects it."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    contract = models.ForeignKey(
        Contract, on_delete=models.PROTECT, related_name="spending", verbose_name=_("contract")
    )
    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, related_name="+", verbose_name=_("station")
    )
    # the station's township: spending is scoped by a prefix range without a join
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", editable=False)
    date = models.DateField(_("date"), **PAST)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    sub_item = models.CharField(_("sub-item"), max_length=32)
    amount = models.DecimalField(
        _("amount (yuan)"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), *AMOUNT_VALIDATORS[1:]],
    )
    payee = models.CharField(_("payee"), max_length=100)
    voucher = models.FileField(_("voucher"), upload_to=_document_path)
    kind = models.CharField(max_length=8, editable=False)
    size = models.PositiveIntegerField(editable=False)
    over_budget_reason = models.CharField(
        _("reason for spending over budget"), max_length=300, blank=True
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.SUBMITTED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("note on the decision"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("spending entry")
        verbose_name_plural = _("spending")
        indexes = [
            models.Index(fields=["region", "date"]),
            models.Index(fields=["contract", "category", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0, amount__lte=MAX_AMOUNT_YUAN), name="spending_bounds"
            )
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.get_category_display()} {self.amount}"

    @property
    def over_budget(self) -> bool:
        return bool(self.over_budget_reason)

    @classmethod
    def restrict_q(cls, user, action: str):
        return _purchase_q(
            user,
            action,
            agency_rows=lambda agency: Q(contract__agency_id=agency),
            agency_may=("add",),
            county_may=("approve",),
        )


# ----- employment (劳动合同、按月发薪、五险) -------------------------------------------------


def _staff_scope(user, action: str):
    """Employment records of an agency's staff: the agency reads and writes its own; the
    county officer reads its county's (each read audited: pay is personal data)."""
    role = user.role
    if role == Role.AGENCY_ADMIN and user.agency_id:
        return Q(agency_id=user.agency_id) if action in ("view", "add", "change") else None
    if action == "view" and role == Role.COUNTY_OFFICER:
        return scope_q(user, "region_id")
    return None


class LabourContract(models.Model):
    """A labour contract between an agency and a worker it employs (seed 000: 签订劳动合同)."""

    class Kind(models.TextChoices):
        FIXED = "fixed", _("Fixed term")
        OPEN = "open", _("Open-ended")
        TASK = "task", _("For a task")
        PART_TIME = "part_time", _("Part-time")

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="labour_contracts",
        verbose_name=_("worker"),
    )
    # the worker's station's township: scoped by a prefix range
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", editable=False)
    kind = models.CharField(_("contract type"), max_length=12, choices=Kind.choices)
    starts_on = models.DateField(_("starts on"), validators=[not_before(EARLIEST_ORG_DATE)])
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    pay_day = models.PositiveSmallIntegerField(
        _("pay day"),
        default=15,
        validators=[MinValueValidator(1), at_most(28)],
        help_text=_("The day of the following month by which a month's pay is due."),
    )
    document = models.FileField(_("contract document"), upload_to=_document_path)
    kind_of_file = models.CharField(max_length=8, editable=False)
    size = models.PositiveIntegerField(editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on"]
        verbose_name = _("labour contract")
        verbose_name_plural = _("labour contracts")
        indexes = [models.Index(fields=["worker", "starts_on"]), models.Index(fields=["region"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="labour_contract_term_ordered",
            ),
            models.CheckConstraint(
                condition=Q(pay_day__gte=1, pay_day__lte=28), name="labour_contract_pay_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.worker} {self.get_kind_display()} {self.starts_on:%Y-%m-%d}"

    @classmethod
    def restrict_q(cls, user, action: str):
        return _staff_scope(user, action)


INSURANCES = ("pension", "medical", "unemployment", "injury", "maternity")


class Payroll(models.Model):
    """A worker's month: pay (gross, net, the day it was paid) and the five social
    insurances paid for the month (seed 000: 按月发放薪酬并办理五险); the housing fund
    optional."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="payroll",
        verbose_name=_("worker"),
    )
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", editable=False)
    month = models.DateField(_("month"), help_text=_("The first day of the month paid for."))
    gross = models.DecimalField(_("gross pay (yuan)"), **MONEY)
    net = models.DecimalField(_("net pay (yuan)"), **MONEY)
    paid_on = models.DateField(_("paid on"), null=True, blank=True, **PAST)
    pension = models.BooleanField(_("pension insurance"), default=False)
    medical = models.BooleanField(_("medical insurance"), default=False)
    unemployment = models.BooleanField(_("unemployment insurance"), default=False)
    injury = models.BooleanField(_("work injury insurance"), default=False)
    maternity = models.BooleanField(_("maternity insurance"), default=False)
    housing_fund = models.BooleanField(_("housing fund"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-month", "worker_id"]
        verbose_name = _("monthly pay")
        verbose_name_plural = _("monthly pay")
        indexes = [
            models.Index(fields=["region", "month"]),
            models.Index(fields=["agency", "month"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["worker", "month"],
                name="payroll_once_a_month",
                violation_error_message=_("This worker's pay for this month is recorded already."),
            ),
            models.CheckConstraint(
                condition=Q(net__lte=models.F("gross")), name="payroll_net_le_gross"
            ),
            _money_bound("gross", "payroll_gross_bounds"),
        ]

    def __str__(self) -> str:
        return f"{self.worker} {self.month:%Y-%m}"

    @property
    def insured(self) -> bool:
        return all(getattr(self, name) for name in INSURANCES)

    @classmethod
    def restrict_q(cls, user, action: str):
        return _staff_scope(user, action)


# ----- service versions and tiered subsidy (seed 003: 1.0 / 2.0 / 3.0, 梯度经费补助) --------


class Version(models.TextChoices):
    V1 = "1.0", _("1.0 (administrative)")
    V2 = "2.0", _("2.0 (half administrative, half professional)")
    V3 = "3.0", _("3.0 (professional)")


class VersionConfirmation(models.Model):
    """A county officer's confirmation of a township station's service version for a year
    (the version computed from its records, or another with a reason)."""

    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", editable=False)
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2018)])
    version = models.CharField(_("confirmed version"), max_length=3, choices=Version.choices)
    computed = models.CharField(_("computed version"), max_length=3, choices=Version.choices)
    share = models.DecimalField(_("professional-hours share (%)"), max_digits=5, decimal_places=1)
    reason = models.CharField(_("reason for another version"), max_length=300, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("service version confirmation")
        verbose_name_plural = _("service version confirmations")
        indexes = [models.Index(fields=["region", "year"])]
        constraints = [
            models.UniqueConstraint(fields=["station", "year"], name="version_once_a_year")
        ]

    def __str__(self) -> str:
        return f"{self.station} {self.year} {self.version}"

    @classmethod
    def restrict_q(cls, user, action: str):
        return _purchase_q(user, action, agency_rows=None, county_may=("add", "change"))


class SubsidyRate(models.Model):
    """The province's subsidy per township station by confirmed version, for a year."""

    province = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2018)])
    v1 = models.DecimalField(_("per 1.0 station (yuan)"), **MONEY)
    v2 = models.DecimalField(_("per 2.0 station (yuan)"), **MONEY)
    v3 = models.DecimalField(_("per 3.0 station (yuan)"), **MONEY)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("subsidy rate")
        verbose_name_plural = _("subsidy rates")
        constraints = [
            models.UniqueConstraint(fields=["province", "year"], name="subsidy_rate_once")
        ]

    def __str__(self) -> str:
        return f"{self.province_id} {self.year}"

    def per(self, version: str) -> Decimal:
        return {"1.0": self.v1, "2.0": self.v2, "3.0": self.v3}.get(version, Decimal(0))

    @classmethod
    def restrict_q(cls, user, action: str):
        code = user.scope_code or ""
        if action == "view" and user.role in READERS and code:
            return Q(province_id=code[:2])
        if action in ("add", "change") and user.role == Role.PROVINCE_OFFICER and code:
            return Q(province_id=code[:2])
        return None
