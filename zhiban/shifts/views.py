"""The duty desk (一口清), the shift's duty log and its Word file, check-in, leave, and the handover."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth.decorators import login_required
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.middleware import csrf
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from zhiban.incidents.desk import emergencies_of
from zhiban.intake.models import Matter, MatterStep
from zhiban.lib.dates import minutes_words
from zhiban.lib.downloads import docx_download
from zhiban.lib.forms import classification_field
from zhiban.lib.registry import topbar_counts
from zhiban.lib.templatetags.zhiban import CSRF_SLOT
from zhiban.lib.text import ENTRY_LIMIT
from zhiban.org.access import acting_unit, duty_unit, scope_for
from zhiban.org.caching import GenerationCache, unit_activity
from zhiban.org.models import Person
from zhiban.org.policy import effective_policy
from zhiban.roster.models import Post
from zhiban.shifts import services
from zhiban.shifts.access import get_entry_for_user, get_shift_for_user
from zhiban.shifts.docx import duty_log_docx, duty_log_filename, handover_text, happenings
from zhiban.shifts.log import duty_log, summary
from zhiban.shifts.models import Equipment, Handover, Shift

_desks = GenerationCache(size=2000)  # (unit, user, unit activity, minute, top bar counts) -> the page


@login_required
def desk(request):
    """一口清 (B7): the day at once, with the shift in progress and what its people do next.

    The page is built once per unit, user, minute, unit activity (any change to the unit's duty
    records or published roster raises it) and top bar counts, with a slot for the CSRF token; a
    wall screen or an officer refreshing costs three indexed reads. A page with a flash message to show
    is rendered afresh."""
    unit = duty_unit(request)
    scope = scope_for(request.user)
    person = scope.person
    minute = timezone.localtime().replace(second=0, microsecond=0)
    counts = topbar_counts(person.pk if person else None)
    key = (unit.pk, request.user.pk, unit_activity(unit.pk), minute, counts)  # the page carries its name
    token = conditional_escape(str(csrf.get_token(request)))
    if CookieStorage.cookie_name in request.COOKIES:
        body = _desk_body(unit, scope, request.user.pk)
        return render(request, "shifts/desk.html", {"body": mark_safe(body.replace(CSRF_SLOT, token))})

    def build() -> str:
        body = _desk_body(unit, scope, request.user.pk)
        context = {"body": mark_safe(body), "csrf_token": CSRF_SLOT}
        return render(request, "shifts/desk.html", context).content.decode()

    page = _desks.get_or_build(key, build)
    return HttpResponse(page.replace(CSRF_SLOT, token))


def _desk_body(unit, scope, user_id) -> str:
    now = timezone.now()
    person = scope.person
    shift = services.shift_at(unit, now)
    context = {
        "summary": summary(unit, shift, reader=scope),
        "emergencies": emergencies_of(unit, now, signer=person),
        "now": now,
        "may_act": scope.acts_for_unit(unit),
        "shift": shift,
        "my_post": services.post_of(shift, person) if shift and person else None,
        "checked_in": shift is not None
        and person is not None
        and shift.check_ins.filter(person=person).exists(),
        "present": services.present(shift) if shift else [],
        "recent": [(r, r.phase(now)) for r in Shift.objects.filter(unit=unit).order_by("-start")[:8]],
        "user_id": user_id,
        "csrf_token": CSRF_SLOT,
        "scope": scope,  # the reader: a classified event's title only to those cleared for it
    }
    return render_to_string("shifts/_desk_body.html", context)


@login_required
def shift_detail(request, pk):
    """B13: the duty log of one shift, printable on A4."""
    shift = get_shift_for_user(request.user, pk)
    log = duty_log(shift, scope_for(request.user))
    log.audit_reads("在值班日志中")
    context = {
        "log": log,
        "may_act": scope_for(request.user).acts_for_unit(shift.unit),
        "entry": EntryForm(),
        "happenings": happenings(log),
        "handover_rows": handover_text(log),
    }
    return render(request, "shifts/duty_log.html", context)


@login_required
def shift_log_docx(request, pk):
    shift = get_shift_for_user(request.user, pk)
    log = duty_log(shift, scope_for(request.user))
    log.audit_reads("下载值班日志时")
    return docx_download(duty_log_docx(log), duty_log_filename(shift))


@login_required
@require_POST
def shift_check_in(request, pk):
    shift = get_shift_for_user(request.user, pk, act=True)
    person = scope_for(request.user).person
    try:
        if person is None:
            raise services.ShiftError("只有登记在册的值班人员可以签到")
        check = services.check_in(shift, person)
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    else:
        late = f"，迟到{minutes_words(check.minutes_late)}，已记录" if check.minutes_late else ""
        messages.success(request, f"已签到{late}")
    return redirect("desk")


class LeaveForm(forms.Form):
    reason = forms.CharField(label="离岗事由", max_length=200, required=False)
    primary_password = forms.CharField(
        label="主班密码（主班当面同意）", widget=forms.PasswordInput, required=False
    )


@login_required
@require_POST
def leave_ask(request, pk):
    """A2.2: the deputy asks, the primary agrees on the same screen with their password."""
    shift = get_shift_for_user(request.user, pk, act=True)
    person = scope_for(request.user).person
    form = LeaveForm(request.POST)
    form.is_valid()
    primaries = [a.person for a in services.people_of(shift) if a.post == Post.PRIMARY]
    approver = next(
        (
            p
            for p in primaries
            if p.user
            and authenticate(
                request, username=p.user.username, password=form.cleaned_data.get("primary_password", "")
            )
        ),
        None,
    )
    try:
        if person is None:
            raise services.ShiftError("只有登记在册的值班人员可以离岗登记")
        if approver is None:
            raise services.ShiftError("主班密码不正确：离岗须经主班当面同意")
        services.leave_ask(shift, person, approver, form.cleaned_data.get("reason", ""))
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    else:
        messages.success(request, "离岗已登记，返回后请点“已返回”")
    return redirect("desk")


@login_required
@require_POST
def leave_back(request, pk, leave_pk):
    shift = get_shift_for_user(request.user, pk, act=True)
    leave = shift.leaves.filter(pk=leave_pk).first()
    if leave is None or (scope_for(request.user).person or Person()).pk != leave.person_id:
        raise PermissionDenied("只能登记本人返回")
    services.leave_back(leave)
    return redirect("desk")


class EntryForm(forms.Form):
    text = forms.CharField(
        label="记事", widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=ENTRY_LIMIT
    )
    emergency = forms.BooleanField(label="突发事件处置（按时间逐条记录）", required=False)
    classification = classification_field()


@login_required
@require_POST
def entry_add(request, pk):
    shift = get_shift_for_user(request.user, pk, act=True)
    form = EntryForm(request.POST)
    if not shift.is_open:
        messages.error(request, "本班次已交班，值班日志不能再增加记事")
    elif timezone.now() < shift.start - dt.timedelta(
        minutes=effective_policy(shift.unit).primary_early_minutes
    ):
        messages.error(request, "还未到本班次的到岗时间，值班日志还不能记事")
    elif not form.is_valid():
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
    elif form.cleaned_data["text"].strip():
        shift.entries.create(
            text=form.cleaned_data["text"].strip(),
            emergency=form.cleaned_data["emergency"],
            classification=form.cleaned_data["classification"],
            by=scope_for(request.user).person,
        )
    else:
        messages.error(request, "请填写记事内容")
    return redirect("shift_detail", shift.pk)


@login_required
def entry_detail(request, pk):
    """One entry of a duty log: where a search finds it, and where a classified one is read (A2.7/B15)."""
    entry = get_entry_for_user(request.user, pk)
    return render(request, "shifts/entry_detail.html", {"entry": entry, "shift": entry.shift})


@login_required
def handover(request, pk):
    """B14: the outgoing shift prepares: situation, equipment, a suggestion for every open matter."""
    shift = get_shift_for_user(request.user, pk, act=True)
    scope = scope_for(request.user)
    person = scope.person
    existing = Handover.objects.filter(shift=shift).first()
    equipment = list(Equipment.objects.filter(unit=shift.unit, active=True))
    matters = list(Matter.objects.filter(unit=shift.unit, state=Matter.State.OPEN).select_related("owner"))
    errors: dict[str, list[str]] = {}
    if request.method == "POST" and not (existing and existing.signed):
        states = {
            e.pk: (request.POST.get(f"eq-{e.pk}") != "fault", request.POST.get(f"eq-note-{e.pk}", ""))
            for e in equipment
        }
        suggestions = {m.pk: request.POST.get(f"m-{m.pk}", "") for m in matters}
        try:
            services.handover_prepare(shift, person, request.POST.get("situation", ""), states, suggestions)
        except ValidationError as error:
            errors = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
        else:
            messages.success(request, "交接班材料已准备，请交接双方当面签字")
            return redirect("handover", shift.pk)
    last = _last_progress(matters)
    if existing:
        checks = {c.equipment_id: c for c in existing.equipment_checks.all()}
        items = {i.matter_id: i.suggestion for i in existing.items.all()}
    else:
        checks, items = {}, {}
    context = {
        "shift": shift,
        "handover": existing,
        # (equipment, working, note): what was posted when a save is refused, so nothing typed is lost
        "equipment": [(e, *_equipment_state(request.POST, e.pk, checks.get(e.pk))) for e in equipment],
        # each open matter with its suggestion: what was posted, what was saved, else its last progress
        # (of a classified matter, only to a reader cleared for it: A2.7/B15)
        "matters": [
            (m, request.POST.get(f"m-{m.pk}", _kept_suggestion(scope, m, items, last)), last.get(m.pk))
            for m in matters
        ],
        "situation": request.POST.get("situation", existing.situation if existing else ""),
        "errors": errors,
        "incoming": services.shift_after(shift),
    }
    return render(request, "shifts/handover.html", context, status=400 if errors else 200)


def _last_progress(matters: list[Matter]) -> dict[int, MatterStep]:
    """Each matter's latest step with words in it (progress, a transfer, its opening), in one query."""
    found: dict[int, MatterStep] = {}
    steps = MatterStep.objects.filter(matter__in=matters).exclude(text="").select_related("by")
    for step in steps.order_by("at", "id"):
        found[step.matter_id] = step
    return found


