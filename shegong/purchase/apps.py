from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PurchaseConfig(AppConfig):
    name = "shegong.purchase"
    verbose_name = _("Government purchase")

    def ready(self):
        """Tell the layers below about purchases: the agency's filing and contracts on its
        page, a station's contracts on its page, and filed agencies per county as a stock."""
        from shegong.core import panels
        from shegong.indicators import stocks

        from . import selectors

        panels.register(
            "agency",
            panels.Panel("purchase.agency", "purchase/_agency_panel.html", selectors.agency_panel),
        )
        panels.register(
            "station",
            panels.Panel(
                "purchase.station",
                "purchase/_station_panel.html",
                selectors.station_panel,
                order=50,
            ),
        )
        panels.register(
            "account",
            panels.Panel(
                "purchase.labour", "purchase/_labour_panel.html", selectors.labour_panel, order=60
            ),
        )
        stocks.provide("filed_agencies", selectors.filed_agencies_stock)
