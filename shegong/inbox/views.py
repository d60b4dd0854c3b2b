"""The inbox: every user's notifications, the badge on every page, and opening one."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from shegong.core.links import row_url
from shegong.core.lists import Filter, list_page, read_filters
from shegong.core.restrict import get_restricted_or_404

from . import selectors, services
from .events import Category
from .exporters import NotificationExporter
from .models import Notification

FILTERS = [
    Filter("unread", gettext_lazy("Unread"), "select", [("1", gettext_lazy("Unread only"))]),
    Filter("category", gettext_lazy("Kind"), "select", Category.choices),
]


@require_GET
def inbox(request):
    values = read_filters(request, FILTERS)
    unread = selectors.unread_count(user=request.user)
    return list_page(
        request,
        queryset=selectors.inbox(user=request.user, filters=values),
        exporter=NotificationExporter,
        title=_("Notifications"),
        filters=FILTERS,
        values=values,
        detail_url=row_url("inbox:open"),
        summary=ngettext("%(n)d unread", "%(n)d unread", unread) % {"n": unread},
        testid="inbox-table",
        actions="inbox/_read_all.html" if unread else "",
    )


@require_GET
def badge(request):
    """The unread count for the menu (fetched by htmx after the page, so pages stay
    cacheable and their query counts do not grow)."""
    n = selectors.unread_count(user=request.user)
    text = "" if not n else ("99+" if n > 99 else str(n))
    response = HttpResponse(
        f'<span class="badge rounded-pill bg-danger" data-testid="inbox-badge">{text}</span>'
        if text
        else ""
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def notification_open(request, pk: int):
    item = get_restricted_or_404(Notification.objects.all(), request.user, pk=pk)
    return redirect(services.notification_open(by=request.user, instance=item) or "inbox:list")


@require_POST
def read_all(request):
    n = services.notifications_read_all(by=request.user)
    messages.success(
        request,
        ngettext("%(n)d notification marked read.", "%(n)d notifications marked read.", n)
        % {"n": n},
    )
    return redirect("inbox:list")
