"""What the lists of this app export (xlsx and CSV share the columns)."""

from django.utils.translation import gettext_lazy

from shegong.core.exporters import VOID_COLUMNS, Column, Exporter, choice


class TrainingExporter(Exporter):
    title = gettext_lazy("Training and supervision")
    columns = [
        Column(gettext_lazy("Date"), lambda t: t.date, 12),
        Column(gettext_lazy("Worker"), lambda t: t.worker.display_name, 10),
        Column(gettext_lazy("Kind"), choice("kind"), 8),
        Column(gettext_lazy("Organised by"), choice("organiser"), 8),
        Column(gettext_lazy("Hours"), lambda t: t.hours, 8),
        Column(gettext_lazy("Topic"), lambda t: t.topic, 30),
        Column(gettext_lazy("Supervisor / trainer"), lambda t: t.supervisor, 12),
        *VOID_COLUMNS,
    ]


class WorkerExporter(Exporter):
    title = gettext_lazy("Resident social workers")
    columns = [
        Column(gettext_lazy("Name"), lambda p: p.user.display_name, 10),
        Column(
            gettext_lazy("Station"), lambda p: p.user.station.name if p.user.station else "", 24
        ),
        Column(gettext_lazy("Education"), choice("education"), 10),
        Column(gettext_lazy("Social work major"), lambda p: p.social_work_major, 8),
        Column(gettext_lazy("Social work qualification"), choice("qualification"), 16),
        Column(gettext_lazy("Hire date"), lambda p: p.hire_date, 12),
    ]


class RegistryExporter(Exporter):
    """The registry of professionals (one row per registered station worker)."""

    title = gettext_lazy("Registry of professionals")
    columns = [
        Column(gettext_lazy("Name"), lambda p: p.user.display_name, 10),
        Column(
            gettext_lazy("Station"), lambda p: p.user.station.name if p.user.station_id else "", 20
        ),
        Column(gettext_lazy("Education"), choice("education"), 10),
        Column(gettext_lazy("Social work major"), lambda p: p.social_work_major, 6),
        Column(gettext_lazy("Qualification"), choice("qualification"), 16),
        Column(gettext_lazy("Certificate number"), lambda p: p.certificate_no, 18),
        Column(gettext_lazy("Certificate review"), choice("certificate_status"), 10),
    ]
