"""A narrow column's heading wraps between pairs of characters, never inside a two-character word."""

from __future__ import annotations

import re

import pytest

from zhiban.lib.templatetags.zhiban import in_pairs


@pytest.mark.parametrize(
    "label, chunks",
    [
        ("迟报", ["迟报"]),
        ("被催报", ["被催报"]),
        ("报送条数", ["报送", "条数"]),
        ("报送不规范", ["报送", "不规范"]),
        ("按时反馈批示", ["按时", "反馈", "批示"]),
        ("分", ["分"]),
        ("<b>", ["&lt;b&gt;"]),
    ],
)
def test_a_heading_wraps_only_between_pairs_and_is_escaped(label, chunks):
    html = str(in_pairs(label))
    assert re.findall(r'<span class="nowrap">(.*?)</span>', html) == chunks
