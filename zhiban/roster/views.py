"""Pages of the roster: templates, calendar, exemptions, rosters (draft → publish → versions), who is on duty."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from zhiban.audit.trail import record_read, record_refusal
from zhiban.lib import files as sealed_files
from zhiban.lib.dates import date_range
from zhiban.lib.downloads import docx_download, xlsx_download
from zhiban.lib.forms import add_errors, form_page
from zhiban.lib.paging import paginate
from zhiban.lib.polling import background_poll
from zhiban.lib.workdays import official_through
from zhiban.org.access import current_unit, scope_for, writable_unit
from zhiban.org.forms import ImportForm
from zhiban.org.models import DutyLine, Unit
from zhiban.roster import background, fairness, files, grid, planning, services
from zhiban.roster.access import (
    exemption_q,
    get_assignment_for_user,
    get_exemption_for_user,
    get_roster_for_user,
    get_roster_setting_for_user,
    get_swap_for_user,
    roster_q,
    swap_q,
)
from zhiban.roster.approvals import ApprovalRefused
from zhiban.roster.calendar import days_between, next_year_warning, years_without_holidays
from zhiban.roster.docx import application_docx, application_filename
from zhiban.roster.duty import on_duty
from zhiban.roster.forms import (
    AssignmentPersonForm,
    DutyRequestForm,
    ExemptionForm,
    HolidayForm,
    RosterForm,
    SensitivePeriodForm,
    ShiftTypeForm,
    SwapForm,
)
from zhiban.roster.models import (
    Assignment,
    CalendarFeed,
    DutyRequest,
    Exemption,
    Holiday,
    Post,
    Roster,
    SensitivePeriod,
    ShiftType,
    SolveRun,
    Swap,
)


def _unit_for_writing(request):
    return writable_unit(request, "只有本单位值班室管理员可以排班")


# --- rosters --------------------------------------------------------------------------------------


@login_required
def roster_list(request):
    scope = scope_for(request.user)
    unit = current_unit(request)
    rosters = Roster.objects.filter(roster_q(scope)).select_related("unit")
    if request.GET.get("scope") != "all" and unit is not None:
        rosters = rosters.filter(unit=unit)
    context = {
        "page": paginate(request, rosters.order_by("-start", "unit__path", "-id")),
        "unit": unit,
        "can_write": unit is not None and scope.can_write_unit(unit),
        "warning": next_year_warning(timezone.localdate()),
        "all": request.GET.get("scope") == "all",
    }
    return render(request, "roster/roster_list.html", context)


@login_required
def roster_create(request):
    unit = _unit_for_writing(request)
    today = timezone.localdate()
    first = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    form = RosterForm(
        request.POST or None,
        initial={"title": f"{unit.label}{first.year}年{first.month}月值班表", "start": first, "end": last},
    )
    if request.method == "POST" and form.is_valid():
        roster = form.save(commit=False)
        roster.unit = unit
        roster.save()
        messages.success(request, "值班表已建立，可以自动排班或手工安排")
        return redirect("roster_detail", roster.pk)
    return form_page(request, form, "新建值班表", reverse("roster_list"))


@login_required
def roster_detail(request, pk):
    roster = get_roster_for_user(request.user, pk)
    scope = scope_for(request.user)
    assignments = list(roster.assignments.select_related("person"))
    violations = planning.check(roster)
    duty = planning.duty_people(roster.unit)
    by_assignment, notes = defaultdict(list), defaultdict(list)
    for v in violations:
        if v.assignment_id:
            (notes if v.preference else by_assignment)[v.assignment_id].append(v.message)
    # one row per day, one cell per shift and post
    shifts: dict[dt.date, dict[tuple, list]] = defaultdict(lambda: defaultdict(list))
    can_write = scope.can_write_unit(roster.unit)
    for a in assignments:
        a.problems, a.notes = by_assignment.get(a.pk, []), notes.get(a.pk, [])
        shifts[a.day][(a.start, a.shift_name)].append(a)
    # A3.1: a shift that became a violation (an exemption approved after publishing) gets proposals
    flagged = [a for a in assignments if a.problems] if can_write else []
    candidates = planning.replacement_candidates_for(roster, flagged)
    for a in assignments:
        a.candidates = candidates.get(a.pk, [])
    calendar = {d.date: d for d in days_between(roster.unit, roster.start, roster.end)}
    rows = []
    for day in roster.days():
        cells = []
        for (start, name), people in sorted(shifts.get(day, {}).items()):
            by_post = {post: [a for a in people if a.post == post] for post in Post.values}
            cells.append({"name": name, "start": start, "posts": by_post})
        rows.append({"day": day, "calendar": calendar.get(day), "shifts": cells})
    context = {
        "roster": roster,
        "rows": rows,
        "posts": Post.choices,
        "can_write": scope.can_write_unit(roster.unit),
        "gaps": [v for v in violations if not v.assignment_id],
        "problem_count": sum(1 for v in violations if v.blocks_publishing),
        "note_count": sum(1 for v in violations if v.preference),
        "warnings": [] if roster.is_published else services.publish_warnings(roster, violations),
        "holidays_missing": years_without_holidays(roster.unit, roster.start, roster.end),
        "changes": roster.changes.all()[:20],
        "run": background.active_run(roster),
        "last_run": roster.solve_runs.exclude(state__in=SolveRun.ACTIVE).order_by("-id").first(),
        "fairness": fairness.report(
            assignments,
            duty,
            violations,
            planning.schedulable(roster.unit, duty, roster.start, roster.end),
        ),
    }
    return render(request, "roster/roster_detail.html", context)


@login_required
@require_POST
def roster_generate(request, pk):
    roster = get_roster_for_user(request.user, pk, write=True)
    if roster.is_published:
        messages.error(request, "已发布的值班表不能重新自动排班，请逐项调整")
        return redirect("roster_detail", roster.pk)
    try:
        services.roster_solve(roster, request.user, request.POST.get("confirmation", ""))
    except services.NeedsConfirmation as pending:
        messages.error(request, "；".join(pending.messages) + "如确需先行排班，请填写理由后确认。")
        return redirect("roster_detail", roster.pk)
    except background.AlreadySolving:
        messages.error(request, "这份值班表正在自动排班，请等它完成或先停止")
        return redirect("roster_detail", roster.pk)
    messages.success(request, "已开始自动排班。可以离开本页，稍后回来查看结果")
    return redirect("roster_detail", roster.pk)


@login_required
@background_poll  # every 2 seconds while a solve runs: a page left open is not the person's activity
def roster_solving(request, pk):
    """The progress of the roster's auto-solve, polled by its page; once it is over, the page reloads."""
    roster = get_roster_for_user(request.user, pk)
    run = background.active_run(roster)
    response = render(
        request,
        "roster/_solving.html",
        {"roster": roster, "run": run, "can_write": scope_for(request.user).can_write_unit(roster.unit)},
    )
    if run is None and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def roster_solve_stop(request, pk):
    """Stop the auto-solve and keep the best roster it found by then."""
    roster = get_roster_for_user(request.user, pk, write=True)
    run = background.active_run(roster)
    if run is not None and background.request_stop(run, request.user):
        messages.success(request, "已要求停止，将采用目前找到的最好排班")
    else:
        messages.error(request, "自动排班已经结束")
    return redirect("roster_detail", roster.pk)


