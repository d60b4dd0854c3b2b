"""Daily station work: home visits, cases, groups, community activities, administrative work.

Every record that takes a worker's time writes ``indicators.ServiceFact`` rows (one per
worker): the fact table behind the indicators, professional vs administrative time, in a
village or not.
"""

import uuid

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shegong.accounts.policy import person_restrict_q
from shegong.accounts.roles import OFFICER_ROLES, STATION_ROLES, Role
from shegong.core.bounds import (
    HOURS_VALIDATORS,
    MAX_PEOPLE,
    MAX_RESOURCE_YUAN,
    MAX_VOLUNTEERS,
    PEOPLE_VALIDATORS,
    RESOURCE_VALIDATORS,
    VOLUNTEER_VALIDATORS,
    past_dates,
)
from shegong.core.models import Versioned, Voidable
from shegong.core.restrict import RestrictedQuerySet, scope_q
from shegong.indicators.definitions import Domain
from shegong.people.models import Household, Recipient
from shegong.regions.models import Region
from shegong.stations.models import Station

HOURS = {"max_digits": 5, "decimal_places": 2, "validators": HOURS_VALIDATORS}
PAST = {"validators": past_dates()}


class WorkKind(models.TextChoices):
    VISIT = "visit", _("Home visit")
    CASE = "case", _("Case work")
    GROUP = "group", _("Group work")
    COMMUNITY = "community", _("Community activity")
    ADMIN_ASSIST = "admin_assist", _("Assisting civil-affairs business")
    ADMIN_OTHER = "admin_other", _("Other administrative work")


PROFESSIONAL_KINDS = frozenset({WorkKind.VISIT, WorkKind.CASE, WorkKind.GROUP, WorkKind.COMMUNITY})


# the domain a record about a person takes when none is chosen: the first of these groups
# among the person's categories (``people.Category.group``), else community governance
DOMAIN_OF_GROUP = {
    "children": Domain.CHILDREN,
    "elderly": Domain.ELDERLY,
    "assistance": Domain.ASSISTANCE,
    "disabled": Domain.AFFAIRS,
}


def offered_domains() -> list[tuple[str, str]]:
    """The domains this deployment offers (``SHEGONG_SERVICE_DOMAINS``: codes; all when
    unset), in the dictionary's order."""
    wanted = getattr(settings, "SHEGONG_SERVICE_DOMAINS", None)
    return [(v, label) for v, label in Domain.choices if not wanted or v in wanted]


# and the service type it takes with that domain
TYPE_OF_DOMAIN = {
    "children": "care",
    "elderly": "care",
    "assistance": "help",
    "affairs": "rehab",
    "governance": "resources",
}


class ServiceType(models.TextChoices):
    HELP = "help", _("Helping the poor and weak")
    EMOTION = "emotion", _("Emotional counselling")
    PSYCH = "psych", _("Psychological comfort")
    SPIRIT = "spirit", _("Spiritual care")
    BEHAVIOUR = "behaviour", _("Behaviour correction")
    EMPLOYMENT = "employment", _("Employment guidance")
    REHAB = "rehab", _("Social rehabilitation")
    RIGHTS = "rights", _("Rights protection")
    CRISIS = "crisis", _("Crisis intervention")
    RELATIONS = "relations", _("Relationship adjustment")
    CONFLICT = "conflict", _("Conflict resolution")
    CAPACITY = "capacity", _("Capacity building")
    RESOURCES = "resources", _("Resource linking")
    INTEGRATION = "integration", _("Social integration")
    CARE = "care", _("Care and nursing")
    POLICY = "policy", _("Policy publicity")
    CHECKS = "checks", _("Assisting household checks")


class StationWork(models.Model):
    """What every work record has: the station, where, when, and who registered it."""

    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, related_name="+", verbose_name=_("station")
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("village / place")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("registered by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        abstract = True

    @classmethod
    def restrict_q(cls, user, action: str):
        return person_restrict_q(user, action, "region_id", station_field="station")

    def correction_keys(self) -> tuple[int, int]:
        """(station, author): who may correct or void it (``indicators.corrections``)."""
        return self.station_id, self.created_by_id


class HomeVisit(Versioned, Voidable, StationWork):
    date = models.DateField(_("date"), db_index=True, **PAST)
    household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits",
        verbose_name=_("household"),
    )
    recipient = models.ForeignKey(
        Recipient,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits",
        verbose_name=_("person"),
    )
    workers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="+", verbose_name=_("workers")
    )
    hours = models.DecimalField(_("duration (hours)"), **HOURS)
    domain = models.CharField(_("service domain"), max_length=16, choices=Domain.choices)
    service_type = models.CharField(_("service type"), max_length=16, choices=ServiceType.choices)
    situation = models.TextField(_("situation found"))
    needs = models.TextField(_("needs identified"), blank=True)
    follow_up = models.TextField(_("follow-up"), blank=True)

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("home visit")
        verbose_name_plural = _("home visits")
        indexes = [models.Index(fields=["region", "date"])]

    def __str__(self) -> str:
        who = self.recipient or self.household
        return f"{self.date:%Y-%m-%d} {who}"


