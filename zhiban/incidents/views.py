"""Events and what is done on their page (reports made, regraded, linked, chased, instructed, told),
the list, the duty-room board, verification requests and the duty manual. A report's own page and its
sign-off are in views_reports; the reporting rules, the offices outside the system and chase-ups in
views_rules."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from zhiban.incidents import deadlines, forms, reporting, services
from zhiban.incidents.access import (
    event_q,
    get_deadline_for_user,
    get_event_for_user,
    get_verification_for_user,
    report_q,
)
from zhiban.incidents.manual import manual_of, procedure_for, procedure_save
from zhiban.incidents.models import (
    FIGURES,
    Deadline,
    Event,
    EventStep,
    Procedure,
    Report,
    VerificationRequest,
)
from zhiban.incidents.rules import RuleTable
from zhiban.intake.access import get_call_for_user, get_document_for_user, get_visit_for_user
from zhiban.lib.dates import minutes_words
from zhiban.lib.filters import list_filter
from zhiban.lib.forms import add_errors
from zhiban.lib.paging import paginate
from zhiban.lib.polling import background_poll
from zhiban.org.access import acting_unit, current_unit, duty_unit, get_unit_for_user, scope_for
from zhiban.org.models import Unit
from zhiban.org.pickers import Units


def with_deadlines(events: list[Event]) -> list[Event]:
    """Events with their deadlines read in one query; each gets the phone, written and follow-up
    deadline a list or the board shows (the earliest still open of each kind, else the last)."""
    prefetch_related_objects(events, Prefetch("deadline_set", queryset=Deadline.objects.order_by("due_at")))
    for event in events:
        event.phone = deadlines.current(event, Deadline.Kind.PHONE)
        event.written = deadlines.current(event, Deadline.Kind.WRITTEN)
        event.follow_up = deadlines.current(event, Deadline.Kind.FOLLOW_UP)
    return events


def posted_from(page: str):
    """A view that takes a form posted from `page` (the event's or the report's): opened by GET, as a
    phone reloading the address left after an error does, it goes back to that page."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, pk, *args, **kwargs):
            if request.method != "POST":
                return redirect(page, pk)
            return view(request, pk, *args, **kwargs)

        return wrapper

    return decorate


def back(request, default: str) -> str:
    """Where a button asked to return to (?next= or a hidden field), if it is a page of this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


@login_required
def event_list(request):
    """The unit's events and those of its subtree, open first."""
    unit = duty_unit(request)
    events = (
        Event.objects.filter(event_q(scope_for(request.user)), unit__path__startswith=unit.path)
        .select_related("unit", "same_as")
        .order_by("-state", "-known_at", "-id")  # "open" sorts after "closed": open first
    )
    filters = list_filter(
        request,
        kinds=Event.Category.choices,
        levels=[(v, label) for v, label in Event.Grade.choices if v],
        kind_label="事件类别",
        level_label="等级",
    )
    events = filters.apply(events, "known_at", "category", lambda rows, level: rows.filter(grade=level))
    page = paginate(request, events)
    with_deadlines(page.rows)
    context = {"page": page, "unit": unit, "now": timezone.now(), "filters": filters}
    return render(request, "incidents/event_list.html", context)


def _origin(request) -> dict:
    """?from=call:12 (or document:, visit:): the record the event is opened from, read through its
    accessor, as the event's source fields and the form's first values."""
    kind, _, pk = request.GET.get("from", "").partition(":")
    if kind == "call":
        call = get_call_for_user(request.user, pk, act=True)
        return {
            "source": Event.Source.CALL,
            "call": call,
            "initial": {"summary": call.content, "known_at": call.at, "classification": call.classification},
        }
    if kind == "visit":
        visit = get_visit_for_user(request.user, pk, act=True)
        initial = {"summary": visit.purpose, "classification": visit.classification}
        return {"source": Event.Source.VISIT, "visit": visit, "initial": initial}
    if kind == "document":
        document = get_document_for_user(request.user, pk, act=True)
        initial = {
            "title": document.title_for(reveal=False),
            "known_at": document.received_at,
            "classification": document.classification,
        }
        return {"source": Event.Source.DOCUMENT, "document": document, "initial": initial}
    return {"initial": {}}