@login_required
@require_POST
def roster_publish(request, pk):
    roster = get_roster_for_user(request.user, pk, write=True)
    try:
        published = services.roster_publish(roster, request.user, request.POST.get("confirmation", ""))
    except services.PublishRefused as refusal:
        messages.error(request, "；".join(refusal.messages))
    except services.NeedsConfirmation as pending:
        messages.error(request, "发布前须确认：" + "；".join(pending.messages))
    else:
        messages.success(request, "值班表已发布" if published else "值班表此前已发布")
    return redirect("roster_detail", roster.pk)


@login_required
@require_POST
def roster_delete(request, pk):
    roster = get_roster_for_user(request.user, pk, write=True)
    try:
        services.roster_delete(roster)
    except ValidationError as refusal:
        messages.error(request, "；".join(refusal.messages))
        return redirect("roster_detail", roster.pk)
    messages.success(request, f"已删除草稿：{roster.title}")
    return redirect("roster_list")


@login_required
def assignment_edit(request, pk):
    """Put another person on a post, checked by the same rules as the solver (B16, A3.1, rest)."""
    assignment = get_assignment_for_user(request.user, pk, write=True)
    roster = assignment.roster
    people = planning.duty_people(roster.unit)
    form = AssignmentPersonForm(
        request.POST or None,
        people=people,
        initial={"person": assignment.person_id, "pinned": assignment.pinned},
    )
    if request.method == "POST" and form.is_valid():
        person = form.cleaned_data["person"]
        error = planning.placement_problem(assignment, person, people)
        if error:
            form.add_error("person", error)
        else:
            services.assignment_reassign(assignment, person, form.cleaned_data["pinned"], request.user)
            messages.success(request, "已调整" + ("，已通知相关人员" if roster.is_published else ""))
            return redirect("roster_detail", roster.pk)
    title = f"调整 {assignment.label}"
    return form_page(request, form, title, reverse("roster_detail", args=[roster.pk]))


