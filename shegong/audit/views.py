from django.db.models import Q
from django.http import Http404
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from shegong.core.lists import Filter, list_page, read_filters

from .describe import action_choices, actions_matching
from .exporters import AuditExporter
from .models import AuditEntry


@require_GET
def audit_list(request):
    filters = [
        Filter("who", gettext_lazy("Username")),
        Filter("action", gettext_lazy("Action"), "select", action_choices()),
        Filter("since", gettext_lazy("From"), "date"),
        Filter("until", gettext_lazy("To"), "date"),
        Filter(
            "success",
            gettext_lazy("Result"),
            "select",
            [("1", gettext_lazy("Success")), ("0", gettext_lazy("Failure"))],
        ),
    ]
    if AuditEntry.restrict_q(request.user, "view") is None:
        raise Http404  # the log is the audit administrator's alone
    values = read_filters(request, filters)
    qs = AuditEntry.objects.restrict(request.user)
    if values.get("who"):
        qs = qs.filter(Q(actor_name=values["who"]) | Q(data__username=values["who"]))
    if values.get("action"):
        qs = qs.filter(action__in=actions_matching(values["action"]))
    if values.get("since"):
        qs = qs.filter(at__date__gte=values["since"])
    if values.get("until"):
        qs = qs.filter(at__date__lte=values["until"])
    if values.get("success"):
        qs = qs.filter(success=values["success"] == "1")
    return list_page(
        request,
        queryset=qs.order_by("-at", "-pk"),
        exporter=AuditExporter,
        title=_("Audit log"),
        filters=filters,
        values=values,
        detail_url=lambda e: "?" + urlencode({"action": e.action}),
        personal=True,
    )
