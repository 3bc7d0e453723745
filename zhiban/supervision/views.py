"""Supervision pages (RULES §6): spot checks, roll calls, inspections, circulars, rectification, the
ledger with its appeals, commendations and the statistics. A superior office and its inspectors work
here on the units below; a unit reads and answers what concerns itself."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.http import HttpResponse
from django.middleware import csrf
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import conditional_escape
from django.views.decorators.http import require_POST

from zhiban.audit.trail import record_read
from zhiban.incidents.models import Report
from zhiban.incidents.views import back, posted_from
from zhiban.lib.attachments import attachment_fields
from zhiban.lib.dates import date_range
from zhiban.lib.downloads import docx_download, xlsx_download
from zhiban.lib.forms import add_errors
from zhiban.lib.paging import paginate
from zhiban.lib.polling import background_poll
from zhiban.lib.registry import topbar_counts
from zhiban.lib.templatetags.zhiban import CSRF_SLOT
from zhiban.lib.xlsx import write_table
from zhiban.org.access import current_unit, duty_q, duty_unit, fetch, scope_for
from zhiban.org.caching import GenerationCache
from zhiban.org.models import Role, Unit
from zhiban.org.policy import effective_policy
from zhiban.org.roles import holds_role
from zhiban.supervision import forms, services, stats
from zhiban.supervision.access import (
    OFFICE_ROLES,
    circular_q,
    commendation_q,
    get_circular_for_user,
    get_entry_for_user,
    get_evidence_for_user,
    get_inspection_for_user,
    get_rectification_for_user,
    get_roll_call_for_user,
    get_spot_check_for_user,
    get_target_for_user,
    inspection_q,
    keeps_duty,
    ledger_q,
    rectification_q,
    roll_call_q,
    roll_call_state,
    spot_check_q,
    supervises,
    supervising_office,
)
from zhiban.supervision.desk import alarms_of
from zhiban.supervision.docx import circular_docx
from zhiban.supervision.models import (
    Circular,
    Commendation,
    Evidence,
    Inspection,
    LedgerEntry,
    Rectification,
    ReportMark,
    RollCall,
    RollCallSchedule,
    RollCallTarget,
    SpotCheck,
)


def decided_by_office(office) -> Q:
    """The entries whose appeals `office` decides (LedgerEntry.decider, as a filter)."""
    return (
        Q(spot_check__from_unit=office)
        | Q(roll_call_target__roll_call__from_unit=office)
        | (Q(spot_check=None, roll_call_target=None) & Q(recorded_by__unit=office) & ~Q(unit=office))
        | (
            Q(spot_check=None, roll_call_target=None, unit__parent=office)
            & (Q(recorded_by=None) | Q(recorded_by__unit=F("unit")))
        )
    )


def _context(request, **extra) -> dict:
    unit = current_unit(request)
    return {
        "unit": unit,
        "supervises": supervises(scope_for(request.user).person, unit) if unit else False,
        **extra,
    }


@login_required
def home(request):
    """The office's supervision at a glance, and what concerns the unit itself."""
    unit = duty_unit(request)
    scope = scope_for(request.user)
    now = timezone.now()
    month_ago = now - dt.timedelta(days=30)
    below = Q(path__startswith=unit.path) & ~Q(pk=unit.pk)
    context = _context(
        request,
        checks=SpotCheck.objects.filter(from_unit=unit, at__gte=month_ago).count(),
        absent=SpotCheck.objects.filter(from_unit=unit, at__gte=month_ago, absent=True).count(),
        open_calls=RollCall.objects.filter(from_unit=unit, closed_at=None).count(),
        drafts=Circular.objects.filter(office=unit, state=Circular.State.DRAFT).count(),
        overdue=Rectification.objects.filter(rectification_q(scope), due_date__lt=timezone.localdate())
        .exclude(state=Rectification.State.ACCEPTED)
        .filter(Q(unit__in=Unit.objects.filter(below)) | Q(unit=unit))
        .count(),
        appeals=LedgerEntry.objects.filter(
            ledger_q(scope), decided_by_office(unit), state=LedgerEntry.State.APPEALED
        ).count(),
        own_circulars=Circular.objects.filter(state=Circular.State.PUBLISHED, problems__unit=unit).distinct()[
            :5
        ],
        own_rectifications=Rectification.objects.filter(unit=unit).exclude(
            state=Rectification.State.ACCEPTED
        )[:10],
        own_entries=LedgerEntry.objects.filter(unit=unit, at__gte=now - dt.timedelta(days=90))[:10],
    )
    return render(request, "supervision/home.html", context)