# --- who is on duty -------------------------------------------------------------------------------


@login_required
def duty_now(request):
    """Who is on duty now, or at ?at=2026-03-05T03:00, in the current unit and (for a superior) below."""
    scope = scope_for(request.user)
    unit = current_unit(request)
    at = timezone.now()
    if request.GET.get("at"):
        try:
            at = timezone.make_aware(dt.datetime.fromisoformat(request.GET["at"]))
            at.astimezone(dt.UTC)  # a year 1 moment cannot be stored or compared in UTC
        except (ValueError, OverflowError):
            at = timezone.now()
            messages.error(request, "时间格式应为 2026-03-05T08:30")
    rows = on_duty(scope, unit, at, subtree=request.GET.get("subtree") == "1") if unit else []
    return render(
        request,
        "roster/duty_now.html",
        {
            "rows": rows,
            "at": at,
            "unit": unit,
            "post_values": Post.values,
            "subtree": request.GET.get("subtree") == "1",
        },
    )


# --- shift templates, holidays, sensitive periods -------------------------------------------------


@login_required
def shift_types(request):
    unit = current_unit(request)
    scope = scope_for(request.user)
    if unit is None:
        raise Http404
    today = timezone.localdate()
    effective = planning.shift_types_for(unit)
    own = ShiftType.objects.filter(unit=unit)
    context = {
        "unit": unit,
        "effective": effective,
        "own": own,
        "can_write": scope.can_write_unit(unit),
        "holidays": Holiday.objects.filter(Q(unit=None) | Q(unit_id__in=[*unit.ancestor_ids(), unit.pk]))
        .select_related("unit")
        .order_by("-date")[:60],
        "periods": SensitivePeriod.objects.filter(unit=unit)[:30],
        "official_through": official_through(),
        "missing_years": years_without_holidays(
            unit, today, today.replace(month=12, day=31) + dt.timedelta(days=1)
        ),
    }
    return render(request, "roster/shift_types.html", context)


def _create(request, form_class, title):
    unit = _unit_for_writing(request)
    form = form_class(request.POST or None)
    form.instance.unit = unit  # before validation, so unique (date, unit) is checked next to the field
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "已保存")
        return redirect("shift_types")
    return form_page(request, form, title, reverse("shift_types"))


@login_required
def shift_type_create(request):
    return _create(request, ShiftTypeForm, "新增班次")


@login_required
def holiday_create(request):
    """A unit's own holiday entry (local days; the city office enters the State Council's notice)."""
    return _create(request, HolidayForm, "新增节假日安排")


@login_required
def sensitive_period_create(request):
    return _create(request, SensitivePeriodForm, "新增敏感时期")


