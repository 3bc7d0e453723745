from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "zhiban.notify"
    label = "notify"
    verbose_name = "通知"

    def ready(self) -> None:
        from zhiban.lib.registry import register_topbar_count
        from zhiban.notify.models import unread_notices

        register_topbar_count("通知", "notice_list", unread_notices)
