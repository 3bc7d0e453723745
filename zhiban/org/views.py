"""Pages of the organisation: home, unit switch, the unit tree, people, roles, accounts, training."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from zhiban.audit.trail import history
from zhiban.lib.downloads import xlsx_download
from zhiban.lib.forms import form_page
from zhiban.lib.paging import paginate
from zhiban.lib.pinyin import normalise
from zhiban.lib.xlsx import write_table
from zhiban.org import imports, services
from zhiban.org.access import (
    current_unit,
    get_person_for_user,
    get_training_for_user,
    get_unit_for_user,
    may_manage_person,
    scope_for,
    scope_key,
)
from zhiban.org.caching import GenerationCache
from zhiban.org.contacts import with_shown_mobiles
from zhiban.org.forms import AccountForm, ImportForm, PersonForm, RoleForm, TrainingForm, UnitForm
from zhiban.org.fragments import unit_nodes
from zhiban.org.models import DutyLine, DutyNumberFiling, Person, RoleAssignment, TrainingRecord, Unit
from zhiban.org.policy import effective_policies, effective_policy
from zhiban.org.training import clearance_problem


def require_write(request) -> None:
    if not scope_for(request.user).can_write:
        raise PermissionDenied("只读权限，不能修改")


def healthz(request):
    """A bare view: liveness for the load balancer, and bench/web.py's baseline."""
    return HttpResponse("ok", content_type="text/plain")


def _unit_statistics(unit) -> dict:
    """The organisation's figures (moved here from the home page, which is now the person's desk)."""
    subtree = unit.subtree()
    policy = effective_policy(unit)
    lines = list(DutyLine.objects.filter(unit=unit, active=True))
    fixed = sum(1 for line in lines if line.kind == DutyLine.Kind.FIXED)
    return {
        "unit": unit,
        "units_below": subtree.count() - 1,
        "people": Person.objects.filter(unit__in=subtree, active=True).count(),
        "fixed_lines": fixed,
        "min_fixed_lines": policy.min_fixed_lines,
        "has_24h": any(line.kind == DutyLine.Kind.HOTLINE_24H for line in lines),
        "pending_filings": DutyNumberFiling.objects.filter(superior=unit, acknowledged_at=None).count(),
    }


@login_required
def switch_unit(request):
    """A superior duty office works as any unit of its subtree: pick one (governments first, searchable)."""
    if request.method == "POST":
        unit = get_unit_for_user(request.user, request.POST.get("unit"))
        request.session["unit_id"] = unit.pk
        return redirect("home")
    units = scope_for(request.user).units().filter(active=True).order_by("path")
    query = request.GET.get("q", "").strip()
    units = units.filter(name__contains=query) if query else units.exclude(kind=Unit.Kind.DEPARTMENT)
    return render(request, "org/switch_unit.html", {"page": paginate(request, units, 100), "q": query})


# --- units --------------------------------------------------------------------------------------------


@login_required
def unit_tree(request):
    """Top of the tree in scope; children load on demand (htmx), so a 500-unit city stays fast."""
    scope = scope_for(request.user)
    with_inactive = bool(request.GET.get("all"))

    def build():
        roots = (
            Unit.objects.filter(parent=None)
            if scope.all_units
            else Unit.objects.filter(path__in=scope.root_paths)
        )
        if not with_inactive:
            roots = roots.filter(active=True)
        return unit_nodes(_with_child_counts(roots), scope.can_write)

    nodes = _trees.get_or_build((scope_key(scope), "roots", with_inactive), build)
    unit = current_unit(request)
    minute = timezone.localtime().replace(second=0, microsecond=0)  # the figures at most a minute old
    stats = _trees.get_or_build((unit.pk, "stats", minute), lambda: _unit_statistics(unit)) if unit else None
    context = {"nodes": nodes, "can_write": scope.can_write, "stats": stats}
    return render(request, "org/unit_tree.html", context)


