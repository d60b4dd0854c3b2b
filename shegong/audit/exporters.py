"""What the lists of this app export (xlsx and CSV share the columns)."""

from django.utils.translation import gettext_lazy

from shegong.core.exporters import Column, Exporter

from .describe import action_label, category_of, details


class AuditExporter(Exporter):
    """The log as an auditor reads it: actions and details in words, the code kept."""

    title = gettext_lazy("Audit log")
    columns = [
        Column(gettext_lazy("Time"), lambda e: e.at.astimezone().strftime("%Y-%m-%d %H:%M:%S"), 20),
        Column(gettext_lazy("Who"), lambda e: e.actor_name, 14),
        Column(gettext_lazy("Address"), lambda e: e.ip or "", 16),
        Column(gettext_lazy("Category"), lambda e: category_of(e.action), 12),
        Column(gettext_lazy("Action"), lambda e: action_label(e.action), 20),
        Column(gettext_lazy("Object"), lambda e: e.object_repr or e.object_id, 24),
        Column(gettext_lazy("Success"), lambda e: e.success, 8),
        Column(gettext_lazy("Details"), details, 50),
        Column(gettext_lazy("Action code"), lambda e: e.action, 26),
    ]
    page_columns = columns[:-1]  # the page shows words; the code stays in the files
