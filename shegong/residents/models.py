"""What residents ask of the stations (居民诉求): needs, complaints, suggestions, reports.

A request comes in from the public pages with no login, is routed to the station of its
village (a need to the village's designated worker) or, for a complaint or a report, to
the county: never to the station complained about. Its contact is encrypted; the resident
follows it with its tracking code and the last four digits of the phone given.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shegong.accounts.roles import OFFICER_ROLES, Role
from shegong.community.models import Organisation, ServiceEvent, Volunteer
from shegong.core.fields import EncryptedTextField
from shegong.core.restrict import RestrictedQuerySet, scope_q
from shegong.people.models import Recipient
from shegong.regions.models import Region
from shegong.stations.models import Station
from shegong.work.models import Case, Group, HomeVisit


class Kind(models.TextChoices):
    NEED = "need", _("Need")
    SUGGESTION = "suggestion", _("Suggestion")
    COMPLAINT = "complaint", _("Complaint")
    REPORT = "report", _("Report (举报)")


# what the station serves, and what the county oversees (never shown to the station)
SERVICE_KINDS = (Kind.NEED, Kind.SUGGESTION)
OVERSIGHT_KINDS = (Kind.COMPLAINT, Kind.REPORT)


class Topic(models.TextChoices):
    """What a request is about, in residents' words (the service domains of seed 000/004)."""

    ASSISTANCE = "assistance", _("Hardship and assistance")
    ELDERLY = "elderly", _("Older people")
    CHILDREN = "children", _("Children")
    DISABLED = "disabled", _("People with disabilities")
    EMOTION = "emotion", _("Emotional or family difficulties")
    COMMUNITY = "community", _("Community affairs")
    SERVICE = "service", _("The station's service")
    OTHER = "other", _("Other")


class Status(models.TextChoices):
    SUBMITTED = "submitted", pgettext_lazy("request status", "Submitted")
    ACCEPTED = "accepted", pgettext_lazy("request status", "Accepted")
    DECLINED = "declined", pgettext_lazy("request status", "Not accepted")
    CLOSED = "closed", pgettext_lazy("request status", "Closed")


OPEN_STATUSES = (Status.SUBMITTED, Status.ACCEPTED)
DESCRIPTION_MAX = 1000


