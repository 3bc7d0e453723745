import datetime as dt

from django import template
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
