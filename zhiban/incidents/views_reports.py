"""A report's page: its elements and figures, its sign-off (核稿, 签发, 退回), its sending outside the
system, the superior's receiving and forwarding, its attachments and its Word file."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from zhiban.audit.trail import record_read
from zhiban.incidents import deadlines, forms, reporting
from zhiban.incidents.access import get_attachment_for_user, get_report_for_user
from zhiban.incidents.docx import report_docx, report_filename
from zhiban.incidents.models import ELEMENTS, ExternalOffice, Report
from zhiban.incidents.views import back, posted_from
from zhiban.lib.dates import minutes_words
from zhiban.lib.downloads import docx_download
from zhiban.lib.forms import add_errors
from zhiban.org.access import scope_for


def _report_page(request, report, status: int = 200, **given):
    scope = scope_for(request.user)
    person = scope.person
    own_office = scope.acts_as(report.event.unit)
    top = report.to_unit is not None and report.to_unit.parent_id is None
    due = deadlines.current(report.event, _due_kind(report)) if not report.is_sent else None
    signer_here = person is not None and report.signer_id == person.pk and report.by_id != person.pk
    context = {
        "report": report,
        "elements": [(label, getattr(report, name)) for name, label in ELEMENTS],
        "missing": report.missing_elements(),
        "attachments": report.attachments.all(),
        "forward": given.get("forward") or forms.ForwardForm(report=report),
        "forwards": report.forwards.select_related("to_unit", "by").order_by("at"),
        "has_superior": report.to_unit is not None and report.to_unit.parent_id is not None,
        "forward_out": top and ExternalOffice.objects.filter(unit=report.to_unit).exists(),
        "may_handle": report.to_unit is not None and scope.acts_as(report.to_unit) and report.is_sent,
        # the leader asked to sign reads, signs or returns it; the drafting is the duty office's
        "may_edit": own_office and report.state in reporting.EDITABLE and not signer_here,
        "may_sign": report.state == Report.State.PENDING and reporting.may_sign(person, report.event.unit),
        "may_check": report.state == Report.State.PENDING
        and report.checked_by_id is None
        and report.by_id != getattr(person, "pk", None)
        and reporting.may_check(person, report.event.unit)
        and not reporting.may_sign(person, report.event.unit),  # a leader's sign-off checks it too
        "may_send": own_office and report.state == Report.State.SIGNED and not signer_here,
        "send": given.get("send") or forms.SendForm(report=report),
        "return_form": given.get("return_form") or forms.ReturnForm(),
        "due": due,
        "now": timezone.now(),
    }
    return render(request, "incidents/report_detail.html", context, status=status)


def _due_kind(report: Report) -> str:
    if report.kind != Report.Kind.FIRST:
        return "follow_up"
    return "phone" if report.channel == Report.Channel.PHONE else "written"


@login_required
def report_detail(request, pk):
    return _report_page(request, get_report_for_user(request.user, pk))


def _own_report(request, pk) -> Report:
    """A report not yet sent, handled by the event unit's own duty office (and its signer)."""
    report = get_report_for_user(request.user, pk)
    scope = scope_for(request.user)
    if not scope.acts_as(report.event.unit) and report.signer_id != getattr(scope.person, "pk", None):
        raise PermissionDenied("只有事发单位的值班人员和签发领导可以办理")
    return report


@login_required
def report_edit(request, pk):
    """A draft (or one waiting for sign-off) changed by the duty office; the check made is void."""
    report = _own_report(request, pk)
    if not scope_for(request.user).acts_as(report.event.unit):
        raise PermissionDenied("只有事发单位的值班人员可以修改报告")
    if report.state not in reporting.EDITABLE:
        raise PermissionDenied("已签发的报告不能再修改")
    form = forms.WrittenReportForm(
        request.POST or None,
        request.FILES or None,
        instance=report,
        event=report.event,
        channel=report.channel,
    )
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "attachments"}
        try:
            if "submit" in request.POST and report.state == Report.State.DRAFT:
                reporting.report_update(
                    report, scope_for(request.user).person, form.cleaned_data["attachments"], **fields
                )
                reporting.report_submit(report, fields["signer"])
            else:
                reporting.report_update(
                    report, scope_for(request.user).person, form.cleaned_data["attachments"], **fields
                )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, "已送签" if report.state == Report.State.PENDING else "已保存")
            return redirect("report_detail", report.pk)
    return render(
        request,
        "incidents/report_form.html",
        {"form": form, "report": report, "title": f"修改{report.event.title}{report.label}"},
        status=400 if form.errors else 200,
    )