class Case(StationWork):
    class Stage(models.TextChoices):
        INTAKE = "intake", _("Intake")
        ASSESSMENT = "assessment", _("Assessment")
        PLANNING = "planning", _("Planning")
        INTERVENTION = "intervention", _("Intervention")
        EVALUATION = "evaluation", _("Evaluation")
        CLOSED = "closed", _("Closed")

    class Source(models.TextChoices):
        OUTREACH = "outreach", _("Found on outreach")
        REQUEST = "request", _("Asked for help")
        REFERRAL = "referral", _("Referred in")
        OTHER = "other", _("Other")

    class ClosureReason(models.TextChoices):
        GOALS_MET = "goals_met", _("Goals met")
        REFERRED = "referred", _("Referred elsewhere")
        MOVED = "moved", _("Moved away")
        DECLINED = "declined", _("Declined further service")
        DIED = "died", _("Died")
        OTHER = "other", _("Other")

    number = models.CharField(_("case number"), max_length=32, unique=True)
    recipient = models.ForeignKey(
        Recipient, on_delete=models.PROTECT, related_name="cases", verbose_name=_("person")
    )
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("case worker"),
    )
    stage = models.CharField(
        _("stage"), max_length=16, choices=Stage.choices, default=Stage.INTAKE, db_index=True
    )
    opened_on = models.DateField(_("opened on"), **PAST)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    # a case entry and a referral are services in its domain
    domain = models.CharField(_("service domain"), max_length=16, choices=Domain.choices)
    service_type = models.CharField(_("service type"), max_length=16, choices=ServiceType.choices)
    presenting_problem = models.TextField(_("presenting problem"))
    # 预估 assessment
    assessment_individual = models.TextField(_("individual"), blank=True)
    assessment_family = models.TextField(_("family"), blank=True)
    assessment_community = models.TextField(_("community"), blank=True)
    needs_summary = models.TextField(_("summary of needs"), blank=True)
    # service agreement / informed consent
    agreement_signed_on = models.DateField(_("agreement signed on"), null=True, blank=True, **PAST)
    agreement_signed_by = models.CharField(_("signed by"), max_length=64, blank=True)
    # 计划 plan
    plan_submitted_at = models.DateTimeField(null=True, blank=True)
    plan_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("plan approved by"),
    )
    plan_approved_at = models.DateTimeField(_("plan approved at"), null=True, blank=True)
    # 评估 evaluation
    evaluation_summary = models.TextField(_("evaluation"), blank=True)
    # 结案 closure
    closure_reason = models.CharField(
        _("closure reason"), max_length=16, choices=ClosureReason.choices, blank=True
    )
    closure_summary = models.TextField(_("closure report"), blank=True)
    closure_requested_at = models.DateTimeField(null=True, blank=True)
    closure_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closure approved by"),
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    class Meta:
        ordering = ["-opened_on", "-pk"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["region", "stage"]),
            models.Index(fields=["worker", "stage"]),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.recipient}"

    @classmethod
    def restrict_q(cls, user, action: str):
        if action == "approve":
            # Nobody approves their own case: the station lead approves the station's cases,
            # and the county officer those whose worker is a station lead.
            if user.role == Role.STATION_LEAD:
                return scope_q(user, "region_id") & ~models.Q(worker_id=user.pk)
            if user.role == Role.COUNTY_OFFICER:
                return scope_q(user, "region_id") & models.Q(worker__role=Role.STATION_LEAD)
            return None
        return person_restrict_q(user, action, "region_id", station_field="station")


