from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from shegong.core.links import row_url
from shegong.core.lists import Filter, list_page, read_filters
from shegong.core.restrict import get_restricted_or_404

from . import package as fmt
from . import services
from .exporters import PackageExporter
from .forms import ReceiveForm
from .models import Package

OUTCOMES = {
    "applied": gettext_lazy("Package applied: its figures are on the dashboards."),
    "unchanged": gettext_lazy("This package was received before: nothing changed."),
    "older": gettext_lazy("A newer package is in force: this one is kept, not applied."),
}


def _may_read(user) -> None:
    if Package.restrict_q(user, "view") is None:
        raise PermissionDenied(_("Officers and the system administrator read data packages."))


@require_GET
def package_list(request):
    _may_read(request.user)
    filters = [
        Filter("status", gettext_lazy("Status"), "select", list(Package.Status.choices)),
        Filter("kind", gettext_lazy("Kind"), "select", list(Package.Kind.choices)),
    ]
    values = read_filters(request, filters)
    rows = Package.objects.restrict(request.user).defer("content")
    for name in ("status", "kind"):
        if values.get(name):
            rows = rows.filter(**{name: values[name]})
    return list_page(
        request,
        queryset=rows,
        exporter=PackageExporter,
        title=_("Data packages"),
        filters=filters,
        values=values,
        detail_url=row_url("exchange:detail"),
        create_url=reverse("exchange:receive") if services.may_receive(user=request.user) else None,
    )


@require_GET
def package_detail(request, pk: int):
    row = get_restricted_or_404(Package.objects.select_related("peer"), request.user, pk=pk)
    history = (
        Package.objects.restrict(request.user)
        .filter(kind=row.kind, region_code=row.region_code, period=row.period)
        .exclude(pk=row.pk)
        .defer("content")
        if row.region_code  # an unreadable file has no region to share a history with
        else Package.objects.none()
    )
    return render(
        request,
        "exchange/detail.html",
        {
            "package": row,
            "stations": (row.content or {}).get("stations", [])[:500],
            "agencies": (row.content or {}).get("agencies", [])[:200],
            "rule_sets": (row.content or {}).get("rule_sets", []),
            "history": history[:50],
        },
    )


@require_http_methods(["GET", "POST"])
def receive(request):
    if not services.may_receive(user=request.user):
        raise PermissionDenied(_("Only the system administrator receives data packages."))
    form = ReceiveForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > fmt.MAX_BYTES:
            form.add_error("file", _("The package is too large."))
        else:
            row, outcome = services.receive_package(
                data=upload.read(), by=request.user, channel="upload", request=request
            )
            if outcome != "refused":  # a refused package's page shows the reason
                messages.success(request, OUTCOMES[outcome])
            return redirect("exchange:detail", pk=row.pk)
    return render(request, "exchange/receive.html", {"form": form})
