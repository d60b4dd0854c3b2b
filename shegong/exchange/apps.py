from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "shegong.exchange"
    label = "exchange"
    verbose_name = "Exchange"
