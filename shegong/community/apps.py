from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "shegong.community"
    label = "community"
    verbose_name = _("Volunteers and community (五社联动)")

    def ready(self):
        """Tell the indicators about volunteer service: its facts (person-times and the
        hours a worker confirmed)."""
        from shegong.core import panels
        from shegong.indicators import drilldown, stocks
        from shegong.indicators import facts as indicator_facts

        from . import facts, selectors

        indicator_facts.register(*facts.FACT_SOURCES)
        stocks.provide("party_teams", selectors.party_teams_stock)
        stocks.provide("organisations", selectors.organisations_stock)
        panels.register(
            "activity",
            panels.Panel(
                "community.allocations",
                "community/_activity_allocations.html",
                selectors.activity_allocations,
                order=20,
            ),
        )
        drilldown.register(
            drilldown.Drilldown(
                "party_teams", _("Party volunteer teams"), selectors.party_team_rows
            ),
            drilldown.Drilldown(
                "organisations", _("Community organisations"), selectors.organisation_rows
            ),
        )
