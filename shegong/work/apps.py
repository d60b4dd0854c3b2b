from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkConfig(AppConfig):
    name = "shegong.work"
    verbose_name = _("Station work")

    def ready(self):
        """Tell the layers below about station work: its facts, the open-cases stock and
        drill-down, and the timeline panel on a person's page."""
        from shegong.core import panels
        from shegong.indicators import drilldown, stocks
        from shegong.indicators import facts as indicator_facts
        from shegong.indicators.definitions import SPECS

        from . import facts, selectors

        indicator_facts.register(*facts.FACT_SOURCES)
        stocks.provide("open_cases", selectors.open_cases_stock)
        drilldown.register(
            drilldown.Drilldown(
                "cases_active", SPECS["cases_active"].label, selectors.active_case_rows
            )
        )
        panels.register(
            "person",
            panels.Panel(
                "work.timeline",
                "work/_person_timeline.html",
                lambda *, subject, user: selectors.person_timeline(person=subject, user=user),
                order=10,
            ),
        )
