from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "zhiban.audit"
    label = "audit"
    verbose_name = "审计"

    def ready(self) -> None:
        from zhiban.audit import signals  # noqa: F401  (login and logout are audited)
