from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "shegong.accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from . import checks, usercache  # noqa: F401

        usercache.connect()