def _kept_suggestion(scope, matter: Matter, saved: dict[int, str], last: dict[int, MatterStep]) -> str:
    if not scope.reads(matter):
        return ""
    return saved.get(matter.pk) or _suggestion(last.get(matter.pk))


def _suggestion(step: MatterStep | None) -> str:
    """The handover's suggestion to start from (B14, less typing): the last progress, to go on with."""
    if step is None:
        return ""
    local = timezone.localtime(step.at)
    return f"{local.month}月{local.day}日{local:%H:%M}{step.get_kind_display()}：{step.text.strip()}。请接班人员继续跟进。"


def _equipment_state(posted, pk: int, check) -> tuple[bool, str]:
    if f"eq-{pk}" in posted:
        return posted[f"eq-{pk}"] != "fault", posted.get(f"eq-note-{pk}", "")
    return (check is None or check.working), (check.note if check else "")


@login_required
@require_POST
def handover_sign(request, pk):
    """A2.4: both sides in person, each with their own password, on this one screen."""
    shift = get_shift_for_user(request.user, pk, act=True)
    prepared = Handover.objects.filter(shift=shift).first()
    if prepared is None:
        messages.error(request, "请先准备交接班材料")
        return redirect("handover", shift.pk)
    post = request.POST
    try:
        services.handover_sign(
            request,
            prepared,
            (post.get("outgoing_username", ""), post.get("outgoing_password", "")),
            (post.get("incoming_username", ""), post.get("incoming_password", "")),
            prepared=post.get("prepared", ""),
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("handover", shift.pk)
    messages.success(request, "交接班已签字，本班次已交班")
    return redirect("shift_detail", shift.pk)


class EquipmentForm(forms.ModelForm):
    class Meta:
        model = Equipment
        fields = ["kind", "name", "order", "active"]


@login_required
def equipment_list(request):
    unit, _ = acting_unit(request)
    form = EquipmentForm(request.POST or None)
    can_write = scope_for(request.user).can_write_unit(unit)
    if request.method == "POST":
        if not can_write:
            raise PermissionDenied("只有值班室管理员可以维护设施设备")
        form.instance.unit = unit
        if form.is_valid():
            form.save()
            return redirect("equipment_list")
    items = Equipment.objects.filter(unit=unit)
    context = {"form": form, "items": items, "unit": unit, "can_write": can_write}
    return render(request, "shifts/equipment.html", context)
