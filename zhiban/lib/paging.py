"""The one paging of every list that can grow: a page of rows and whether another follows, with links
that keep the list's search. No COUNT over the table (over a year of calls it costs more than the page
itself); a page number that is no number, or past the end, is never an error.

    page = paginate(request, Call.objects.filter(unit=unit))      # ?page=N, the rest of ?… kept
    {% include "includes/pager.html" %}                            # 上一页 · 第 N 页 · 下一页
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

PAGE_SIZE = 50
MAX_PAGE = 100_000  # an offset past this is no page anyone reads, and would cost a long scan


def page_number(raw) -> int:
    """?page=N as a number from 1 to MAX_PAGE; anything else is page 1 (a bad link is not an error)."""
    try:
        return min(max(int(raw), 1), MAX_PAGE)
    except (TypeError, ValueError, OverflowError):
        return 1


@dataclass
class Page:
    """One page of a list. Iterates, indexes and counts like a list of its rows."""

    rows: list
    number: int
    has_next: bool
    params: dict[str, str] = field(default_factory=dict)  # the list's other query parameters, kept
    param: str = "page"  # the parameter of this list's page number (two lists on one page need two)

    def __iter__(self) -> Iterator:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index):
        return self.rows[index]

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    def url(self, number: int) -> str:
        return "?" + urlencode({**self.params, self.param: number})

    @property
    def previous_url(self) -> str:
        return self.url(self.number - 1) if self.has_previous else ""

    @property
    def next_url(self) -> str:
        return self.url(self.number + 1) if self.has_next else ""


def page_of(
    rows, number: int, size: int = PAGE_SIZE, params: Mapping[str, str] | None = None, param: str = "page"
) -> Page:
    """Page `number` of `rows` (a queryset or a list): one query of size + 1 rows."""
    start = (number - 1) * size
    found = list(rows[start : start + size + 1])
    return Page(found[:size], number, len(found) > size, dict(params or {}), param)


def paginate(request, rows, size: int = PAGE_SIZE, param: str = "page") -> Page:
    """The page ?page=N of `rows`, its links keeping every other parameter of the request."""
    params = {k: v for k, v in request.GET.items() if k != param}
    return page_of(rows, page_number(request.GET.get(param)), size, params, param)
