from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkforceConfig(AppConfig):
    name = "shegong.workforce"
    verbose_name = _("Workforce")

    def ready(self):
        from shegong.accounts.signals import user_saved

        from .services import ensure_worker_profile

        user_saved.connect(ensure_worker_profile, dispatch_uid="workforce.ensure_worker_profile")
