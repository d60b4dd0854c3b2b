"""五社联动: volunteers and their teams, and the volunteer service they give.

A volunteer is registered by a station (their ID number and phone encrypted, hashed to
find duplicates, masked on every page); teams (a party team, 党员志愿服务队, per township
station) group them; a volunteer service event (志愿服务活动) takes sign-ups, sign-in and
sign-out by QR code or by the worker's tick, and the worker confirms each volunteer's
hours, so hours are verified, never self-declared.
"""

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shegong.accounts.policy import person_restrict_q
from shegong.core.bounds import MAX_RESOURCE_YUAN
from shegong.core.fields import EncryptedTextField
from shegong.core.models import Versioned
from shegong.core.restrict import RestrictedQuerySet
from shegong.people.models import Category, Recipient
from shegong.regions.models import Region
from shegong.stations.models import Station
from shegong.work.models import Activity, Case, Group, GroupSession


class PoliticalStatus(models.TextChoices):
    PARTY = "party", _("Communist Party member")
    PROBATIONARY = "probationary", _("Probationary Party member")
    LEAGUE = "league", _("Communist Youth League member")
    MASSES = "masses", _("No party affiliation (群众)")
    OTHER = "other", _("Other")


PARTY_STATUSES = (PoliticalStatus.PARTY, PoliticalStatus.PROBATIONARY)


def _restrict(user, action: str):
    return person_restrict_q(user, action, "region_id", station_field="station")


class Volunteer(Versioned, models.Model):
    number = models.CharField(_("volunteer number"), max_length=20, unique=True, editable=False)
    name = models.CharField(pgettext_lazy("person", "name"), max_length=64)
    id_number = EncryptedTextField(_("ID number"), blank=True)
    id_hash = models.CharField(max_length=64, unique=True, null=True, editable=False)  # noqa: DJ001
    id_last4 = models.CharField(max_length=4, blank=True, editable=False)
    phone = EncryptedTextField(_("phone"))
    phone_last4 = models.CharField(max_length=4, editable=False)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("home village")
    )
    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, related_name="+", verbose_name=_("station")
    )
    skills = models.CharField(
        _("skills"), max_length=200, blank=True, help_text=_("Such as 理发、医护、法律咨询、陪伴.")
    )
    availability = models.CharField(
        _("availability"), max_length=100, blank=True, help_text=_("Such as 周末、工作日晚上.")
    )
    political_status = models.CharField(
        _("political status"), max_length=16, choices=PoliticalStatus.choices
    )
    consent = models.BooleanField(
        _("agrees to be recorded"),
        default=False,
        help_text=_("The volunteer agrees that their service is recorded and certified."),
    )
    consent_date = models.DateField(_("consent date"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("registered by"),
    )
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["number"]
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        indexes = [models.Index(fields=["region", "name"]), models.Index(fields=["station"])]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    @property
    def is_party_member(self) -> bool:
        return self.political_status in PARTY_STATUSES

    @classmethod
    def restrict_q(cls, user, action: str):
        """Like a person served: the station's township for its staff (who register and
        change), the region for officers (masked), de-identified for the agency."""
        return _restrict(user, action)


class VolunteerTeam(Versioned, models.Model):
    class Kind(models.TextChoices):
        PARTY = "party", _("Party members' volunteer team (党员志愿服务队)")
        COMMUNITY = "community", _("Community volunteer team")
        YOUTH = "youth", _("Youth volunteer team")
        ELDERLY = "elderly", _("Older volunteers' team")
        PROFESSIONAL = "professional", _("Professional volunteer team")

    name = models.CharField(_("name"), max_length=64)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, related_name="+", verbose_name=_("station")
    )
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", editable=False)
    leader = models.ForeignKey(
        Volunteer,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("leader"),
    )
    members = models.ManyToManyField(
        Volunteer, blank=True, related_name="teams", verbose_name=_("members")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["station", "name"]
        verbose_name = _("volunteer team")
        verbose_name_plural = _("volunteer teams")
        constraints = [
            models.UniqueConstraint(fields=["station", "name"], name="team_name_per_station")
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def restrict_q(cls, user, action: str):
        return _restrict(user, action)


def _sign_key() -> str:
    return secrets.token_urlsafe(16)


class ServiceEvent(Versioned, models.Model):
    """志愿服务活动: what volunteers sign up to, sign in at, and are confirmed hours for."""

    title = models.CharField(_("title"), max_length=128)
    content = models.TextField(_("service content"), max_length=1000)
    date = models.DateField(_("date"), db_index=True)
    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, related_name="+", verbose_name=_("station")
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("place")
    )
    activity = models.ForeignKey(
        Activity,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("community activity"),
        help_text=_("The station's activity record this service was part of, if any."),
    )
    session = models.ForeignKey(
        GroupSession,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("group session"),
        help_text=_("The group session volunteers helped at, if any."),
    )
    sign_key = models.CharField(max_length=32, default=_sign_key, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organised by"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("volunteer service event")
        verbose_name_plural = _("volunteer service events")
        indexes = [models.Index(fields=["region", "date"])]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.title}"

    @classmethod
    def restrict_q(cls, user, action: str):
        return _restrict(user, action)


class Service(models.Model):
    """One volunteer at one event: signed up, signed in and out, and the hours the worker
    confirmed (志愿服务记录)."""

    class Status(models.TextChoices):
        SIGNED_UP = "signed_up", _("Signed up")
        PRESENT = "present", _("Signed in")
        CONFIRMED = "confirmed", _("Hours confirmed")
        ABSENT = "absent", _("Absent")

    event = models.ForeignKey(
        ServiceEvent, on_delete=models.CASCADE, related_name="services", verbose_name=_("event")
    )
    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.PROTECT, related_name="services", verbose_name=_("volunteer")
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.SIGNED_UP
    )
    signed_in_at = models.DateTimeField(_("signed in"), null=True, blank=True)
    signed_out_at = models.DateTimeField(_("signed out"), null=True, blank=True)
    hours = models.DecimalField(
        _("hours confirmed"),
        max_digits=4,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(24)],
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["event", "volunteer__number"]
        verbose_name = _("volunteer service")
        verbose_name_plural = _("volunteer services")
        constraints = [
            models.UniqueConstraint(fields=["event", "volunteer"], name="service_once_per_event"),
            models.CheckConstraint(
                condition=Q(status="confirmed", hours__isnull=False) | ~Q(status="confirmed"),
                name="service_confirmed_has_hours",
            ),
        ]
        indexes = [models.Index(fields=["volunteer", "status"])]

    def __str__(self) -> str:
        return f"{self.event} · {self.volunteer.name}"

    @classmethod
    def restrict_q(cls, user, action: str):
        q = _restrict(user, action)
        if q is None:
            return None
        return Q(event__in=ServiceEvent.objects.filter(q).values("pk"))