@login_required
def event_create(request):
    """Opened directly, or from a call, visit or document (?from=call:12)."""
    unit, person = acting_unit(request)
    origin = _origin(request)
    initial = origin.pop("initial")
    if "known_at" in initial:
        initial["known_at"] = timezone.localtime(initial["known_at"]).strftime("%Y-%m-%dT%H:%M")
    form = forms.EventForm(request.POST or None, initial=initial, table=RuleTable(unit))
    if request.method == "POST" and form.is_valid():
        fields = {**form.cleaned_data, **origin}
        try:
            event = services.event_open(unit, person, **fields)
        except ValidationError as error:
            add_errors(form, error)
        else:
            told = "报告时限开始计时，" if event.report_required else "按规定不须向上级报告，"
            messages.success(request, f"事件已登记，{told}带班领导已收到通知")
            return redirect("event_detail", event.pk)
    return render(
        request,
        "incidents/event_form.html",
        {"form": form, "title": "登记突发事件", "cancel_url": reverse("event_list"), "origin": origin},
    )


def _overseeing_office(request, event: Event) -> Unit | None:
    """The unit one works as, when it is a duty office above the event's unit: it may chase and link."""
    unit = current_unit(request)
    if unit is None or unit.pk == event.unit_id or not event.unit.path.startswith(unit.path):
        return None
    return unit if scope_for(request.user).acts_as(unit) else None


def _link_candidates(office: Unit, event: Event):
    """Events of other units below the office, known within two days of this one, not linked yet."""
    window = timezone.timedelta(days=2)
    near = (
        Event.objects.filter(
            unit__path__startswith=office.path,
            same_as=None,
            known_at__gte=event.known_at - window,
            known_at__lte=event.known_at + window,
        )
        .exclude(pk=event.pk)
        .exclude(unit=event.unit)
        .order_by("-known_at")
        .values_list("pk", flat=True)[:50]
    )
    # a choice field looks its answer up in the query: the nearest fifty, by id, unsliced
    return Event.objects.filter(pk__in=list(near)).select_related("unit").order_by("-known_at")


FORM_PLACES = {
    "phone": ("form-phone", "电话报告"),
    "written": ("form-written", "书面报告"),
    "regrade": ("form-regrade", "变更等级"),
    "notify": ("form-notify", "通知相关单位"),
    "instruct": ("form-instruct", "领导批示"),
    "note": ("form-note", "处置记录"),
    "link": ("form-link", "同一事件"),
    "unlink": ("form-unlink", "取消关联"),
}


def _detail(request, event, status: int = 200, **given):
    scope = scope_for(request.user)
    office = _overseeing_office(request, event)
    family = event.family()
    # a linked report of a unit the reader may not read (another county's, or one classified above the
    # reader's clearance) is named by its unit only, and its steps stay off this timeline
    readable = (
        set(Event.objects.filter(event_q(scope), pk__in=[e.pk for e in family]).values_list("pk", flat=True))
        if len(family) > 1
        else {event.pk}  # the page's own event was read under the same rule
    )
    for member in family:
        member.readable = member.pk in readable
    phone_sign_off = reporting.phone_needs_sign_off(event.unit)
    totals, changes, last = reporting.figure_totals(event)
    context = {
        "event": event,
        "family": family,
        "reports": event.reports.filter(report_q(scope))
        .select_related("to_unit", "by", "forwarded_from", "signer")
        .order_by("at", "id"),
        "deadline_rows": list(event.deadline_set.order_by("due_at", "id")),
        # the superior is offered a chase-up once a report is due within the warning time, or overdue
        "chase_from": timezone.now() + timezone.timedelta(minutes=event.warning_minutes),
        "steps": EventStep.objects.filter(event__in=readable)
        .select_related("by", "event__unit", "acting_unit")
        .order_by("at", "id"),
        "phone_form": given.get("phone") or _phone_form(event, phone_sign_off),
        "written_form": given.get("written") or forms.WrittenReportForm(event=event, prefix="w"),
        "regrade": given.get("regrade") or forms.RegradeForm(event=event, prefix="g"),
        "note": given.get("note") or forms.NoteForm(prefix="n"),
        "instruct": given.get("instruct") or forms.EventInstructionForm(event=event, prefix="i"),
        "notify": given.get("notify") or forms.NotifyUnitsForm(units=_neighbours(request, event), prefix="u"),
        "link": (given.get("link") or forms.LinkForm(candidates=_link_candidates(office, event), prefix="l"))
        if office and not event.same_as_id
        else None,
        "unlink": given.get("unlink") or forms.UnlinkForm(prefix="x")
        if office and event.same_as_id
        else None,
        "office": office,
        "failed": next((FORM_PLACES[name] for name in given if name in FORM_PLACES), None),
        "uploads_lost": bool(request.FILES),
        "phone_sign_off": phone_sign_off,
        "figure_rows": [
            (label, totals[name], unit, name in changes, changes.get(name))
            for name, label, unit in FIGURES
            if name in totals
        ],
        "figures_report": last,
        "instructions": [
            link.instruction for link in event.instruction_links.select_related("instruction__leader")
        ],
        "procedure": procedure_for(event.unit, event.category),  # B25
        "now": timezone.now(),
        "may_act": scope.acts_for_unit(event.unit),
        "may_report": scope.acts_as(event.unit),
    }
    return render(request, "incidents/event_detail.html", context, status=status)


