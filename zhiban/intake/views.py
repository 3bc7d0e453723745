"""Calls, phone notices, visits, documents, matters and leader instructions: accessor → form → service
→ redirect. Lists are of the unit the person works as (switch unit to read one below)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from zhiban.audit.trail import record_read
from zhiban.intake import forms, services
from zhiban.intake.access import (
    get_call_for_user,
    get_document_attachment_for_user,
    get_document_for_user,
    get_instruction_for_user,
    get_matter_for_user,
    get_notice_for_user,
    get_visit_for_user,
    may_change,
)
from zhiban.intake.models import Call, Document, Instruction, Matter, PhoneNotice, Visit
from zhiban.intake.rows import call_rows
from zhiban.lib.attachments import AttachmentsForm
from zhiban.lib.filters import list_filter
from zhiban.lib.forms import add_errors, form_page
from zhiban.lib.paging import PAGE_SIZE, Page, page_number, paginate
from zhiban.org.access import acting_unit, classified_q, duty_unit, scope_for
from zhiban.org.caching import GenerationCache, unit_activity
from zhiban.org.context_processors import may_record
from zhiban.org.models import Contact, ContactNumber

# (unit, unit activity, search, filters, page, may record, clearance in the unit) -> html
_call_pages = GenerationCache(size=2000)


# --- calls ------------------------------------------------------------------------------------------
@login_required
def call_list(request):
    """The unit's calls, newest first, 50 a page with "下一页" (no COUNT over a year of calls); the rows
    are written in Python (calls.call_rows), a page of them in well under a millisecond, and the page's
    content is built once per state of the unit's records (any change to them raises its activity)."""
    unit = duty_unit(request)
    scope = scope_for(request.user)
    q = request.GET.get("q", "").strip()
    filters = list_filter(request, kinds=Call.Direction.choices, levels=[("important", "重要")])
    number = page_number(request.GET.get("page"))
    may = may_record(request)

    def build() -> str:
        calls = Call.objects.filter(unit=unit).select_related("taken_by")
        if q:
            # a classified call the reader may not read is not searched either (A2.7/B15): neither its
            # content nor who called
            words = Q(number__contains=q) | Q(name__contains=q) | Q(organisation__contains=q)
            calls = calls.filter((words | Q(content__contains=q)) & classified_q(scope))
        calls = filters.apply(calls, "at", "direction", lambda rows, _: rows.filter(important=True))
        rows = list(calls[(number - 1) * PAGE_SIZE : number * PAGE_SIZE + 1])
        params = {**({"q": q} if q else {}), **filters.params}
        page = Page([], number, len(rows) > PAGE_SIZE, params)  # the rows come as written HTML
        context = {
            "rows": call_rows(rows[:PAGE_SIZE], scope.reads),
            "q": q,
            "unit": unit,
            "page": page,
            "filters": filters,
        }
        return render_to_string("intake/_call_list.html", {**context, "may_record": may})

    errors = tuple(sorted(filters.errors.items()))
    # the content differs by what of the unit's classified calls the reader may read (A2.7/B15)
    cleared = scope.clearance if unit.pk in scope.act_unit_ids and not scope.all_units else ""
    key = (unit.pk, unit_activity(unit.pk), q, filters.key, errors, number, may, cleared)
    content = _call_pages.get_or_build(key, build)
    return render(request, "intake/call_list.html", {"content": content})


@login_required
def call_create(request):
    unit, person = acting_unit(request)
    form = forms.CallForm(request.POST or None, unit=unit)
    if request.method == "POST" and form.is_valid():
        call = services.call_record(
            form.save(commit=False), person, open_matter=form.cleaned_data["open_matter"]
        )
        messages.success(request, "电话记录已保存")
        if "another" in request.POST:
            return redirect("call_create")
        return redirect("call_detail", call.pk)
    return render(request, "intake/call_form.html", {"form": form, "title": "登记电话记录", "unit": unit})


