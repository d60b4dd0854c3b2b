"""Service recipients (服务对象), their households and categories.

ID number, phone, address, guardian phone and health notes are encrypted at rest; the ID
number is found again through a keyed hash (``id_hash``) and its last four digits.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shegong.accounts.policy import person_restrict_q
from shegong.core.bounds import EARLIEST_BIRTH_DATE, past_dates
from shegong.core.fields import EncryptedTextField
from shegong.core.models import Versioned
from shegong.core.restrict import RestrictedQuerySet
from shegong.regions.models import Region


class Category(models.Model):
    """A configurable dictionary entry (低保, 特困, 留守儿童 …) with its validity period."""

    class Group(models.TextChoices):
        ASSISTANCE = "assistance", _("Social assistance")
        ELDERLY = "elderly", _("Elderly")
        CHILDREN = "children", _("Children")
        DISABLED = "disabled", _("Disabled")
        OTHER = "other", _("Other")

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=64)
    group = models.CharField(_("group"), max_length=16, choices=Group.choices)
    needs_disability_detail = models.BooleanField(
        _("needs disability type and grade"), default=False
    )
    effective_from = models.DateField(_("effective from"), null=True, blank=True)
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    ordering = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        ordering = ["ordering", "code"]
        verbose_name = _("recipient category")
        verbose_name_plural = _("recipient categories")

    def __str__(self) -> str:
        return self.name

    @classmethod
    def current(cls, on: datetime.date | None = None):
        on = on or timezone.localdate()
        return cls.objects.filter(
            Q(effective_from__isnull=True) | Q(effective_from__lte=on),
            Q(effective_to__isnull=True) | Q(effective_to__gte=on),
        )


class Household(Versioned, models.Model):
    """A household (户): people living together, one of them the head."""

    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("village")
    )
    address = EncryptedTextField(_("address"), blank=True)
    head = models.ForeignKey(
        "Recipient",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("head of household"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()
    # what ``str()`` reads: joined where a household is named (the audit log's entries),
    # of its own columns none but those two
    STR_RELATED = ("head", "region")
    STR_FIELDS = ()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self) -> str:
        return str(
            _("Household of %(head)s, %(village)s")
            % {"head": self.head.name if self.head else "—", "village": self.region.name}
        )

    @classmethod
    def restrict_q(cls, user, action: str):
        return person_restrict_q(user, "view" if action == "reveal" else action, "region_id")


class Recipient(Versioned, models.Model):
    class Sex(models.TextChoices):
        MALE = "M", _("Male")
        FEMALE = "F", _("Female")

    class Relation(models.TextChoices):
        HEAD = "head", _("Head of household")
        SPOUSE = "spouse", _("Spouse")
        CHILD = "child", _("Child")
        PARENT = "parent", _("Parent")
        GRANDCHILD = "grandchild", _("Grandchild")
        GRANDPARENT = "grandparent", _("Grandparent")
        SIBLING = "sibling", _("Sibling")
        OTHER = "other", _("Other")

    class SelfCare(models.TextChoices):
        FULL = "full", _("Fully self-caring")
        PARTIAL = "partial", _("Partly self-caring")
        NONE = "none", _("Not self-caring")

    class Consent(models.TextChoices):
        NONE = "none", _("None")
        ORAL = "oral", _("Oral")
        WRITTEN = "written", _("Written")

    class ConsentGiver(models.TextChoices):
        SELF = "self", _("The person")
        GUARDIAN = "guardian", _("The guardian")

    name = models.CharField(pgettext_lazy("person", "name"), max_length=64)
    name_initials = models.CharField(
        _("pinyin initials"), max_length=64, db_index=True, editable=False
    )
    id_number = EncryptedTextField(_("ID number"), blank=True)
    # NULL, not "": unique among people who have an ID number, while many may have none.
    id_hash = models.CharField(max_length=64, unique=True, null=True, editable=False)  # noqa: DJ001
    id_last4 = models.CharField(max_length=4, blank=True, db_index=True, editable=False)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    birth_date = models.DateField(
        _("birth date"), null=True, blank=True, validators=past_dates(EARLIEST_BIRTH_DATE)
    )
    phone = EncryptedTextField(_("phone"), blank=True)
    address = EncryptedTextField(_("address"), blank=True)
    health_notes = EncryptedTextField(_("health and disability notes"), blank=True)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("village")
    )
    household = models.ForeignKey(
        Household,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("household"),
    )
    relation = models.CharField(
        _("relation to the head"), max_length=16, choices=Relation.choices, blank=True
    )
    categories = models.ManyToManyField(
        Category,
        through="RecipientCategory",
        related_name="recipients",
        verbose_name=_("categories"),
    )
    self_care = models.CharField(
        _("self-care ability"), max_length=8, choices=SelfCare.choices, blank=True
    )
    guardian_name = models.CharField(_("guardian"), max_length=64, blank=True)
    guardian_relation = models.CharField(_("guardian's relation"), max_length=32, blank=True)
    guardian_phone = EncryptedTextField(_("guardian's phone"), blank=True)
    consent = models.CharField(
        _("consent"), max_length=8, choices=Consent.choices, default=Consent.NONE
    )
    consent_date = models.DateField(
        _("consent date"), null=True, blank=True, validators=past_dates()
    )
    consent_giver = models.CharField(
        _("consent given by"), max_length=8, choices=ConsentGiver.choices, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("registered by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = RestrictedQuerySet.as_manager()
    STR_FIELDS = ("name",)  # what ``str()`` reads (the audit log names a person so)

    class Meta:
        ordering = ["region_id", "name"]
        verbose_name = _("service recipient")
        verbose_name_plural = _("service recipients")
        indexes = [models.Index(fields=["region", "name"])]

    def __str__(self) -> str:
        return self.name

    def age(self, on: datetime.date | None = None) -> int | None:
        if not self.birth_date:
            return None
        on = on or timezone.localdate()
        b = self.birth_date
        return on.year - b.year - ((on.month, on.day) < (b.month, b.day))

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        if self.region_id and self.region.level != 5:
            errors["region"] = _("Choose the village or community the person lives in.")
        age = self.age()
        if age is not None and age < 18 and not self.guardian_name:
            errors["guardian_name"] = _("A minor needs a guardian.")
        if self.consent != self.Consent.NONE:
            if not self.consent_date:
                errors["consent_date"] = _("Give the date consent was given.")
            if not self.consent_giver:
                errors["consent_giver"] = _("Say who gave consent.")
            elif age is not None and age < 14 and self.consent_giver != self.ConsentGiver.GUARDIAN:
                errors["consent_giver"] = _("Under 14, consent must come from the guardian.")
        if errors:
            raise ValidationError(errors)

    @classmethod
    def restrict_q(cls, user, action: str):
        return person_restrict_q(user, action, "region_id")


class RecipientCategory(models.Model):
    class DisabilityType(models.TextChoices):
        VISUAL = "visual", _("Visual")
        HEARING = "hearing", _("Hearing")
        SPEECH = "speech", _("Speech")
        PHYSICAL = "physical", _("Physical")
        INTELLECTUAL = "intellectual", _("Intellectual")
        MENTAL = "mental", _("Mental")
        MULTIPLE = "multiple", _("Multiple")

    recipient = models.ForeignKey(
        Recipient, on_delete=models.CASCADE, related_name="category_links"
    )
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+")
    since = models.DateField(_("since"), null=True, blank=True)
    until = models.DateField(_("until"), null=True, blank=True)
    disability_type = models.CharField(
        _("disability type"), max_length=16, choices=DisabilityType.choices, blank=True
    )
    disability_grade = models.PositiveSmallIntegerField(
        _("disability grade"), null=True, blank=True, choices=[(i, str(i)) for i in range(1, 5)]
    )

    class Meta:
        verbose_name = _("category of a recipient")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "category"], name="recipient_category_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id}:{self.category_id}"
