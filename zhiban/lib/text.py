"""Text as people type it: what no field of the system accepts.

A control character (U+0000–U+001F but tab, line feed and carriage return, and U+007F) is never part
of what a duty officer means to write; it arrives from a phone exchange, a pasted spreadsheet or an
attack, and no Word or Excel file can hold it. Every form field refuses it with a message next to the
field (lib.apps sets the validator on every CharField), the API refuses it with a 400 naming the field
(lib.middleware), and the exports drop what was stored before (lib.docx, lib.xlsx)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CONTROL_MESSAGE = "含有不可见的控制字符（常见于从别处复制的内容），请删除后重新输入"


def no_control_characters(value) -> None:
    if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
        raise ValidationError(CONTROL_MESSAGE, code="control_characters")


def control_character_paths(data, path: str = "") -> list[str]:
    """The fields of a decoded JSON body whose text holds a control character ("calls.0.number")."""
    if isinstance(data, str):
        return [path or "body"] if CONTROL_CHARACTERS.search(data) else []
    if isinstance(data, dict):
        items = data.items()
    elif isinstance(data, list):
        items = enumerate(data)
    else:
        return []
    found = []
    for key, value in items:
        found += control_character_paths(value, f"{path}.{key}" if path else str(key))
    return found


# How long a text a person types may be, on the pages and through the API alike: a call's content, a
# report's element, a handover's situation. A duty manual's section is a document of its own.
TEXT_LIMIT = 5000
ENTRY_LIMIT = 2000  # one entry of the duty log
MANUAL_LIMIT = 20000


def plain_limit_messages() -> None:
    """Django's Chinese for a limit reads "确保该变量包含不超过 5000 个字符": said plainly instead, the
    same on every form (the validators are shared by every field)."""
    from django.core import validators

    validators.MaxLengthValidator.message = "最多%(limit_value)d个字，现在有%(show_value)d个字，请删减"
    validators.MinLengthValidator.message = "至少%(limit_value)d个字，现在只有%(show_value)d个字"
    validators.MaxValueValidator.message = "不能大于%(limit_value)s"
    validators.MinValueValidator.message = "不能小于%(limit_value)s"


def clip(text: str, length: int) -> str:
    """`text` cut to `length` characters for a notice or a list, with "…" where it was cut."""
    text = text.strip()
    return text if len(text) <= length else text[: length - 1] + "…"
