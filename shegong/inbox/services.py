"""Sending and reading notifications. ``notify`` and ``text_resident`` only enqueue a
background task: nothing is delivered inside the request, and nothing is sent for a
write that rolls back (the database task backend enqueues in the caller's transaction)."""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from shegong.accounts.models import User
from shegong.core.crypto import encrypt
from shegong.core.restrict import can

from . import sms, tasks
from .events import EVENTS
from .models import Notification


def notify(
    *,
    users: Iterable[User | int],
    event: str,
    subject: str,
    url: str = "",
    note: str = "",
    key: str = "",
) -> int:
    """Queue one notification of ``event`` (see ``inbox.events``) for each of ``users``
    (users or their ids; inactive accounts are skipped by the reader, not here). ``key``
    makes it once per user however often it is sent. Returns how many users."""
    if event not in EVENTS:
        raise ValueError(f"unknown notification event {event!r}")
    ids = sorted({u if isinstance(u, int) else u.pk for u in users if u})
    if ids:
        tasks.deliver.enqueue(ids, event, str(subject), url, str(note), key)
    return len(ids)


def text_resident(*, phone: str, text: str) -> bool:
    """Queue a text message to a resident's phone when a backend is configured (the
    number is encrypted in the queue). Returns whether one was queued."""
    if not phone or not sms.enabled():
        return False
    tasks.send_text.enqueue(encrypt(phone), str(text)[: sms.MAX_TEXT])
    return True


def notification_open(*, by: User, instance: Notification) -> str:
    """Mark ``instance`` read and return where it points (a path on this site, else the
    inbox)."""
    if not can(by, instance, "change"):
        raise PermissionDenied(_("This is not your notification."))
    if instance.read_at is None:
        Notification.objects.filter(pk=instance.pk, read_at__isnull=True).update(
            read_at=timezone.now()
        )
    if instance.url and url_has_allowed_host_and_scheme(instance.url, allowed_hosts=None):
        return instance.url
    return ""


@transaction.atomic
def notifications_read_all(*, by: User) -> int:
    """Mark all of ``by``'s unread notifications read; returns how many."""
    return Notification.objects.filter(recipient_id=by.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )
