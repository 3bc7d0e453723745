"""The official calendar (chinese-calendar) as this project names days; pure, no Django, so the solver's
bench uses exactly what the roster uses."""

from __future__ import annotations

import datetime as dt

import chinese_calendar

WORKDAY, WEEKEND, HOLIDAY = "workday", "weekend", "holiday"  # roster.models.DayKind's values

HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def official_kind(day: dt.date) -> tuple[str, str] | None:
    """(kind, holiday name) from the official calendar, or None for a year the State Council has not
    published yet (chinese-calendar raises NotImplementedError for those)."""
    try:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return None
    if on_holiday:
        return (HOLIDAY, HOLIDAY_NAMES.get(name, "")) if name else (WEEKEND, "")
    return WORKDAY, ("调休上班" if day.weekday() >= 5 else "")


def kind_of(day: dt.date) -> str:
    """The official kind, or by the weekday for a year without data."""
    official = official_kind(day)
    if official is not None:
        return official[0]
    return WEEKEND if day.weekday() >= 5 else WORKDAY


def official_through() -> int:
    """The last year the official calendar (the State Council's notices in chinese-calendar) covers."""
    year = dt.date.today().year - 1
    while official_kind(dt.date(year + 1, 1, 1)) is not None:
        year += 1
    while year > 2004 and official_kind(dt.date(year, 1, 1)) is None:
        year -= 1
    return year
