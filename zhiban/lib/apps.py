from django.apps import AppConfig


class LibConfig(AppConfig):
    name = "zhiban.lib"
    label = "lib"

    def ready(self) -> None:
        from django import forms

        from zhiban.lib import checks, lookups  # noqa: F401  (register the checks and __prefix)
        from zhiban.lib.text import no_control_characters, plain_limit_messages

        # every text field of every form refuses control characters, next to the field (lib.text)
        forms.CharField.default_validators = [no_control_characters]
        plain_limit_messages()
