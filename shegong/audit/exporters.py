"""What the lists of this app export (xlsx and CSV share the columns)."""

from django.utils.translation import gettext_lazy

from shegong.core.exporters import Column, Exporter


class AuditExporter(Exporter):
    title = gettext_lazy("Audit log")
    columns = [
        Column(gettext_lazy("Time"), lambda e: e.at.astimezone().strftime("%Y-%m-%d %H:%M:%S"), 20),
        Column(gettext_lazy("Who"), lambda e: e.actor_name, 14),
        Column(gettext_lazy("Address"), lambda e: e.ip or "", 16),
        Column(gettext_lazy("Action"), lambda e: e.action, 30),
        Column(
            gettext_lazy("Object"),
            lambda e: f"{e.object_type} {e.object_id} {e.object_repr}".strip(),
            30,
        ),
        Column(gettext_lazy("Success"), lambda e: e.success, 8),
        Column(
            gettext_lazy("Details"), lambda e: ", ".join(f"{k}={v}" for k, v in e.data.items()), 40
        ),
    ]
