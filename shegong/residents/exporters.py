from django.utils.translation import gettext_lazy

from shegong.core.exporters import Column, Exporter


class RequestExporter(Exporter):
    """Residents' requests, with no contact and no description (personal data stays on
    the request's own page)."""

    title = gettext_lazy("Residents' requests")
    columns = [
        Column(gettext_lazy("Tracking code"), lambda r: r.code, 12),
        Column(gettext_lazy("Submitted"), lambda r: r.submitted_at.date(), 12),
        Column(gettext_lazy("Kind"), lambda r: r.get_kind_display(), 8),
        Column(gettext_lazy("About"), lambda r: r.get_topic_display(), 12),
        Column(gettext_lazy("Village / community"), lambda r: r.region.name, 16),
        Column(gettext_lazy("Station"), lambda r: r.station.name if r.station else "", 20),
        Column(
            gettext_lazy("Assigned to"), lambda r: r.assignee.display_name if r.assignee else "", 10
        ),
        Column(gettext_lazy("Status"), lambda r: r.get_status_display(), 8),
        Column(gettext_lazy("First response due"), lambda r: r.due_on, 12),
        Column(
            gettext_lazy("First response"),
            lambda r: r.responded_at.date() if r.responded_at else "",
            12,
        ),
        Column(gettext_lazy("Satisfaction"), lambda r: r.satisfaction or "", 6),
    ]
