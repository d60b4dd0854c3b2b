import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from shegong.accounts.models import User
from shegong.accounts.roles import OFFICER_ROLES, STATION_ROLES, Role
from shegong.core.bounds import EARLIEST_BIRTH_DATE, EARLIEST_ORG_DATE, past_dates
from shegong.core.models import Versioned, Voidable
from shegong.core.restrict import RestrictedQuerySet, scope_q
from shegong.core.validators import validate_certificate_no
from shegong.regions.models import Region


class Education(models.TextChoices):
    HIGH_SCHOOL = "high_school", _("High school or below")
    COLLEGE = "college", _("College (大专)")
    BACHELOR = "bachelor", _("Bachelor")
    MASTER = "master", _("Master")
    DOCTOR = "doctor", _("Doctorate")


class Qualification(models.TextChoices):
    NONE = "none", _("None")
    ASSISTANT = "assistant", _("Assistant social worker (助理社会工作师)")
    SOCIAL_WORKER = "social_worker", _("Social worker (社会工作师)")
    SENIOR = "senior", _("Senior social worker (高级社会工作师)")


class CertificateStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Awaiting review")
    VERIFIED = "verified", _("Verified")
    RETURNED = "returned", _("Returned")


def _scan_path(instance, filename: str) -> str:
    ext = {"pdf": "pdf", "jpeg": "jpg", "png": "png", "webp": "webp"}.get(
        instance.certificate_scan_kind, "bin"
    )
    return f"certificates/{uuid.uuid4().hex}.{ext}"


class SocialWorkerProfile(Versioned, models.Model):
    """What a resident social worker brings: education, qualification, villages they cover.

    The station is the user's own (``user.station``), kept in one place.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="worker_profile",
        verbose_name=_("user"),
    )
    birth_date = models.DateField(
        _("birth date"), null=True, blank=True, validators=past_dates(EARLIEST_BIRTH_DATE)
    )
    education = models.CharField(
        _("education"), max_length=16, choices=Education.choices, blank=True
    )
    major = models.CharField(_("major"), max_length=64, blank=True)
    social_work_major = models.BooleanField(_("social work major"), default=False)
    qualification = models.CharField(
        _("social work qualification"),
        max_length=16,
        choices=Qualification.choices,
        default=Qualification.NONE,
    )
    certificate_no = models.CharField(
        _("certificate number"),
        max_length=32,
        blank=True,
        validators=[validate_certificate_no],
        help_text=_("The certificate's management number (管理号), e.g. 2019430000123456."),
    )
    certificate_date = models.DateField(
        _("certificate date"), null=True, blank=True, validators=past_dates(EARLIEST_ORG_DATE)
    )
    hire_date = models.DateField(
        _("hire date"), null=True, blank=True, validators=past_dates(EARLIEST_ORG_DATE)
    )
    # online registration (专业人才在线登记, seed 004): the worker's own scan of the
    # certificate, reviewed by the county
    certificate_scan = models.FileField(_("certificate scan"), upload_to=_scan_path, blank=True)
    certificate_scan_kind = models.CharField(max_length=8, blank=True, editable=False)
    certificate_status = models.CharField(
        _("certificate review"),
        max_length=12,
        choices=CertificateStatus.choices,
        blank=True,
        db_index=True,
    )
    certificate_note = models.CharField(_("review note"), max_length=300, blank=True)
    certificate_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    certificate_reviewed_at = models.DateTimeField(null=True, blank=True, editable=False)
    on_public_board = models.BooleanField(
        _("shown on the station's public board"),
        default=False,
        help_text=_(
            "Name, role, qualification level and designated villages, with the worker's "
            "agreement (服务人员信息上墙公开); nothing else of the worker is public."
        ),
    )
    designated_villages = models.ManyToManyField(
        Region,
        blank=True,
        related_name="designated_workers",
        verbose_name=_("designated villages (定点联系)"),
        limit_choices_to={"level": 5},
    )

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("social worker profile")
        verbose_name_plural = _("social worker profiles")

    def __str__(self) -> str:
        return str(self.user)

    @property
    def is_qualified(self) -> bool:
        """Counts toward the 'social-work education or certificate' share."""
        return self.social_work_major or self.qualification != Qualification.NONE

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.qualification != Qualification.NONE:
            if not self.certificate_no:
                errors["certificate_no"] = _("A qualification needs its certificate number.")
            if not self.certificate_date:
                errors["certificate_date"] = _("A qualification needs its certificate date.")
        if self.birth_date and self.hire_date and self.hire_date <= self.birth_date:
            errors["hire_date"] = _("The hire date must come after the birth date.")
        if errors:
            raise ValidationError(errors)

    @classmethod
    def restrict_q(cls, user, action: str):

        if action == "view":
            if user.role in OFFICER_ROLES and user.scope_code is not None:
                # the accounts an officer sees (``User.restrict_q``: the region's, and one's
                # own, which lies in it), as a range on the joined account: one the index
                # ``user_region_name`` answers in order, where the subquery below made the
                # database read every account of the region twice
                return scope_q(user, "user__scope_region_id")
            return models.Q(user__in=User.objects.restrict(user, "view").values("pk"))
        if action == "change":
            if user.role in OFFICER_ROLES:
                return scope_q(user, "user__scope_region_id")
            if user.role == Role.STATION_LEAD:
                return models.Q(user__station_id=user.station_id)
            if user.role == Role.AGENCY_ADMIN:
                return models.Q(user__station__agency_id=user.agency_id)
        return None


class TrainingRecord(Versioned, Voidable, models.Model):
    """Training or supervision a worker received: the inputs of the 12/24 h and 20/40 h rules."""

    class Kind(models.TextChoices):
        TRAINING = "training", _("Training")
        SUPERVISION = "supervision", _("Supervision")

    class Organiser(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("City")
        COUNTY = "county", _("County")
        AGENCY = "agency", _("Agency")

    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="training_records",
        verbose_name=_("worker"),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    date = models.DateField(_("date"), db_index=True, validators=past_dates())
    hours = models.DecimalField(
        _("hours"),
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(0.5), MaxValueValidator(200)],
    )
    organiser = models.CharField(_("organised by"), max_length=12, choices=Organiser.choices)
    topic = models.CharField(_("topic"), max_length=128)
    supervisor = models.CharField(_("supervisor / trainer"), max_length=64, blank=True)
    region_code = models.CharField(max_length=12, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("training or supervision")
        verbose_name_plural = _("training and supervision")
        indexes = [models.Index(fields=["region_code", "date"])]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.topic}"

    def correction_keys(self) -> tuple[int | None, int]:
        """(station, author): the worker's station (``indicators.corrections``)."""
        return self.worker.station_id, self.created_by_id

    @classmethod
    def restrict_q(cls, user, action: str):

        if action == "view" and (user.role in OFFICER_ROLES or user.role in STATION_ROLES):
            return scope_q(user, "region_code")
        if action == "view" and user.role == Role.AGENCY_ADMIN:
            return models.Q(worker__station__agency_id=user.agency_id)
        if action == "add" and user.role in STATION_ROLES:
            return scope_q(user, "region_code")
        return None
