from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shegong.core.models import Versioned
from shegong.core.restrict import RestrictedManager, RestrictedQuerySet, scope_q
from shegong.core.validators import validate_phone
from shegong.regions.models import Region

from .roles import ADMIN_ROLES, OFFICER_LEVELS, STATION_ROLES, Role


class UserQuerySet(RestrictedQuerySet):
    def update(self, **kwargs):
        """An update through a query set (no ``post_save``) forgets the users it changed
        from the shared cache too (``usercache``): deactivated, moved or re-roled users
        are not served from it."""
        from .usercache import _seconds, forget

        pks = list(self.values_list("pk", flat=True)) if _seconds() else []
        rows = super().update(**kwargs)
        forget(pks)
        return rows

    update.alters_data = True


class ShegongUserManager(RestrictedManager, UserManager.from_queryset(UserQuerySet)):
    """Django's user manager, with the query set's methods and ``restrict`` built once per
    restriction (``core.restrict.RestrictedManager``)."""


class User(Versioned, AbstractUser):
    """A person who logs in. What they may see is their role narrowed to their scope region.

    Station roles take their scope from their station, the agency administrator from
    the agency: those are derived on save, never typed twice.
    """

    full_name = models.CharField(_("full name"), max_length=64, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[validate_phone])
    role = models.CharField(_("role"), max_length=24, choices=Role.choices, blank=True)
    scope_region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("scope region"),
    )
    station = models.ForeignKey(
        "stations.Station",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("station"),
    )
    agency = models.ForeignKey(
        "stations.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="admins",
        verbose_name=_("agency"),
    )

    password_changed_at = models.DateTimeField(_("password changed at"), null=True, blank=True)
    # set when an administrator sets the password (a new account, a reset): the user changes
    # it at the next login, before anything else (等保: no shared initial passwords)
    must_change_password = models.BooleanField(_("must change password"), default=False)

    objects = ShegongUserManager()
    STR_FIELDS = ("full_name", "username")  # what ``str()`` reads (the audit log)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        indexes = [
            models.Index(fields=["role", "scope_region"]),
            # a region's accounts by place and name, in order: the registry of professionals
            # reads its page off this index (workforce.selectors.registered)
            models.Index(fields=["scope_region", "full_name", "id"], name="user_region_name"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    @property
    def is_officer(self) -> bool:
        return self.role in OFFICER_LEVELS

    @property
    def sees_whole_country(self) -> bool:
        """One of the three administrators without a scope region: nationwide by design."""
        return self.role in ADMIN_ROLES and self.scope_region_id is None

    @property
    def scope_code(self) -> str | None:
        """Division code this user is confined to; None means nationwide (admins only)."""
        return self.scope_region_id

    def _derive_scope(self) -> None:
        if self.role in STATION_ROLES and self.station_id:
            self.scope_region_id = self.station.region_id
            self.agency_id = None
        elif self.role == Role.AGENCY_ADMIN and self.agency_id:
            self.scope_region_id = self.agency.region_id
            self.station_id = None
        elif self.role in OFFICER_LEVELS or self.role in ADMIN_ROLES or self.role == Role.EVALUATOR:
            self.station_id = None
            self.agency_id = None

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        if self.role in STATION_ROLES and not self.station_id:
            errors["station"] = _("A station worker must belong to a station.")
        if self.role == Role.AGENCY_ADMIN and not self.agency_id:
            errors["agency"] = _("An agency administrator must belong to an agency.")
        if self.role in OFFICER_LEVELS:
            level = OFFICER_LEVELS[self.role]
            if not self.scope_region_id:
                errors["scope_region"] = _("An officer needs a scope region.")
            elif self.scope_region.level != level:
                errors["scope_region"] = _("This role needs a region of level “%(level)s”.") % {
                    "level": level.label
                }
        if self.role == Role.EVALUATOR and not self.scope_region_id:
            errors["scope_region"] = _("An evaluator needs a scope region.")
        if errors:
            raise ValidationError(errors)

    def set_password(self, raw_password):
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()
        self._password_history = True

    def save(self, *args, **kwargs):
        self._derive_scope()
        # Django admin is for the system administrator only (三员分立).
        self.is_staff = self.role == Role.SYSTEM_ADMIN
        self.is_superuser = False
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = (
                set(update_fields)
                | {
                    "scope_region",
                    "station",
                    "agency",
                    "is_staff",
                    "is_superuser",
                }
                | ({"password_changed_at"} if "password" in update_fields else set())
            )
        super().save(*args, **kwargs)
        if getattr(self, "_password_history", False) and self.password:
            # Keep the last few hashes so a password cannot be reused (等保 level 3).
            PasswordHistory.objects.create(user=self, password=self.password)
            keep = PasswordHistory.objects.filter(user=self).order_by("-created_at", "-pk")[:5]
            PasswordHistory.objects.filter(user=self).exclude(
                pk__in=list(keep.values_list("pk", flat=True))
            ).delete()
            self._password_history = False

    @classmethod
    def restrict_q(cls, user, action: str):

        role = user.role
        if action == "view":
            if role in OFFICER_LEVELS:
                return scope_q(user, "scope_region_id") | models.Q(pk=user.pk)
            if role in (Role.SECURITY_ADMIN, Role.SYSTEM_ADMIN):
                return scope_q(user, "scope_region_id", admin_everything=True)
            if role in STATION_ROLES:
                return models.Q(station_id=user.station_id) | models.Q(pk=user.pk)
            if role == Role.AGENCY_ADMIN:
                return (
                    models.Q(agency_id=user.agency_id)
                    | models.Q(station__agency_id=user.agency_id)
                    | models.Q(pk=user.pk)
                )
            return models.Q(pk=user.pk)
        if action in ("add", "change"):
            # Only the security administrator grants roles and scopes (三员分立), and never
            # to an administrator account, their own included: those are managed on the
            # server (``manage.py admin_account``), so no web session can make or become one.
            if role == Role.SECURITY_ADMIN:
                return scope_q(user, "scope_region_id", admin_everything=True) & ~models.Q(
                    role__in=ADMIN_ROLES
                )
        return None


class PasswordHistory(models.Model):
    """Recent password hashes of a user, for the no-reuse rule."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.created_at:%Y-%m-%d}"


class ApiToken(models.Model):
    """A personal API token (个人接口令牌): another system acting as its user, within the
    user's own restriction, for reading only or for writing too.

    Only a SHA-256 digest of the secret is kept: the secret is shown once, when the token
    is made, and never again. A token ends when its user revokes it, when it expires, or
    when the user is deactivated."""

    class Scope(models.TextChoices):
        READ = "read", _("Read only")
        WRITE = "write", _("Read and write")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=64)
    prefix = models.CharField(max_length=12, editable=False)  # shown, to tell tokens apart
    digest = models.CharField(max_length=64, unique=True, editable=False)
    scope = models.CharField(_("scope"), max_length=8, choices=Scope.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def restrict_q(cls, user, action: str):
        """A token is its user's own business: seen, made and revoked by them alone."""
        return models.Q(user_id=user.pk) if action in ("view", "add", "change") else None

    @property
    def active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
