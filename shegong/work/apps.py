from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkConfig(AppConfig):
    name = "shegong.work"
    verbose_name = _("Station work")

    def ready(self):
        from shegong.people.panels import Panel, register

        from .selectors import person_timeline

        register(Panel("work.timeline", "work/_person_timeline.html", person_timeline, order=10))