# --- exemptions (A3.1) ----------------------------------------------------------------------------


@login_required
def exemption_list(request):
    scope = scope_for(request.user)
    exemptions = Exemption.objects.filter(exemption_q(scope)).select_related("person__unit")
    mine = Exemption.objects.filter(person=scope.person) if scope.person else Exemption.objects.none()
    context = {"page": paginate(request, exemptions.order_by("-start", "-id")), "mine": mine}
    return render(request, "roster/exemption_list.html", context)


@login_required
def exemption_apply(request):
    person = scope_for(request.user).person
    if person is None:
        raise PermissionDenied("只有登记在册的人员可以申请")
    form = ExemptionForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        form.instance.person = person
        if form.is_valid():
            exemption = services.exemption_submit(form.save(commit=False))
            messages.success(request, "申请已提交，待部门负责人审批")
            return redirect("exemption_detail", exemption.pk)
    return form_page(request, form, "申请免值班", reverse("exemption_list"))


@login_required
def exemption_detail(request, pk):
    exemption = get_exemption_for_user(request.user, pk)
    person = scope_for(request.user).person
    context = {
        "e": exemption,
        "may_act": exemption.may_act(person),
        "may_read": exemption.may_read_records(person),
    }
    return render(request, "roster/exemption_detail.html", context)


@login_required
@require_POST
def exemption_step(request, pk):
    """Approve (or reject) at the current step: department head, supervising leader, then the office."""
    exemption = get_exemption_for_user(request.user, pk)
    person = scope_for(request.user).person
    if not exemption.may_act(person):
        raise PermissionDenied("这一步不由您审批")
    approve = request.POST.get("decision") != "reject"
    try:
        flagged = services.exemption_decide(exemption, person, approve, request.POST.get("note", ""))
    except ApprovalRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("exemption_detail", exemption.pk)
    if flagged:
        messages.warning(request, f"该人员在已发布值班表中有{flagged}个班次落在免值班期内，已标出，请调整")
    messages.success(request, exemption.get_state_display())
    return redirect("exemption_detail", exemption.pk)


@login_required
def exemption_file(request, pk, which):
    exemption = get_exemption_for_user(request.user, pk)
    field = {"record": exemption.hospital_record, "note": exemption.rest_note}.get(which)
    if not field:
        raise Http404
    if not exemption.may_read_records(scope_for(request.user).person):
        record_refusal(Exemption, exemption.pk, f"免值班申请的{'病历' if which == 'record' else '休息证明'}")
        raise PermissionDenied("病历和休息证明只有申请人、审批人和值班室管理员可以查看")
    record_read(
        exemption, f"{exemption.person.name}的免值班申请：{'病历' if which == 'record' else '医生休息证明'}"
    )
    try:
        return sealed_files.download(field.name)
    except OSError:
        raise Http404("文件已不存在") from None


# --- swaps (A3.2) ---------------------------------------------------------------------------------


@login_required
def swap_list(request):
    scope = scope_for(request.user)
    person = scope.person
    rows = Swap.objects.filter(swap_q(scope)).select_related("applicant", "partner", "shift")
    mine = Swap.objects.filter(Q(applicant=person) | Q(partner=person)) if person else Swap.objects.none()
    context = {
        "page": paginate(request, rows.order_by("-created_at", "-id")),
        "mine": mine.select_related("applicant", "partner", "shift")[:50],
    }
    return render(request, "roster/swap_list.html", context)


@login_required
def swap_apply(request):
    person = scope_for(request.user).person
    if person is None:
        raise PermissionDenied("只有登记在册的人员可以申请换班")
    form = SwapForm(request.POST or None, person=person)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            swap = services.swap_apply(
                person, data["partner"], data["shift"], data["partner_shift"], data["reason"]
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, "换班申请已提交，待对方确认")
            return redirect("swap_detail", swap.pk)
    return form_page(request, form, "值班换班申请", reverse("swap_list"))