def _with_child_counts(queryset):
    return queryset.annotate(child_count=Count("children")).order_by("order", "id")


@login_required
def unit_children(request, pk):
    scope = scope_for(request.user)

    def build():  # get_unit_for_user raises 404 for a unit out of scope, and then nothing is cached
        unit = get_unit_for_user(request.user, pk)
        return unit_nodes(_with_child_counts(unit.children.all()), scope.can_write)

    # a fragment cached under this scope key was built after that same access check
    return HttpResponse(_trees.get_or_build((scope_key(scope), pk), build))


_trees = GenerationCache(size=2000)  # (scope key, unit id or "roots", with inactive) -> <li> nodes


@login_required
def unit_detail(request, pk):
    unit = get_unit_for_user(request.user, pk)
    scope = scope_for(request.user)
    context = {
        "unit": unit,
        "ancestors": [u for u in unit.ancestors() if scope.can_read_unit(u)],
        "children": unit.children.order_by("order", "id"),
        "lines": unit.duty_lines.all(),
        "policy": effective_policy(unit),
        "people_count": unit.people.filter(active=True).count(),
        "can_write": scope.can_write_unit(unit),
        "history": history(unit)[:50],
    }
    return render(request, "org/unit_detail.html", context)


@login_required
def unit_create(request):
    require_write(request)
    scope = scope_for(request.user)
    parent_id = request.GET.get("parent")
    initial = {"parent": get_unit_for_user(request.user, parent_id, write=True)} if parent_id else {}
    form = UnitForm(request.POST or None, initial=initial, parents=scope.units(write=True))
    if form.is_valid():
        if form.cleaned_data["parent"] is None and not scope.write_all:
            form.add_error("parent", "请选择上级单位")
        else:
            unit = form.save()
            messages.success(request, f"已新增单位：{unit.name}")
            return redirect("unit_detail", unit.pk)
    return form_page(request, form, "新增单位", reverse("unit_tree"))


@login_required
def unit_edit(request, pk):
    unit = get_unit_for_user(request.user, pk, write=True)
    scope = scope_for(request.user)
    parents = scope.units(write=True).exclude(pk=unit.pk) | Unit.objects.filter(pk=unit.parent_id)
    form = UnitForm(request.POST or None, instance=unit, parents=parents.distinct())
    if form.is_valid():
        if form.cleaned_data["parent"] is None and not scope.write_all:
            form.add_error("parent", "请选择上级单位")
        else:
            with transaction.atomic():
                form.save()
            messages.success(request, "已保存")
            return redirect("unit_detail", unit.pk)
    return form_page(request, form, f"修改单位：{unit.name}", reverse("unit_detail", args=[unit.pk]))


@login_required
@require_POST
def unit_move(request, pk):
    """Reorder among siblings: swap places with the neighbour above (direction=up) or below."""
    unit = get_unit_for_user(request.user, pk, write=True)
    scope = scope_for(request.user)
    if unit.parent is None or not scope.can_write_unit(unit.parent):
        raise PermissionDenied("同级单位的排序由上级单位管理")
    services.unit_reorder(unit, request.POST.get("direction"))
    if request.htmx and unit.parent_id:
        return unit_children(request, unit.parent_id)
    return redirect("unit_tree")


