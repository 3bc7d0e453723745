"""Pages of the contacts directory, duty lines and the duty policy."""

from __future__ import annotations

from dataclasses import replace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from zhiban.audit.trail import history
from zhiban.lib.downloads import xlsx_download
from zhiban.lib.forms import form_page
from zhiban.lib.paging import page_number, paginate
from zhiban.lib.xlsx import write_table
from zhiban.org.access import (
    current_unit,
    get_contact_for_user,
    get_duty_line_for_user,
    get_filing_for_user,
    get_unit_for_user,
    scope_for,
    scope_key,
    writable_unit,
)
from zhiban.org.caching import GenerationCache
from zhiban.org.contacts import search_page, visible_contacts, with_shown_numbers
from zhiban.org.forms import ContactForm, ContactNumberFormSet, DutyLineForm, NumberChangeForm, PolicyForm
from zhiban.org.fragments import contact_rows
from zhiban.org.models import Contact, ContactNumber, DutyLine, DutyNumberFiling, DutyPolicy, Unit
from zhiban.org.pickers import PICK_LIMIT, People, Units, person_label, search, search_units, unit_label
from zhiban.org.policy import POLICY_DEFAULTS, PolicyValue, effective_policy
from zhiban.org.services import duty_number_change_file
from zhiban.org.views import require_write

# --- contacts -----------------------------------------------------------------------------------------

SEARCH_PAGE = 20
# (scope key, query as typed, page, whole page or rows only) -> html
_searches = GenerationCache(size=2000)


@login_required
def contact_list(request):
    """Search as you type. No total count (it would cost more than the page): a page of SEARCH_PAGE rows
    and whether there is a next one. The page body is cached per viewer scope and data generation; it
    holds nothing of the request but the query (links carry q and page only)."""
    scope = scope_for(request.user)
    query = request.GET.get("q", "")
    number = page_number(request.GET.get("page"))
    rows_only = bool(request.htmx)

    def build() -> str:
        page = search_page(scope, query, number, SEARCH_PAGE)
        context = {
            "rows_html": contact_rows(page.rows),
            "page": page,
            "list_url": reverse("contact_list"),
            "q": query,
            "can_write": scope.can_write,
        }
        return render_to_string("org/_contact_rows.html" if rows_only else "org/_contact_page.html", context)

    body = _searches.get_or_build((scope_key(scope), query, number, rows_only), build)
    if rows_only:
        return HttpResponse(body)
    return render(request, "org/contact_list.html", {"body": body})


@login_required
def contact_print(request):
    """A4 list of the whole directory in view, as posted in the duty room."""
    scope = scope_for(request.user)
    contacts = visible_contacts(scope, request.GET.get("q", "")).order_by("unit__path", "order", "id")
    page = paginate(request, contacts, PRINT_PAGE)
    if not page.rows and page.number > 1:
        raise Http404  # past the last part
    first = (page.number - 1) * PRINT_PAGE + 1
    context = {
        "rows": with_shown_numbers(page.rows, scope),
        "page": page,
        "first": first,
        "last": first + len(page.rows) - 1,
        "now": timezone.now(),
    }
    return render(request, "org/contact_print.html", context)


# A city's directory (4,500 entries) is printed in parts of this many rows, each part saying which rows
# it holds and that more follow: never cut off without a word.
PRINT_PAGE = 1000


@login_required
def contact_export(request):
    """?audience=outside leaves every internal-only number out, whoever exports (A1.7)."""
    scope = scope_for(request.user)
    outside = request.GET.get("audience") == "outside"
    contacts = visible_contacts(scope, request.GET.get("q", "")).order_by("unit__path", "order", "id")
    rows = [
        [
            c.unit.name,
            c.get_kind_display(),
            c.name,
            c.organisation,
            c.position,
            "；".join(f"{n.get_label_display()} {n.number}" for n in c.shown),
            c.note,
        ]
        for c in with_shown_numbers(contacts, scope, for_outside=outside)
    ]
    data = write_table(
        "通讯录",
        ["所属单位", "类别", "名称/姓名", "单位/部门", "职务", "电话", "备注"],
        rows,
        widths=[20, 8, 14, 20, 14, 40, 20],
    )
    return xlsx_download(data, "contacts-outside.xlsx" if outside else "contacts.xlsx")


@login_required
def contact_detail(request, pk):
    contact = get_contact_for_user(request.user, pk)
    scope = scope_for(request.user)
    with_shown_numbers([contact], scope)
    return render(
        request,
        "org/contact_detail.html",
        {
            "contact": contact,
            "can_write": scope.can_write_unit(contact.unit),
            "history": history(contact)[:50],
        },
    )