@login_required
def call_lookup(request):
    """The caller filled from the directory or earlier calls by number; never a number shown (A1.7)."""
    unit = duty_unit(request)
    number = request.GET.get("number", "").strip()
    filled = {k: request.GET.get(k, "").strip() for k in ("name", "organisation", "position")}
    source = ""
    if len(number) >= 3 and not any(filled.values()):
        scope = scope_for(request.user)
        internal_ok = Q(internal_only=False) | Q(contact__unit_id__in=scope.member_unit_ids)  # A1.7
        hit = (
            ContactNumber.objects.filter(
                internal_ok, number=number, contact__in=Contact.objects.filter(scope.contact_q())
            )
            .select_related("contact")
            .first()
        )
        if hit:
            c = hit.contact
            filled = {"name": c.name, "organisation": c.organisation or c.unit.label, "position": c.position}
            source = "通讯录"
        else:
            earlier = Call.objects.filter(unit=unit, number=number).exclude(name="", organisation="").first()
            if earlier:
                filled = {
                    "name": earlier.name,
                    "organisation": earlier.organisation,
                    "position": earlier.position,
                }
                source = f"{timezone.localtime(earlier.at):%Y年%m月%d日}来电记录"
    return render(request, "intake/_caller.html", {"filled": filled, "source": source})


@login_required
def call_detail(request, pk):
    call = get_call_for_user(request.user, pk)
    context = {"call": call, "may_change": may_change(scope_for(request.user), call)}
    return render(request, "intake/call_detail.html", context)


@login_required
def call_edit(request, pk):
    call = get_call_for_user(request.user, pk, act=True)
    person = scope_for(request.user).person
    form_class = forms.CallCompleteForm if call.from_exchange else forms.CallForm
    form = form_class(request.POST or None, instance=call, unit=call.unit)
    if request.method == "POST" and form.is_valid():
        services.call_record(form.save(commit=False), person, open_matter=form.cleaned_data["open_matter"])
        messages.success(request, "电话记录已保存")
        return redirect("call_detail", call.pk)
    return render(
        request, "intake/call_form.html", {"form": form, "title": "补充电话记录", "unit": call.unit}
    )


@login_required
@require_POST
def call_material_received(request, pk):
    call = get_call_for_user(request.user, pk, act=True)
    if call.material_requested and call.material_received_at is None:
        call.material_received_at = timezone.now()
        call.save(update_fields=["material_received_at"])
    return redirect("call_detail", call.pk)


# --- phone notices -----------------------------------------------------------------------------------
NOTICE_STATES = [("unfinished", "待复述"), ("confirmed", "已全部复述")]


@login_required
def notice_list(request):
    """The unit's phone notices, newest first, each with how many recipients repeated it back; "待复述"
    keeps those not yet confirmed (B11), so a notice saved before its first recipient is found again.
    Filtered by date and by read-back, searched by title or text, paged."""
    if request.GET.get("unfinished") == "1":  # the list's former link (bookmarks): the same list
        params = request.GET.copy()
        del params["unfinished"]
        params["kind"] = "unfinished"
        return redirect(f"{request.path}?{params.urlencode()}")
    unit = duty_unit(request)
    notices = (
        PhoneNotice.objects.filter(unit=unit).select_related("by").with_progress().order_by("-at", "-id")
    )
    q = request.GET.get("q", "").strip()
    if q:
        notices = notices.filter(Q(title__contains=q) | Q(text__contains=q))
    filters = list_filter(request, kinds=NOTICE_STATES, kind_label="复述核对")
    notices = filters.apply(
        notices, "at", lambda rows, kind: rows.unfinished() if kind == "unfinished" else rows.confirmed()
    )
    context = {"page": paginate(request, notices), "unit": unit, "q": q, "filters": filters}
    return render(request, "intake/notice_list.html", context)


@login_required
def notice_create(request):
    unit, person = acting_unit(request)
    form = forms.NoticeForm(request.POST or None, unit=unit)
    if request.method == "POST" and form.is_valid():
        form.instance.by = person
        notice = form.save()
        return redirect("phone_notice_detail", notice.pk)
    return form_page(request, form, "电话通知", reverse("phone_notice_list"))