@login_required
def swap_detail(request, pk):
    swap = get_swap_for_user(request.user, pk)
    may_act = swap.may_act(scope_for(request.user).person)
    return render(request, "roster/swap_detail.html", {"swap": swap, "may_act": may_act})


@login_required
@require_POST
def swap_step(request, pk):
    swap = get_swap_for_user(request.user, pk)
    person = scope_for(request.user).person
    if not swap.may_act(person):
        raise PermissionDenied("这一步不由您办理")
    try:
        services.swap_decide(
            swap, person, approve=request.POST.get("decision") != "reject", note=request.POST.get("note", "")
        )
    except ApprovalRefused as refusal:
        messages.error(request, str(refusal))
    except (ValidationError, IntegrityError) as error:
        messages.error(request, "；".join(getattr(error, "messages", ["换班未能生效，请重新申请"])))
    else:
        swap.refresh_from_db()
        messages.success(request, swap.get_state_display())
    return redirect("swap_detail", swap.pk)


@login_required
def swap_docx(request, pk):
    swap = get_swap_for_user(request.user, pk)
    return docx_download(application_docx(swap), application_filename(swap))


# --- files: Excel, iCal ---------------------------------------------------------------------------


@login_required
def roster_export(request, pk):
    roster = get_roster_for_user(request.user, pk)
    return xlsx_download(files.export_xlsx(roster), f"{roster.title}.xlsx")


@login_required
def roster_import(request, pk):
    roster = get_roster_for_user(request.user, pk, write=True)
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if form.is_valid():
        result = files.import_xlsx(roster, form.cleaned_data["file"].read())
        if result.ok:
            messages.success(request, f"已导入 {result.created} 项安排")
            return redirect("roster_detail", roster.pk)
    return render(
        request,
        "org/import.html",
        {
            "form": form,
            "result": result,
            "title": f"导入 {roster.title}",
            "columns": files.HEADERS,
            "template_url": reverse("roster_export", args=[roster.pk]),
        },
    )


@login_required
def feeds(request):
    """One's own calendar URL, and the current unit's (for its duty-office administrators)."""
    scope = scope_for(request.user)
    unit = current_unit(request)
    can_unit = unit is not None and scope.can_write_unit(unit)
    if request.method == "POST":
        which = request.POST.get("which")
        if which not in ("unit", "person"):
            messages.error(request, "请选择个人日历或单位日历")
            return redirect("feeds")
        if which == "unit" and not can_unit:
            raise PermissionDenied("只有本单位值班室管理员可以生成单位日历")
        if which == "person" and scope.person is None:
            raise PermissionDenied("只有登记在册的人员有个人日历")
        if which == "unit":
            CalendarFeed.renew(unit=unit)
        else:
            CalendarFeed.renew(person=scope.person)
        messages.success(request, "已生成新的订阅地址，旧地址随即失效")
        return redirect("feeds")
    mine = CalendarFeed.objects.filter(person=scope.person).first() if scope.person else None
    unit_feed = CalendarFeed.objects.filter(unit=unit).first() if can_unit else None
    return render(
        request,
        "roster/feeds.html",
        {
            "mine": mine,
            "unit_feed": unit_feed,
            "can_unit": can_unit,
            "unit": unit,
            "has_person": scope.person is not None,
        },
    )


def feed(request, token):
    """No login: the token is the key (calendar apps cannot sign in)."""
    found = CalendarFeed.objects.select_related("person", "unit").filter(token=token).first()
    if found is None:
        raise Http404
    if found.person_id:
        body = files.ical(files.feed_assignments(person=found.person), f"{found.person.name}的值班")
    else:
        body = files.ical(files.feed_assignments(roster__unit=found.unit), f"{found.unit.label}值班表")
    return HttpResponse(body, content_type="text/calendar; charset=utf-8")


# --- holiday rosters filed with the superior office ------------------------------------------------


