from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FieldConfig(AppConfig):
    """Field work anywhere: the phone app (an offline-first PWA over the same pages and
    API), its station's working set and the change feed it refreshes from. A top layer: it
    gathers from every app."""

    name = "shegong.field"
    verbose_name = _("Field app")