# --- spot checks ----------------------------------------------------------------------------------------
@login_required
def spot_check_list(request):
    unit = duty_unit(request)
    scope = scope_for(request.user)
    office = unit if keeps_duty(scope.person, unit) else None
    form = None
    if office is not None:
        form = forms.SpotCheckForm(
            request.POST or None, office=office, initial={"to_unit": request.GET.get("to_unit")}
        )
        if request.method == "POST" and form.is_valid():
            check = form.save(commit=False)
            check.from_unit = office
            try:
                check = services.spot_check_record(check, scope.person)
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, f"已记录：{check.to_unit.label}{check.verdict}")
                return redirect("spot_check_list")
    elif request.method == "POST":
        raise PermissionDenied("只有上级值班机构可以抽查")
    rows = (
        SpotCheck.objects.filter(spot_check_q(scope))
        .filter(Q(from_unit=unit) | Q(to_unit=unit))
        .select_related("from_unit", "to_unit", "by")
    )
    context = _context(request, page=paginate(request, rows), form=form)
    return render(
        request, "supervision/spot_checks.html", context, status=400 if form and form.errors else 200
    )


@login_required
def spot_check_plan(request):
    """A planned check list: units drawn at random, weighted towards those not checked lately."""
    office = supervising_office(request, OFFICE_ROLES)
    try:
        count = min(max(int(request.GET.get("n", 10)), 1), 50)
    except ValueError:
        count = 10
    plan = services.plan_checks(office, count, timezone.now())
    return render(request, "supervision/spot_check_plan.html", _context(request, plan=plan, count=count))


@login_required
def spot_check_detail(request, pk):
    check = get_spot_check_for_user(request.user, pk)
    return render(request, "supervision/spot_check_detail.html", _context(request, check=check))


# --- roll calls ---------------------------------------------------------------------------------------
@login_required
def roll_call_list(request):
    unit = duty_unit(request)
    scope = scope_for(request.user)
    office = unit if keeps_duty(scope.person, unit) else None
    form = forms.RollCallForm(request.POST or None, office=office) if office else None
    if request.method == "POST":
        if office is None:
            raise PermissionDenied("只有上级值班机构可以点名")
        if form.is_valid():
            chosen = list(form.cleaned_data["units"]) or None
            try:
                call = services.roll_call_start(office, scope.person, chosen)
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, f"已向{call.targets.count()}个单位点名，{call.minutes}分钟内应答")
                return redirect("roll_call_detail", call.pk)
    calls = RollCall.objects.filter(roll_call_q(scope), from_unit=unit).select_related("by")
    answered = RollCallTarget.objects.filter(unit=unit).select_related("roll_call__from_unit", "answered_by")[
        :20
    ]
    schedule = RollCallSchedule.objects.filter(unit=unit).first()
    context = _context(
        request, page=paginate(request, calls), form=form, received=answered, schedule=schedule
    )
    return render(
        request, "supervision/roll_calls.html", context, status=400 if form and form.errors else 200
    )


_roll_call_rows = GenerationCache(size=500)  # roll_call_state -> the results
_roll_call_pages = GenerationCache(size=500)  # roll_call_state -> the page's content
_statistics_pages = GenerationCache(size=500)  # (scope, unit, period, minute) -> the statistics page


def _results(call: RollCall, now: dt.datetime) -> dict:
    targets = list(call.targets.select_related("unit", "answered_by"))
    for t in targets:
        t.state = t.result(now)
    counts = {r: sum(1 for t in targets if t.state == r) for r in RollCallTarget.Result.values}
    return {
        "call": call,
        "targets": [t for t in targets if t.state != RollCallTarget.Result.UNSTAFFED],
        "unstaffed": [t for t in targets if t.state == RollCallTarget.Result.UNSTAFFED],
        "counts": counts,
        "labels": dict(RollCallTarget.Result.choices),
        "now": now,
    }


def _rows_html(state: tuple, call: Callable[[], RollCall], now: dt.datetime) -> str:
    """The results of a roll call as HTML, built once for each state of its answers (roll_call_state: a
    city's 200 units polled every 3 seconds by each office watching, the query and the rendering paid
    once); `call` reads the roll call only when they are built."""
    return _roll_call_rows.get_or_build(
        state, lambda: render_to_string("supervision/_roll_call_rows.html", _results(call(), now))
    )


