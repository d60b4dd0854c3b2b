"""Reads of a user's inbox."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet

from .events import EVENTS
from .models import Notification


def inbox(*, user: AbstractBaseUser, filters: dict) -> QuerySet[Notification]:
    """``user``'s notifications, newest first; ``unread`` and ``category`` narrow them."""
    qs = Notification.objects.restrict(user)
    if filters.get("unread"):
        qs = qs.filter(read_at__isnull=True)
    if filters.get("category"):
        events = [e for e, (cat, _s) in EVENTS.items() if cat == filters["category"]]
        qs = qs.filter(event__in=events)
    return qs.order_by("-created_at", "-pk")


def unread_count(*, user: AbstractBaseUser) -> int:
    """How many of ``user``'s notifications are unread (the badge)."""
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()
