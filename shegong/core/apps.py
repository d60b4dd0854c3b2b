from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "shegong.core"
    verbose_name = _("Core")

    def ready(self):
        from .choices import install

        # every model's get_<field>_display reads a dict built once (core.choices)
        install(apps.get_models(include_auto_created=True))
        # rows read from the database made into instances without Model.__init__
        from . import instances

        instances.install(apps.get_models(include_auto_created=True))
        # heavy reads planned for their own parameters (core.replica.plan_each_time)
        from django.db.backends.signals import connection_created

        from .replica import install_planning

        connection_created.connect(install_planning, dispatch_uid="shegong_plan_each_time")