@login_required
def roll_call_detail(request, pk):
    """The results filling in live: answered (who, seconds), late, not answered; the unstaffed apart."""
    now = timezone.now()
    state = roll_call_state(request.user, pk, now)

    def build() -> str:
        call = get_roll_call_for_user(request.user, pk)
        rows = _rows_html(state, lambda: call, now)
        return render_to_string("supervision/_roll_call_page.html", {"call": call, "rows": rows})

    content = _roll_call_pages.get_or_build(state, build)
    return render(request, "supervision/roll_call_detail.html", {"content": content})


@login_required
@background_poll
def roll_call_rows(request, pk):
    now = timezone.now()
    state = roll_call_state(request.user, pk, now)
    return HttpResponse(_rows_html(state, lambda: get_roll_call_for_user(request.user, pk), now))


ANSWERED_BY = "点名须由当班的主班、副班或带班领导用本人账号应答"


@login_required
@background_poll
def roll_call_pending(request):
    """Every page's poll for the duty office (the alarm strip): a roll call waiting for this unit's
    answer, shown at once with a sound; after its minutes it stays until answered (late, not absent)
    for the day it was called. And every deadline of the person's duty offices within its warning time
    (a countdown) or past (an alarm, with a sound): reports owed upward, verification answers owed."""
    unit = current_unit(request)
    scope = scope_for(request.user)
    waiting = []
    if unit is not None and scope.acts_as(unit):
        since = timezone.now() - services.LATE_ANSWER_WINDOW
        waiting = list(
            RollCallTarget.objects.filter(unit=unit, answered_at=None, roll_call__started_at__gte=since)
            .select_related("roll_call__from_unit")
            .order_by("roll_call__started_at")
        )
        for target in waiting:  # only those on duty see the button: a standby officer is not asked
            target.may_answer = services.may_answer(scope.person, target)
    back_to = urlsplit(request.headers.get("HX-Current-URL", "")).path or reverse("desk")
    now = timezone.now()
    alarms = alarms_of(scope, now)
    context = {
        "waiting": waiting,
        "now": now,
        "back_to": back_to,
        "alarms": alarms,
        "several": len(scope.act_unit_ids) > 1,
    }
    return render(request, "supervision/_roll_call_pending.html", context)


@login_required
@background_poll
def desk_part(request):
    """What the superior asks of the unit, on its desk: circulars naming it, its rectifications due."""
    unit = current_unit(request)
    scope = scope_for(request.user)
    if unit is None or unit.pk not in scope.act_unit_ids:
        return HttpResponse("")
    since = timezone.now() - dt.timedelta(days=30)
    circulars = (
        Circular.objects.filter(state=Circular.State.PUBLISHED, published_at__gte=since)
        .filter(Q(units=unit) | Q(problems__unit=unit))
        .distinct()
        .select_related("office")[:5]
    )
    fixes = (
        Rectification.objects.filter(unit=unit)
        .exclude(state=Rectification.State.ACCEPTED)
        .select_related("problem__circular")
        .order_by("due_date")[:10]
    )
    context = {"circulars": circulars, "fixes": fixes, "today": timezone.localdate()}
    return render(request, "supervision/_desk_part.html", context)


@login_required
@require_POST
def roll_call_answer(request, pk):
    target = get_target_for_user(request.user, pk)
    scope = scope_for(request.user)
    if not scope.acts_as(target.unit):
        raise PermissionDenied("只有被点名单位的值班人员可以应答")
    if not services.may_answer(scope.person, target):
        messages.error(request, ANSWERED_BY)
        return redirect(back(request, reverse("desk")))
    try:
        services.roll_call_answer(target, scope.person)
    except ValidationError as error:
        messages.info(request, "；".join(error.messages))
    else:
        late = target.answered_at > target.roll_call.due_at
        messages.success(request, "已应答" + ("（已超过应答时限）" if late else ""))
    return redirect(back(request, reverse("desk")))


