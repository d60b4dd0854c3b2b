"""Indicators: the fact table, the pre-aggregates kept current on write, and rule sets.

``ServiceFact`` holds one row per (record, worker) — or per named person where a record
serves several — with the region codes flattened (province … village), so that any node
of the hierarchy is an equality or prefix test on one column.

``Aggregate`` holds sums by (region node, period, metric) for the province, city, county
and township levels and for month, quarter and year. Every write of a fact applies its
difference to the aggregates in the same transaction, so a dashboard never rescans facts.

``DistinctKey`` counts, per period, how many facts mention one person (or one village);
the first mention adds one to the distinct count, the last removal takes it away again.
"""

import calendar
import datetime
import decimal
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from shegong.accounts.policy import person_restrict_q
from shegong.accounts.roles import OFFICER_ROLES, Role
from shegong.core.models import Versioned
from shegong.core.restrict import RestrictedQuerySet, scope_q
from shegong.core.validators import is_ascii_digits
from shegong.regions.models import Region


class FactKind(models.TextChoices):
    VISIT = "visit", _("Home visits")
    FILE_PERSON = "file_person", _("Files created (people)")
    FILE_HOUSEHOLD = "file_household", _("Files created (households)")
    CASE_OPENED = "case_opened", _("Cases opened")
    CASE_CLOSED = "case_closed", _("Cases closed")
    CASE_ENTRY = "case_entry", _("Case interventions")
    GROUP = "group", _("Groups started")
    SESSION = "session", _("Group sessions")
    ACTIVITY = "activity", _("Community activities")
    ADMIN = "admin", _("Administrative work")
    TRAINING = "training", _("Training received")
    SUPERVISION = "supervision", _("Supervision received")
    VOLUNTEER = "volunteer", _("Volunteer service")
    ALLOCATION = "allocation", _("Charity resources allocated")


