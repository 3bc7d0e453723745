import datetime as dt
import json
from functools import lru_cache

from django import template
from django.template import defaulttags
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import mark_safe

from zhiban.lib.classification import is_classified
from zhiban.lib.dates import date_cn, minutes_words, plain_number
from zhiban.lib.registry import TOPBAR_COUNTS, topbar_counts

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
def minutes(value) -> str:
    """1440 -> 24小时: a span in words, never a bare count of minutes."""
    return minutes_words(value)


register.filter("plain_number", plain_number)


@register.filter
def in_pairs(value) -> str:
    """A narrow column's heading that may wrap only between pairs of characters, an odd one kept with
    the last pair (报送/条数, 被催报, 报送/不规范; never 迟/报)."""
    text = str(value)
    cuts = [*range(0, max(len(text) - 1, 1), 2), len(text)]
    chunks = [(text[a:b],) for a, b in zip(cuts, cuts[1:], strict=False) if text[a:b]]
    return format_html_join("", '<span class="nowrap">{}</span>', chunks)


@register.filter
def json_attr(value) -> str:
    """Data for a script to read from an attribute (data-chart="{{ x|json_attr }}"): JSON, escaped."""
    return conditional_escape(json.dumps(value, ensure_ascii=False, default=str))


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.inclusion_tag("includes/field.html")
def field(bound_field, **attrs):
    return {"field": bound_field}


_SENTINEL = 987654321


@lru_cache(maxsize=256)
def _url_pattern(name: str) -> str:
    return reverse(name, args=[_SENTINEL]).replace(str(_SENTINEL), "{}")


@register.filter
def url_for(pk, name: str) -> str:
    """{{ unit.pk|url_for:"unit_detail" }}: the URL of one object, reversed once per name, not per row."""
    return _url_pattern(name).format(int(pk))


# The top bar is on every page; built in Python it costs a tenth of the same markup as template tags.
# The top bar's parts, each for those who work in it: "duty" the duty records (duty roles and
# inspectors), "own" what every person of a unit has (their duty, exemptions, swaps), "org" the units,
# people and directory (people of a unit, the system and security administrators), "audit" the audit
# trail (the audit administrator alone, 三员分立).
_MODULES = (
    ("工作台", "home", None),
    ("排班", "roster_list", "own"),
    ("值班", "desk", "duty"),
    ("来电来访", "call_list", "duty"),
    ("事项", "matter_list", "duty"),
    ("突发事件", "event_list", "duty"),
    ("督查", "supervision_home", "duty"),
    ("档案", "archive_home", "duty"),
    ("单位", "unit_tree", "org"),
    ("人员", "person_list", "org"),
    ("通讯录", "contact_list", "org"),
    ("值班电话", "duty_lines", "org"),
    ("值班规则", "policy", "org"),
    ("培训", "training_list", "org"),
    ("审计", "audit_log", "audit"),
    ("安全", "security", "security"),
    ("备份", "backup_list", "backup"),
)


def _parts(scope) -> frozenset[str]:
    parts = {"audit"} if scope.read_audit else set()
    if scope.keep_security:
        parts.add("security")
    if scope.read_paths:
        parts.add("duty")
    if scope.person is not None:
        parts |= {"own", "org"}
    if scope.write_all or scope.manage_accounts:
        parts.add("org")
    if scope.write_all:
        parts.add("backup")
    return frozenset(parts)


@lru_cache(maxsize=64)
def _url(name: str) -> str:
    return reverse(name)


@lru_cache(maxsize=16)
def _module_links(parts: frozenset[str]) -> str:
    return "\n    ".join(
        format_html('<a href="{}">{}</a>', _url(name), label)
        for label, name, part in _MODULES
        if part is None or part in parts
    )


@register.simple_tag(takes_context=True)
def topbar(context) -> str:
    scope = context["scope"]
    unit = context["current_unit"]
    person = scope.person
    user = context["user"]
    name = person.name if person else (user.get_full_name() or user.username)
    counts = topbar_counts(person.pk if person else None)
    html = _topbar_html(name, unit.label if unit else None, counts, _parts(scope))
    # the CSRF token is masked afresh for each page: the only part not cached
    return mark_safe(html.replace(_CSRF_SLOT, conditional_escape(str(context["csrf_token"])), 1))


_CSRF_SLOT = "\x00csrf\x00"
CSRF_SLOT = _CSRF_SLOT  # for other cached fragments with a form in them


def _count_links(counts: tuple[int, ...]) -> str:
    """The registered counts (lib.registry: notify's 通知 and what later apps add), each a link."""
    return "\n    ".join(
        format_html(
            '<a href="{}" title="{}">{}{}</a>',
            _url(entry.url_name),
            entry.label,
            entry.label,
            format_html(' <span class="count">{}</span>', count) if count else "",
        )
        for entry, count in zip(TOPBAR_COUNTS, counts, strict=True)
    )