@login_required
@require_POST
def notice_units(request, pk):
    """Recipients by unit: the duty offices of the units ticked, or of every unit below."""
    notice = get_notice_for_user(request.user, pk, act=True)
    unit = notice.unit
    form = forms.NoticeUnitsForm(request.POST, unit=unit)
    if not form.is_valid():  # said next to the field, on the notice's page; nothing added
        return _notice_page(request, notice, units_form=form)
    added = services.notice_to_units(notice, form.chosen(), scope_for(request.user).person)
    messages.success(request, f"已登记{added}个单位值班室为通知对象" if added else "所选单位均已在通知对象中")
    return redirect("phone_notice_detail", notice.pk)


@login_required
def notice_detail(request, pk):
    """A phone notice: its recipients with their read-back, one more recipient, or a read-back recorded
    afterwards for a recipient who repeated it later (A1.3/B11)."""
    notice = get_notice_for_user(request.user, pk)
    read_back_of = request.POST.get("read_back_of") if request.method == "POST" else None
    form = forms.RecipientForm(
        request.POST if request.method == "POST" and not read_back_of else None, notice=notice
    )
    read_back = None
    if request.method == "POST":
        notice = get_notice_for_user(request.user, pk, act=True)
        person = scope_for(request.user).person
        if read_back_of:
            number = int(read_back_of) if read_back_of.isdigit() and len(read_back_of) < 19 else 0
            recipient = get_object_or_404(notice.calls, pk=number)
            read_back = forms.ReadBackForm(request.POST, instance=recipient, prefix=f"rb{recipient.pk}")
            if read_back.is_valid():
                services.call_record(read_back.save(commit=False), person)
                messages.success(request, f"已记录{recipient.name or recipient.organisation}的复述核对")
                return redirect("phone_notice_detail", notice.pk)
        elif form.is_valid():
            services.call_record(form.save(commit=False), person)
            messages.success(request, "已登记通知对象")
            return redirect("phone_notice_detail", notice.pk)
    return _notice_page(request, notice, form, read_back)


def _notice_page(request, notice, form=None, read_back=None, units_form=None):
    """The notice's page, with the form that failed (its errors next to its fields, status 400)."""
    recipients = [
        (c, read_back if read_back is not None and read_back.instance.pk == c.pk else None)
        for c in notice.calls.order_by("at", "id")
    ]
    context = {
        "units_form": units_form if units_form is not None else forms.NoticeUnitsForm(unit=notice.unit),
        "notice": notice,
        "form": form if form is not None else forms.RecipientForm(notice=notice),
        "recipients": recipients,
        "read_back": read_back,
        "now": forms.now_for_input(),  # a read-back recorded afterwards is most often recorded as it comes
        "may_change": may_change(scope_for(request.user), notice),
    }
    failed = any(f is not None and f.errors for f in (form, read_back, units_form))
    return render(request, "intake/notice_detail.html", context, status=400 if failed else 200)


# --- visits -----------------------------------------------------------------------------------------
@login_required
def visit_list(request):
    unit = duty_unit(request)
    visits = Visit.objects.filter(unit=unit).select_related("reported_to")
    filters = list_filter(request, levels=[("reported", "已报告领导")], level_label="报告领导")
    visits = filters.apply(visits, "arrived_at", level=lambda rows, _: rows.exclude(reported_to=None))
    context = {"page": paginate(request, visits), "unit": unit, "filters": filters}
    return render(request, "intake/visit_list.html", context)


@login_required
def visit_create(request):
    unit, person = acting_unit(request)
    form = forms.VisitForm(request.POST or None, unit=unit)
    open_matter = request.POST.get("open_matter") == "on"
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            visit = services.visit_record(form.save(commit=False), person)
            if open_matter:
                services.matter_from(visit, person)
        messages.success(request, "来访已登记")
        return redirect("visit_detail", visit.pk)
    return _record_form(request, form, "来访登记", unit, "visit_list", "接待人")


def _record_form(request, form, title, unit, list_name, receiver):
    context = {"form": form, "title": title, "unit": unit, "list_name": list_name, "receiver": receiver}
    return render(request, "intake/record_form.html", context)