class Organisation(Versioned, models.Model):
    """社区社会组织: an organisation of residents the station incubates (培育)."""

    class Kind(models.TextChoices):
        INTEREST = "interest", _("Interest and culture")
        MUTUAL_AID = "mutual_aid", _("Mutual aid")
        SERVICE = "service", _("Community service")
        CHARITY = "charity", _("Charity")

    class Stage(models.TextChoices):
        INCUBATING = "incubating", _("Being incubated (培育中)")
        FILED = "filed", _("Filed with the township (备案)")
        REGISTERED = "registered", _("Registered with civil affairs (登记)")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    stage = models.CharField(
        _("stage"), max_length=12, choices=Stage.choices, default=Stage.INCUBATING
    )
    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, related_name="+", verbose_name=_("station")
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("village / place")
    )
    members = models.PositiveIntegerField(
        _("members"), default=0, validators=[MaxValueValidator(100000)]
    )
    leader = models.CharField(_("leader"), max_length=32)
    contact_phone = EncryptedTextField(_("contact phone"), blank=True)
    services = models.CharField(
        _("services offered"),
        max_length=200,
        blank=True,
        help_text=_("What it can do for residents, such as 助餐、陪伴、文艺演出."),
    )
    support = models.TextField(_("support from the station"), max_length=1000, blank=True)
    founded_on = models.DateField(_("founded"), null=True, blank=True)
    filed_on = models.DateField(_("filed or registered"), null=True, blank=True)
    activities = models.ManyToManyField(
        Activity, blank=True, related_name="+", verbose_name=_("activities taken part in")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["station", "name"]
        verbose_name = _("community organisation")
        verbose_name_plural = _("community organisations")
        constraints = [
            models.UniqueConstraint(
                fields=["station", "name"], name="organisation_name_per_station"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def restrict_q(cls, user, action: str):
        return _restrict(user, action)


class PointEntry(models.Model):
    """积分 / 时间银行: points a volunteer earned for confirmed hours (one entry per
    service, at the rule set's rate) or spent (redeemed, written off by the station). The
    balance is the sum; each entry is kept, so it is auditable."""

    class Kind(models.TextChoices):
        EARNED = "earned", _("Earned")
        REDEEMED = "redeemed", _("Redeemed")

    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.PROTECT, related_name="points", verbose_name=_("volunteer")
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    points = models.DecimalField(_("points"), max_digits=8, decimal_places=2)
    date = models.DateField(_("date"))
    service = models.OneToOneField(
        Service, on_delete=models.PROTECT, null=True, blank=True, related_name="points"
    )
    note = models.CharField(_("for"), max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("credit points")
        verbose_name_plural = _("credit points")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="earned", points__gte=0) | Q(kind="redeemed", points__lt=0),
                name="points_sign_by_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.volunteer_id} {self.points}"

    @classmethod
    def restrict_q(cls, user, action: str):
        q = _restrict(user, action)
        if q is None:
            return None
        return Q(volunteer__in=Volunteer.objects.filter(q).values("pk"))


# ----- charity resources ledger (慈善资源) ------------------------------------------------


class Donor(Versioned, models.Model):
    """Who gives: an enterprise, a foundation, a person (their contact protected) or a
    government programme."""

    class Kind(models.TextChoices):
        ENTERPRISE = "enterprise", _("Enterprise")
        FOUNDATION = "foundation", _("Foundation or charity")
        INDIVIDUAL = "individual", _("Individual")
        GOVERNMENT = "government", _("Government programme")
        UNKNOWN = "unknown", _("Not recorded (carried over)")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    contact_phone = EncryptedTextField(_("contact phone"), blank=True)
    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, related_name="+", verbose_name=_("station")
    )
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["station", "name"]
        verbose_name = _("donor")
        verbose_name_plural = _("donors")
        constraints = [
            models.UniqueConstraint(fields=["station", "name"], name="donor_name_per_station")
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def restrict_q(cls, user, action: str):
        return _restrict(user, action)


class Donation(Versioned, models.Model):
    """One gift received: money, or goods valued in yuan; maybe restricted (定向) to a group
    of people, a village or a project."""

    class Kind(models.TextChoices):
        MONEY = "money", _("Money")
        IN_KIND = "in_kind", _("In kind (valued)")

    class Restriction(models.TextChoices):
        NONE = "none", _("Unrestricted")
        PEOPLE = "people", _("For a group of people")
        VILLAGE = "village", _("For a village")
        PROJECT = "project", _("For a project")

    donor = models.ForeignKey(
        Donor, on_delete=models.PROTECT, related_name="donations", verbose_name=_("donor")
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    amount = models.DecimalField(
        _("amount or value (yuan)"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(MAX_RESOURCE_YUAN)],
    )
    items = models.CharField(_("goods"), max_length=200, blank=True)
    received_on = models.DateField(_("received"))
    receipt_no = models.CharField(_("receipt number"), max_length=40, blank=True)
    restriction = models.CharField(
        _("restricted to"), max_length=8, choices=Restriction.choices, default=Restriction.NONE
    )
    restricted_category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("for people of the category"),
    )
    restricted_region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("for the village"),
    )
    restriction_note = models.CharField(_("restriction, in words"), max_length=100, blank=True)
    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, related_name="+", verbose_name=_("station")
    )
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-received_on", "-pk"]
        verbose_name = _("donation")
        verbose_name_plural = _("donations")
        indexes = [models.Index(fields=["region", "received_on"])]

    def __str__(self) -> str:
        return f"{self.donor} ¥{self.amount} ({self.received_on:%Y-%m-%d})"

    @property
    def restriction_label(self) -> str:
        if self.restriction == self.Restriction.PEOPLE and self.restricted_category_id:
            return f"{self.get_restriction_display()}：{self.restricted_category.name}"
        if self.restriction == self.Restriction.VILLAGE and self.restricted_region_id:
            return f"{self.get_restriction_display()}：{self.restricted_region.name}"
        if self.restriction_note:
            return f"{self.get_restriction_display()}：{self.restriction_note}"
        return self.get_restriction_display()

    @classmethod
    def restrict_q(cls, user, action: str):
        return _restrict(user, action)


class Allocation(models.Model):
    """Part of a donation put to use: for an activity, a case, a group or named people."""

    donation = models.ForeignKey(
        Donation, on_delete=models.PROTECT, related_name="allocations", verbose_name=_("donation")
    )
    amount = models.DecimalField(
        _("amount (yuan)"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    date = models.DateField(_("date"), db_index=True)
    activity = models.ForeignKey(
        Activity,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("community activity"),
    )
    case = models.ForeignKey(
        Case,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("case"),
    )
    group = models.ForeignKey(
        Group,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("group"),
    )
    recipients = models.ManyToManyField(
        Recipient, blank=True, related_name="+", verbose_name=_("named recipients")
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("place")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        indexes = [models.Index(fields=["region", "date"])]

    def __str__(self) -> str:
        return f"¥{self.amount} · {self.target_label}"

    @property
    def target_label(self) -> str:
        if self.activity_id:
            return f"{_('Activity')}：{self.activity.title}"
        if self.case_id:
            return f"{_('Case')}：{self.case.number}"
        if self.group_id:
            return f"{_('Group')}：{self.group.name}"
        return str(_("Named recipients"))

    @classmethod
    def restrict_q(cls, user, action: str):
        return _restrict(user, action)
