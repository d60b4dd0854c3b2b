from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Substr
from django.utils.translation import gettext_lazy as _

from shegong.accounts.roles import OFFICER_ROLES, STATION_ROLES, Role
from shegong.core.bounds import EARLIEST_ORG_DATE, past_dates
from shegong.core.models import Versioned
from shegong.core.restrict import RestrictedQuerySet, scope_q
from shegong.core.validators import validate_credit_code, validate_phone
from shegong.regions.models import Level, Region


class Agency(Versioned, models.Model):
    """A social work agency (承接机构) that contracts to run stations."""

    name = models.CharField(_("name"), max_length=128)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        validators=[validate_credit_code],
        help_text=_("18 characters, GB 32100"),
    )
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        related_name="agencies",
        verbose_name=_("registered in"),
    )
    legal_representative = models.CharField(_("legal representative"), max_length=64, blank=True)
    contact_person = models.CharField(_("contact person"), max_length=64, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[validate_phone])
    address = models.CharField(_("address"), max_length=200, blank=True)
    registered_on = models.DateField(
        _("registered on"), null=True, blank=True, validators=past_dates(EARLIEST_ORG_DATE)
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.credit_code = self.credit_code.strip().upper()
        super().save(*args, **kwargs)

    @classmethod
    def restrict_q(cls, user, action: str):
        role = user.role
        runs_station_in_scope = Exists(
            Station.objects.filter(agency=OuterRef("pk")).filter(scope_q(user, "region_id"))
        )
        if action == "view":
            if role in OFFICER_ROLES or role == Role.EVALUATOR:
                return scope_q(user, "region_id") | Q(runs_station_in_scope)
            if role in (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN):
                return scope_q(user, "region_id", admin_everything=True)
            if role == Role.AGENCY_ADMIN:
                return Q(pk=user.agency_id)
            if role in STATION_ROLES:
                return Q(Exists(Station.objects.filter(agency=OuterRef("pk"), pk=user.station_id)))
            return None
        if action in ("add", "change"):
            if role in OFFICER_ROLES:
                return scope_q(user, "region_id")
            if role == Role.SYSTEM_ADMIN:
                return scope_q(user, "region_id", admin_everything=True)
            if role == Role.AGENCY_ADMIN and action == "change":
                return Q(pk=user.agency_id)
        return None


class Station(Versioned, models.Model):
    """A social work station at one region: city centre, township station, or village room.

    The county general station (县级社工总站) is a township station marked ``is_county_general``;
    a county has at most one.
    """

    class Tier(models.TextChoices):
        CITY_CENTRE = "city_centre", _("City service guidance centre")
        TOWNSHIP = "township", _("Township social work station")
        VILLAGE_ROOM = "village_room", _("Village/community social work room")

    TIER_LEVELS = {
        Tier.CITY_CENTRE: Level.CITY,
        Tier.TOWNSHIP: Level.TOWNSHIP,
        Tier.VILLAGE_ROOM: Level.VILLAGE,
    }

    class ServiceVersion(models.TextChoices):
        V1 = "1.0", _("1.0 (administrative)")
        V2 = "2.0", _("2.0 (half administrative, half professional)")
        V3 = "3.0", _("3.0 (professional)")

    class Room(models.TextChoices):
        SOCIAL_WORK = "social_work", _("Social work room")
        CASE = "case", _("Case room")
        GROUP = "group", _("Group room")
        MULTI_PURPOSE = "multi_purpose", _("Multi-purpose room")
        ARCHIVE = "archive", _("Archive room")
        RECEPTION = "reception", _("Reception area")
        DISPLAY = "display", _("Display area")

    name = models.CharField(_("name"), max_length=128)
    tier = models.CharField(_("tier"), max_length=16, choices=Tier.choices, default=Tier.TOWNSHIP)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="stations", verbose_name=_("region")
    )
    is_county_general = models.BooleanField(
        _("county general station (总站)"),
        default=False,
        help_text=_("One township station per county may be the county general station."),
    )
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="stations",
        verbose_name=_("contracted agency"),
    )
    floor_area = models.DecimalField(
        _("floor area (m²)"),
        max_digits=8,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    rooms = models.JSONField(_("functional rooms"), default=list, blank=True)
    opened_on = models.DateField(
        _("opening date"), null=True, blank=True, validators=past_dates(EARLIEST_ORG_DATE)
    )
    service_version = models.CharField(
        _("service version"), max_length=3, choices=ServiceVersion.choices, blank=True
    )
    star_rating = models.PositiveSmallIntegerField(
        _("star rating"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    star_rated_on = models.DateField(
        _("star rating date"), null=True, blank=True, validators=past_dates()
    )
    phone = models.CharField(
        _("public contact phone"), max_length=20, blank=True, validators=[validate_phone]
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    # what the station publishes on its board (上墙公开, seed 002) and its public page
    opening_hours = models.CharField(
        _("opening hours"),
        max_length=100,
        blank=True,
        help_text=_("As on the door, e.g. 周一至周五 8:30–12:00，14:30–17:30."),
    )
    public_services = models.TextField(
        _("services offered (public)"),
        max_length=1000,
        blank=True,
        help_text=_("What residents may come for, as the station publishes it; one per line."),
    )
    complaint_phone = models.CharField(
        _("supervision phone (complaints)"),
        max_length=20,
        blank=True,
        validators=[validate_phone],
        help_text=_("The county civil-affairs bureau's number residents call about the station."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["region_id", "name"]
        verbose_name = _("station")
        verbose_name_plural = _("stations")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "name"],
                name="station_unique_name_in_region",
                violation_error_message=_("A station with this name already exists here."),
            ),
            models.UniqueConstraint(
                Substr("region", 1, 6),
                condition=Q(is_county_general=True),
                name="station_one_county_general_per_county",
                violation_error_message=_("This county already has a county general station."),
            ),
            models.CheckConstraint(
                condition=Q(star_rating__isnull=True) | Q(star_rating__gte=1, star_rating__lte=5),
                name="station_star_rating_1_5",
            ),
        ]
        indexes = [models.Index(fields=["tier", "region"])]

    def __str__(self) -> str:
        return self.name

    @property
    def tier_label(self) -> str:
        if self.is_county_general:
            return str(_("County general station"))
        return self.get_tier_display()

    def room_labels(self) -> list[str]:
        labels = dict(self.Room.choices)
        return [str(labels.get(r, r)) for r in self.rooms or []]

    def clean(self) -> None:
        super().clean()
        errors: dict[str, list] = {}
        if self.region_id and self.tier:
            expected = self.TIER_LEVELS[self.Tier(self.tier)]
            if self.region.level != expected:
                errors["region"] = [
                    _("A “%(tier)s” must be placed at a %(level)s.")
                    % {"tier": self.Tier(self.tier).label, "level": expected.label}
                ]
        if self.is_county_general and self.tier != self.Tier.TOWNSHIP:
            errors["is_county_general"] = [
                _("Only a township station can be the county general station.")
            ]
        if self.star_rating and not self.star_rated_on:
            errors["star_rated_on"] = [_("Give the date of the star rating.")]
        if self.star_rated_on and not self.star_rating:
            errors["star_rating"] = [_("A rating date needs a star rating.")]
        unknown = [r for r in self.rooms or [] if r not in self.Room.values]
        if unknown:
            errors["rooms"] = [_("Unknown room types: %(rooms)s") % {"rooms": ", ".join(unknown)}]
        if errors:
            raise ValidationError(errors)

    @classmethod
    def restrict_q(cls, user, action: str):
        role = user.role
        if action == "view":
            if role in OFFICER_ROLES or role == Role.EVALUATOR or role in STATION_ROLES:
                # Station staff see their township: their station and its village rooms.
                return scope_q(user, "region_id")
            if role in (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN):
                return scope_q(user, "region_id", admin_everything=True)
            if role == Role.AGENCY_ADMIN:
                return Q(agency_id=user.agency_id)
            return None
        if action in ("add", "change"):
            if role in OFFICER_ROLES:
                return scope_q(user, "region_id")
            if role == Role.SYSTEM_ADMIN:
                return scope_q(user, "region_id", admin_everything=True)
            if role == Role.STATION_LEAD and action == "change":
                return Q(pk=user.station_id)
        return None