@login_required
def roll_call_schedule(request):
    """A roll call of the whole subtree each day at a random moment of a window (0:00–5:00)."""
    office = supervising_office(request, OFFICE_ROLES)
    schedule = RollCallSchedule.objects.filter(unit=office).first() or RollCallSchedule(unit=office)
    form = forms.ScheduleForm(request.POST or None, instance=schedule)
    if request.method == "POST" and form.is_valid():
        from zhiban.supervision.jobs import next_moment

        schedule = form.save(commit=False)
        schedule.by = scope_for(request.user).person
        schedule.next_at = next_moment(schedule, timezone.now()) if schedule.active else None
        schedule.save()
        messages.success(
            request,
            "已保存定时点名"
            + (f"，下次{timezone.localtime(schedule.next_at):%m月%d日}夜间" if schedule.next_at else ""),
        )
        return redirect("roll_call_list")
    return render(
        request,
        "form_page.html",
        {"form": form, "title": "定时点名", "cancel_url": reverse("roll_call_list")},
    )


# --- inspections ----------------------------------------------------------------------------------------
@login_required
def inspection_list(request):
    unit = duty_unit(request)
    scope = scope_for(request.user)
    office = unit if supervises(scope.person, unit) else None
    form = forms.InspectionStartForm(request.POST or None, office=office) if office else None
    if request.method == "POST":
        if office is None:
            raise PermissionDenied("只有上级值班机构和督查人员可以检查")
        if form.is_valid():
            inspection = services.inspection_start(office, form.cleaned_data["unit"], scope.person)
            return redirect("inspection_detail", inspection.pk)
    rows = (
        Inspection.objects.filter(inspection_q(scope))
        .filter(Q(office=unit) | Q(unit=unit))
        .select_related("unit", "office", "by")
    )
    return render(
        request, "supervision/inspections.html", _context(request, page=paginate(request, rows), form=form)
    )


@login_required
def inspection_detail(request, pk):
    return _inspection_page(request, get_inspection_for_user(request.user, pk))


def _inspection_page(request, inspection, finish=None, status: int = 200):
    may_edit = inspection.state == Inspection.State.OPEN and supervises(
        scope_for(request.user).person, inspection.office
    )
    items = list(inspection.items.prefetch_related("evidence"))
    context = _context(
        request,
        inspection=inspection,
        items=items,
        may_edit=may_edit,
        item_forms={
            i.pk: forms.ItemForm(
                initial={"ok": "1" if i.ok else "0" if i.ok is False else None, "note": i.note},
                prefix=f"i{i.pk}",
            )
            for i in items
        },
        finish=finish or forms.FinishForm(initial={"summary": inspection.summary}),
    )
    return render(request, "supervision/inspection_detail.html", context, status=status)


def _editable_inspection(request, pk) -> Inspection:
    inspection = get_inspection_for_user(request.user, pk)
    if not supervises(scope_for(request.user).person, inspection.office):
        raise PermissionDenied("只有检查单位的人员可以填写")
    if inspection.state != Inspection.State.OPEN:
        raise PermissionDenied("检查已完成")
    return inspection


@login_required
@posted_from("inspection_detail")
def inspection_item(request, pk):
    inspection = _editable_inspection(request, pk)
    item = inspection.items.filter(pk=request.POST.get("item")).first()
    if item is None:
        messages.error(request, "请选择检查项目")
        return redirect("inspection_detail", inspection.pk)
    form = forms.ItemForm(request.POST, request.FILES, prefix=f"i{item.pk}")
    if form.is_valid():
        with transaction.atomic():
            item.ok, item.note = form.cleaned_data["ok"], form.cleaned_data["note"].strip()
            item.save(update_fields=["ok", "note"])
            for upload in form.cleaned_data["files"]:
                Evidence.objects.create(
                    item=item, by=scope_for(request.user).person, **attachment_fields(upload)
                )
        messages.success(request, f"已保存：{item.label}")
    else:
        messages.error(
            request, f"{item.label}：" + "；".join(e for errors in form.errors.values() for e in errors)
        )
    return redirect(f"{reverse('inspection_detail', args=[inspection.pk])}#item-{item.pk}")


@login_required
@posted_from("inspection_detail")
def inspection_finish(request, pk):
    inspection = _editable_inspection(request, pk)
    form = forms.FinishForm(request.POST)
    if form.is_valid():
        try:
            services.inspection_finish(inspection, form.cleaned_data["summary"])
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, "检查已完成，发现的问题可在起草通报时选入")
            return redirect("inspection_detail", inspection.pk)
    return _inspection_page(request, inspection, finish=form, status=400)  # what was typed stays


@login_required
def evidence_file(request, pk):
    evidence = get_evidence_for_user(request.user, pk)
    record_read(evidence, f"证据材料：{evidence.name}")
    return evidence.response()


