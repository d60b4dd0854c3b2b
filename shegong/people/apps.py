from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "shegong.people"
    verbose_name = _("Service recipients")

    def ready(self):
        """Tell the indicators about people (files created, who was served), and the change
        feed which of them a phone keeps."""
        from shegong.core import changes
        from shegong.indicators import drilldown
        from shegong.indicators import facts as indicator_facts
        from shegong.indicators.definitions import SPECS

        from . import facts, selectors
        from .models import Household, Recipient

        changes.track(Recipient, kind="recipient")  # what a phone keeps offline
        changes.track(Household, kind="household")

        indicator_facts.register(*facts.FACT_SOURCES)
        drilldown.register(
            drilldown.Drilldown("people", SPECS["people"].label, selectors.served_people_rows)
        )
