import datetime as dt
from functools import lru_cache

from django import template
from django.urls import reverse
from django.utils import timezone

from zhiban.lib.dates import date_cn

register = template.Library()


@register.filter
def cn_date(value, weekday: bool = True) -> str:
    """2026年3月5日 星期四"""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value)
    return date_cn(value, with_weekday=bool(weekday))


@register.filter
def cn_datetime(value) -> str:
    """2026年3月5日 星期四 08:30"""
    if not value:
        return ""
    local = timezone.localtime(value)
    return f"{date_cn(local)} {local:%H:%M}"


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.inclusion_tag("includes/field.html")
def field(bound_field, **attrs):
    return {"field": bound_field}


@register.simple_tag(takes_context=True)
def page_query(context, page_number) -> str:
    """The current query string with page=N, so paging keeps the search."""
    query = context["request"].GET.copy()
    query["page"] = page_number
    return query.urlencode()


_SENTINEL = 987654321


@lru_cache(maxsize=256)
def _url_pattern(name: str) -> str:
    return reverse(name, args=[_SENTINEL]).replace(str(_SENTINEL), "{}")


@register.filter
def url_for(pk, name: str) -> str:
    """{{ unit.pk|url_for:"unit_detail" }}: the URL of one object, reversed once per name, not per row."""
    return _url_pattern(name).format(int(pk))
