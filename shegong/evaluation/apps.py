from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "shegong.evaluation"
    verbose_name = _("Evaluation and star rating")

    def ready(self):
        """Tell the layers below about evaluation: the stars in force on a day (the
        five-star indicator of a past period), and a station's results and stars on its
        page."""
        from shegong.core import panels
        from shegong.indicators import stocks

        from . import selectors

        stocks.provide("star_ratings", selectors.stars_in_force)
        panels.register(
            "station",
            panels.Panel(
                "evaluation.station",
                "evaluation/_station_panel.html",
                selectors.station_panel,
                order=55,
            ),
        )
