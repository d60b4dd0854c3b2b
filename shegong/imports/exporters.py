from django.utils.translation import gettext_lazy

from shegong.core.exporters import Column, Exporter, choice


def _count(counts: dict, key: str):
    return counts.get(key, "") if counts else ""


class ImportJobExporter(Exporter):
    """Import reports: who brought which file in, when, and what it did (no row of it)."""

    title = gettext_lazy("Imports")
    columns = [
        Column(gettext_lazy("Uploaded at"), lambda j: j.created_at.strftime("%Y-%m-%d %H:%M"), 16),
        Column(gettext_lazy("Kind"), choice("kind"), 10),
        Column(gettext_lazy("File name"), lambda j: j.file_name, 24),
        Column(gettext_lazy("Region"), lambda j: j.region.name, 12),
        Column(
            gettext_lazy("Imported by"),
            lambda j: j.created_by.display_name if j.created_by else "manage.py",
            10,
        ),
        Column(gettext_lazy("Status"), choice("status"), 8),
        Column(gettext_lazy("New"), lambda j: _count(j.committed or j.checked, "new"), 8),
        Column(gettext_lazy("Updated"), lambda j: _count(j.committed or j.checked, "updated"), 8),
        Column(
            gettext_lazy("Unchanged"), lambda j: _count(j.committed or j.checked, "unchanged"), 8
        ),
        Column(gettext_lazy("Skipped"), lambda j: _count(j.committed or j.checked, "skipped"), 8),
        Column(gettext_lazy("Invalid"), lambda j: _count(j.committed or j.checked, "invalid"), 8),
        Column(gettext_lazy("SHA-256"), lambda j: j.file_sha256, 20),
    ]
