"""The filters of a list (issue 16): a date range, a kind and an importance, read from the query string
(?since=2026-03-01&until=2026-03-31&kind=…&level=…), applied to a queryset, and kept by the pager.

    f = list_filter(request, kinds=Call.Direction.choices, levels=[("1", "重要")], level_label="重要程度")
    calls = f.apply(calls, "at", kind_field="direction", level=lambda qs, v: qs.filter(important=True))
    {% include "includes/filters.html" %}  with `filters` in the context

A kind that is no column (a phone notice's 待复述, worked out from its recipients) is applied by a
function, as a level is: `kind_field=lambda qs, v: …`.

A date that is no date is ignored and said next to its field; a kind or level not offered is ignored."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils import timezone

PARAMS = ("since", "until", "kind", "level")


@dataclass
class ListFilter:
    since: dt.date | None = None
    until: dt.date | None = None
    kind: str = ""
    level: str = ""
    kinds: list[tuple[str, str]] = field(default_factory=list)
    levels: list[tuple[str, str]] = field(default_factory=list)
    kind_label: str = "类型"
    level_label: str = "重要程度"
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        return bool(self.since or self.until or self.kind or self.level)

    @property
    def params(self) -> dict[str, str]:
        values = {
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
            "kind": self.kind,
            "level": self.level,
        }
        return {k: v for k, v in values.items() if v}

    @property
    def key(self) -> tuple:
        return tuple(sorted(self.params.items()))

    def apply(
        self,
        rows: QuerySet,
        date_field: str,
        kind_field: str | Callable[[QuerySet, str], QuerySet] | None = None,
        level: Callable[[QuerySet, str], QuerySet] | None = None,
    ) -> QuerySet:
        if self.since:
            rows = rows.filter(**{f"{date_field}__gte": _start(self.since)})
        if self.until:
            rows = rows.filter(**{f"{date_field}__lt": _start(self.until + dt.timedelta(days=1))})
        if self.kind and callable(kind_field):
            rows = kind_field(rows, self.kind)
        elif self.kind and kind_field:
            rows = rows.filter(**{kind_field: self.kind})
        if self.level and level is not None:
            rows = level(rows, self.level)
        return rows


def _start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def _date(raw: str, name: str, errors: dict[str, str]) -> dt.date | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        errors[name] = "请输入正确的日期，如 2026-03-05"
        return None
    if not 2000 <= day.year <= 2100:
        errors[name] = "日期应在2000年至2100年之间"
        return None
    return day


def list_filter(
    request,
    kinds: Iterable[tuple[str, str]] = (),
    levels: Iterable[tuple[str, str]] = (),
    kind_label: str = "类型",
    level_label: str = "重要程度",
) -> ListFilter:
    kinds, levels = (
        [(str(v), str(label)) for v, label in kinds],
        [(str(v), str(label)) for v, label in levels],
    )
    errors: dict[str, str] = {}
    since = _date(request.GET.get("since", ""), "since", errors)
    until = _date(request.GET.get("until", ""), "until", errors)
    if since and until and until < since:
        errors["until"] = "结束日期不能早于开始日期"
        until = None
    kind = request.GET.get("kind", "")
    level = request.GET.get("level", "")
    return ListFilter(
        since=since,
        until=until,
        kind=kind if kind in {v for v, _ in kinds} else "",
        level=level if level in {v for v, _ in levels} else "",
        kinds=kinds,
        levels=levels,
        kind_label=kind_label,
        level_label=level_label,
        errors=errors,
    )
