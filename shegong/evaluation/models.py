"""Evaluation (评估) and star rating (星级评定): indicator trees as data, rounds of a region
and service year (self-assessment, mid-term, final, spot check), evaluation agencies and
their evaluators bound to rounds by assignment, score sheets, published results, appeals,
rectification, star decisions with a history, and the county's annual summary.

Every row that belongs to a place carries its division code (``region``) so "this region
and below" is a prefix range, as everywhere else.
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shegong.accounts.roles import OFFICER_ROLES, STATION_ROLES, Role
from shegong.core.bounds import past_dates
from shegong.core.models import Versioned
from shegong.core.restrict import RestrictedQuerySet, scope_q
from shegong.core.validators import validate_credit_code
from shegong.regions.models import Region
from shegong.stations.models import Station

SCORE = {
    "max_digits": 5,
    "decimal_places": 1,
    "validators": [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1000))],
}
YEAR = {"validators": [MinValueValidator(2018), MaxValueValidator(2100)]}


def _evidence_path(instance, filename: str) -> str:
    ext = {"pdf": "pdf", "jpeg": "jpg", "png": "png", "webp": "webp"}.get(instance.kind, "bin")
    return f"evidence/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}.{ext}"


def _ancestors_or_subtree(user, field: str) -> Q:
    """Rows at the user's own region, its ancestors (the province's or city's tree applies
    to a county) or below."""
    code = user.scope_code or ""
    ancestors = [code[:n] for n in (2, 4) if len(code) > n]
    return Q(**{f"{field}__in": ancestors}) | scope_q(user, field)


# ----- indicator trees (评估指标体系) --------------------------------------------------------


class Tree(Versioned, models.Model):
    """An indicator tree of a province or city for a service year. A published tree is
    frozen; to revise it, copy it to a new draft."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    region_code = models.CharField(_("province or city code"), max_length=4)
    year = models.PositiveSmallIntegerField(_("service year"), **YEAR)
    title = models.CharField(_("title"), max_length=128)
    total = models.DecimalField(_("total score"), default=Decimal(100), **SCORE)
    source = models.CharField(_("sources"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    copied_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "region_code", "title"]
        verbose_name = _("indicator tree")
        verbose_name_plural = _("indicator trees")
        constraints = [
            models.UniqueConstraint(
                fields=["region_code", "year", "title"],
                name="tree_unique_title",
                violation_error_message=_("This region already has a tree of this title."),
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @classmethod
    def restrict_q(cls, user, action: str):
        role = user.role
        if action == "view":
            if role in OFFICER_ROLES or role == Role.EVALUATOR:
                return _ancestors_or_subtree(user, "region_code")
            if role in STATION_ROLES or role == Role.AGENCY_ADMIN:
                return Q(status=cls.Status.PUBLISHED) & _ancestors_or_subtree(user, "region_code")
            return None
        if action in ("add", "change") and role in (Role.PROVINCE_OFFICER, Role.CITY_OFFICER):
            return scope_q(user, "region_code")
        return None


class Method(models.TextChoices):
    COMBINED = "combined", _("Combined (sub-checks add up)")
    GRADED = "graded", _("Graded levels")
    DEDUCTION = "deduction", _("Deductions from the maximum")
    YES_NO = "yes_no", _("Yes or no")


class Node(models.Model):
    """A dimension (一级指标), a sub-dimension (二级指标) or an item (评分项) of a tree.

    ``options`` holds the method's parts: the sub-checks ``[{"label", "score"}]`` of a
    combined item, the levels of a graded one, the deductions of a deduction item.
    ``bands`` map a measured figure (``metric``) to a suggested score:
    ``[{"min": 60, "score": 5}, …]``, highest first.
    """

    class Level(models.IntegerChoices):
        DIMENSION = 1, _("Dimension")
        SUB_DIMENSION = 2, _("Sub-dimension")
        ITEM = 3, _("Item")

    tree = models.ForeignKey(Tree, on_delete=models.CASCADE, related_name="nodes")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    seq = models.PositiveSmallIntegerField(_("order"))
    code = models.CharField(_("number"), max_length=12)  # "2", "2.1", "2.1.3"
    title = models.CharField(_("title"), max_length=200)
    max_score = models.DecimalField(_("maximum score"), **SCORE)
    standard = models.TextField(_("scoring standard"), max_length=2000, blank=True)
    evidence = models.TextField(_("evidence required"), max_length=1000, blank=True)
    method = models.CharField(
        _("scoring method"), max_length=10, choices=Method.choices, blank=True
    )
    options = models.JSONField(_("method parts"), default=list, blank=True)
    metric = models.CharField(_("automatic source"), max_length=40, blank=True)
    bands = models.JSONField(_("bands"), default=list, blank=True)

    class Meta:
        ordering = ["tree", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["tree", "code"], name="node_code_once"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def is_item(self) -> bool:
        return self.level == self.Level.ITEM


# ----- evaluation agencies (第三方评估机构) --------------------------------------------------


class EvaluationAgency(Versioned, models.Model):
    """A third-party evaluation organisation and the evaluator accounts working for it."""

    name = models.CharField(_("name"), max_length=128)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        validators=[validate_credit_code],
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("registered in")
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="evaluation_agencies",
        blank=True,
        verbose_name=_("evaluators"),
    )
    contact_person = models.CharField(_("contact person"), max_length=64, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("evaluation agency")
        verbose_name_plural = _("evaluation agencies")

    def __str__(self) -> str:
        return self.name

    @classmethod
    def restrict_q(cls, user, action: str):
        role = user.role
        if action == "view":
            if role in OFFICER_ROLES:
                return _ancestors_or_subtree(user, "region_id")
            if role == Role.EVALUATOR:
                return Q(members=user)
            return None
        if action in ("add", "change") and role in OFFICER_ROLES:
            return scope_q(user, "region_id")
        return None


# ----- rounds (评估轮次) -----------------------------------------------------------------


class Round(Versioned, models.Model):
    """One evaluation of one region (a county or a city) for one service year."""

    class Kind(models.TextChoices):
        SELF = "self", _("Self-assessment")
        MID = "mid", _("Mid-term")
        FINAL = "final", _("Final")
        SPOT = "spot", _("Spot check")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        PUBLISHED = "published", _("Results published")

    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    year = models.PositiveSmallIntegerField(_("service year"), **YEAR)
    kind = models.CharField(_("kind"), max_length=6, choices=Kind.choices)
    tier = models.CharField(
        _("stations rated"),
        max_length=16,
        choices=[
            (Station.Tier.TOWNSHIP, _("Township stations")),
            (Station.Tier.VILLAGE_ROOM, _("Village rooms")),
        ],
        default=Station.Tier.TOWNSHIP,
    )
    title = models.CharField(_("title"), max_length=128)
    tree = models.ForeignKey(
        Tree, on_delete=models.PROTECT, related_name="rounds", verbose_name=_("indicator tree")
    )
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))
    appeal_days = models.PositiveSmallIntegerField(
        _("days to appeal"), default=7, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    rectify_below = models.DecimalField(
        _("rectify items scored below (% of maximum)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(60),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    rectify_days = models.PositiveSmallIntegerField(
        _("days to rectify"), default=30, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    # a spot check draws a sample: its share, its seed and how many it drew from
    sample_share = models.DecimalField(
        _("sample share (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(30)), MaxValueValidator(Decimal(100))],
    )
    seed = models.CharField(_("draw seed"), max_length=32, blank=True)
    population = models.PositiveIntegerField(_("stations drawn from"), default=0)
    stations = models.ManyToManyField(
        Station, through="RoundStation", related_name="evaluation_rounds"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "region_id", "opens_on"]
        verbose_name = _("evaluation round")
        verbose_name_plural = _("evaluation rounds")
        indexes = [models.Index(fields=["region", "year"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_on__gte=models.F("opens_on")), name="round_dates_ordered"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def is_running(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.opens_on <= today <= self.closes_on

    @classmethod
    def restrict_q(cls, user, action: str):
        role = user.role
        if action == "view":
            if role in OFFICER_ROLES:
                return scope_q(user, "region_id")
            if role == Role.EVALUATOR:
                return Q(Exists(Assignment.objects.active(user).filter(round=OuterRef("pk"))))
            if role in STATION_ROLES and user.station_id:
                return Q(
                    Exists(
                        RoundStation.objects.filter(
                            round=OuterRef("pk"), station_id=user.station_id
                        )
                    )
                )
            if role == Role.AGENCY_ADMIN and user.agency_id:
                return Q(
                    Exists(
                        RoundStation.objects.filter(
                            round=OuterRef("pk"), station__agency_id=user.agency_id
                        )
                    )
                )
            return None
        if action in ("add", "change", "approve") and role in (
            Role.COUNTY_OFFICER,
            Role.CITY_OFFICER,
        ):
            return scope_q(user, "region_id")
        return None


class RoundStation(models.Model):
    """A station of a round; for a spot check, ``draw_order`` is its place in the draw."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="entries")
    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="+")
    draw_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["round", "draw_order"]
        constraints = [
            models.UniqueConstraint(fields=["round", "station"], name="round_station_once")
        ]

    def __str__(self) -> str:
        return f"{self.round_id}: {self.station_id}"


class AssignmentQuerySet(RestrictedQuerySet):
    def active(self, user, today=None):
        """The assignments ``user`` works under today: their own, in a round that is open."""
        today = today or timezone.localdate()
        return self.filter(evaluator=user, round__opens_on__lte=today, round__closes_on__gte=today)


class Assignment(models.Model):
    """An evaluator bound to a station of a round, for the agency they work for; one of a
    station's evaluators leads and consolidates."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="assignments")
    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="+")
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="evaluation_assignments"
    )
    agency = models.ForeignKey(
        EvaluationAgency, on_delete=models.PROTECT, related_name="assignments"
    )
    is_lead = models.BooleanField(_("lead evaluator"), default=False)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["round", "station", "-is_lead"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "station", "evaluator"], name="assignment_once"
            ),
            models.UniqueConstraint(
                fields=["round", "station"],
                condition=Q(is_lead=True),
                name="assignment_one_lead",
            ),
        ]
        indexes = [models.Index(fields=["evaluator", "round"])]

    def __str__(self) -> str:
        return f"{self.round} · {self.station} · {self.evaluator}"

    @classmethod
    def restrict_q(cls, user, action: str):
        if action == "view":
            if user.role in OFFICER_ROLES:
                return scope_q(user, "round__region_id")
            if user.role == Role.EVALUATOR:
                today = timezone.localdate()
                return Q(evaluator=user, round__opens_on__lte=today, round__closes_on__gte=today)
        if action in ("add", "change", "delete") and user.role in (
            Role.COUNTY_OFFICER,
            Role.CITY_OFFICER,
        ):
            return scope_q(user, "round__region_id")
        return None


# ----- score sheets (评分表) -------------------------------------------------------------


class Sheet(Versioned, models.Model):
    """One author's scores of one station in one round: an evaluator's, or the station
    lead's self-assessment. A submitted sheet is locked."""

    class Kind(models.TextChoices):
        EVALUATOR = "evaluator", _("Evaluator")
        SELF = "self", _("Self-assessment")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="sheets")
    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", editable=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    is_lead = models.BooleanField(default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    total = models.DecimalField(_("total"), default=Decimal(0), **SCORE)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["round", "station", "-is_lead"]
        verbose_name = _("score sheet")
        verbose_name_plural = _("score sheets")
        constraints = [
            models.UniqueConstraint(fields=["round", "station", "author"], name="sheet_once")
        ]
        indexes = [models.Index(fields=["region", "round"])]

    def __str__(self) -> str:
        return f"{self.station} · {self.round}"

    @property
    def is_locked(self) -> bool:
        return self.status == self.Status.SUBMITTED

    @classmethod
    def restrict_q(cls, user, action: str):
        role = user.role
        if action == "view":
            if role in OFFICER_ROLES:
                return scope_q(user, "region_id")
            if role == Role.EVALUATOR:
                # their own sheets; a lead also reads the co-evaluators' of their stations
                active = Assignment.objects.active(user)
                leads = active.filter(
                    is_lead=True, round=OuterRef("round"), station=OuterRef("station")
                )
                return Q(
                    Exists(active.filter(round=OuterRef("round"), station=OuterRef("station")))
                ) & (Q(author=user) | Q(Exists(leads)))
            if role == Role.STATION_LEAD and user.station_id:
                return Q(station_id=user.station_id, kind=cls.Kind.SELF)
            return None
        if action == "change":
            if role == Role.EVALUATOR:
                active = Assignment.objects.active(user)
                return Q(author=user, status=cls.Status.DRAFT) & Q(
                    Exists(active.filter(round=OuterRef("round"), station=OuterRef("station")))
                )
            if role == Role.STATION_LEAD and user.station_id:
                return Q(author=user, status=cls.Status.DRAFT, kind=cls.Kind.SELF)
        return None


class Score(models.Model):
    sheet = models.ForeignKey(Sheet, on_delete=models.CASCADE, related_name="scores")
    item = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField(_("score"), null=True, blank=True, **SCORE)
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    flagged = models.BooleanField(_("needs rectification"), default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["sheet", "item"], name="score_once")]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.score}"


class Evidence(models.Model):
    """A photo or PDF an evaluator (or the station, for a rectification) attaches, served
    only through a view that applies the sheet's restriction."""

    sheet = models.ForeignKey(
        Sheet, on_delete=models.CASCADE, related_name="evidence", null=True, blank=True
    )
    item = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+", null=True)
    rectification = models.ForeignKey(
        "Rectification", on_delete=models.CASCADE, related_name="evidence", null=True, blank=True
    )
    file = models.FileField(upload_to=_evidence_path)
    kind = models.CharField(max_length=8)
    size = models.PositiveIntegerField()
    name = models.CharField(max_length=120, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name or self.kind


# ----- results, appeals, rectification -----------------------------------------------------


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("Excellent")
    GOOD = "good", _("Good")
    PASS = "pass", _("Pass")
    FAIL = "fail", _("Fail")


class Result(models.Model):
    """A station's published result of a round: the lead evaluator's consolidated total,
    its grade and star level by the rule set's bands."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="results")
    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    sheet = models.ForeignKey(Sheet, on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField(_("score"), **SCORE)
    grade = models.CharField(_("grade"), max_length=10, choices=Grade.choices)
    stars = models.PositiveSmallIntegerField(_("star level"), null=True, blank=True)
    appeal_until = models.DateField(_("appeal until"))
    published_at = models.DateTimeField(_("published at"))

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["round", "region_id", "station"]
        constraints = [models.UniqueConstraint(fields=["round", "station"], name="result_once")]
        indexes = [models.Index(fields=["region", "round"])]

    def __str__(self) -> str:
        return f"{self.station} · {self.round}: {self.score}"

    @classmethod
    def restrict_q(cls, user, action: str):
        role = user.role
        if action == "view":
            if role in OFFICER_ROLES:
                return scope_q(user, "region_id")
            if role in STATION_ROLES and user.station_id:
                return Q(station_id=user.station_id)
            if role == Role.AGENCY_ADMIN and user.agency_id:
                return Q(station__agency_id=user.agency_id)
        if action == "add" and role in (Role.STATION_LEAD, Role.AGENCY_ADMIN):
            # appealing a result
            if role == Role.STATION_LEAD and user.station_id:
                return Q(station_id=user.station_id)
            if user.agency_id:
                return Q(station__agency_id=user.agency_id)
        return None


class Appeal(Versioned, models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Awaiting answer")
        UPHELD = "upheld", _("Result stands")
        REVISED = "revised", _("Score revised")

    result = models.OneToOneField(Result, on_delete=models.CASCADE, related_name="appeal")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    reasons = models.TextField(_("reasons"), max_length=2000)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField(_("filed at"), auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    answer = models.TextField(_("answer"), max_length=2000, blank=True)
    revised_score = models.DecimalField(_("revised score"), null=True, blank=True, **SCORE)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-filed_at"]
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")

    def __str__(self) -> str:
        return str(self.result)

    @classmethod
    def restrict_q(cls, user, action: str):
        role = user.role
        if action == "view":
            if role in OFFICER_ROLES:
                return scope_q(user, "region_id")
            if role in STATION_ROLES and user.station_id:
                return Q(result__station_id=user.station_id)
            if role == Role.AGENCY_ADMIN and user.agency_id:
                return Q(result__station__agency_id=user.agency_id)
        if action == "approve" and role == Role.COUNTY_OFFICER:
            return scope_q(user, "region_id")
        return None


class Rectification(Versioned, models.Model):
    """A task to put right an item scored low or flagged: owned by the station or its
    agency, closed with evidence and the county's check."""

    class Owner(models.TextChoices):
        STATION = "station", _("Station")
        AGENCY = "agency", _("Agency")

    class Status(models.TextChoices):
        OPEN = "open", _("Being rectified")
        SUBMITTED = "submitted", _("Awaiting check")
        CLOSED = "closed", _("Checked and closed")

    result = models.ForeignKey(Result, on_delete=models.CASCADE, related_name="rectifications")
    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+", null=True)
    problem = models.CharField(_("problem"), max_length=500)
    owner = models.CharField(_("owner"), max_length=8, choices=Owner.choices)
    deadline = models.DateField(_("deadline"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    report = models.TextField(_("what was done"), max_length=2000, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    check_note = models.CharField(_("check note"), max_length=500, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["deadline", "pk"]
        verbose_name = _("rectification")
        verbose_name_plural = _("rectifications")
        indexes = [models.Index(fields=["region", "status", "deadline"])]

    def __str__(self) -> str:
        return f"{self.station} · {self.problem[:30]}"

    def is_overdue(self, today=None) -> bool:
        return self.status != self.Status.CLOSED and self.deadline < (today or timezone.localdate())

    @classmethod
    def restrict_q(cls, user, action: str):
        role = user.role
        own_station = Q(station_id=user.station_id) if user.station_id else None
        own_agency = Q(station__agency_id=user.agency_id) if user.agency_id else None
        if action == "view":
            if role in OFFICER_ROLES:
                return scope_q(user, "region_id")
            if role in STATION_ROLES:
                return own_station
            if role == Role.AGENCY_ADMIN:
                return own_agency
        if action == "change":
            if role == Role.STATION_LEAD and own_station is not None:
                return own_station
            if role == Role.AGENCY_ADMIN and own_agency is not None:
                return own_agency
        if action == "approve" and role == Role.COUNTY_OFFICER:
            return scope_q(user, "region_id")
        return None


# ----- star ratings (星级评定) -----------------------------------------------------------


class StarDecision(models.Model):
    """A star rating as a decision: proposed by the county (from a final round's result),
    approved by the city, by the province too for five stars where the rule set says so;
    valid from a date until revoked. A station's star field is the latest valid one."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed by the county")
        CITY_APPROVED = "city_approved", _("Approved by the city, awaiting the province")
        VALID = "valid", _("In force")
        REJECTED = "rejected", _("Rejected")
        REVOKED = "revoked", _("Revoked")

    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="star_decisions")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    stars = models.PositiveSmallIntegerField(
        _("stars"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    result = models.ForeignKey(
        Result, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    basis = models.CharField(_("basis"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=14, choices=Status.choices, default=Status.PROPOSED
    )
    needs_province = models.BooleanField(default=False)
    # none for a rating decided before the system (carried over by migration)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    proposed_at = models.DateTimeField(auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    province_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    ended_on = models.DateField(_("revoked on"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=500, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-valid_from", "-pk"]
        verbose_name = _("star decision")
        verbose_name_plural = _("star decisions")
        indexes = [
            models.Index(fields=["region", "status"]),
            models.Index(fields=["station", "status", "valid_from"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(stars__gte=1, stars__lte=5), name="star_decision_1_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.station} {'★' * self.stars}"

    @classmethod
    def valid_on(cls, day) -> Q:
        """Decisions in force on ``day``."""
        return Q(status__in=(cls.Status.VALID, cls.Status.REVOKED), valid_from__lte=day) & (
            Q(ended_on__isnull=True) | Q(ended_on__gt=day)
        )

    @classmethod
    def restrict_q(cls, user, action: str):
        role = user.role
        if action == "view":
            if role in OFFICER_ROLES or role == Role.EVALUATOR:
                return scope_q(user, "region_id")
            if role in STATION_ROLES and user.station_id:
                return Q(station_id=user.station_id)
            if role == Role.AGENCY_ADMIN and user.agency_id:
                return Q(station__agency_id=user.agency_id)
            return None
        if action == "add" and role == Role.COUNTY_OFFICER:
            return scope_q(user, "region_id")
        if action == "approve" and role in (Role.CITY_OFFICER, Role.PROVINCE_OFFICER):
            return scope_q(user, "region_id")
        if action == "change" and role in (Role.CITY_OFFICER, Role.PROVINCE_OFFICER):
            return scope_q(user, "region_id")  # revoking
        return None


# ----- the county's annual summary (年度评估总结) ------------------------------------------


class CountySummary(models.Model):
    """The county's annual evaluation summary, sent to the city by the rule set's date."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("service year"), **YEAR)
    text = models.TextField(_("summary"), max_length=5000)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_on = models.DateField(_("submitted on"), validators=past_dates())

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "region_id"]
        verbose_name = _("county evaluation summary")
        verbose_name_plural = _("county evaluation summaries")
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="county_summary_once")
        ]

    def __str__(self) -> str:
        return f"{self.region} {self.year}"

    @classmethod
    def restrict_q(cls, user, action: str):
        if action == "view" and user.role in OFFICER_ROLES:
            return scope_q(user, "region_id")
        if action == "add" and user.role == Role.COUNTY_OFFICER:
            return scope_q(user, "region_id")
        return None