def _contact_form(request, contact: Contact, title: str, cancel_url: str):
    scope = scope_for(request.user)
    form = ContactForm(
        request.POST or None,
        instance=contact,
        units=scope.units(write=True),
        initial={"unit": current_unit(request)} if contact.pk is None else None,
    )
    visible = ContactNumber.objects.filter(contact=contact) if contact.pk else ContactNumber.objects.none()
    if contact.pk and not scope.is_member_of(contact.unit_id):
        visible = visible.filter(internal_only=False)
    numbers = ContactNumberFormSet(request.POST or None, instance=contact, prefix="numbers", queryset=visible)
    if request.method == "POST" and form.is_valid() and numbers.is_valid():
        with transaction.atomic():
            contact = form.save()
            numbers.instance = contact
            numbers.save()
        messages.success(request, "已保存")
        return redirect("contact_detail", contact.pk)
    return render(
        request,
        "org/contact_form.html",
        {"form": form, "numbers": numbers, "title": title, "cancel_url": cancel_url},
    )


@login_required
def contact_create(request):
    require_write(request)
    return _contact_form(request, Contact(), "新增通讯录条目", reverse("contact_list"))


@login_required
def contact_edit(request, pk):
    contact = get_contact_for_user(request.user, pk, write=True)
    return _contact_form(request, contact, f"修改：{contact.name}", reverse("contact_detail", args=[pk]))


@login_required
@require_POST
def contact_delete(request, pk):
    contact = get_contact_for_user(request.user, pk, write=True)
    contact.delete()
    messages.success(request, f"已删除：{contact.name}")
    return redirect("contact_list")


# --- duty lines and the filing of a changed 24-hour number (B23) ---------------------------------------


@login_required
def duty_lines(request):
    unit = current_unit(request)
    scope = scope_for(request.user)
    if unit is None:
        raise PermissionDenied("没有可查看的单位")
    policy = effective_policy(unit)
    below = (
        Unit.objects.filter(scope.subtree_q(), path__startswith=unit.path)
        .exclude(pk=unit.pk)
        .exclude(kind="department")
        .order_by("path")[:200]
    )
    lines_below = {}
    for line in DutyLine.objects.filter(unit__in=below, active=True):
        lines_below.setdefault(line.unit_id, []).append(line)
    overview = [
        (u, lines_below.get(u.pk, []), sum(1 for x in lines_below.get(u.pk, []) if x.kind == "fixed"))
        for u in below
    ]
    lines = list(unit.duty_lines.all())
    context = {
        "unit": unit,
        "lines": lines,
        "fixed_count": sum(1 for x in lines if x.active and x.kind == DutyLine.Kind.FIXED),
        "min_fixed": policy.min_fixed_lines,
        "overview": overview,
        "filed": DutyNumberFiling.objects.filter(unit=unit).select_related("superior")[:20],
        "received": (
            DutyNumberFiling.objects.filter(superior=unit).select_related("unit")[:50]
            if scope.oversees(unit)
            else []
        ),
        "can_write": scope.can_write_unit(unit),
    }
    return render(request, "org/duty_lines.html", context)


@login_required
def duty_line_create(request):
    unit = writable_unit(request)
    form = DutyLineForm(request.POST or None, instance=DutyLine(unit=unit))
    if form.is_valid():
        if (
            form.cleaned_data["kind"] == DutyLine.Kind.HOTLINE_24H
            and unit.duty_lines.filter(kind=DutyLine.Kind.HOTLINE_24H, active=True).exists()
        ):
            form.add_error("kind", "已有24小时值班电话；如需更换，请用“变更并报备”")
        else:
            form.save()
            messages.success(request, "已添加")
            return redirect("duty_lines")
    return form_page(request, form, "添加值班电话", reverse("duty_lines"))


@login_required
def duty_line_edit(request, pk):
    line = get_duty_line_for_user(request.user, pk, write=True)
    form = DutyLineForm(request.POST or None, instance=line)
    form.fields["kind"].disabled = True
    if line.kind == DutyLine.Kind.HOTLINE_24H:
        for name in ("number", "active"):
            form.fields[name].disabled = True
        form.fields["number"].help_text = "24小时值班电话不得随意改变，变更须用“变更并报备”报上级值班机构备案"
    if form.is_valid():
        form.save()
        messages.success(request, "已保存")
        return redirect("duty_lines")
    return form_page(request, form, f"修改：{line}", reverse("duty_lines"))


