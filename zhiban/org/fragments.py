"""The two fragments every duty officer loads all day, the unit tree and the directory search, rendered
in Python (format_html escapes every value) and cached per data generation.

A template tag costs some 15 µs per variable; a 50-row directory page was 30 ms of template work. Here
a row is one format string. Both fragments change only when units, people, roles or contacts change,
and every such change raises the data generation (access.GenerationCache), so a cached fragment is
never stale in any worker process."""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from zhiban.lib.templatetags.zhiban import url_for
from zhiban.org.models import Contact, ContactNumber, Unit

_TOGGLE = '<button class="toggle" hx-get="{}" hx-target="#children-{}" aria-label="展开下级">▸</button>'
_MOVE = (
    '<span class="no-print"><button class="link" hx-post="{0}" hx-vals=\'{{"direction": "up"}}\' '
    'hx-target="#children-{1}" title="上移">↑</button><button class="link" hx-post="{0}" '
    'hx-vals=\'{{"direction": "down"}}\' hx-target="#children-{1}" title="下移">↓</button></span>'
)
_KINDS = dict(Unit.Kind.choices)
_NUMBER_LABELS = dict(ContactNumber.Label.choices)
_CONTACT_KINDS = dict(Contact.Kind.choices)


def unit_nodes(units, can_write: bool) -> SafeString:
    """<li> nodes of the tree; `units` carry `child_count`. Children load on demand (htmx)."""
    return mark_safe("".join(_unit_node(u, can_write) for u in units))


def _unit_node(unit: Unit, can_write: bool) -> str:
    pk = unit.pk
    count = unit.child_count
    toggle = (
        format_html(_TOGGLE, url_for(pk, "unit_children"), pk) if count else '<span class="toggle">·</span>'
    )
    kind = (
        _KINDS.get(unit.kind, unit.kind)
        + (f" · 下级{count}个" if count else "")
        + ("" if unit.active else " · 已停用")
    )
    move = (
        format_html(_MOVE, url_for(pk, "unit_move"), unit.parent_id) if can_write and unit.parent_id else ""
    )
    return format_html(
        '<li id="unit-{}">\n  {}\n  <a href="{}">{}</a> <span class="kind">{}</span>\n  {}\n'
        '  <ul id="children-{}"></ul>\n</li>',
        pk,
        mark_safe(toggle),
        url_for(pk, "unit_detail"),
        unit.name,
        kind,
        mark_safe(move),
        pk,
    )


def contact_rows(rows: list[Contact]) -> SafeString:
    """The table rows of a directory page; each contact carries `shown` and `hidden_count`
    (contacts.with_shown_numbers), so internal-only numbers never reach this code for an outsider."""
    if not rows:
        return mark_safe('<tr><td colspan="5" class="muted">没有找到</td></tr>')
    return format_html_join("\n", "{}", ((_contact_row(c),) for c in rows))


def _contact_row(contact: Contact) -> SafeString:
    numbers = format_html_join(
        "",
        "<div>{} {}{}</div>",
        (
            (
                _NUMBER_LABELS.get(n.label, n.label),
                n.number,
                mark_safe(' <span class="badge warn">内部</span>') if n.internal_only else "",
            )
            for n in contact.shown
        ),
    )
    hidden = (
        format_html('<div class="muted">另有{}个内部号码不对外提供</div>', contact.hidden_count)
        if contact.hidden_count
        else ""
    )
    return format_html(
        '<tr><td><a href="{}">{}</a> <span class="badge">{}</span></td>\n<td>{}</td><td>{}</td>'
        "<td>{}{}</td>\n<td>{}</td></tr>",
        url_for(contact.pk, "contact_detail"),
        contact.name,
        _CONTACT_KINDS.get(contact.kind, contact.kind),
        contact.organisation,
        contact.position,
        numbers,
        hidden,
        contact.unit.label,
    )