class CaseGoal(models.Model):
    class Achieved(models.TextChoices):
        PENDING = "", _("Not evaluated")
        MET = "met", _("Met")
        PARTLY = "partly", _("Partly met")
        NOT_MET = "not_met", _("Not met")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="goals")
    text = models.CharField(_("goal"), max_length=200)
    achieved = models.CharField(_("achieved"), max_length=8, choices=Achieved.choices, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.text


class CaseEntry(models.Model):
    """An intervention record (介入记录): a dated entry with hours."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="entries")
    date = models.DateField(_("date"), **PAST)
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    hours = models.DecimalField(_("hours"), **HOURS)
    in_village = models.BooleanField(_("in the village"), default=True)
    content = models.TextField(_("what was done"))

    class Meta:
        ordering = ["date", "pk"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.hours}h"


class CaseReferral(models.Model):
    class Direction(models.TextChoices):
        OUT = "out", _("Referred out")
        IN = "in", _("Referred in")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="referrals")
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    organisation = models.CharField(_("organisation"), max_length=128)
    reason = models.TextField(_("reason"))
    date = models.DateField(_("date"), **PAST)

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.organisation}"


class CaseEvent(models.Model):
    """The case timeline: every stage change, approval, referral, transfer, reopening."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=32)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return self.kind

    KINDS = {
        "opened": _("Case opened (接案)"),
        "assessed": _("Assessment done (预估)"),
        "plan_submitted": _("Plan submitted for approval"),
        "plan_approved": _("Plan approved"),
        "plan_returned": _("Plan returned"),
        "intervention": _("Intervention (介入)"),
        "evaluated": _("Evaluated (评估)"),
        "closure_requested": _("Closure requested"),
        "closure_returned": _("Closure returned"),
        "closed": _("Closed (结案)"),
        "referred_out": _("Referred out"),
        "referred_in": _("Referred in"),
        "transferred": _("Transferred"),
        "reopened": _("Reopened"),
    }

    @property
    def kind_label(self) -> str:
        return str(self.KINDS.get(self.kind, self.kind))


class Group(Versioned, StationWork):
    class Nature(models.TextChoices):
        THERAPY = "therapy", _("Therapeutic")
        SUPPORT = "support", _("Support")
        EDUCATION = "education", _("Educational")
        GROWTH = "growth", _("Growth")
        SOCIAL = "social", _("Social")
        TASK = "task", _("Task")

    class Stage(models.TextChoices):
        PREPARATION = "preparation", _("Preparation")
        FORMATION = "formation", _("Formation")
        TRANSITION = "transition", _("Transition")
        MATURITY = "maturity", _("Maturity")
        ENDING = "ending", _("Ending")

    number = models.CharField(_("group number"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=128)
    nature = models.CharField(_("nature"), max_length=16, choices=Nature.choices)
    # its sessions are services in its domain
    domain = models.CharField(_("service domain"), max_length=16, choices=Domain.choices)
    service_type = models.CharField(_("service type"), max_length=16, choices=ServiceType.choices)
    theory = models.CharField(_("theory"), max_length=128, blank=True)
    goals = models.TextField(_("goals"))
    target = models.CharField(_("target members"), max_length=200)
    planned_sessions = models.PositiveSmallIntegerField(
        _("planned sessions"), validators=[MinValueValidator(1)]
    )
    stage = models.CharField(
        _("stage"), max_length=16, choices=Stage.choices, default=Stage.PREPARATION
    )
    workers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="+", verbose_name=_("workers")
    )
    members = models.ManyToManyField(
        Recipient, blank=True, related_name="groups", verbose_name=_("members")
    )
    closing_evaluation = models.TextField(_("closing evaluation"), blank=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(planned_sessions__gte=1), name="group_plans_a_session"
            )
        ]

    def __str__(self) -> str:
        return self.name


class GroupSession(Versioned, Voidable, models.Model):
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="sessions")
    number = models.PositiveSmallIntegerField(_("session"))
    date = models.DateField(_("date"), db_index=True, **PAST)
    hours = models.DecimalField(_("hours"), **HOURS)
    in_village = models.BooleanField(_("in the village"), default=True)
    attendees = models.ManyToManyField(
        Recipient, blank=True, related_name="+", verbose_name=_("attended")
    )
    others_count = models.PositiveIntegerField(
        _("others present (head-count)"), default=0, validators=PEOPLE_VALIDATORS
    )
    record = models.TextField(_("session record"))
    # who recorded it (may correct it, beside the station lead); older sessions: the group's
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registered by"),
    )

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["group", "number"]
        constraints = [
            models.UniqueConstraint(fields=["group", "number"], name="group_session_number_once"),
            models.CheckConstraint(
                condition=models.Q(others_count__lte=MAX_PEOPLE), name="session_others_bounded"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group} #{self.number}"

    @classmethod
    def restrict_q(cls, user, action: str):
        """As its group's."""
        return person_restrict_q(user, action, "group__region_id", station_field="group__station")

    def correction_keys(self) -> tuple[int, int]:
        """(station, author): the group's station; older sessions, the group's author."""
        return self.group.station_id, self.created_by_id or self.group.created_by_id


class Activity(Versioned, Voidable, StationWork):
    title = models.CharField(_("title"), max_length=128)
    domain = models.CharField(_("service domain"), max_length=16, choices=Domain.choices)
    service_type = models.CharField(_("service type"), max_length=16, choices=ServiceType.choices)
    date = models.DateField(_("date"), db_index=True, **PAST)
    workers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="+", verbose_name=_("workers")
    )
    hours = models.DecimalField(_("hours"), **HOURS)
    participants_count = models.PositiveIntegerField(
        _("participants (person-times)"), validators=PEOPLE_VALIDATORS
    )
    participants = models.ManyToManyField(
        Recipient, blank=True, related_name="activities", verbose_name=_("named participants")
    )
    volunteers_count = models.PositiveIntegerField(
        _("volunteers"), default=0, validators=VOLUNTEER_VALIDATORS
    )
    volunteer_notes = models.CharField(_("volunteers involved"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("community activity")
        verbose_name_plural = _("community activities")
        indexes = [models.Index(fields=["region", "date"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    participants_count__lte=MAX_PEOPLE, volunteers_count__lte=MAX_VOLUNTEERS
                ),
                name="activity_counts_bounded",
            )
        ]

    def __str__(self) -> str:
        return self.title


class ActivityResource(models.Model):
    class Kind(models.TextChoices):
        MONEY = "money", _("Money")
        IN_KIND = "in_kind", _("In kind")

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="resources")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    description = models.CharField(_("from / what"), max_length=128)
    value = models.DecimalField(
        _("value (yuan)"), max_digits=12, decimal_places=2, validators=RESOURCE_VALIDATORS
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(value__gte=0, value__lte=MAX_RESOURCE_YUAN),
                name="activity_resource_value_bounded",
            )
        ]

    def __str__(self) -> str:
        return f"{self.description} ¥{self.value}"


