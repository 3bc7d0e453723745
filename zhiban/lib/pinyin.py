"""Search keys for Chinese names: `zhangsan` and `zs` find 张三, and a heteronym surname is found by
every reading (单 as dan, shan and chan; 曾 as zeng and ceng; 解 as jie and xie)."""

from __future__ import annotations

import itertools
import re

from pypinyin import Style, pinyin

MAX_READINGS = 24  # a long name of many heteronyms would otherwise multiply out
_HAN = re.compile(r"[\u3400-\u9fff]")


def _readings(text: str, style: Style) -> list[str]:
    per_char = pinyin(text, style=style, heteronym=True, errors=lambda chars: list(chars.lower()))
    combos = itertools.islice(itertools.product(*per_char), MAX_READINGS)
    return ["".join(parts).lower() for parts in combos]


def search_keys(text: str) -> list[str]:
    """The keys a prefix search matches: the text and every suffix of it (so 应急 finds 县应急管理局),
    the full pinyin and the initials in every reading, of the whole and of the part after the surname."""
    text = normalise(text)
    if not text:
        return []
    keys = {text[i:] for i in range(len(text)) if not text[i:].isspace()}
    if _HAN.search(text):
        keys.update(_readings(text, Style.NORMAL))
        keys.update(_readings(text, Style.FIRST_LETTER))
        if 2 <= len(text) <= 4:  # a person's name: the given name alone finds them too
            keys.update(_readings(text[1:], Style.NORMAL))
    return sorted(k for k in keys if k)


def normalise(query: str) -> str:
    return re.sub(r"\s+", "", query or "").lower()