@login_required
def unit_import(request):
    require_write(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if form.is_valid():
        result = imports.import_units(form.cleaned_data["file"].read(), scope_for(request.user))
        if result.ok:
            messages.success(request, f"已导入 {result.created} 个单位")
            return redirect("unit_tree")
    return render(
        request,
        "org/import.html",
        {
            "form": form,
            "result": result,
            "title": "导入单位",
            "columns": imports.UNIT_COLUMNS,
            "template_url": reverse("unit_import_template"),
        },
    )


@login_required
def unit_import_template(request):
    data = write_table(
        "单位",
        imports.UNIT_COLUMNS,
        [["示例县应急管理局", "县应急局", "部门（单位）", "示例县人民政府", "10", ""]],
    )
    return xlsx_download(data, "unit-import-template.xlsx")


# --- people -------------------------------------------------------------------------------------------


def _people_queryset(request):
    scope = scope_for(request.user)
    people = Person.objects.filter(scope.unit_q("unit__")).select_related("unit")
    unit = current_unit(request)
    if unit is not None and request.GET.get("scope") != "all":
        people = people.filter(unit__path__startswith=unit.path)
    if request.GET.get("inactive") != "1":
        people = people.filter(active=True)
    query = normalise(request.GET.get("q", ""))
    if query:
        # a mobile finds its person only where the number may be shown (A1.7: inside the person's unit)
        by_mobile = Q(mobile__startswith=query, unit_id__in=scope.member_unit_ids)
        people = people.filter(Q(search_text__contains=query) | by_mobile | Q(position__contains=query))
    return people.order_by("unit__path", "order", "id")


@login_required
def person_list(request):
    page = paginate(request, _people_queryset(request))
    page.rows = with_shown_mobiles(page.rows, scope_for(request.user))
    template = "org/_person_rows.html" if request.htmx else "org/person_list.html"
    return render(
        request,
        template,
        {"page": page, "q": request.GET.get("q", ""), "can_write": scope_for(request.user).can_write},
    )


@login_required
def person_detail(request, pk):
    person = get_person_for_user(request.user, pk)
    scope = scope_for(request.user)
    today = timezone.localdate()
    with_shown_mobiles([person], scope)
    context = {
        "person": person,
        "email_shown": person.user.email if person.user and not person.mobile_hidden else "",
        "roles": person.roles.select_related("unit"),
        "trainings": person.trainings.all(),
        "clearance": clearance_problem(person, today),
        "can_write": scope.can_write_unit(person.unit),
        "can_manage_account": may_manage_person(scope, person),
        "history": history(person)[:50],
    }
    return render(request, "org/person_detail.html", context)


@login_required
def person_create(request):
    require_write(request)
    units = scope_for(request.user).units(write=True)
    unit = current_unit(request)
    form = PersonForm(request.POST or None, units=units, initial={"unit": unit})
    if form.is_valid():
        person = form.save()
        messages.success(request, f"已新增人员：{person.name}")
        return redirect("person_detail", person.pk)
    return form_page(request, form, "新增人员", reverse("person_list"))


@login_required
def person_edit(request, pk):
    person = get_person_for_user(request.user, pk, write=True)
    if not may_manage_person(scope_for(request.user), person):
        raise PermissionDenied("此人在上级单位担任角色或为系统管理账号，请由上级值班室管理员修改")
    scope = scope_for(request.user)
    form = PersonForm(
        request.POST or None,
        instance=person,
        units=scope.units(write=True),
        mobile_visible=bool(with_shown_mobiles([person], scope)[0].shown_mobile) or not person.mobile,
    )
    if form.is_valid():
        form.save()
        messages.success(request, "已保存")
        return redirect("person_detail", person.pk)
    return form_page(request, form, f"修改人员：{person.name}", reverse("person_detail", args=[person.pk]))


@login_required
def role_add(request, pk):
    person = get_person_for_user(request.user, pk, write=True)
    ancestors = [*person.unit.ancestor_ids(), person.unit_id]
    units = scope_for(request.user).units(write=True).filter(pk__in=ancestors)
    form = RoleForm(request.POST or None, person=person, units=units)
    if form.is_valid():
        form.save()
        messages.success(request, "已添加角色")
        return redirect("person_detail", person.pk)
    return form_page(request, form, f"为{person.name}添加角色", reverse("person_detail", args=[person.pk]))


@login_required
@require_POST
def role_remove(request, pk, role_pk):
    person = get_person_for_user(request.user, pk, write=True)
    assignment = get_object_or_404(RoleAssignment.objects.select_related("unit"), pk=role_pk, person=person)
    if not scope_for(request.user).can_write_unit(assignment.unit):
        raise PermissionDenied("不能移除在您管理范围以外单位担任的角色")
    assignment.delete()
    messages.success(request, "已移除角色")
    return redirect("person_detail", person.pk)


@login_required
def person_account(request, pk):
    """Create or reset a person's login (security administrator or the unit's duty-office administrator)."""
    person = get_person_for_user(request.user, pk)
    if not may_manage_person(scope_for(request.user), person):
        raise PermissionDenied("只读权限，不能修改")
    form = AccountForm(
        request.POST or None, person=person, initial={"username": person.user.username if person.user else ""}
    )
    if form.is_valid():
        services.account_set(person, form.cleaned_data["username"], form.cleaned_data["password"])
        messages.success(request, f"已设置{person.name}的登录账号")
        return redirect("person_detail", person.pk)
    return form_page(request, form, f"{person.name}的登录账号", reverse("person_detail", args=[person.pk]))


@login_required
def person_import(request):
    require_write(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if form.is_valid():
        result = imports.import_people(form.cleaned_data["file"].read(), scope_for(request.user))
        if result.ok:
            messages.success(request, f"已导入：新增 {result.created} 人，更新 {result.updated} 人")
            return redirect("person_list")
    return render(
        request,
        "org/import.html",
        {
            "form": form,
            "result": result,
            "title": "导入人员",
            "columns": imports.PERSON_COLUMNS,
            "template_url": reverse("person_export"),
        },
    )


@login_required
def person_export(request):
    people = with_shown_mobiles(_people_queryset(request).prefetch_related("roles"), scope_for(request.user))
    rows = [
        [
            p.name,
            p.get_gender_display(),
            p.unit.name,
            p.position,
            p.rank,
            p.shown_mobile,
            p.office_phone,
            "是" if p.is_established else "否",
            "是" if p.duty_eligible else "否",
            "、".join(sorted({r.get_role_display() for r in p.roles.all()})),
        ]
        for p in people
    ]
    return xlsx_download(write_table("人员", imports.PERSON_COLUMNS, rows), "people.xlsx")


# --- training (B16) -----------------------------------------------------------------------------------


@login_required
def training_list(request):
    """Who in the current unit is cleared for duty today, and why not."""
    unit = current_unit(request)
    scope = scope_for(request.user)
    today = timezone.localdate()
    people = Person.objects.filter(scope.unit_q("unit__"), active=True).select_related("unit")
    if unit is not None:
        people = people.filter(unit__path__startswith=unit.path)
    people = (
        people.filter(roles__role__in=["duty_staff", "leader"])
        .distinct()
        .order_by("unit__path", "order", "id")
        .prefetch_related("trainings")
    )
    page = paginate(request, people)
    policies = effective_policies([p.unit for p in page] + ([unit] if unit else []))
    rows = [
        (person, clearance_problem(person, today, policies[person.unit_id].training_valid_months))
        for person in page
    ]
    valid_months = policies[unit.pk].training_valid_months if unit else None
    return render(
        request,
        "org/training_list.html",
        {"page": page, "rows": rows, "today": today, "valid_months": valid_months},
    )


@login_required
def training_create(request, pk):
    person = get_person_for_user(request.user, pk, write=True)
    form = TrainingForm(request.POST or None, instance=TrainingRecord(person=person))
    if form.is_valid():
        form.save()
        messages.success(request, "已登记培训记录")
        return redirect("person_detail", person.pk)
    return form_page(request, form, f"登记{person.name}的培训", reverse("person_detail", args=[person.pk]))


@login_required
@require_POST
def training_delete(request, pk):
    record = get_training_for_user(request.user, pk, write=True)
    person_pk = record.person_id
    record.delete()
    messages.success(request, "已删除培训记录")
    return redirect("person_detail", person_pk)