@login_required
def visit_detail(request, pk):
    visit = get_visit_for_user(request.user, pk)
    context = {"visit": visit, "may_change": may_change(scope_for(request.user), visit)}
    return render(request, "intake/visit_detail.html", context)


@login_required
def visit_edit(request, pk):
    visit = get_visit_for_user(request.user, pk, act=True)
    form = forms.VisitForm(request.POST or None, instance=visit, unit=visit.unit)
    if request.method == "POST" and form.is_valid():
        services.visit_record(form.save(commit=False), scope_for(request.user).person)
        return redirect("visit_detail", visit.pk)
    return _record_form(request, form, "来访登记", visit.unit, "visit_list", "接待人")


# --- documents --------------------------------------------------------------------------------------
@login_required
def document_list(request):
    unit = duty_unit(request)
    documents = Document.objects.filter(unit=unit).select_related("handler")
    filters = list_filter(
        request, kinds=Document.Kind.choices, levels=Document.Urgency.choices, level_label="紧急程度"
    )
    documents = filters.apply(
        documents, "received_at", "kind", lambda rows, level: rows.filter(urgency=level)
    )
    context = {"page": paginate(request, documents), "unit": unit, "filters": filters}
    return render(request, "intake/document_list.html", context)


@login_required
def document_create(request):
    unit, person = acting_unit(request)
    form = forms.DocumentForm(request.POST or None, unit=unit)
    open_matter = request.POST.get("open_matter") == "on"
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            document = services.document_register(form.save(commit=False), person)
            if open_matter:
                services.matter_from(document, person)
        messages.success(request, "已登记" + ("，已呈送领导" if document.urgent else ""))
        return redirect("document_detail", document.pk)
    return _record_form(request, form, "收文登记", unit, "document_list", "登记人")


@login_required
def document_detail(request, pk):
    document = get_document_for_user(request.user, pk)
    handling = forms.DocumentHandlingForm(request.POST or None, instance=document, prefix="h")
    collection = forms.CollectionForm(prefix="c")
    if request.method == "POST":
        document = get_document_for_user(request.user, pk, act=True)
        if handling.is_valid():
            document = handling.save(commit=False)
            if handling.cleaned_data["reported_back"] and document.reported_back_at is None:
                document.reported_back_at = timezone.now()
            document.save()
            messages.success(request, "办理情况已保存")
            return redirect("document_detail", document.pk)
    return render(
        request,
        "intake/document_detail.html",
        {
            "document": document,
            "handling": handling,
            "collection": collection,
            "may_change": may_change(scope_for(request.user), document),
            "attachments": document.attachments.all(),
            "attach": AttachmentsForm(),
        },
    )


@login_required
@require_POST
def document_collection_add(request, pk):
    document = get_document_for_user(request.user, pk, act=True)
    form = forms.CollectionForm(request.POST, prefix="c")
    if form.is_valid():
        form.instance.document = document
        form.save()
    else:
        messages.error(request, "请填写通知领取的部门")
    return redirect("document_detail", document.pk)


@login_required
@require_POST
def document_collected(request, pk, collection_pk):
    document = get_document_for_user(request.user, pk, act=True)
    form = forms.CollectedForm(request.POST)
    collection = document.collections.filter(pk=collection_pk, collected_at=None).first()
    if collection is None:
        messages.error(request, "该领取记录不存在或已领取")
    elif form.is_valid():
        collection.collected_by = form.cleaned_data["collected_by"]
        collection.collected_at = timezone.now()
        collection.save()
    else:
        messages.error(request, "请填写领取人")
    return redirect("document_detail", document.pk)


@login_required
@require_POST
def document_attach(request, pk):
    """A1.10: the scan of a document or fax as it came, sealed at rest, added by its duty office."""
    document = get_document_for_user(request.user, pk, act=True)
    if not may_change(scope_for(request.user), document):
        raise PermissionDenied("只有本单位值班室可以上传")
    form = AttachmentsForm(request.POST, request.FILES)
    if form.is_valid():
        services.document_attach(document, scope_for(request.user).person, form.cleaned_data["files"])
        messages.success(request, f"已上传{len(form.cleaned_data['files'])}个附件")
    else:
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
    return redirect("document_detail", document.pk)