# --- circulars --------------------------------------------------------------------------------------
@login_required
def circular_list(request):
    unit = duty_unit(request)
    scope = scope_for(request.user)
    office = unit if keeps_duty(scope.person, unit) else None
    today = timezone.localdate()
    first = today.replace(day=1)
    last_month_end = first - dt.timedelta(days=1)
    form = (
        forms.CircularDraftForm(
            request.POST or None,
            initial={
                "period_start": last_month_end.replace(day=1),
                "period_end": last_month_end,
                "due_date": today + dt.timedelta(days=15),
            },
        )
        if office
        else None
    )
    if request.method == "POST":
        if office is None:
            raise PermissionDenied("只有上级值班机构可以起草通报")
        if form.is_valid():
            data = form.cleaned_data
            try:
                circular = services.circular_draft(
                    office, scope.person, data["period_start"], data["period_end"], data["due_date"]
                )
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, "已起草通报，请修改后送领导签发")
                return redirect("circular_detail", circular.pk)
    rows = (
        Circular.objects.filter(circular_q(scope))
        .filter(Q(office=unit) | Q(problems__unit=unit) | Q(units=unit))
        .distinct()
    )
    context = _context(request, page=paginate(request, rows.select_related("office")), form=form)
    return render(request, "supervision/circulars.html", context, status=400 if form and form.errors else 200)


@login_required
def circular_detail(request, pk):
    circular = get_circular_for_user(request.user, pk)
    person = scope_for(request.user).person
    may_edit = circular.state == Circular.State.DRAFT and keeps_duty(person, circular.office)
    form = forms.CircularForm(request.POST or None, instance=circular) if may_edit else None
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied("已印发的通报不能修改")
        if form.is_valid():
            form.save()
            messages.success(request, "已保存")
            return redirect("circular_detail", circular.pk)
    context = _context(
        request,
        circular=circular,
        form=form,
        may_edit=may_edit,
        may_sign=circular.state == Circular.State.DRAFT
        and holds_role(person, [Role.LEADER], circular.office),
        problems=circular.problems.select_related("unit", "rectification"),
    )
    return render(
        request, "supervision/circular_detail.html", context, status=400 if form and form.errors else 200
    )


@login_required
@posted_from("circular_detail")
def circular_problem(request, pk):
    """A problem edited or removed in the draft."""
    circular = get_circular_for_user(request.user, pk)
    if circular.state != Circular.State.DRAFT or not supervises(
        scope_for(request.user).person, circular.office
    ):
        raise PermissionDenied("已印发的通报不能修改")
    problem = circular.problems.filter(pk=request.POST.get("problem")).first()
    if problem is None:
        messages.error(request, "请选择问题")
    elif "remove" in request.POST:
        problem.delete()
        messages.success(request, "已删去该问题")
    else:
        form = forms.ProblemForm(request.POST, instance=problem)
        if form.is_valid():
            form.save()
            messages.success(request, "已保存")
        else:
            messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
    return redirect("circular_detail", circular.pk)


@login_required
@posted_from("circular_detail")
def circular_submit(request, pk):
    """送签: the draft is ready; the office's leaders are told."""
    circular = get_circular_for_user(request.user, pk)
    if not keeps_duty(scope_for(request.user).person, circular.office):
        raise PermissionDenied("只有发文单位的值班室可以送签")
    try:
        services.circular_submit(circular, scope_for(request.user).person)
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    else:
        messages.success(request, "已送领导签发")
    return redirect("circular_detail", circular.pk)


@login_required
@posted_from("circular_detail")
def circular_publish(request, pk):
    circular = get_circular_for_user(request.user, pk)
    if not keeps_duty(scope_for(request.user).person, circular.office):
        raise PermissionDenied("通报由发文单位的领导签发")
    try:
        services.circular_publish(circular, scope_for(request.user).person)
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    else:
        messages.success(request, f"已签发印发，{circular.problems.count()}个问题已交各单位整改")
    return redirect("circular_detail", circular.pk)


@login_required
def circular_word(request, pk):
    circular = get_circular_for_user(request.user, pk)
    return docx_download(circular_docx(circular), f"{circular.title}.docx")