class ServiceFact(models.Model):
    """Derived data: kept by ``facts.replace`` and ``facts.rebuild_facts``, so the foreign
    keys carry no database constraint (bulk loads of millions of rows stay fast)."""

    kind = models.CharField(max_length=16, choices=FactKind.choices)
    source_type = models.CharField(max_length=16)
    source_id = models.BigIntegerField()
    # the record a part belongs to (a case entry's case, a session's group): links need no query
    parent_id = models.BigIntegerField(null=True)
    date = models.DateField()
    station = models.ForeignKey(
        "stations.Station",
        on_delete=models.DO_NOTHING,
        null=True,
        related_name="+",
        db_constraint=False,
    )
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        null=True,
        related_name="facts",
        db_constraint=False,
    )
    recipient = models.ForeignKey(
        "people.Recipient",
        on_delete=models.DO_NOTHING,
        null=True,
        related_name="+",
        db_constraint=False,
    )
    # the place, flattened: any node of the hierarchy is one column
    province = models.CharField(max_length=2)
    city = models.CharField(max_length=4)
    county = models.CharField(max_length=6)
    township = models.CharField(max_length=9)
    village = models.CharField(max_length=12, blank=True)
    # what it counts
    n = models.PositiveSmallIntegerField(default=0)
    person_times = models.PositiveIntegerField(default=0)
    money = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    in_kind = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    volunteers = models.PositiveIntegerField(default=0)
    # volunteers' hours, confirmed by a worker (not the workers' own hours)
    volunteer_hours = models.DecimalField(max_digits=8, decimal_places=2, default=0)
    hours = models.DecimalField(max_digits=6, decimal_places=2, default=0)
    professional = models.BooleanField(default=False)
    in_village = models.BooleanField(default=False)
    work_kind = models.CharField(max_length=16, blank=True)
    # the service domain (服务领域) of a service's record; blank for other work and training
    domain = models.CharField(max_length=16, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        # one (node column, kind, date, id) index per level: a drill-down of any node and
        # month is an index range already in the list's order (newest first), so its first
        # page reads 25 entries; a village is read through its township's index
        indexes = [
            models.Index(fields=["source_type", "source_id"]),
            models.Index(fields=["province", "kind", "date", "id"]),
            models.Index(fields=["city", "kind", "date", "id"]),
            models.Index(fields=["county", "kind", "date", "id"]),
            models.Index(fields=["township", "kind", "date", "id"]),
            models.Index(fields=["worker", "date"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.source_type}:{self.source_id} {self.date}"

    @property
    def place(self) -> str:
        return self.village or self.township

    @classmethod
    def restrict_q(cls, user, action: str):
        if action not in ("view", "view_masked"):
            return None
        # The facts of a place are visible to whoever may see the people of that place;
        # a village room's staff are scoped to their village, everyone else to a prefix
        # of the township code.
        field = "village" if len(user.scope_code or "") > 9 else "township"
        return person_restrict_q(user, action, field, station_field="station")


class SumField(models.DecimalField):
    """A decimal that holds any sum the bounds on records allow, and always reads back.

    24 digits hold ten million records a year at the largest figure one record may carry
    (``shegong.core.bounds``) many times over. Django reads a SQLite decimal by quantizing
    it in a context of ``max_digits`` and fails on a stored value with more digits; a
    dashboard must show whatever is stored, so reads use a context wide enough for any.
    """

    READ_CONTEXT = decimal.Context(prec=60)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", 24)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(*args, **kwargs)

    @property
    def context(self):
        return self.READ_CONTEXT


class Figure(models.Model):
    """One metric's value for one region node (``level`` 1–4) and one period."""

    node = models.CharField(max_length=12)
    level = models.PositiveSmallIntegerField()
    period = models.CharField(max_length=7)
    metric = models.CharField(max_length=32)
    value = SumField(default=0)

    class Meta:
        abstract = True


class Aggregate(Figure):
    """Sum of one metric for one region node and one period (``2025``, ``2025Q1``, ``2025-03``)."""

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["node", "period", "metric"], name="aggregate_key")
        ]
        indexes = [models.Index(fields=["period", "level", "node"])]

    def __str__(self) -> str:
        return f"{self.node} {self.period} {self.metric}={self.value}"


class DistinctKey(models.Model):
    """How many facts of a period mention one person ('p') or one village ('v')."""

    kind = models.CharField(max_length=1)
    key = models.CharField(max_length=20)
    period = models.CharField(max_length=7)
    region = models.CharField(max_length=12)
    refs = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "key", "period"], name="distinct_key")
        ]
        indexes = [models.Index(fields=["kind", "period", "region"])]

    def __str__(self) -> str:
        return f"{self.kind}:{self.key} {self.period} ({self.refs})"


class SharedRegion(models.Model):
    """A region whose figures come from another deployment's signed package (省市县数据共享),
    not from records kept here: the package's sender and date, shown beside its figures."""

    code = models.CharField(max_length=12, unique=True)  # the package's region
    name = models.CharField(max_length=64)
    source = models.CharField(max_length=128)  # the sending deployment's name
    package_id = models.BigIntegerField()  # the exchange package now in force
    generated_at = models.DateTimeField()  # when the sender made the package

    def __str__(self) -> str:
        return f"{self.code} ← {self.source}"


class SharedFigure(Figure):
    """One aggregate (node, period, metric, value) received in a package, for a node in a
    ``SharedRegion``. The package's region node itself is the "top" of its figures: the
    aggregates of every region above it include its values (``engine.apply_shared``), and
    ``rebuild_aggregates`` adds them back after recomputing from the local facts."""

    region = models.CharField(max_length=12)  # the SharedRegion's code

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["node", "period", "metric"], name="shared_figure_key")
        ]
        indexes = [models.Index(fields=["region"])]

    def __str__(self) -> str:
        return f"{self.node} {self.period} {self.metric}={self.value} (shared)"


def _band(default: int, label) -> models.DecimalField:
    return models.DecimalField(
        label,
        max_digits=5,
        decimal_places=1,
        default=Decimal(default),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )


class RuleSet(Versioned, models.Model):
    """The targets one province (or city) sets for one year. Data, not code."""

    # a code, not a foreign key: the seeded rule sets exist before any division is imported
    region_code = models.CharField(_("province or city code"), max_length=4)
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2018), MaxValueValidator(2100)]
    )
    title = models.CharField(_("title"), max_length=128)
    source = models.CharField(_("policy source"), max_length=200, blank=True)
    # a worker's day above this many hours (all records together) needs a reason
    daily_hours_ceiling = models.DecimalField(
        _("hours a day before a reason is asked"),
        max_digits=4,
        decimal_places=2,
        default=Decimal(12),
        validators=[MinValueValidator(Decimal(1)), MaxValueValidator(Decimal(24))],
    )
    # Training and supervision an agency organises for its own staff: shown as a level of
    # its own, and added to the county level's hours only where the rule set says so
    agency_training_as_county = models.BooleanField(
        _("agency-organised training counts as county level"), default=False
    )
    # a township station's service version (seed 003: 1.0 行政化, 2.0 半行政半专业, 3.0 专业化)
    # from its year's professional-hours share: at least the first for 2.0, the second for 3.0
    version2_share = models.DecimalField(
        _("professional-hours share for version 2.0 (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(30),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    version3_share = models.DecimalField(
        _("professional-hours share for version 3.0 (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(60),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    # evaluation (seed 000, 002): a round's score maps to a grade and a star level by these
    # bands (lowest score of each); a five-star rating needs the province's approval where
    # set; the county's annual summary reaches the city by the given day of the service year
    grade_excellent_min = _band(90, _("lowest score graded excellent"))
    grade_good_min = _band(80, _("lowest score graded good"))
    grade_pass_min = _band(60, _("lowest score graded pass"))
    star5_min = _band(90, _("lowest score for five stars"))
    star4_min = _band(85, _("lowest score for four stars"))
    star3_min = _band(80, _("lowest score for three stars"))
    star2_min = _band(70, _("lowest score for two stars"))
    star1_min = _band(60, _("lowest score for one star"))
    five_star_needs_province = models.BooleanField(
        _("five stars need the province's approval"), default=True
    )
    summary_due_month = models.PositiveSmallIntegerField(
        _("county summary due (month)"),
        default=11,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    summary_due_day = models.PositiveSmallIntegerField(
        _("county summary due (day)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
    )
    request_response_days = models.PositiveSmallIntegerField(
        _("first response to a resident's request within (working days)"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )
    volunteer_points_per_hour = models.DecimalField(
        _("volunteer credit points per confirmed hour (时间银行; 0: none)"),
        max_digits=5,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["region_code", "-year"]
        verbose_name = _("rule set")
        verbose_name_plural = _("rule sets")
        constraints = [
            models.UniqueConstraint(fields=["region_code", "year"], name="rule_set_once_per_year")
        ]

    def __str__(self) -> str:
        return self.title

    def grade_for(self, score: Decimal) -> str:
        """The grade of a total score: excellent, good, pass or fail."""
        for grade, low in (
            ("excellent", self.grade_excellent_min),
            ("good", self.grade_good_min),
            ("pass", self.grade_pass_min),
        ):
            if score >= low:
                return grade
        return "fail"

    def stars_for(self, score: Decimal) -> int | None:
        """The star level a total score reaches, or None below one star."""
        for stars, low in (
            (5, self.star5_min),
            (4, self.star4_min),
            (3, self.star3_min),
            (2, self.star2_min),
            (1, self.star1_min),
        ):
            if score >= low:
                return stars
        return None

    def summary_due(self, year: int) -> datetime.date:
        """The day the county's annual evaluation summary for ``year`` is due."""
        month, day = self.summary_due_month, self.summary_due_day
        last = calendar.monthrange(year, month)[1]
        return datetime.date(year, month, min(day, last))

    def clean(self) -> None:
        super().clean()
        code = self.region_code or ""
        if len(code) not in (2, 4) or not is_ascii_digits(code):
            raise ValidationError(
                {"region_code": _("A rule set belongs to a province (2 digits) or a city (4).")}
            )
        grades = [self.grade_excellent_min, self.grade_good_min, self.grade_pass_min]
        stars = [self.star5_min, self.star4_min, self.star3_min, self.star2_min, self.star1_min]
        for field, bands in (("grade_pass_min", grades), ("star1_min", stars)):
            if any(b is None for b in bands):
                continue
            if any(hi <= lo for hi, lo in zip(bands, bands[1:], strict=False)):
                raise ValidationError({field: _("Each band must start below the one above it.")})

    @classmethod
    def restrict_q(cls, user, action: str):

        if user.role not in OFFICER_ROLES and user.role != Role.EVALUATOR:
            return None
        if action == "view":
            # everyone may read the targets that apply to them: those of their ancestors
            code = user.scope_code or ""
            ancestors = [code[:n] for n in (2, 4) if len(code) >= n]
            return models.Q(region_code__in=ancestors) | scope_q(user, "region_code")
        if action in ("change", "add") and user.role in (Role.PROVINCE_OFFICER, Role.CITY_OFFICER):
            return scope_q(user, "region_code")
        return None


class Rule(models.Model):
    class Op(models.TextChoices):
        AT_LEAST = "ge", _("at least")
        AT_MOST = "le", _("at most")
        BETWEEN = "between", _("between")

    rule_set = models.ForeignKey(RuleSet, on_delete=models.CASCADE, related_name="rules")
    indicator = models.CharField(_("indicator"), max_length=32)
    op = models.CharField(_("comparison"), max_length=8, choices=Op.choices, default=Op.AT_LEAST)
    target = models.DecimalField(_("target"), max_digits=10, decimal_places=2)
    upper = models.DecimalField(
        _("upper bound"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    minimum_count = models.PositiveSmallIntegerField(_("at least (count)"), null=True, blank=True)
    at_risk_margin = models.DecimalField(
        _("at-risk margin (%)"),
        max_digits=5,
        decimal_places=2,
        default=10,
        help_text=_("Within this share below the target the status is “at risk”."),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule_set", "indicator"], name="rule_once_per_indicator"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.op} {self.target}"


class ReportJob(models.Model):
    """A report built in the background: who asked, for what, how far it has got."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    period = models.CharField(max_length=7)
    report = models.CharField(max_length=16)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    content = models.BinaryField(null=True, blank=True)
    error = models.TextField(blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"{self.report} {self.region_id} {self.period}"

    @classmethod
    def restrict_q(cls, user, action: str):
        return models.Q(requested_by=user)


class MonthApproval(Versioned, models.Model):
    """A station's month, signed off level by level (逐级审核, DHIS2's data approval by
    period and level): the station lead submits it, the agency reviews it (a station
    without an agency goes straight to the county), the county accepts it or returns it
    with a reason. An accepted month is locked: its station work is neither recorded,
    changed nor voided until the county unlocks it, with a reason."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted by the station")
        REVIEWED = "reviewed", _("Reviewed by the agency")
        ACCEPTED = "accepted", _("Accepted by the county")
        RETURNED = "returned", _("Returned")

    station = models.ForeignKey(
        "stations.Station", on_delete=models.PROTECT, related_name="month_approvals"
    )
    # the station's place, copied: scoped without a join
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("month"))  # its first day
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-month", "region_id"]
        verbose_name = _("month sign-off")
        verbose_name_plural = _("month sign-offs")
        constraints = [
            models.UniqueConstraint(fields=["station", "month"], name="month_approval_once"),
        ]
        indexes = [models.Index(fields=["region", "month", "status"])]

    def __str__(self) -> str:
        return f"{self.station_id} {self.month:%Y-%m}"

    @classmethod
    def restrict_q(cls, user, action: str):
        role = user.role
        if action == "view":
            if role in OFFICER_ROLES:
                return scope_q(user, "region_id")
            if role in (Role.STATION_LEAD, Role.SOCIAL_WORKER) and user.station_id:
                return models.Q(station_id=user.station_id)
            if role == Role.AGENCY_ADMIN and user.agency_id:
                return models.Q(station__agency_id=user.agency_id)
            return None
        if action == "add" and role == Role.STATION_LEAD and user.station_id:
            return models.Q(station_id=user.station_id)
        if action == "change" and role == Role.AGENCY_ADMIN and user.agency_id:
            return models.Q(station__agency_id=user.agency_id)
        if action == "approve" and role == Role.COUNTY_OFFICER:
            return scope_q(user, "region_id")
        return None
