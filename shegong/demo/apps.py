from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo province (`manage.py load_demo`): the top layer, it may use every app."""

    name = "shegong.demo"
    verbose_name = _("Demo")

    def ready(self):
        from . import checks  # noqa: F401