def _phone_form(event, phone_sign_off: bool, data=None):
    """A phone report is recorded once made; where the unit signs phone reports off, it is drafted."""
    if phone_sign_off:
        return forms.WrittenReportForm(data, event=event, prefix="p", channel=Report.Channel.PHONE)
    return forms.PhoneReportForm(data, event=event, prefix="p")


@login_required
def event_detail(request, pk):
    return _detail(request, get_event_for_user(request.user, pk))


def _reporter(request, event):
    event_unit_act = scope_for(request.user).acts_as(event.unit)
    if not event_unit_act:
        raise PermissionDenied("只有事发单位的值班人员可以报告；上级请在“收到的报告”中接收并转报")
    return scope_for(request.user).person


@login_required
@posted_from("event_detail")
def phone_report_create(request, pk):
    """B22: a phone report made now, or (where the unit signs phone reports off) drafted for sign-off."""
    event = get_event_for_user(request.user, pk, act=True)
    person = _reporter(request, event)
    sign_off = reporting.phone_needs_sign_off(event.unit)
    form = _phone_form(event, sign_off, request.POST)
    if form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "attachments"}
        try:
            if sign_off:
                report = reporting.report_draft(
                    event,
                    person,
                    channel=Report.Channel.PHONE,
                    attachments=form.cleaned_data["attachments"],
                    **fields,
                )
            else:
                report = reporting.report_make(event, person, channel=Report.Channel.PHONE, **fields)
        except ValidationError as error:
            add_errors(form, error)
        else:
            if sign_off:
                messages.success(request, f"已送{report.signer.name}签发，签发后再电话报告并登记")
            else:
                late = f"，迟报{minutes_words(report.late_minutes)}，已记录" if report.late_minutes else ""
                late += "，登记时已过时限，标为时限后补录" if report.backfilled else ""
                messages.success(request, f"{report.label}已登记，报{report.recipient}{late}")
            return redirect("event_detail", event.pk)
    return _detail(request, event, status=400, phone=form)


@login_required
@posted_from("event_detail")
def written_report_create(request, pk):
    """A written report drafted and sent to the leader for sign-off (or kept as a draft)."""
    event = get_event_for_user(request.user, pk, act=True)
    person = _reporter(request, event)
    form = forms.WrittenReportForm(request.POST, request.FILES, event=event, prefix="w")
    submit = form.submit = "draft" not in request.POST
    if form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "attachments"}
        try:
            report = reporting.report_draft(
                event,
                person,
                submit=submit,
                channel=Report.Channel.WRITTEN,
                attachments=form.cleaned_data["attachments"],
                **fields,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            if submit:
                messages.success(request, f"{report.label}已送{report.signer.name}签发，签发后即报出")
            else:
                messages.success(request, f"{report.label}已存为草稿")
            return redirect("report_detail", report.pk)
    return _detail(request, event, status=400, written=form)


@login_required
@posted_from("event_detail")
def event_regrade(request, pk):
    event = get_event_for_user(request.user, pk, act=True)
    form = forms.RegradeForm(request.POST, event=event, prefix="g")
    if form.is_valid():
        data = form.cleaned_data
        try:
            event = services.event_regrade(
                event,
                scope_for(request.user).person,
                data["grade"],
                data["sensitive"],
                data["at"],
                data["note"],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, "等级已变更，已记入事件时间线")
            return redirect("event_detail", event.pk)
    return _detail(request, event, status=400, regrade=form)


@login_required
@posted_from("event_detail")
def event_link(request, pk):
    event = get_event_for_user(request.user, pk)
    office = _overseeing_office(request, event)
    if office is None:
        raise PermissionDenied("只有上级值班机构可以关联同一事件")
    form = forms.LinkForm(request.POST, candidates=_link_candidates(office, event), prefix="l")
    if form.is_valid():
        try:
            services.event_link(
                event,
                form.cleaned_data["primary"],
                scope_for(request.user).person,
                office,
                form.cleaned_data["note"],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, "已关联为同一事件")
            return redirect("event_detail", event.pk)
    return _detail(request, event, status=400, link=form)


@login_required
@posted_from("event_detail")
def event_unlink(request, pk):
    event = get_event_for_user(request.user, pk)
    office = _overseeing_office(request, event)
    if office is None:
        raise PermissionDenied("只有上级值班机构可以取消关联")
    form = forms.UnlinkForm(request.POST, prefix="x")
    if form.is_valid():
        try:
            services.event_unlink(event, scope_for(request.user).person, office, form.cleaned_data["reason"])
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, "已取消同一事件关联")
            return redirect("event_detail", event.pk)
    return _detail(request, event, status=400, unlink=form)