# --- rectification --------------------------------------------------------------------------------------
@login_required
def rectification_list(request):
    unit = duty_unit(request)
    scope = scope_for(request.user)
    rows = (
        Rectification.objects.filter(rectification_q(scope))
        .filter(Q(unit__path__startswith=unit.path) | Q(problem__circular__office=unit))
        .select_related("unit", "owner", "problem__circular")
    )
    state = request.GET.get("state", "")
    if state == "overdue":
        rows = rows.filter(due_date__lt=timezone.localdate()).exclude(state=Rectification.State.ACCEPTED)
    elif state in Rectification.State.values:
        rows = rows.filter(state=state)
    context = _context(
        request, page=paginate(request, rows.distinct()), state=state, today=timezone.localdate()
    )
    return render(request, "supervision/rectifications.html", context)


@login_required
def rectification_detail(request, pk):
    item = get_rectification_for_user(request.user, pk)
    scope = scope_for(request.user)
    own = scope.acts_as(item.unit)
    deciding = keeps_duty(scope.person, item.problem.circular.office)
    report = forms.RectificationReportForm(initial={"report": item.report})
    decide = forms.DecisionForm()
    owner = forms.OwnerForm(unit=item.unit, initial={"owner": item.owner_id})
    if request.method == "POST":
        action = request.POST.get("action")
        allowed = {"report": own, "decide": deciding, "owner": own and scope.can_write_unit(item.unit)}
        if not allowed.get(action, own or deciding):
            raise PermissionDenied("没有办理权限")
        if action == "report" and own:
            report = forms.RectificationReportForm(request.POST, request.FILES)
            if report.is_valid():
                try:
                    with transaction.atomic():
                        services.rectification_report(item, scope.person, report.cleaned_data["report"])
                        for upload in report.cleaned_data["files"]:
                            Evidence.objects.create(
                                rectification=item, by=scope.person, **attachment_fields(upload)
                            )
                except ValidationError as error:
                    add_errors(report, error)
                else:
                    messages.success(request, "已报送整改情况")
                    return redirect("rectification_detail", item.pk)
        elif action == "decide" and deciding:
            decide = forms.DecisionForm(request.POST)
            if decide.is_valid():
                try:
                    services.rectification_decide(
                        item, scope.person, decide.cleaned_data["accept"], decide.cleaned_data["decision"]
                    )
                except ValidationError as error:
                    add_errors(decide, error)
                else:
                    messages.success(
                        request, "已验收" if item.state == Rectification.State.ACCEPTED else "已退回"
                    )
                    return redirect("rectification_detail", item.pk)
        elif action == "owner" and own and scope.can_write_unit(item.unit):
            owner = forms.OwnerForm(request.POST, unit=item.unit)
            if owner.is_valid():
                Rectification.objects.filter(pk=item.pk).update(owner=owner.cleaned_data["owner"])
                messages.success(request, "已更换责任人")
                return redirect("rectification_detail", item.pk)
        elif own or deciding:
            messages.error(request, "请在页面上选择要办理的事项")
        else:
            raise PermissionDenied("没有办理权限")
    context = _context(
        request,
        item=item,
        own=own,
        deciding=deciding,
        report=report,
        decide=decide,
        owner=owner,
        may_assign=own and scope.can_write_unit(item.unit),
        evidence=item.evidence.all(),
        today=timezone.localdate(),
    )
    failed = report.errors or decide.errors or owner.errors
    return render(request, "supervision/rectification_detail.html", context, status=400 if failed else 200)


# --- the ledger, appeals, commendation ---------------------------------------------------------------
@login_required
def ledger_list(request):
    unit = duty_unit(request)
    scope = scope_for(request.user)
    try:
        year = int(request.GET.get("year", timezone.localdate().year))
    except ValueError:
        year = timezone.localdate().year
    rows = LedgerEntry.objects.filter(
        ledger_q(scope), unit__path__startswith=unit.path, at__year=year
    ).select_related("unit", "person")
    kind = request.GET.get("kind", "")
    if kind in LedgerEntry.Kind.values:
        rows = rows.filter(kind=kind)
    context = _context(
        request,
        page=paginate(request, rows),
        year=year,
        kind=kind,
        kinds=LedgerEntry.Kind.choices,
        years=range(timezone.localdate().year, timezone.localdate().year - 5, -1),
    )
    return render(request, "supervision/ledger.html", context)