@login_required
@require_POST
def roster_file(request, pk):
    """报备: a published roster covering holidays is filed with the superior duty office."""
    roster = get_roster_for_user(request.user, pk, write=True)
    try:
        superior = services.roster_file(roster)
    except ValidationError as refusal:
        messages.error(request, "；".join(refusal.messages))
        return redirect("roster_detail", roster.pk)
    messages.success(request, f"已报{superior.duty_office if superior else '备'}")
    return redirect("roster_detail", roster.pk)


@login_required
def holiday_filings(request):
    """For a superior office: which units below have filed their roster for a holiday period."""
    scope = scope_for(request.user)
    unit = current_unit(request)
    if unit is None:
        raise Http404
    start, end = date_range(request.GET, next_holiday(unit, timezone.localdate()))
    units = (
        Unit.objects.filter(scope.unit_q(), path__startswith=unit.path, depth__gt=unit.depth)
        .exclude(kind=Unit.Kind.DEPARTMENT)
        .order_by("path")
    )
    rosters = Roster.objects.filter(
        unit__in=units, state=Roster.State.PUBLISHED, start__lte=end, end__gte=start
    )
    filed = {r.unit_id: r for r in rosters.order_by("filed_at") if r.filed_at}
    published = {r.unit_id: r for r in rosters}
    rows = [{"unit": u, "filed": filed.get(u.pk), "published": published.get(u.pk)} for u in units]
    return render(
        request,
        "roster/holiday_filings.html",
        {
            "rows": rows,
            "start": start,
            "end": end,
            "unit": unit,
            "missing": sum(1 for r in rows if not r["filed"]),
        },
    )


def next_holiday(unit, today: dt.date) -> tuple[dt.date, dt.date]:
    """The next run of statutory holidays within 120 days (or the coming month when there is none)."""
    days = days_between(unit, today, today + dt.timedelta(days=120))
    holidays = [d.date for d in days if d.kind == "holiday"]
    if not holidays:
        return today, today + dt.timedelta(days=30)
    first = last = holidays[0]
    for day in holidays[1:]:
        if (day - last).days > 1:
            break
        last = day
    return first, last


@login_required
def fairness_report(request):
    """The fairness of a period (default: this year so far) across the unit's published rosters."""
    unit = current_unit(request)
    if unit is None:
        raise Http404
    today = timezone.localdate()
    start, end = date_range(request.GET, (today.replace(month=1, day=1), today))
    assignments = list(
        Assignment.objects.filter(
            roster__unit=unit, roster__state=Roster.State.PUBLISHED, day__range=(start, end)
        ).select_related("person")
    )
    people = planning.duty_people(unit)
    result = fairness.report(assignments, people, schedulable=planning.schedulable(unit, people, start, end))
    return render(
        request,
        "roster/fairness.html",
        {"report": result, "unit": unit, "start": start, "end": end, "categories": fairness.CATEGORIES},
    )


# --- my duty: upcoming shifts and days I would rather not be on duty --------------------------------


@login_required
def my_duty(request):
    person = scope_for(request.user).person
    if person is None:
        raise Http404
    form = DutyRequestForm(request.POST or None)
    if request.method == "POST":
        form.instance.person = person
        if form.is_valid():
            form.save()
            messages.success(request, "已登记，自动排班时会尽量避开这一天")
            return redirect("my_duty")
    today = timezone.localdate()
    upcoming = Assignment.objects.filter(
        person=person, roster__state=Roster.State.PUBLISHED, end__gte=timezone.now()
    ).select_related("roster__unit")[:30]
    wishes = DutyRequest.objects.filter(person=person, day__gte=today)
    # my duty as a calendar: the month asked for (this month by default), my shifts in their days
    year, month = _month_param(request.GET.get("month"), today)
    first, last = grid.month_bounds(year, month)
    mine = list(
        Assignment.objects.filter(
            person=person, roster__state=Roster.State.PUBLISHED, day__gte=first, day__lte=last
        ).select_related("person", "roster__unit")
    )
    before, after = first - dt.timedelta(days=1), last + dt.timedelta(days=1)
    context = {
        "form": form,
        "upcoming": upcoming,
        "wishes": wishes,
        "weeks": grid.weeks(person.unit, mine, first, last, today),
        "weekdays": grid.WEEKDAYS,
        "heading": f"{year}年{month}月",
        "prev_link": f"?month={before.year}-{before.month:02d}",
        "next_link": f"?month={after.year}-{after.month:02d}",
    }
    return render(request, "roster/my_duty.html", context)