class AdminWork(Versioned, Voidable, StationWork):
    """Administrative work (行政事务), kept apart from professional service."""

    class Task(models.TextChoices):
        CHECKS = "checks", _("Assisting household checks (家计调查/对象排查)")
        POLICY = "policy", _("Policy publicity")
        DATA = "data", _("Assisting data entry and files")
        MEETING = "meeting", _("Meetings and township chores")
        OTHER = "other", _("Other")
        # Negative list (负面清单): administrative powers station staff must not exercise.
        LICENSE = "license", _("Granting a licence (许可)")
        CONFIRM = "confirm", _("Confirming eligibility (确认)")
        APPROVE = "approve", _("Approving an application (审批)")
        PAY = "pay", _("Paying out benefits (给付)")

    NEGATIVE = frozenset({Task.LICENSE, Task.CONFIRM, Task.APPROVE, Task.PAY})
    ASSISTING = frozenset({Task.CHECKS, Task.POLICY, Task.DATA})

    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("worker"),
    )
    date = models.DateField(_("date"), db_index=True, **PAST)
    task = models.CharField(_("task"), max_length=16, choices=Task.choices)
    hours = models.DecimalField(_("hours"), **HOURS)
    in_village = models.BooleanField(_("in a village"), default=False)
    description = models.CharField(_("description"), max_length=200, blank=True)

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("administrative work")
        verbose_name_plural = _("administrative work")

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.get_task_display()}"


def _photo_path(instance, filename: str) -> str:

    ext = {"jpeg": "jpg", "png": "png", "webp": "webp"}.get(instance.kind, "bin")
    return f"photos/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}.{ext}"


class Photo(models.Model):
    """A photo of a home visit or an activity. Personal data: served only through a view
    that applies the record's own restriction, never from a public media URL."""

    visit = models.ForeignKey(
        HomeVisit, on_delete=models.CASCADE, null=True, blank=True, related_name="photos"
    )
    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, null=True, blank=True, related_name="photos"
    )
    image = models.FileField(upload_to=_photo_path)
    kind = models.CharField(max_length=8)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(visit__isnull=False, activity__isnull=True)
                | models.Q(visit__isnull=True, activity__isnull=False),
                name="photo_of_one_record",
            )
        ]

    def __str__(self) -> str:
        return self.image.name

    @property
    def record(self):
        return self.visit or self.activity


class LongDay(models.Model):
    """Why a worker's day ran past the rule set's ceiling (12 hours by default): asked once
    per worker and day, by whichever record took the day past it."""

    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("worker"),
    )
    date = models.DateField(_("date"), **PAST)
    reason = models.CharField(_("reason for a long day"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("long day")
        verbose_name_plural = _("long days")
        constraints = [
            models.UniqueConstraint(fields=["worker", "date"], name="long_day_once_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.worker} {self.date:%Y-%m-%d}"

    @classmethod
    def restrict_q(cls, user, action: str):
        """Read by whoever oversees the worker: the station's staff, the officers above it
        and the agency that runs it; written only by the record services."""
        if action != "view":
            return None
        if user.role in STATION_ROLES:
            return models.Q(worker__station_id=user.station_id)
        if user.role in OFFICER_ROLES:
            return scope_q(user, "worker__scope_region_id")
        if user.role == Role.AGENCY_ADMIN and user.agency_id:
            return models.Q(worker__station__agency_id=user.agency_id)
        return None
