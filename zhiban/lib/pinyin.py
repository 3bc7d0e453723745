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


def readings(text: str) -> list[str]:
    """The text in full pinyin, once per reading of its heteronyms (单晓东: danxiaodong, shanxiaodong …)."""
    return _readings(normalise(text), Style.NORMAL)


MAX_SUFFIXES = 16  # long texts: only the first suffixes are indexed


def search_keys(text: str) -> list[str]:
    """The keys a prefix search matches: every suffix of the text (so 应急 finds 县应急管理局), each also
    as full pinyin and initials in every reading (zongzhiban and zzb find 市政府总值班室, sxx and dxx 单雄信)."""
    text = normalise(text)
    if not text:
        return []
    keys = set()
    for start in range(min(len(text), MAX_SUFFIXES)):
        suffix = text[start:]
        keys.add(suffix)
        if _HAN.search(suffix):
            keys.update(_readings(suffix, Style.NORMAL))
            keys.update(_readings(suffix, Style.FIRST_LETTER))
    return sorted(k for k in keys if k)


def normalise(query: str) -> str:
    return re.sub(r"\s+", "", query or "").lower()