class ResidentRequest(models.Model):
    code = models.CharField(_("tracking code"), max_length=12, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    topic = models.CharField(_("about"), max_length=12, choices=Topic.choices)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("village / community")
    )
    station = models.ForeignKey(
        Station,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("station"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned to"),
    )
    description = models.TextField(_("description"), max_length=DESCRIPTION_MAX)
    contact_name = EncryptedTextField(_("contact name"))
    contact_phone = EncryptedTextField(_("contact phone"))
    phone_last4 = models.CharField(max_length=4, editable=False)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.SUBMITTED
    )
    submitted_at = models.DateTimeField(_("submitted"), auto_now_add=True, db_index=True)
    due_on = models.DateField(_("first response due"))
    responded_at = models.DateTimeField(_("first response"), null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responded by"),
    )
    reply = models.CharField(
        _("reply to the resident"),
        max_length=500,
        blank=True,
        help_text=_("The resident reads this on the tracking page."),
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    satisfaction_note = models.CharField(_("the resident's comment"), max_length=200, blank=True)
    consent_text = models.CharField(max_length=40, editable=False)  # the notice's version
    # 0: on time; 1: overdue, the station lead told; 2: escalated to the county
    escalation = models.PositiveSmallIntegerField(_("escalation"), default=0, editable=False)
    matched_at = models.DateTimeField(_("first matched"), null=True, blank=True, editable=False)
    # the personal data deleted after the retention period (the figures' fields kept)
    purged_at = models.DateTimeField(null=True, blank=True, editable=False)
    # what the need became: the person registered, the visit made, the case opened
    recipient = models.ForeignKey(
        Recipient,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("service recipient"),
    )
    visit = models.ForeignKey(
        HomeVisit,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("home visit"),
    )
    case = models.ForeignKey(
        Case,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("case"),
    )

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("resident request")
        verbose_name_plural = _("resident requests")
        indexes = [
            models.Index(fields=["region", "submitted_at"]),
            models.Index(fields=["station", "status"]),
            models.Index(fields=["assignee", "status"]),
            models.Index(fields=["status", "due_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True)
                | Q(satisfaction__gte=1, satisfaction__lte=5),
                name="resident_request_satisfaction_1_5",
            )
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @classmethod
    def restrict_q(cls, user, action: str):
        """Station staff see their station's needs and suggestions (a worker acts on those
        assigned to them, the lead on the station's); officers see their region's, and the
        county acts on complaints and reports, which no station ever sees. Contacts are
        read in full by whoever may act on the request."""
        role = user.role
        service = Q(kind__in=SERVICE_KINDS)
        if action in ("view", "view_masked"):
            if role in (Role.SOCIAL_WORKER, Role.STATION_LEAD) and user.station_id:
                return service & Q(station_id=user.station_id)
            if role in OFFICER_ROLES:
                return scope_q(user, "region_id")
            return None
        if action in ("change", "reveal"):
            if role == Role.STATION_LEAD and user.station_id:
                return service & Q(station_id=user.station_id)
            if role == Role.SOCIAL_WORKER and user.station_id:
                return service & Q(station_id=user.station_id, assignee_id=user.pk)
            if role == Role.COUNTY_OFFICER:
                # complaints and reports, needs of a village no station serves, and
                # needs the station left unanswered until they escalated to the county
                return scope_q(user, "region_id") & (
                    Q(kind__in=OVERSIGHT_KINDS) | Q(station__isnull=True) | Q(escalation__gte=2)
                )
        return None


def _photo_path(instance, filename: str) -> str:
    import uuid

    return f"requests/{uuid.uuid4().hex}.{instance.kind}"


class RequestPhoto(models.Model):
    request = models.ForeignKey(ResidentRequest, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(upload_to=_photo_path)
    kind = models.CharField(max_length=8)
    size = models.PositiveIntegerField()

    objects = RestrictedQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.request.code} #{self.pk}"

    @classmethod
    def restrict_q(cls, user, action: str):
        q = ResidentRequest.restrict_q(user, "view" if action == "view" else action)
        if q is None:
            return None
        return Q(request__in=ResidentRequest.objects.filter(q).values("pk"))


class Match(models.Model):
    """供需对接: a need met by a worker or by a project (a group open to members),
    confirmed by the worker or lead who matched it. Volunteers, community organisations
    and charity resources join when the 五社联动 registers land."""

    class Party(models.TextChoices):
        WORKER = "worker", _("Social worker")
        GROUP = "group", _("Group (project)")
        VOLUNTEER = "volunteer", _("Volunteer")
        ORGANISATION = "organisation", _("Community organisation")

    request = models.ForeignKey(
        ResidentRequest, on_delete=models.CASCADE, related_name="matches", verbose_name=_("need")
    )
    party = models.CharField(_("matched with"), max_length=12, choices=Party.choices)
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("social worker"),
    )
    group = models.ForeignKey(
        Group,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("group"),
    )
    volunteer = models.ForeignKey(
        Volunteer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("volunteer"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("community organisation"),
    )
    event = models.ForeignKey(
        ServiceEvent,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("volunteer service event"),
    )
    reasons = models.CharField(_("why"), max_length=300, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    confirmed_at = models.DateTimeField(_("confirmed"), auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-confirmed_at", "-pk"]
        verbose_name = _("match")
        verbose_name_plural = _("matches")
        constraints = [
            models.CheckConstraint(
                condition=Q(party="worker", worker__isnull=False)
                | Q(party="group", group__isnull=False)
                | Q(party="volunteer", volunteer__isnull=False)
                | Q(party="organisation", organisation__isnull=False),
                name="match_named_party",
            ),
            models.UniqueConstraint(
                fields=["request", "worker"],
                condition=Q(worker__isnull=False),
                name="match_worker_once",
            ),
            models.UniqueConstraint(
                fields=["request", "group"],
                condition=Q(group__isnull=False),
                name="match_group_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request.code} → {self.party_label}"

    @property
    def party_label(self) -> str:
        if self.worker_id:
            return self.worker.display_name
        if self.volunteer_id:
            return f"{self.volunteer.number} {self.volunteer.name}"
        return str(self.organisation if self.organisation_id else self.group)

    @classmethod
    def restrict_q(cls, user, action: str):
        """Whoever sees the need sees its matches."""
        q = ResidentRequest.restrict_q(user, "view" if action == "view_masked" else action)
        if q is None:
            return None
        return Q(request__in=ResidentRequest.objects.filter(q).values("pk"))
