from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "shegong.indicators"
    verbose_name = _("Indicators")

    def ready(self):
        """A staff member's page shows their hours this month by kind (core.panels)."""
        from shegong.core import panels

        from .selectors import hours_this_month, station_hours_this_month

        panels.register(
            "account",
            panels.Panel("indicators.hours", "indicators/_hours_panel.html", hours_this_month),
        )
        panels.register(
            "station",
            panels.Panel(
                "indicators.staff_hours",
                "indicators/_staff_hours_panel.html",
                station_hours_this_month,
            ),
        )
