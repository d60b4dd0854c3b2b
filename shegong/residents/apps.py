from django.apps import AppConfig


class ResidentsConfig(AppConfig):
    name = "shegong.residents"
    label = "residents"
    verbose_name = "Residents' requests"

    def ready(self):
        """Tell the indicators about residents' requests: the counts behind the residents'
        figures of a board, and the drill-down to the requests."""
        from django.utils.translation import gettext_lazy as _

        from shegong.indicators import drilldown, stocks

        from . import selectors

        stocks.provide("resident_requests", selectors.requests_stock)
        drilldown.register(
            drilldown.Drilldown("requests", _("Residents' requests"), selectors.request_rows)
        )
