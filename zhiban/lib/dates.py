"""Small date helpers; pages show dates as 2026年3月5日 星期四."""

from __future__ import annotations

import calendar
import datetime as dt

WEEKDAYS = "一二三四五六日"
# A moment stated as "now" on a PC whose clock runs a little fast is still now: what a time that has
# happened may exceed the server's clock by.
CLOCK_SKEW = dt.timedelta(minutes=2)


def add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def weekday_cn(day: dt.date) -> str:
    return f"星期{WEEKDAYS[day.weekday()]}"


def date_cn(day: dt.date | dt.datetime | None, with_weekday: bool = True) -> str:
    if day is None:
        return ""
    text = f"{day.year}年{day.month}月{day.day}日"
    return f"{text} {weekday_cn(day)}" if with_weekday else text


def local_minute(moment: dt.datetime | None) -> str:
    """2026-03-05 09:10 in Asia/Shanghai (the stored value is UTC): for names of records."""
    if moment is None:
        return ""
    from django.utils import timezone

    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


def date_range(params, default: tuple[dt.date, dt.date]) -> tuple[dt.date, dt.date]:
    """?start=2026-03-01&end=2026-03-31 as two dates; `default` when either is missing or is no date
    (a bad link is never an error)."""
    try:
        start = dt.date.fromisoformat(params.get("start", ""))
        end = dt.date.fromisoformat(params.get("end", ""))
    except (TypeError, ValueError):
        return default
    return start, end


def minutes_words(minutes: int | None) -> str:
    """A span as a person says it: 15分钟, 1小时30分钟, 24小时, 2天."""
    if minutes is None:
        return ""
    days, rest = divmod(int(minutes), 1440)
    hours, mins = divmod(rest, 60)
    parts = [f"{days}天" if days else "", f"{hours}小时" if hours else "", f"{mins}分钟" if mins else ""]
    return "".join(parts) or "0分钟"


def plain_number(value) -> str:
    """2, 12.5 and 30 (not 30.00) as a person writes them."""
    if value is None:
        return ""
    text = f"{value}"
    return text.rstrip("0").rstrip(".") if "." in text else text