@login_required
def document_attachment(request, pk):
    """A scan, to whoever may read its document; each read is audited."""
    attachment = get_document_attachment_for_user(request.user, pk)
    record_read(attachment, f"《{attachment.document.title_for(reveal=False)}》的附件：{attachment.name}")
    return attachment.response()


# --- matters ----------------------------------------------------------------------------------------
@login_required
def matter_list(request):
    unit = duty_unit(request)
    scope = scope_for(request.user)
    state = request.GET.get("state", "open")
    matters = Matter.objects.filter(unit=unit).select_related("owner")
    if state in Matter.State.values:
        matters = matters.filter(state=state)
    filters = list_filter(
        request,
        kinds=Matter.Source.choices,
        levels=[("overdue", "已超时限")],
        kind_label="来源",
        level_label="时限",
    )
    matters = filters.apply(
        matters,
        "opened_at",
        "source",
        lambda rows, _: rows.filter(due_at__lt=timezone.now()).exclude(state=Matter.State.CLOSED),
    )
    mine = (
        Matter.objects.filter(owner=scope.person, state=Matter.State.OPEN)
        if scope.person
        else Matter.objects.none()
    )
    return render(
        request,
        "intake/matter_list.html",
        {
            "page": paginate(request, matters),
            "unit": unit,
            "state": state,
            "mine": mine.select_related("unit"),
            "filters": filters,
        },
    )


@login_required
def matter_create(request):
    unit, person = acting_unit(request)
    form = forms.MatterForm(request.POST or None, unit=unit)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            matter = services.matter_open(
                unit,
                person,
                data["title"],
                detail=data["detail"],
                source=data["source"],
                ticket_number=data["ticket_number"],
                due_at=data["due_at"],
                classification=data["classification"],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, "事项已登记，由您首接负责")
            return redirect("matter_detail", matter.pk)
    return form_page(request, form, "登记事项", reverse("matter_list"))


@login_required
def matter_detail(request, pk):
    matter = get_matter_for_user(request.user, pk)
    return _matterpaginate(request, matter, scope_for(request.user).person)


def _matterpaginate(request, matter, person, status: int = 200, **given):
    """The matter with its history and the forms the person may use (progress: anyone of the duty office;
    close: the owner; transfer: the owner, or an administrator or leader who directs the unit's work);
    `given` puts a bound form back with its errors."""
    is_owner = person is not None and person.pk == matter.owner_id
    context = {
        "matter": matter,
        "steps": matter.steps.select_related("by", "to"),
        "is_owner": is_owner,
        # its owner handles it wherever they sit (a matter may be transferred to anyone of the unit)
        "may_act": is_owner or (person is not None and scope_for(request.user).acts_for_unit(matter.unit)),
        "may_transfer": is_owner or (person is not None and services.directs(person, matter.unit)),
        "transfer": forms.TransferForm(unit=matter.unit, owner_id=matter.owner_id, prefix="t"),
        "close": forms.CloseForm(prefix="x"),
        "progress": forms.ProgressForm(prefix="p"),
        **given,
    }
    return render(request, "intake/matter_detail.html", context, status=status)


def _matter_action(request, pk, name: str, make_form, act):
    matter = get_matter_for_user(request.user, pk, act=True)
    person = scope_for(request.user).person
    if person is None:
        raise PermissionDenied("只有登记在册的人员可以办理")
    form = make_form(request.POST, matter)
    if form.is_valid():
        try:
            act(matter, person, form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _MATTER_DONE[name])
            return redirect("matter_detail", matter.pk)
    return _matterpaginate(request, matter, person, status=400, **{name: form})


_MATTER_DONE = {
    "transfer": "事项已移交，接办人已收到通知",
    "close": "事项已办结",
    "progress": "已记录办理进展",
}


@login_required
@require_POST
def matter_transfer(request, pk):
    return _matter_action(
        request,
        pk,
        "transfer",
        lambda data, m: forms.TransferForm(data, prefix="t", unit=m.unit, owner_id=m.owner_id),
        lambda m, p, d: services.matter_transfer(m, d["to"], p, d["reason"]),
    )


