"""Password rules in the language of the screens: Django's own minimum-length message has no Chinese
translation for every count and came out in English."""

from __future__ import annotations

from django.contrib.auth.password_validation import MinimumLengthValidator
from django.core.exceptions import ValidationError


class MinimumLength(MinimumLengthValidator):
    def validate(self, password, user=None) -> None:
        if len(password) < self.min_length:
            raise ValidationError(
                f"密码太短，至少需要{self.min_length}个字符。",
                code="password_too_short",
                params={"min_length": self.min_length},
            )

    def get_help_text(self) -> str:
        return f"密码至少需要{self.min_length}个字符。"