@login_required
def duty_number_change(request):
    """B23: the new 24-hour number takes effect together with its filing with the superior duty office."""
    unit = writable_unit(request)
    scope = scope_for(request.user)
    form = NumberChangeForm(request.POST or None)
    if form.is_valid():
        duty_number_change_file(
            unit, form.cleaned_data["new_number"], form.cleaned_data["reason"], scope.person
        )
        messages.success(request, "已变更，并报上级值班机构备案")
        return redirect("duty_lines")
    return form_page(request, form, "变更24小时值班电话并报备", reverse("duty_lines"))


def _acts_for_superior(scope, filing: DutyNumberFiling) -> bool:
    return filing.superior is not None and scope.acts_for_unit(filing.superior)


@login_required
def filing_detail(request, pk):
    filing = get_filing_for_user(request.user, pk)
    can_ack = filing.acknowledged_at is None and _acts_for_superior(scope_for(request.user), filing)
    return render(
        request,
        "org/filing_detail.html",
        {"filing": filing, "can_ack": can_ack, "history": history(filing)[:20]},
    )


@login_required
@require_POST
def filing_acknowledge(request, pk):
    filing = get_filing_for_user(request.user, pk)
    scope = scope_for(request.user)
    if not _acts_for_superior(scope, filing):
        raise PermissionDenied("只有上级值班机构可以确认备案")
    filing.acknowledge(scope.person)
    messages.success(request, "已确认备案")
    return redirect("filing_detail", filing.pk)


# --- duty policy (B29) --------------------------------------------------------------------------------


@login_required
def policy(request, pk=None):
    unit = get_unit_for_user(request.user, pk) if pk else current_unit(request)
    if unit is None:
        raise PermissionDenied("没有可查看的单位")
    scope = scope_for(request.user)
    return render(
        request,
        "org/policy.html",
        {"unit": unit, "policy": effective_policy(unit), "can_write": scope.can_write_unit(unit)},
    )


@login_required
def policy_edit(request, pk):
    unit = get_unit_for_user(request.user, pk, write=True)
    own = DutyPolicy.objects.filter(unit=unit).first() or DutyPolicy(unit=unit)
    if unit.parent_id:
        inherited = effective_policy(unit.parent).values
    else:
        inherited = {name: PolicyValue(name, "", value, None) for name, value in POLICY_DEFAULTS.items()}
    form = PolicyForm(request.POST or None, instance=own, inherited=inherited)
    if form.is_valid():
        form.save()
        messages.success(request, "已保存值班工作规则")
        return redirect("policy_unit", unit.pk)
    return form_page(request, form, f"{unit.label}值班工作规则", reverse("policy_unit", args=[unit.pk]))


# --- person and unit pickers ------------------------------------------------------------------------
@login_required
def person_pick(request):
    """The results of a person picker's search (org.pickers): the people its field offers, as signed
    into the page, that match what was typed; a field over units outside one's scope is not found."""
    people = People.from_token(request.GET.get("src", ""))
    scope = scope_for(request.user)
    units = list(Unit.objects.filter(pk__in=people.unit_ids)) if people else []
    if not units or len(units) != len(set(people.unit_ids)) or not all(scope.can_read_unit(u) for u in units):
        raise Http404
    query = request.GET.get("q", "")[:50]
    found = list(search(replace(people, units=tuple(units)).queryset(), query)[: PICK_LIMIT + 1])
    options = [(p.pk, person_label(p)) for p in found]
    return _pick_results(request, options, query, "请输入姓名、拼音首字母或职务", "人")


@login_required
def unit_pick(request):
    """The results of a unit picker's search (org.pickers): the units its field offers, as signed into
    the page, that match what was typed; units a person may not search are not found."""
    offered = Units.from_token(request.GET.get("src", ""))
    units = offered.searchable_by(scope_for(request.user)) if offered else None
    if units is None:
        raise Http404
    query = request.GET.get("q", "")[:50]
    found = list(search_units(units.queryset(), query)[: PICK_LIMIT + 1])
    options = [(u.pk, unit_label(u)) for u in found]
    return _pick_results(request, options, query, "请输入单位名称、简称或拼音首字母", "个单位")


def _pick_results(request, options: list, query: str, hint: str, counted: str):
    context = {
        "options": options[:PICK_LIMIT],
        "more": len(options) > PICK_LIMIT,
        "query": query.strip(),
        "hint": hint,
        "counted": counted,
    }
    return render(request, "org/_pick_results.html", context)
