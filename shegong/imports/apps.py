from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "shegong.imports"
    label = "imports"
    verbose_name = "Imports"