@login_required
def ledger_create(request):
    """A failing no record shows (false or concealed report, shirking), with its evidence."""
    office = supervising_office(request)
    form = forms.LedgerEntryForm(request.POST or None, request.FILES or None, office=office)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                entry = services.ledger_enter(office, form.save(commit=False), scope_for(request.user).person)
                for upload in form.cleaned_data["files"]:
                    Evidence.objects.create(
                        entry=entry, by=scope_for(request.user).person, **attachment_fields(upload)
                    )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, "已记入问责台账")
            return redirect("ledger_entry_detail", entry.pk)
    return render(
        request,
        "form_page.html",
        {"form": form, "title": "登记问责台账", "cancel_url": reverse("ledger_list")},
        status=400 if form.errors else 200,
    )


@login_required
def ledger_entry_detail(request, pk):
    entry = get_entry_for_user(request.user, pk)
    scope = scope_for(request.user)
    own = scope.acts_as(entry.unit) and scope.can_write_unit(entry.unit)
    decider = entry.decider()
    above = decider is not None and keeps_duty(scope.person, decider)  # the office whose finding it is
    appeal_form, decision_form, outcome_form = (
        forms.AppealForm(),
        forms.AppealDecisionForm(),
        forms.OutcomeForm(initial={"serious": entry.serious, "outcome": entry.outcome}),
    )
    pending = entry.appeals.filter(decided_at=None).first()
    if request.method == "POST":
        action = request.POST.get("action")
        if not {"appeal": own, "decide": above, "outcome": above}.get(action, own or above):
            raise PermissionDenied("没有办理权限")
        try:
            if action == "appeal" and own:
                appeal_form = forms.AppealForm(request.POST)
                if appeal_form.is_valid():
                    services.appeal_make(entry, scope.person, appeal_form.cleaned_data["reason"])
                    messages.success(request, "已提出申诉，等待上级决定")
                    return redirect("ledger_entry_detail", entry.pk)
            elif action == "decide" and above and pending:
                decision_form = forms.AppealDecisionForm(request.POST)
                if decision_form.is_valid():
                    services.appeal_decide(
                        pending,
                        scope.person,
                        decision_form.cleaned_data["upheld"],
                        decision_form.cleaned_data["decision"],
                    )
                    messages.success(request, "已作出决定")
                    return redirect("ledger_entry_detail", entry.pk)
            elif action == "outcome" and above:
                outcome_form = forms.OutcomeForm(request.POST)
                if outcome_form.is_valid():
                    LedgerEntry.objects.filter(pk=entry.pk).update(**outcome_form.cleaned_data)
                    messages.success(request, "已记录处理")
                    return redirect("ledger_entry_detail", entry.pk)
            else:
                messages.error(request, "请在页面上选择要办理的事项")
        except ValidationError as error:
            for form in (appeal_form, decision_form):
                if form.is_bound:
                    add_errors(form, error)
    context = _context(
        request,
        entry=entry,
        own=own,
        above=above,
        pending=pending,
        appeals=entry.appeals.select_related("by", "decided_by"),
        appeal_form=appeal_form,
        decision_form=decision_form,
        outcome_form=outcome_form,
        evidence=entry.evidence.all(),
    )
    failed = appeal_form.errors or decision_form.errors or outcome_form.errors
    return render(request, "supervision/ledger_entry.html", context, status=400 if failed else 200)


@login_required
def appeal_list(request):
    """Appeals waiting for this office's decision (on entries of the units below it)."""
    unit = duty_unit(request)
    scope = scope_for(request.user)
    rows = LedgerEntry.objects.filter(
        ledger_q(scope), decided_by_office(unit), state=LedgerEntry.State.APPEALED
    )
    return render(
        request,
        "supervision/appeals.html",
        _context(request, page=paginate(request, rows.select_related("unit"))),
    )


@login_required
def commendation_list(request):
    unit = duty_unit(request)
    scope = scope_for(request.user)
    office = (
        unit if supervises(scope.person, unit) and scope.can_write_unit(unit) or _leads(scope, unit) else None
    )
    form = forms.CommendationForm(request.POST or None, office=office) if office else None
    if request.method == "POST":
        if office is None:
            raise PermissionDenied("只有值班室管理员或领导可以登记表扬")
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.commend(
                    office,
                    scope.person,
                    data["year"],
                    data["reason"],
                    unit=data["unit"],
                    person=data["person"],
                )
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, "已登记表扬")
                return redirect("commendation_list")
    rows = Commendation.objects.filter(commendation_q(scope)).select_related("unit", "person__unit", "office")
    context = _context(request, page=paginate(request, rows), form=form)
    return render(
        request, "supervision/commendations.html", context, status=400 if form and form.errors else 200
    )


