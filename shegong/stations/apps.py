from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StationsConfig(AppConfig):
    name = "shegong.stations"
    verbose_name = _("Stations and agencies")

    def ready(self):
        from shegong.accounts import usercache

        from .models import Station

        # a user is loaded with their station (accounts.backends): a changed station is
        # not served from the cache
        usercache.watch(Station, field="station")