def _act(request, pk, action, done) -> HttpResponse:
    """One button on a report not yet sent (核稿, 签发): the workflow's refusal said as a message."""
    report = _own_report(request, pk)
    try:
        action(report, scope_for(request.user).person)
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    else:
        messages.success(request, done(report))
    return redirect("report_detail", report.pk)


@login_required
@posted_from("report_detail")
def report_check(request, pk):
    return _act(request, pk, reporting.report_check, lambda r: "已核稿")


@login_required
@posted_from("report_detail")
def report_sign(request, pk):
    def done(report: Report) -> str:
        if report.is_sent:
            return f"已签发，{report.label}已报{report.recipient}"
        return f"已签发，请值班人员报出{report.recipient}并登记"

    return _act(request, pk, reporting.report_sign, done)


@login_required
@posted_from("report_detail")
def report_return(request, pk):
    report = _own_report(request, pk)
    form = forms.ReturnForm(request.POST)
    if form.is_valid():
        try:
            reporting.report_return(report, scope_for(request.user).person, form.cleaned_data["note"])
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, "已退回拟稿人修改")
            return redirect("report_detail", report.pk)
    return _report_page(request, report, status=400, return_form=form)


@login_required
@posted_from("report_detail")
def report_send(request, pk):
    """A signed report gone out by fax, mail, the platform or phone: recorded, and counted."""
    report = _own_report(request, pk)
    if not scope_for(request.user).acts_as(report.event.unit):
        raise PermissionDenied("只有事发单位的值班人员可以登记报出")
    form = forms.SendForm(request.POST, report=report)
    if form.is_valid():
        data = form.cleaned_data
        try:
            reporting.report_send(
                report,
                scope_for(request.user).person,
                data["at"],
                data.get("means", ""),
                data.get("phoned_whom", ""),
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            late = f"，迟报{minutes_words(report.late_minutes)}，已记录" if report.late_minutes else ""
            messages.success(request, f"{report.label}已报{report.recipient}{late}")
            return redirect("report_detail", report.pk)
    return _report_page(request, report, status=400, send=form)


@login_required
@posted_from("report_detail")
def report_receive(request, pk):
    report = get_report_for_user(request.user, pk, act=True)
    person = scope_for(request.user).person
    if person is None:
        raise PermissionDenied("只有登记在册的人员可以接收")
    reporting.report_receive(report, person)
    return redirect(back(request, reverse("report_detail", args=[report.pk])))


@login_required
@posted_from("report_detail")
def report_forward(request, pk):
    report = get_report_for_user(request.user, pk, act=True)
    form = forms.ForwardForm(request.POST, report=report)
    person = scope_for(request.user).person
    if person is None:
        raise PermissionDenied("只有登记在册的人员可以转报")
    if form.is_valid():
        data = form.cleaned_data
        try:
            forward = reporting.report_forward(
                report,
                person,
                data.get("to_unit"),
                data.get("phoned_whom", ""),
                to_external=data.get("to_external"),
                means=data.get("means", ""),
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"已转报{forward.recipient}")
            return redirect("report_detail", report.pk)
    return _report_page(request, report, status=400, forward=form)


@login_required
def report_word(request, pk):
    report = get_report_for_user(request.user, pk)
    return docx_download(report_docx(report), report_filename(report))


@login_required
def report_attachment(request, pk):
    """A photo or scan of a report, to whoever may read the report; each read is audited."""
    attachment = get_attachment_for_user(request.user, pk)
    record_read(attachment, f"{attachment.report}的附件：{attachment.name}")
    return attachment.response()
