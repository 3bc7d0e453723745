"""Events, their reports, the superior's inbox, verification requests and the duty-room board."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from zhiban.incidents import forms, services
from zhiban.incidents.access import (
    event_q,
    get_event_for_user,
    get_report_for_user,
    get_verification_for_user,
)
from zhiban.incidents.docx import report_docx, report_filename
from zhiban.incidents.manual import manual_of, procedure_for, procedure_save
from zhiban.incidents.models import ELEMENTS, Event, EventStep, Procedure, Report, VerificationRequest
from zhiban.intake.access import get_call_for_user, get_document_for_user, get_visit_for_user
from zhiban.lib.downloads import docx_download
from zhiban.lib.forms import add_errors
from zhiban.lib.paging import paginate
from zhiban.lib.polling import background_poll
from zhiban.org.access import acting_unit, current_unit, duty_unit, get_unit_for_user, scope_for
from zhiban.org.models import Unit


@login_required
def event_list(request):
    """The unit's events and those of its subtree, open first."""
    unit = duty_unit(request)
    events = (
        Event.objects.filter(event_q(scope_for(request.user)), unit__path__startswith=unit.path)
        .select_related("unit")
        .order_by("-state", "-known_at", "-id")  # "open" sorts after "closed": open first
    )
    context = {"page": paginate(request, events), "unit": unit, "now": timezone.now()}
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
            "initial": {"summary": call.content, "known_at": call.at},
        }
    if kind == "visit":
        visit = get_visit_for_user(request.user, pk, act=True)
        return {"source": Event.Source.VISIT, "visit": visit, "initial": {"summary": visit.purpose}}
    if kind == "document":
        document = get_document_for_user(request.user, pk, act=True)
        initial = {"title": document.title_for(reveal=False), "known_at": document.received_at}
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
    form = forms.EventForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = {**form.cleaned_data, **origin}
        try:
            event = services.event_open(unit, person, **fields)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, "事件已登记，报告时限开始计时，带班领导已收到通知")
            return redirect("event_detail", event.pk)
    return render(
        request,
        "incidents/event_form.html",
        {"form": form, "title": "登记突发事件", "cancel_url": reverse("event_list"), "origin": origin},
    )


def _detail(
    request, event, report_form=None, note_form=None, instruct_form=None, notify_form=None, status=200
):
    context = {
        "event": event,
        "reports": event.reports.select_related("to_unit", "by", "forwarded_from"),
        "steps": event.steps.select_related("by"),
        "form": report_form or forms.ReportForm(event=event, prefix="r"),
        "note": note_form or forms.NoteForm(prefix="n"),
        "instruct": instruct_form or forms.EventInstructionForm(event=event, prefix="i"),
        "notify": notify_form or forms.NotifyUnitsForm(units=_neighbours(request, event), prefix="u"),
        "instructions": [
            link.instruction for link in event.instruction_links.select_related("instruction__leader")
        ],
        "procedure": procedure_for(event.unit, event.category),  # B25
        "now": timezone.now(),
        "may_act": scope_for(request.user).acts_for_unit(event.unit),
        "may_report": scope_for(request.user).acts_as(event.unit),
    }
    return render(request, "incidents/event_detail.html", context, status=status)


@login_required
def event_detail(request, pk):
    return _detail(request, get_event_for_user(request.user, pk))


@login_required
@require_POST
def report_create(request, pk):
    event = get_event_for_user(request.user, pk, act=True)
    if not scope_for(request.user).acts_as(event.unit):
        raise PermissionDenied("只有事发单位的值班人员可以报告；上级请在“收到的报告”中接收并转报")
    form = forms.ReportForm(request.POST, event=event, prefix="r")
    if form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items()}
        try:
            report = services.report_make(event, scope_for(request.user).person, **fields)
        except ValidationError as error:
            add_errors(form, error)
        else:
            late = f"，迟报{report.late_minutes}分钟，已记录" if report.late_minutes else ""
            late += "，登记时已过时限，标为时限后补录" if report.backfilled else ""
            messages.success(request, f"{report.get_kind_display()}已报送{report.recipient}{late}")
            return redirect("event_detail", event.pk)
    return _detail(request, event, report_form=form, status=400)


