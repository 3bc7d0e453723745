"""The API's lists, a page at a time (django-ninja's limit and offset), with bounds: a limit or offset
past what any client needs is a 422 in Chinese, not a number the database cannot hold (a 500)."""

from __future__ import annotations

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

MAX_LIMIT = 500
MAX_OFFSET = 10_000_000


class BoundedPagination(LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(100, ge=1, le=MAX_LIMIT, description=f"每页条数，1至{MAX_LIMIT}")
        offset: int = Field(0, ge=0, le=MAX_OFFSET, description="从第几条起（0起）")

    def __init__(self, prepare=None, **kwargs):
        """`prepare(rows, request)`, if given, runs once on the page's rows before they are written
        out: what each row shows that needs a query is then asked once for the page, not per row."""
        self.prepare = prepare
        super().__init__(max_limit=MAX_LIMIT, **kwargs)

    def paginate_queryset(self, queryset, pagination, request, **params):
        page = super().paginate_queryset(queryset, pagination, request, **params)
        if self.prepare is not None:
            rows = list(page[self.items_attribute])
            self.prepare(rows, request)
            page[self.items_attribute] = rows
        return page
