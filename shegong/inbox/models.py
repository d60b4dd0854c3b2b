"""Each user's inbox (站内消息): new assignments, overdue items, approvals waiting and
returned work. Rows are written by a background task (``inbox.tasks.deliver``), never
inside the request that caused them; each user sees only their own."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shegong.core.restrict import RestrictedQuerySet

from .events import EVENTS, Category


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    event = models.CharField(_("event"), max_length=40)
    subject = models.CharField(_("about"), max_length=200)
    note = models.CharField(_("note"), max_length=300, blank=True)
    url = models.CharField(max_length=300, blank=True)
    # one notice per recipient and key: a task that runs twice notifies once
    key = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["recipient", "-created_at"]),
            models.Index(
                fields=["recipient"], condition=Q(read_at__isnull=True), name="inbox_unread"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "key"], condition=~Q(key=""), name="inbox_once_per_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.sentence}: {self.subject}"

    @property
    def category(self) -> str:
        return EVENTS.get(self.event, (Category.ASSIGNED, ""))[0]

    @property
    def category_label(self) -> str:
        return Category(self.category).label

    @property
    def sentence(self) -> str:
        return str(EVENTS.get(self.event, (None, self.event))[1])

    @classmethod
    def restrict_q(cls, user, action: str):
        """Everyone reads and marks their own notifications, and nobody else's."""
        if action in ("view", "view_masked", "change"):
            return Q(recipient_id=user.pk)
        return None
