from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "shegong.indicators"
    verbose_name = _("Indicators")

    def ready(self):
        """A staff member's page shows their hours this month by kind (core.panels); the
        cached rule sets are forgotten when one of them or their rules change."""
        from django.db.models.signals import post_delete, post_save

        from shegong.core import panels

        from .compute import forget_rule_sets
        from .models import Rule, RuleSet
        from .selectors import hours_this_month, station_hours_this_month

        for model in (RuleSet, Rule):
            for signal in (post_save, post_delete):
                signal.connect(
                    forget_rule_sets,
                    sender=model,
                    weak=False,
                    dispatch_uid=f"shegong.rule_sets.{model.__name__}.{signal is post_save}",
                )

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
