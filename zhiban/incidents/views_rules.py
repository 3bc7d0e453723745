"""The reporting rules by category and grade (B21/B29), the offices above the top of the system, and the
superior's chase-up list (催报)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from zhiban.incidents import forms, services
from zhiban.incidents.access import (
    chase_ups_of,
    event_q,
    get_office_for_user,
    get_rule_for_user,
    get_verification_for_user,
)
from zhiban.incidents.models import Deadline, Event, ExternalOffice, ReportingRule, VerificationRequest
from zhiban.incidents.rules import RuleTable
from zhiban.incidents.views import back
from zhiban.lib.forms import form_page
from zhiban.org.access import current_unit, duty_unit, get_unit_for_user, scope_for


# --- reporting rules -------------------------------------------------------------------------------
@login_required
def rules(request, pk=None):
    """The unit's deadlines by category and grade, each with where it comes from."""
    unit = get_unit_for_user(request.user, pk) if pk else current_unit(request)
    if unit is None:
        raise PermissionDenied("没有可查看的单位")
    table = RuleTable(unit)
    context = {
        "unit": unit,
        "grid": table.grid(),
        "policy": table.policy,
        "can_write": scope_for(request.user).can_write_unit(unit),
    }
    return render(request, "incidents/rules.html", context)


@login_required
def rule_edit(request, pk):
    """One row of the unit's own rules: a category (or a law's sub-kind) at one grade. Saving a row that
    is there already changes it."""
    unit = get_unit_for_user(request.user, pk, write=True)
    key = {k: request.GET.get(k, "") for k in ("category", "subkind", "grade")}
    own = ReportingRule.objects.filter(unit=unit, **key).first() if key["category"] else None
    if own is None and key["category"] in Event.Category.values:
        inherited = RuleTable(unit).rule(key["category"], key["subkind"], key["grade"])
        initial = {
            **key,
            "phone_minutes": inherited.phone_minutes,
            "written_minutes": inherited.written_minutes,
            "required": inherited.required,
            "followup_times": " ".join(f"{t:%H:%M}" for t in inherited.schedule.times),
            "followup_hours": inherited.schedule.hours,
            "basis": inherited.basis,
        }
    else:
        initial = {}
    form = forms.ReportingRuleForm(request.POST or None, instance=own, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with transaction.atomic():
            ReportingRule.objects.update_or_create(
                unit=unit,
                category=data["category"],
                subkind=data["subkind"],
                grade=data["grade"],
                defaults={
                    **{k: v for k, v in data.items() if k not in ("category", "subkind", "grade")},
                    "updated_by": scope_for(request.user).person,
                },
            )
        messages.success(request, f"已保存{unit.label}的报告时限规定")
        return redirect("reporting_rules_unit", unit.pk)
    return form_page(
        request, form, f"{unit.label} · 报告时限规定", reverse("reporting_rules_unit", args=[unit.pk])
    )


@login_required
@require_POST
def rule_delete(request, pk):
    """The unit's own row removed: the kind and grade follow the unit above again."""
    rule = get_rule_for_user(request.user, pk, write=True)
    unit = rule.unit
    rule.delete()
    messages.success(request, "已删除本单位的规定，改为沿用上级")
    return redirect("reporting_rules_unit", unit.pk)


# --- offices outside the system ------------------------------------------------------------------
@login_required
def offices(request):
    """Where the top unit's reports go: the offices above it outside the system (省政府总值班室)."""
    unit = current_unit(request)
    if unit is None:
        raise PermissionDenied("没有可查看的单位")
    context = {
        "unit": unit,
        "offices": ExternalOffice.objects.filter(unit=unit),
        "can_write": scope_for(request.user).can_write_unit(unit) and unit.parent_id is None,
    }
    return render(request, "incidents/offices.html", context)


@login_required
def office_edit(request, pk=None):
    if pk:
        office = get_office_for_user(request.user, pk, write=True)
        unit = office.unit
    else:
        unit = current_unit(request)
        if unit is None or not scope_for(request.user).can_write_unit(unit):
            raise PermissionDenied("只有值班室管理员可以登记")
        office = ExternalOffice(unit=unit)
    if unit.parent_id is not None:
        raise PermissionDenied("本单位在系统中有上级，报告报送系统中的上级值班机构")
    form = forms.ExternalOfficeForm(request.POST or None, instance=office)
    if request.method == "POST" and form.is_valid():
        if (
            ExternalOffice.objects.filter(unit=unit, name=form.cleaned_data["name"])
            .exclude(pk=office.pk)
            .exists()
        ):
            form.add_error("name", "已登记同名的上级值班机构")
        else:
            form.save()
            messages.success(request, "已保存")
            return redirect("external_offices")
    return form_page(request, form, "系统外上级值班机构", reverse("external_offices"))


@login_required
@require_POST
def office_delete(request, pk):
    office = get_office_for_user(request.user, pk, write=True)
    if office.reports.exists():
        messages.error(request, f"已有报告报送{office.name}，不能删除（记录须保留）")
    else:
        office.delete()
        messages.success(request, "已删除")
    return redirect("external_offices")


# --- chase-ups ---------------------------------------------------------------------------------------
@login_required
def chase_list(request):
    """催报: for the units below, every report due soon or overdue and every verification request not
    answered, each with one button; and the chase-ups this office has sent and received."""
    unit = duty_unit(request)
    scope = scope_for(request.user)
    now = timezone.now()
    below = Q(event__unit__path__startswith=unit.path) & ~Q(event__unit=unit) & event_q(scope, "event__")
    # every report still owed (a 漏报 too: it can still be made) and due within its event's warning time
    owed = Deadline.objects.filter(below, met_at=None, event__state=Event.State.OPEN)
    warning = owed.aggregate(most=Max("event__warning_minutes"))["most"] or 0
    due = owed.filter(due_at__lte=now + timezone.timedelta(minutes=warning)).select_related("event__unit")
    soon = [
        d
        for d in due.order_by("due_at")
        if d.due_at <= now + timezone.timedelta(minutes=d.event.warning_minutes)
    ]
    asked = (
        VerificationRequest.objects.filter(to_unit__path__startswith=unit.path)
        .exclude(to_unit=unit)
        .filter(Q(phone_replied_at=None) | Q(written_replied_at=None))
        .select_related("to_unit", "from_unit")
        .order_by("phone_due_at")[:200]
    )
    last = {}
    for chase in chase_ups_of(scope).filter(from_unit=unit, at__gte=now - timezone.timedelta(days=2)):
        last.setdefault(("d", chase.deadline_id) if chase.deadline_id else ("r", chase.request_id), chase)
    context = {
        "unit": unit,
        "now": now,
        "deadlines": [(d, last.get(("d", d.pk))) for d in soon],
        "requests": [(r, last.get(("r", r.pk))) for r in asked],
        "may_chase": scope.acts_as(unit),
        "received": chase_ups_of(scope).filter(to_unit=unit).select_related("from_unit", "event")[:20],
        "sent": chase_ups_of(scope).filter(from_unit=unit).select_related("to_unit", "event")[:20],
    }
    return render(request, "incidents/chase_list.html", context)


@login_required
@require_POST
def verification_chase(request, pk):
    asked = get_verification_for_user(request.user, pk)
    unit = duty_unit(request)
    if not scope_for(request.user).acts_as(unit) or not asked.to_unit.path.startswith(unit.path):
        raise PermissionDenied("只有上级值班机构可以催报")
    try:
        services.chase_up(unit, scope_for(request.user).person, request=asked)
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    else:
        messages.success(request, f"已向{asked.to_unit.label}催报")
    return redirect(back(request, reverse("chase_list")))
