from django.apps import AppConfig


class ResidentsConfig(AppConfig):
    name = "shegong.residents"
    label = "residents"
    verbose_name = "Residents' requests"
