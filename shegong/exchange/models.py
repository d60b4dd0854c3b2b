"""Exchange between deployments (省市县数据共享): the other deployments this one trusts
(``Peer``: a name, an Ed25519 public key, the regions it may send figures for, whether it
sends rule sets), and every package received from them (``Package``), kept as history."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shegong.accounts.roles import OFFICER_ROLES, Role
from shegong.core.fields import EncryptedTextField
from shegong.core.restrict import RestrictedQuerySet, scope_q


class Peer(models.Model):
    """Another Shegong deployment whose packages this one accepts."""

    name = models.CharField(_("name"), max_length=128, unique=True)
    public_key = models.CharField(_("public key (Ed25519, base64)"), max_length=64)
    key_id = models.CharField(_("key id"), max_length=16, unique=True)
    # the regions it may send figures for, division codes separated by spaces
    regions = models.CharField(_("regions it sends figures for"), max_length=500, blank=True)
    sends_rules = models.BooleanField(_("sends rule sets"), default=False)
    # pulling from it (manage.py exchange_pull, on a schedule): its outbox's address, the
    # API token its administrator made for this deployment, and whose rule sets to fetch
    pull_url = models.URLField(_("outbox address"), max_length=300, blank=True)
    pull_token = EncryptedTextField(_("API token for pulling"), blank=True)
    pull_rules = models.CharField(_("rule sets of region"), max_length=12, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("peer deployment")

    def __str__(self) -> str:
        return self.name

    def region_codes(self) -> list[str]:
        return self.regions.split()

    @classmethod
    def restrict_q(cls, user, action: str):
        """The system administrator keeps the list; nobody else reads it."""
        if user.role == Role.SYSTEM_ADMIN:
            return Q()
        return None


class Package(models.Model):
    """One package received (or refused): its sender, region, year, the sender's date, the
    digest of its signed content, and what it held. The package in force for a region and
    year is ``current``; older ones stay as ``replaced``."""

    class Kind(models.TextChoices):
        FIGURES = "figures", _("Figures and registry")
        RULES = "rules", _("Rule sets")

    class Channel(models.TextChoices):
        FILE = "file", _("File (manage.py)")
        UPLOAD = "upload", _("Uploaded on the site")
        API = "api", _("Pushed through the API")
        PULL = "pull", _("Pulled from the peer's outbox")

    class Status(models.TextChoices):
        CURRENT = "current", _("In force")
        REPLACED = "replaced", _("Replaced by a newer package")
        OLDER = "older", _("Older than the package in force (kept, not applied)")
        REFUSED = "refused", _("Refused")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    peer = models.ForeignKey(
        Peer, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("sender")
    )
    sender = models.CharField(_("sender"), max_length=128)
    region_code = models.CharField(_("region"), max_length=12)
    region_name = models.CharField(_("region"), max_length=64)
    period = models.CharField(_("year"), max_length=7)
    generated_at = models.DateTimeField(_("made at"), null=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("received by"),
    )
    channel = models.CharField(
        _("channel"), max_length=8, choices=Channel.choices, default=Channel.FILE
    )
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices)
    reason = models.TextField(_("reason"), blank=True)
    counts = models.JSONField(_("contents"), default=dict, blank=True)
    content = models.JSONField(default=dict, blank=True)  # the package itself, for history

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("exchange package")
        indexes = [models.Index(fields=["kind", "region_code", "period", "status"])]

    def __str__(self) -> str:
        return f"{self.region_name} {self.period} ({self.sender})"

    @classmethod
    def restrict_q(cls, user, action: str):
        """Officers read the packages of their area; the system administrator all of them."""
        if user.role == Role.SYSTEM_ADMIN:
            return Q()
        if action == "view" and user.role in OFFICER_ROLES:
            return scope_q(user, "region_code")
        return None