@lru_cache(maxsize=4096)
def _topbar_html(name: str, unit_label: str | None, counts: tuple[int, ...], parts: frozenset[str]) -> str:
    """Everything in the bar is one of these four values or a fixed URL, so it is built once per
    combination; a renamed person or unit is simply another key."""
    switch = (
        format_html('<a href="{}" title="切换单位">{} ▾</a>', _url("switch_unit"), unit_label)
        if unit_label
        else ""
    )
    return format_html(
        '<header class="topbar no-print">\n  <a class="brand" href="{}">政务值班管理平台</a>\n'
        '  <button type="button" class="menu-toggle" aria-expanded="false" aria-controls="topbar-menu">菜单</button>\n'
        '  <div class="topbar-menu" id="topbar-menu">\n'
        '  <nav class="modules" aria-label="模块">\n    {}\n  </nav>\n  {}<div class="who">\n    {}\n    {}\n    <a href="{}">{}</a>\n    <a href="{}">修改密码</a>\n    <a href="{}">二次验证</a>\n'
        '    <form method="post" action="{}" class="inline"><input type="hidden" name="csrfmiddlewaretoken" '
        'value="{}"><button class="link">退出</button></form>\n  </div>\n  </div>\n</header>',
        _url("home"),
        mark_safe(_module_links(parts)),
        _search_box() if "duty" in parts else "",
        switch,
        mark_safe(_count_links(counts)),
        _url("token_list"),
        name,
        _url("password_change"),
        _url("second_factor"),
        _url("logout"),
        mark_safe(_CSRF_SLOT),
    )


def _search_box() -> str:
    """B26: the information base from every page of the people who read duty records."""
    return format_html(
        '<form class="search" method="get" action="{}" role="search"><input type="search" name="q" '
        'placeholder="检索值班记录" aria-label="信息检索" maxlength="100"></form>\n  ',
        _url("search"),
    )


class _CachedURLNode(defaulttags.URLNode):
    """{% url 'name' %} without arguments is the same string on every request: reversed once."""

    def render(self, context):
        if self.args or self.kwargs or self.asvar:
            return super().render(context)
        name = self.view_name.resolve(context)
        return conditional_escape(_url(name)) if context.autoescape else _url(name)


@register.tag
def url(parser, token):
    node = defaulttags.url(parser, token)
    return _CachedURLNode(node.view_name, node.args, node.kwargs, node.asvar)


@register.simple_tag(name="static")
def cached_static(path: str) -> str:
    """{% static %} without a storage lookup per request (the manifest does not change while running)."""
    return _static_url(path)


@lru_cache(maxsize=256)
def _static_url(path: str) -> str:
    return static(path)


@register.simple_tag(takes_context=True)
def watermark(context, classification: str) -> str:
    """A2.7/B15: a classified record's page, on screen and printed, carries the reader's name and the
    moment it was opened across it (static CSS: the strict CSP allows no inline style)."""
    if not is_classified(classification):
        return ""
    user = context.get("user")
    scope = context.get("scope")
    person = getattr(scope, "person", None)
    name = person.name if person else (user.get_full_name() or user.get_username()) if user else ""
    stamp = f"{name} {timezone.localtime():%Y-%m-%d %H:%M} 涉密 注意保密"
    spans = format_html_join("", "<span>{}</span>", ((stamp,) for _ in range(24)))
    return format_html('<div class="watermark" aria-hidden="true">{}</div>', spans)


def readable(context, record) -> bool:
    """A2.7/B15: whether the reader of the page may read `record` (the scope's rule on a row in hand);
    a classified record on a page rendered without a reader is read by no one."""
    if not getattr(record, "classified", False):
        return True
    scope = context.get("scope")
    return scope is not None and scope.reads(record)


@register.simple_tag(takes_context=True)
def kept(context, record, text, instead=None) -> str:
    """{% kept call call.content %}: the text, or "秘密电话记录（内容不予显示）" where the reader may list
    the record but not read it (or `instead`, for a second column of the same row: "—")."""
    if readable(context, record):
        return text
    return record.hidden_label if instead is None else instead


@register.simple_tag(takes_context=True)
def record_link(context, record, name: str, text) -> str:
    """{% record_link m "matter_detail" m.title %}: a link to the record with its text, and its mark
    (秘密) where it is classified and the reader cleared for it; its stand-in without a link where the
    reader may not open it (nor who called or came: part of the record)."""
    if not readable(context, record):
        return record.hidden_label
    link = format_html('<a href="{}">{}</a>', url_for(record.pk, name), text)
    if getattr(record, "classified", False):
        return format_html('{} <span class="badge bad">{}</span>', link, record.get_classification_display())
    return link
