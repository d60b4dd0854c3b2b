from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomeConfig(AppConfig):
    """The role-dependent home page: the top layer, it gathers from every app."""

    name = "shegong.home"
    verbose_name = _("Home")