@login_required
@require_POST
def deadline_chase(request, pk):
    """催报 from the event page or the chase-up list: one click, the unit below hears it at once."""
    deadline = get_deadline_for_user(request.user, pk)
    office = _overseeing_office(request, deadline.event)
    if office is None:
        raise PermissionDenied("只有上级值班机构可以催报")
    try:
        services.chase_up(office, scope_for(request.user).person, deadline=deadline)
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    else:
        messages.success(request, f"已向{deadline.event.unit.label}催报")
    return redirect(back(request, reverse("event_detail", args=[deadline.event_id])))


@login_required
@posted_from("event_detail")
def event_note(request, pk):
    event = get_event_for_user(request.user, pk, act=True)
    form = forms.NoteForm(request.POST, prefix="n")
    if not form.is_valid():
        return _detail(request, event, status=400, note=form)
    services.step(
        event, EventStep.Kind.NOTE, form.cleaned_data["text"].strip(), scope_for(request.user).person
    )
    return redirect("event_detail", event.pk)


def _neighbours(request, event) -> Units:
    """Units to tell: those the person may read, and the units around the event's own (siblings,
    departments), since an event does not stop at a boundary."""
    return Units.around(scope_for(request.user), event.unit)


@login_required
@posted_from("event_detail")
def event_notify(request, pk):
    event = get_event_for_user(request.user, pk, act=True)
    form = forms.NotifyUnitsForm(request.POST, units=_neighbours(request, event), prefix="u")
    if form.is_valid():
        services.event_notify_units(
            event, scope_for(request.user).person, list(form.cleaned_data["units"]), form.cleaned_data["text"]
        )
        messages.success(request, "已通知相关单位")
        return redirect("event_detail", event.pk)
    return _detail(request, event, status=400, notify=form)  # the text typed stays


@login_required
@posted_from("event_detail")
def event_instruct(request, pk):
    event = get_event_for_user(request.user, pk, act=True)
    form = forms.EventInstructionForm(request.POST, event=event, prefix="i")
    person = scope_for(request.user).person
    if person is None:
        raise PermissionDenied("只有登记在册的人员可以登记批示")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.event_instruction(event, person, data["leader"], data["text"], list(data["targets"]))
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, "批示已登记并传达落实人")
            return redirect("event_detail", event.pk)
    return _detail(request, event, status=400, instruct=form)


@login_required
def inbox(request):
    """The reports that came to the unit one works as (A2.1), unreceived first, with their figures."""
    unit = duty_unit(request)
    reports = (
        Report.objects.filter(to_unit=unit, state=Report.State.SENT)
        .select_related("event__unit", "event__same_as", "by", "forwarded_from__to_unit")
        .order_by("received_at", "-at", "-id")
    )
    context = {
        "page": paginate(request, reports),
        "unit": unit,
        "may_receive": scope_for(request.user).acts_as(unit),
    }
    return render(request, "incidents/inbox.html", context)


def _board_events(request, unit):
    events = (
        Event.objects.filter(
            event_q(scope_for(request.user)), unit__path__startswith=unit.path, state=Event.State.OPEN
        )
        .select_related("unit")
        .order_by("-known_at")[:100]
    )
    rows = with_deadlines(list(events))
    far = timezone.now() + timezone.timedelta(days=3650)
    return sorted(
        rows,
        key=lambda e: min(
            (d.due_at for d in (e.phone, e.written, e.follow_up) if d and d.is_open), default=far
        ),
    )


