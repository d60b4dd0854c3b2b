from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkforceConfig(AppConfig):
    name = "shegong.workforce"
    verbose_name = _("Workforce")

    def ready(self):
        """Tell the layers below about the workforce: training facts, the workforce and
        designated-village stocks and their drill-downs; and give every new station
        worker a profile (``accounts.signals.user_saved``)."""
        from shegong.accounts.signals import user_saved
        from shegong.indicators import drilldown, stocks
        from shegong.indicators import facts as indicator_facts

        from . import facts, selectors
        from .services import ensure_worker_profile

        indicator_facts.register(*facts.FACT_SOURCES)
        stocks.provide("workforce", selectors.workforce_stock)
        stocks.provide("designated_villages", selectors.designated_villages_stock)
        drilldown.register(
            drilldown.Drilldown("workers", _("Resident social workers"), selectors.worker_rows),
            drilldown.Drilldown("training", _("Training and supervision"), selectors.training_rows),
        )
        user_saved.connect(ensure_worker_profile, dispatch_uid="workforce.ensure_worker_profile")
