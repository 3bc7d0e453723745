from django.apps import AppConfig


class LibConfig(AppConfig):
    name = "zhiban.lib"
    label = "lib"

    def ready(self) -> None:
        from zhiban.lib import checks, lookups  # noqa: F401  (register the checks and __prefix)
