from django.apps import AppConfig


class LibConfig(AppConfig):
    name = "zhiban.lib"
    label = "lib"

    def ready(self) -> None:
        from zhiban.lib import lookups  # noqa: F401  (registers __prefix)