def _leads(scope, unit) -> bool:
    return holds_role(scope.person, [Role.LEADER], unit)


# --- statistics and the score sheet ----------------------------------------------------------------
def _period(request) -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    return date_range(request.GET, (today.replace(month=1, day=1), today))


@login_required
def statistics(request):
    """The statistics and the score sheet of the unit's subtree: a city-year of records summed once a
    minute, whoever of the office asks (the page says so)."""
    unit = duty_unit(request)
    start, end = _period(request)
    if end < start:
        start, end = end, start
    minute = timezone.localtime().replace(second=0, microsecond=0)
    person = scope_for(request.user).person
    counts = topbar_counts(person.pk if person else None)  # the page carries the person's top bar
    key = (unit.pk, request.user.pk, start, end, minute, counts)
    token = conditional_escape(str(csrf.get_token(request)))
    if CookieStorage.cookie_name in request.COOKIES:  # a message to show: made afresh
        return HttpResponse(_statistics_page(request, unit, start, end, minute).replace(CSRF_SLOT, token))
    page = _statistics_pages.get_or_build(key, lambda: _statistics_page(request, unit, start, end, minute))
    return HttpResponse(page.replace(CSRF_SLOT, token))


def _statistics_page(request, unit, start, end, minute) -> str:
    rows = stats.statistics(unit, start, end)
    trend = stats.monthly(unit, end.year)
    ranked = sorted(rows[1:], key=lambda r: r.score, reverse=True)
    policy = effective_policy(unit)
    context = _context(
        request,
        rows=rows,
        columns=stats.COLUMNS,
        start=start,
        end=end,
        ranked=ranked,
        trend=trend,
        months=[f"{m}月" for m in range(1, 13)],
        year=end.year,
        policy=policy,
        chart_rank={"labels": [r.unit.label for r in ranked], "values": [r.score for r in ranked]},
        chart_trend={"labels": [f"{m}月" for m in range(1, 13)], "series": trend},
        counted_at=minute,
        csrf_token=CSRF_SLOT,
    )
    return render(request, "supervision/statistics.html", context).content.decode()


@login_required
def statistics_export(request):
    unit = duty_unit(request)
    start, end = _period(request)
    rows = stats.statistics(unit, min(start, end), max(start, end))
    headers = ["单位", *[label for _, label in stats.COLUMNS], "得分"]
    data = [[r.unit.label + ("（本级）" if r.own else ""), *r.cells, r.score] for r in rows]
    return xlsx_download(
        write_table("值班工作统计", headers, data),
        f"值班工作统计-{unit.label}-{start:%Y%m%d}-{end:%Y%m%d}.xlsx",
    )


@login_required
def report_marks(request):
    """报送评价: the reports that came up to this office in the period, each to mark adopted or irregular."""
    unit = duty_unit(request)
    scope = scope_for(request.user)
    start, end = _period(request)
    since, until = stats.period_bounds(min(start, end), max(start, end))
    reports = (
        Report.objects.filter(to_unit=unit, state=Report.State.SENT, at__gte=since, at__lt=until)
        .select_related("event__unit")
        .prefetch_related("marks")
        .order_by("-at")
    )
    page = paginate(request, reports)
    for report in page:
        report.mark_kinds = {m.kind for m in report.marks.all()}
    context = _context(request, page=page, start=start, end=end, may_mark=scope.acts_as(unit))
    return render(request, "supervision/report_marks.html", context)


@login_required
@require_POST
def report_mark(request, pk):
    scope = scope_for(request.user)
    # whoever reads the receiving office's records sees the report; only its duty staff mark it
    report = fetch(Report.objects.filter(state=Report.State.SENT), pk, duty_q(scope, "to_unit__"))
    if not scope.acts_as(report.to_unit):
        raise PermissionDenied("只有接收报告的值班机构可以评价")
    kind = request.POST.get("kind")
    if kind not in ReportMark.Kind.values:
        messages.error(request, "请选择采用或报送不规范")
    elif ReportMark.objects.filter(report=report, kind=kind).exists():
        ReportMark.objects.filter(report=report, kind=kind).delete()
        messages.success(request, f"已取消：{ReportMark.Kind(kind).label}")
    else:
        ReportMark.objects.create(
            report=report, kind=kind, by=scope.person, note=request.POST.get("note", "")[:200]
        )
        messages.success(request, f"已标记：{ReportMark.Kind(kind).label}")
    return redirect(back(request, reverse("report_marks")))
