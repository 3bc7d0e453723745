from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "zhiban.notify"
    label = "notify"
    verbose_name = "通知"