@login_required
@require_POST
def event_note(request, pk):
    event = get_event_for_user(request.user, pk, act=True)
    form = forms.NoteForm(request.POST, prefix="n")
    if not form.is_valid():
        return _detail(request, event, note_form=form, status=400)
    services.step(
        event, EventStep.Kind.NOTE, form.cleaned_data["text"].strip(), scope_for(request.user).person
    )
    return redirect("event_detail", event.pk)


def _neighbours(request, event):
    """Units to tell: those the person may read, and the units around the event's own (siblings,
    departments), since an event does not stop at a boundary."""
    parent = event.unit.parent
    around = Unit.objects.filter(parent=parent) if parent else Unit.objects.none()
    return (
        (scope_for(request.user).units() | around | Unit.objects.filter(parent=event.unit))
        .exclude(pk=event.unit_id)
        .distinct()
        .order_by("path")
    )


@login_required
@require_POST
def event_notify(request, pk):
    event = get_event_for_user(request.user, pk, act=True)
    form = forms.NotifyUnitsForm(request.POST, units=_neighbours(request, event), prefix="u")
    if form.is_valid():
        services.event_notify_units(
            event, scope_for(request.user).person, list(form.cleaned_data["units"]), form.cleaned_data["text"]
        )
        messages.success(request, "已通知相关单位")
        return redirect("event_detail", event.pk)
    return _detail(request, event, notify_form=form, status=400)  # the text typed stays


@login_required
@require_POST
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
    return _detail(request, event, instruct_form=form, status=400)


@login_required
def report_detail(request, pk):
    return _report_page(request, get_report_for_user(request.user, pk))


def _report_page(request, report, forward_form=None, status: int = 200):
    context = {
        "report": report,
        "elements": [(label, getattr(report, name)) for name, label in ELEMENTS],
        "missing": report.missing_elements(),
        "forward": forward_form or forms.ForwardForm(report=report),
        "forwards": report.forwards.select_related("to_unit", "by").order_by("at"),
        "has_superior": report.to_unit is not None and report.to_unit.parent_id is not None,
        "may_handle": report.to_unit is not None and scope_for(request.user).acts_as(report.to_unit),
    }
    return render(request, "incidents/report_detail.html", context, status=status)


@login_required
@require_POST
def report_receive(request, pk):
    report = get_report_for_user(request.user, pk, act=True)
    person = scope_for(request.user).person
    if person is None:
        raise PermissionDenied("只有登记在册的人员可以接收")
    services.report_receive(report, person)
    return redirect("report_detail", report.pk)


@login_required
@require_POST
def report_forward(request, pk):
    report = get_report_for_user(request.user, pk, act=True)
    form = forms.ForwardForm(request.POST, report=report)
    person = scope_for(request.user).person
    if person is None:
        raise PermissionDenied("只有登记在册的人员可以转报")
    if form.is_valid():
        try:
            forward = services.report_forward(
                report, person, form.cleaned_data["to_unit"], form.cleaned_data.get("phoned_whom", "")
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"已转报{forward.to_unit.label}")
            return redirect("report_detail", report.pk)
    return _report_page(request, report, forward_form=form, status=400)


@login_required
def report_word(request, pk):
    report = get_report_for_user(request.user, pk)
    return docx_download(report_docx(report), report_filename(report))


@login_required
def inbox(request):
    """The reports that came to the unit one works as (A2.1), unreceived first."""
    unit = duty_unit(request)
    reports = (
        Report.objects.filter(to_unit=unit)
        .select_related("event__unit", "by", "forwarded_from__to_unit")
        .order_by("received_at", "-at", "-id")
    )
    return render(request, "incidents/inbox.html", {"page": paginate(request, reports), "unit": unit})


def _board_events(request, unit):
    return list(
        Event.objects.filter(
            event_q(scope_for(request.user)), unit__path__startswith=unit.path, state=Event.State.OPEN
        )
        .select_related("unit")
        .order_by("phone_due_at")[:100]
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
