from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "shegong.inbox"
    label = "inbox"
    verbose_name = "Notifications"
