from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shegong.core.restrict import RestrictedQuerySet

from . import describe

RETENTION_DAYS = 180  # 等保: keep at least six months


class AppendOnlyError(Exception):
    """The audit log is append-only."""


class AuditEntry(models.Model):
    """One append-only line of the audit log: who did what to which object, and whether it worked.

    ``action`` is a dotted code such as ``shegong.station.created``.
    """

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_name = models.CharField(_("actor name"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    success = models.BooleanField(_("success"), default=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-at"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError("audit entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit entries cannot be deleted; use purge_audit for old ones")

    @classmethod
    def restrict_q(cls, user, action: str):
        """Only the audit administrator reads the log (三员分立); nobody changes it."""
        if action == "view" and user.has_perm("shegong.read_audit_log"):
            return models.Q()
        return None

    @property
    def action_label(self) -> str:
        """The action in words (``describe.ACTIONS``)."""
        return describe.action_label(self.action)
