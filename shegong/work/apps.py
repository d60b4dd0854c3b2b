from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkConfig(AppConfig):
    name = "shegong.work"
    verbose_name = _("Station work")

    def ready(self):
        """Tell the layers below about station work: its facts, the open-cases stock and
        drill-down, the timeline panel on a person's page, and the change feed."""
        from shegong.core import changes, panels
        from shegong.indicators import drilldown, stocks
        from shegong.indicators import facts as indicator_facts
        from shegong.indicators.definitions import SPECS

        from . import facts, selectors
        from .models import Activity, AdminWork, Case, CaseEntry, Group, GroupSession, HomeVisit

        indicator_facts.register(*facts.FACT_SOURCES)
        # what a phone keeps offline: a change to any of these is in the change feed
        changes.track(HomeVisit, kind="visit")
        changes.track(Case, kind="case")
        changes.track(
            CaseEntry, kind="case", region=lambda e: e.case.region_id, key=lambda e: e.case_id
        )
        changes.track(Group, kind="group")
        changes.track(GroupSession, kind="session", region=lambda s: s.group.region_id)
        changes.track(Activity, kind="activity")
        changes.track(AdminWork, kind="admin_work")
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
                lambda *, subject, user, everything: selectors.person_timeline(
                    person=subject, user=user, everything=everything
                ),
                order=10,
                capped=True,
            ),
        )