@login_required
def board(request):
    """The duty-room board: open events with live countdowns; an alarm shows and sounds without a reload."""
    unit = duty_unit(request)
    return render(
        request,
        "incidents/board.html",
        {"unit": unit, "events": _board_events(request, unit), "now": timezone.now()},
    )


@background_poll  # every few seconds from an unattended screen: not the person's activity
@login_required
def board_rows(request):
    unit = duty_unit(request)
    return render(
        request, "incidents/_board_rows.html", {"events": _board_events(request, unit), "now": timezone.now()}
    )


@login_required
def verification_list(request):
    unit = duty_unit(request)
    return _verification_page(request, unit, forms.VerificationForm(unit=unit))


def _verification_page(request, unit, form, status: int = 200):
    asked = paginate(
        request, VerificationRequest.objects.filter(from_unit=unit).select_related("to_unit"), param="asked"
    )
    received = paginate(
        request,
        VerificationRequest.objects.filter(to_unit=unit).select_related("from_unit"),
        param="received",
    )
    context = {"unit": unit, "asked": asked, "received": received, "form": form, "now": timezone.now()}
    return render(request, "incidents/verification_list.html", context, status=status)


@login_required
@require_POST
def verification_create(request):
    unit, person = acting_unit(request)
    form = forms.VerificationForm(request.POST, unit=unit)
    if form.is_valid():
        try:
            asked = services.verification_ask(
                unit, form.cleaned_data["to_unit"], person, form.cleaned_data["question"]
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"已向{asked.to_unit.label}核报")
            return redirect("verification_detail", asked.pk)
    return _verification_page(request, unit, form, status=400)  # what was typed stays, errors by the fields


@login_required
def verification_detail(request, pk):
    asked = get_verification_for_user(request.user, pk)
    scope = scope_for(request.user)
    form = forms.ReplyForm(request.POST or None)
    if request.method == "POST":
        if not scope.acts_as(asked.to_unit):
            raise PermissionDenied("只有被核报单位的值班人员可以反馈")
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.verification_reply(
                    asked, scope.person, data["channel"], data["reply"], data["delay_reason"]
                )
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, "已反馈")
                return redirect("verification_detail", asked.pk)
    context = {
        "asked": asked,
        "form": form,
        "may_reply": scope.acts_as(asked.to_unit),
        "now": timezone.now(),
        "lapses": asked.lapses.all(),
    }
    return render(request, "incidents/verification_detail.html", context, status=400 if form.errors else 200)


# --- the duty manual (B23/B25) ---------------------------------------------------------------------------
@login_required
def manual(request, pk=None):
    """The duty manual of the unit one works as, or of a unit in one's scope: the duty rules and the
    handling procedure for each category of event, each the unit's own or its superior's."""
    unit = get_unit_for_user(request.user, pk) if pk else current_unit(request)
    if unit is None:
        raise PermissionDenied("没有可查看的单位")
    context = {
        "unit": unit,
        "sections": manual_of(unit),
        "can_write": scope_for(request.user).administers_duty_of(unit),
    }
    return render(request, "incidents/manual.html", context)


@login_required
def procedure_edit(request, pk, section):
    unit = get_unit_for_user(request.user, pk, write=True)
    if not scope_for(request.user).administers_duty_of(unit):
        raise PermissionDenied("值班工作手册由本单位或上级的值班室管理员修订")
    if section not in Procedure.Section.values:
        raise Http404
    current = procedure_for(unit, section)
    initial = {"text": current.procedure.text if current.procedure else ""}
    form = forms.ProcedureForm(request.POST or None, initial=initial)
    if unit.parent_id is None:  # nothing above to follow: the section is this unit's, for all below
        form.fields["text"].help_text = "按处置步骤逐条填写。下级单位未单独规定的，沿用本单位的规定。"
    if request.method == "POST" and form.is_valid():
        try:
            own = procedure_save(unit, section, form.cleaned_data["text"], scope_for(request.user).person)
        except ValidationError as error:
            add_errors(form, error)
        else:
            followed = "" if own else procedure_for(unit.parent, section).procedure.unit.label
            messages.success(
                request, f"已保存{current.label}" if own else f"{current.label}沿用{followed}的规定"
            )
            return redirect(f"{reverse('manual_unit', args=[unit.pk])}#{section}")
    context = {
        "form": form,
        "title": f"{unit.label}值班工作手册 · {current.label}",
        "cancel_url": reverse("manual_unit", args=[unit.pk]),
    }
    return render(request, "form_page.html", context)
