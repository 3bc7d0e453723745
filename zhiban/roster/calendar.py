"""B10: which days are workdays, weekends and statutory holidays, and which fall in a sensitive period.

The official calendar (chinese-calendar) covers the years the State Council has published. The holiday
table that administrators edit comes first: next year's notice before the package has it, and local
days (a unit's own entries apply to its subtree, the nearest unit winning)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q

from zhiban.lib.workdays import kind_of, official_kind
from zhiban.org.models import Unit
from zhiban.roster.models import DayKind, Holiday, SensitivePeriod


@dataclass(frozen=True)
class CalendarDay:
    date: dt.date
    kind: str  # DayKind.WORKDAY / WEEKEND / HOLIDAY
    name: str = ""  # the holiday's name
    sensitive: SensitivePeriod | None = None
    official: bool = True  # False: neither the table nor the official calendar knows this year

    @property
    def label(self) -> str:
        return self.name or DayKind(self.kind).label


def days_between(unit: Unit, start: dt.date, end: dt.date) -> list[CalendarDay]:
    chain = [*unit.ancestor_ids(), unit.pk]
    depth = {unit_id: i for i, unit_id in enumerate(chain)}
    table: dict[dt.date, Holiday] = {}
    # the national entries have no unit: "unit_id IN (…, NULL)" would never match them
    for row in Holiday.objects.filter(Q(unit=None) | Q(unit_id__in=chain), date__range=(start, end)):
        held = table.get(row.date)
        if held is None or depth.get(row.unit_id, -1) > depth.get(held.unit_id, -1):
            table[row.date] = row
    periods = list(SensitivePeriod.objects.filter(unit_id__in=chain, start__lte=end, end__gte=start))
    days = []
    for i in range((end - start).days + 1):
        day = start + dt.timedelta(days=i)
        sensitive = next((p for p in periods if p.start <= day <= p.end), None)
        row = table.get(day)
        if row is not None:
            kind = DayKind.HOLIDAY if row.kind == Holiday.Kind.HOLIDAY else DayKind.WORKDAY
            days.append(CalendarDay(day, kind, row.name, sensitive))
            continue
        official = official_kind(day)
        if official is None:
            days.append(CalendarDay(day, kind_of(day), "", sensitive, official=False))
        else:
            days.append(CalendarDay(day, official[0], official[1], sensitive))
    return days


def years_without_holidays(unit: Unit, start: dt.date, end: dt.date) -> list[int]:
    """B10: the years of the period that neither the official calendar nor the holiday table knows: their
    元旦, 春节 … would be planned as ordinary days."""
    chain = [*unit.ancestor_ids(), unit.pk]
    missing = []
    for year in range(start.year, end.year + 1):
        if official_kind(dt.date(year, 1, 1)) is not None:
            continue
        entered = Holiday.objects.filter(date__year=year, kind=Holiday.Kind.HOLIDAY)
        if not entered.filter(Q(unit=None) | Q(unit_id__in=chain)).exists():
            missing.append(year)
    return missing


def missing_holidays_warning(years: list[int]) -> str:
    listed = "、".join(f"{y}年" for y in years)
    return (
        f"{listed}的法定节假日尚未录入：官方日历还没有这一年的数据，元旦、春节等将按普通工作日和周末排班。"
        "请先在“节假日安排”中按国务院办公厅的放假通知逐日录入放假和调休上班的日期。"
    )


def next_year_warning(today: dt.date) -> str | None:
    """From 1 December: a warning while next year has neither official data nor entries in the table."""
    if today.month != 12:
        return None
    year = today.year + 1
    if official_kind(dt.date(year, 1, 1)) is not None:
        return None
    if Holiday.objects.filter(date__year=year, unit=None).exists():
        return None
    return (
        f"{year}年的法定节假日尚未录入：官方日历还没有{year}年的数据，请按国务院办公厅通知在“节假日安排”中录入，"
        f"否则{year}年的值班表只能按周末排班。"
    )
