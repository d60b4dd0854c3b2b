"""Each user's notifications in the API (``/api/notifications``): their own only."""

import datetime

from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.pagination import paginate

from shegong.core.api_forms import Paged
from shegong.core.filters import Filter, read_filters

from . import selectors, services
from .events import Category
from .models import Notification

router = Router(tags=["notifications"])
API_FILTERS = [
    Filter("unread", kind="select", choices=[("1", "1")]),
    Filter("category", kind="select", choices=Category.choices),
]


class NotificationOut(Schema):
    id: int
    event: str
    category: str
    sentence: str
    subject: str
    note: str
    url: str
    created_at: datetime.datetime
    read_at: datetime.datetime | None


class UnreadOut(Schema):
    unread: int


@router.get("/notifications", response=list[NotificationOut])
@paginate(Paged)
def notification_list(request, unread: str = "", category: str = ""):
    """Newest first; ``unread=1`` for the unread only."""
    raw = {"unread": unread, "category": category}
    return selectors.inbox(user=request.user, filters=read_filters(raw, API_FILTERS))


@router.get("/notifications/unread", response=UnreadOut)
def notification_unread(request):
    return {"unread": selectors.unread_count(user=request.user)}


@router.post("/notifications/{notification_id}/read", response=NotificationOut)
def notification_read(request, notification_id: int):
    """Mark one read (idempotent)."""
    item = get_object_or_404(Notification.objects.restrict(request.user), pk=notification_id)
    services.notification_open(by=request.user, instance=item)
    item.refresh_from_db()
    return item


@router.post("/notifications/read-all", response=UnreadOut)
def notification_read_all(request):
    services.notifications_read_all(by=request.user)
    return {"unread": 0}