@login_required
@require_POST
def matter_close(request, pk):
    return _matter_action(
        request,
        pk,
        "close",
        lambda data, m: forms.CloseForm(data, prefix="x"),
        lambda m, p, d: services.matter_close(m, p, d["result"], d["reply"]),
    )


@login_required
@require_POST
def matter_progress(request, pk):
    return _matter_action(
        request,
        pk,
        "progress",
        lambda data, m: forms.ProgressForm(data, prefix="p"),
        lambda m, p, d: services.matter_progress(m, p, d["text"]),
    )


# --- leader instructions -----------------------------------------------------------------------------
@login_required
def instruction_list(request):
    unit = duty_unit(request)
    scope = scope_for(request.user)
    instructions = Instruction.objects.filter(unit=unit).select_related("leader")
    filters = list_filter(
        request,
        kinds=Instruction.State.choices,
        levels=[("overdue", "反馈已超时")],
        kind_label="状态",
        level_label="反馈时限",
    )
    instructions = filters.apply(
        instructions,
        "given_at",
        "state",
        lambda rows, _: rows.filter(state=Instruction.State.RELAYED, feedback_due_at__lt=timezone.now()),
    )
    mine = (
        Instruction.objects.filter(targets__person=scope.person, targets__feedback_at=None).distinct()
        if scope.person
        else Instruction.objects.none()
    )
    return render(
        request,
        "intake/instruction_list.html",
        {
            "page": paginate(request, instructions),
            "unit": unit,
            "mine": mine.select_related("leader"),
            "filters": filters,
        },
    )


@login_required
def instruction_create(request):
    unit, person = acting_unit(request)
    form = forms.InstructionForm(request.POST or None, unit=unit)
    if request.method == "POST" and form.is_valid():
        try:
            instruction = services.instruction_relay(
                form.save(commit=False), list(form.cleaned_data["targets"]), person
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, "批示已传达落实人")
            return redirect("instruction_detail", instruction.pk)
    return form_page(request, form, "登记领导批示", reverse("instruction_list"))


@login_required
def instruction_detail(request, pk):
    instruction = get_instruction_for_user(request.user, pk)
    return _instructionpaginate(request, instruction)


def _instructionpaginate(request, instruction, report=None):
    """The instruction with its targets; a target's acknowledgement and feedback are posted here, the
    result for the leader to instruction_report, which shows this page again when it is refused."""
    pk = instruction.pk
    person = scope_for(request.user).person
    mine = instruction.targets.filter(person=person).first() if person else None
    feedback_posted = report is None and request.method == "POST"
    feedback = forms.FeedbackForm(request.POST if feedback_posted else None)
    report = report or forms.ReportForm(prefix="r")
    if feedback_posted and mine is not None:
        if "acknowledge" in request.POST:
            services.target_acknowledge(mine)
            return redirect("instruction_detail", pk)
        if feedback.is_valid():
            try:
                services.target_feedback(mine, feedback.cleaned_data["feedback"])
            except ValidationError as error:
                add_errors(feedback, error)
            else:
                messages.success(request, "落实情况已反馈")
                return redirect("instruction_detail", pk)
    elif feedback_posted:
        raise PermissionDenied("您不是该批示的落实人")
    context = {
        "instruction": instruction,
        "targets": instruction.targets.select_related("person"),
        "mine": mine,
        "feedback": feedback,
        "report": report,
        "may_report": scope_for(request.user).acts_for_unit(instruction.unit),
        "now": timezone.now(),
    }
    status = 400 if feedback.errors or report.errors else 200
    return render(request, "intake/instruction_detail.html", context, status=status)


@login_required
@require_POST
def instruction_report(request, pk):
    instruction = get_instruction_for_user(request.user, pk, act=True)
    form = forms.ReportForm(request.POST, prefix="r")
    if form.is_valid():
        try:
            services.instruction_report(instruction, form.cleaned_data["result"])
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, "已向领导报告落实结果")
            return redirect("instruction_detail", pk)
    return _instructionpaginate(request, instruction, report=form)  # the result typed stays
