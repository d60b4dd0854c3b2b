from django.utils.translation import gettext_lazy

from shegong.core.exporters import Column, Exporter, choice


class PackageExporter(Exporter):
    """Packages received from other deployments: sender, region, year, dates, outcome."""

    title = gettext_lazy("Data packages")
    columns = [
        Column(gettext_lazy("Received at"), lambda p: p.received_at.strftime("%Y-%m-%d %H:%M"), 16),
        Column(gettext_lazy("Status"), choice("status"), 12),
        Column(gettext_lazy("Kind"), choice("kind"), 10),
        Column(gettext_lazy("Sender"), lambda p: p.sender, 18),
        Column(gettext_lazy("Region"), lambda p: p.region_name, 12),
        Column(gettext_lazy("Year"), lambda p: p.period, 6),
        Column(
            gettext_lazy("Made at"),
            lambda p: p.generated_at.strftime("%Y-%m-%d %H:%M") if p.generated_at else "",
            16,
        ),
        Column(gettext_lazy("Reason"), lambda p: p.reason, 30),
        Column(gettext_lazy("SHA-256"), lambda p: p.sha256, 20),
    ]