@login_required
@require_POST
def duty_request_delete(request, pk):
    person = scope_for(request.user).person
    deleted, _ = DutyRequest.objects.filter(pk=pk, person=person).delete() if person else (0, None)
    if not deleted:
        raise Http404
    return redirect("my_duty")


SETTINGS = {
    "shift": (ShiftType, ShiftTypeForm, "班次"),
    "holiday": (Holiday, HolidayForm, "节假日安排"),
    "sensitive": (SensitivePeriod, SensitivePeriodForm, "敏感时期"),
}


@login_required
def setting_edit(request, kind, pk):
    model, form_class, label = _setting_kind(kind)
    obj = get_roster_setting_for_user(request.user, model, pk, write=True)
    form = form_class(request.POST or None, instance=obj)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "已保存")
        return redirect("shift_types")
    return form_page(request, form, f"修改{label}", reverse("shift_types"))


@login_required
@require_POST
def setting_delete(request, kind, pk):
    model, _, label = _setting_kind(kind)
    obj = get_roster_setting_for_user(request.user, model, pk, write=True)
    obj.delete()
    messages.success(request, f"已删除{label}")
    return redirect("shift_types")


def _setting_kind(kind):
    if kind not in SETTINGS:
        raise Http404
    return SETTINGS[kind]


# --- the roster as a calendar (issue 16) -------------------------------------------------------------


def _month_param(value: str | None, default: dt.date) -> tuple[int, int]:
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        if 2000 <= year <= 2100 and 1 <= month <= 12:
            return year, month
    except ValueError:
        pass
    return default.year, default.month


def _day_param(value: str | None, default: dt.date) -> dt.date:
    try:
        day = dt.date.fromisoformat(value or "")
    except ValueError:
        return default
    return day if 2000 <= day.year <= 2100 else default


@login_required
def roster_calendar(request, pk):
    """The roster as a month grid (or a week), for reading and printing: one A4 landscape page a month."""
    roster = get_roster_for_user(request.user, pk)
    today = timezone.localdate()
    default = today if roster.start <= today <= roster.end else roster.start
    assignments = list(roster.assignments.select_related("person"))
    week = request.GET.get("view") == "week"
    if week:
        day = _day_param(request.GET.get("week"), default)
        first = day - dt.timedelta(days=day.weekday())
        last = first + dt.timedelta(days=6)
        rows = grid.weeks(roster.unit, assignments, first, last, today)
        prev_link = f"?view=week&week={(first - dt.timedelta(days=7)).isoformat()}"
        next_link = f"?view=week&week={(first + dt.timedelta(days=7)).isoformat()}"
        heading = f"{first.month}月{first.day}日至{last.month}月{last.day}日"
    else:
        year, month = _month_param(request.GET.get("month"), default)
        first, last = grid.month_bounds(year, month)
        rows = grid.weeks(roster.unit, assignments, first, last, today)
        before = first - dt.timedelta(days=1)
        after = last + dt.timedelta(days=1)
        prev_link = f"?month={before.year}-{before.month:02d}" if before >= roster.start else ""
        next_link = f"?month={after.year}-{after.month:02d}" if after <= roster.end else ""
        heading = f"{year}年{month}月"
    context = {
        "roster": roster,
        "weeks": rows,
        "week": week,
        "heading": heading,
        "weekdays": grid.WEEKDAYS,
        "prev_link": prev_link,
        "next_link": next_link,
        "this_week": f"?view=week&week={default.isoformat()}",
        "this_month": f"?month={default.year}-{default.month:02d}",
        "lines": DutyLine.objects.filter(unit=roster.unit, active=True),
    }
    return render(request, "roster/calendar.html", context)
