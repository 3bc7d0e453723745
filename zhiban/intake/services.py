"""The workflows of intake, called from views, the API and jobs alike. Each writes in one transaction,
and tells people through the outbox inside it, so a notice and the change it is about stand or fall
together."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from zhiban.audit.trail import record_update
from zhiban.intake.models import (
    Call,
    Document,
    DocumentAttachment,
    Instruction,
    InstructionTarget,
    Matter,
    MatterStep,
    PhoneNotice,
    Visit,
)
from zhiban.lib.attachments import attachment_fields
from zhiban.lib.sql import Inserter
from zhiban.notify.outbox import notify_people
from zhiban.org.caching import bump_unit_activity
from zhiban.org.models import DutyLine, Person, Role, Unit
from zhiban.org.policy import effective_policy
from zhiban.org.roles import holds_role
from zhiban.roster.duty import leaders_on_duty


def updated(instance, unit_id: int, **after) -> None:
    """After a conditional .update(), which sends no signals: the audit row of what changed, and the
    unit's activity value (cached duty pages)."""
    record_update(instance, {name: getattr(instance, name) for name in after}, after)
    bump_unit_activity(unit_id)


def directs(person: Person | None, unit: Unit) -> bool:
    """A duty-office administrator or a leader of the unit or a unit above it: may reassign its work."""
    return holds_role(person, (Role.DUTY_ADMIN, Role.LEADER), unit)


def _next_reminder(unit: Unit, after: dt.datetime) -> dt.datetime:
    return after + dt.timedelta(hours=effective_policy(unit).matter_reminder_hours)


def matter_open(unit: Unit, owner: Person, title: str, **fields) -> Matter:
    """B12: the first receiver owns the matter from now until it is closed."""
    now = timezone.now()
    matter = Matter(
        unit=unit, owner=owner, title=title, opened_at=now, remind_at=_next_reminder(unit, now), **fields
    )
    matter.full_clean()
    with transaction.atomic():
        matter.save()
        MatterStep.objects.create(matter=matter, kind=MatterStep.Kind.OPENED, by=owner, text=title)
    return matter


class MatterError(ValidationError):
    pass


def matter_transfer(matter: Matter, to: Person, by: Person, reason: str) -> None:
    """Ownership moves only by an explicit, recorded transfer, with a reason, to someone of the unit."""
    if not matter.is_open:
        raise MatterError("事项已办结，不能移交")
    if by.pk != matter.owner_id and not directs(by, matter.unit):
        raise MatterError("只有首接责任人、值班室管理员或带班领导可以移交事项")
    if to.pk == matter.owner_id:
        raise MatterError("移交对象与当前责任人相同")
    if not reason.strip():
        raise MatterError({"reason": "请说明移交原因"})
    if matter.uncleared([to]):
        raise MatterError(
            {"to": f"{to.name}没有阅读{matter.get_classification_display()}件的权限，不能接办此事项"}
        )
    with transaction.atomic():
        claimed = Matter.objects.filter(pk=matter.pk, owner=matter.owner_id, state=Matter.State.OPEN).update(
            owner=to
        )
        if not claimed:
            raise MatterError("事项已被他人移交或办结，请刷新后再试")
        updated(matter, matter.unit_id, owner_id=to.pk)
        MatterStep.objects.create(
            matter=matter, kind=MatterStep.Kind.TRANSFER, by=by, to=to, text=reason.strip()
        )
        notify_people(
            [to],
            f"事项移交给您办理：{matter.kept(matter.title)}（{by.name}移交：{matter.kept(reason.strip())}）",
            link=reverse("matter_detail", args=[matter.pk]),
            subject="事项移交",
            unit=matter.unit,
            group=False,
        )
    matter.owner = to


def matter_progress(matter: Matter, by: Person, text: str) -> MatterStep:
    if not matter.is_open:
        raise MatterError("事项已办结")
    if not text.strip():
        raise MatterError({"text": "请填写办理进展"})
    return MatterStep.objects.create(matter=matter, kind=MatterStep.Kind.PROGRESS, by=by, text=text.strip())


def matter_close(matter: Matter, by: Person, result: str, reply: str = "") -> None:
    """B12: only its owner closes a matter, and never without a result; a hotline ticket needs its reply."""
    if not matter.is_open:
        raise MatterError("事项已办结")
    if by.pk != matter.owner_id:
        raise MatterError("只有首接责任人可以办结事项；如需他人办结，请先移交")
    errors = {}
    if not result.strip():
        errors["result"] = "办结事项须填写办理结果"
    if matter.source == Matter.Source.HOTLINE and not reply.strip():
        errors["reply"] = "县长热线工单办结须填写答复内容"
    if errors:
        raise MatterError(errors)
    now = timezone.now()
    with transaction.atomic():
        closed = Matter.objects.filter(pk=matter.pk, state=Matter.State.OPEN, owner=by).update(
            state=Matter.State.CLOSED,
            closed_at=now,
            result=result.strip(),
            reply=reply.strip(),
            remind_at=None,
        )
        if not closed:
            raise MatterError("事项已被他人移交或办结，请刷新后再试")
        updated(matter, matter.unit_id, state=Matter.State.CLOSED, closed_at=now, result=result.strip())
        MatterStep.objects.create(matter=matter, kind=MatterStep.Kind.CLOSED, by=by, text=result.strip())
    matter.refresh_from_db()


_insert_call = Inserter(Call)


def call_record(call: Call, by: Person | None, open_matter: bool = False) -> Call:
    """Save a call (already validated); tell the leader whose number was asked for (A1.7); and, when it
    needs follow-through, open a matter owned by whoever took it (B12)."""
    with transaction.atomic():
        if call.taken_by_id is None:
            call.taken_by = by
        asked_before = (
            Call.objects.filter(pk=call.pk).values_list("asked_for_id", flat=True).first()
            if call.pk
            else None
        )
        if call.pk is None:
            _insert_call(call)  # the call-entry save, the busiest write there is (lib.sql)
        else:
            call.save()
        if call.asked_for_id is not None and call.asked_for_id != asked_before:
            notify_people(
                [call.asked_for],
                f"有来电询问您的联系电话：{call.organisation}{call.name}（{call.number or '号码未知'}），"
                f"意图：{call.kept(call.asked_intent)}。值班室未提供号码。",
                link=reverse("call_detail", args=[call.pk]),
                subject="来电询问领导电话",
                unit=call.unit,
                group=False,
            )
        if open_matter and by is not None and not call.matters.exists():
            matter_from(call, by)
    return call


def matter_from(record: Call | Visit | Document, by: Person) -> Matter:
    """B12: a call, visit or document that needs follow-through becomes a matter owned by whoever took
    it, with its classification. A classified document's title does not go into the matter's (A2.7/B15)."""
    if isinstance(record, Call):
        title = record.content_what or record.content or f"{record.organisation}{record.name}来电"
        fields = {"source": Matter.Source.CALL, "call": record, "detail": record.content}
    elif isinstance(record, Visit):
        title = f"{record.name}来访：{record.purpose}"
        fields = {"source": Matter.Source.VISIT, "visit": record, "detail": record.purpose}
    else:
        title = f"办理{record.get_kind_display()}《{record.title_for(reveal=False)}》"
        fields = {"source": Matter.Source.DOCUMENT, "document": record}
    return matter_open(record.unit, by, title[:200], classification=record.classification, **fields)


def visit_record(visit: Visit, by: Person | None) -> Visit:
    """A1.6: save a visit; the leader it is reported to is told at once (once, when first named)."""
    reported_before = (
        Visit.objects.filter(pk=visit.pk).values_list("reported_to_id", flat=True).first()
        if visit.pk
        else None
    )
    with transaction.atomic():
        if visit.received_by_id is None:
            visit.received_by = by
        visit.save()
        if visit.reported_to_id is not None and visit.reported_to_id != reported_before:
            notify_people(
                [visit.reported_to],
                f"来访报告：{visit.organisation}{visit.name}（{visit.identity}，{visit.people}人）"
                f"事由：{visit.kept(visit.purpose[:100])}。请指示接待安排",
                link=reverse("visit_detail", args=[visit.pk]),
                subject="来访报告",
                unit=visit.unit,
                group=False,
            )
    return visit


def document_register(document: Document, by: Person) -> Document:
    """A1.10: the registrar handles it; an urgent one goes to the leaders at once."""
    with transaction.atomic():
        document.handler = by
        if document.urgent:
            document.forwarded_at = timezone.now()
        document.save()
        if document.urgent:
            # a classified title never goes into a notice or an email (A2.7/B15)
            title = document.title_for(reveal=False)
            notify_people(
                leaders_on_duty(document.unit),
                f"{document.get_urgency_display()}{document.get_kind_display()}：{document.sender}"
                f"{document.number}《{title}》，请阅示",
                link=reverse("document_detail", args=[document.pk]),
                subject=f"{document.get_urgency_display()}：{title}",
                unit=document.unit,
                group=False,
            )
    return document


def instruction_relay(instruction: Instruction, targets: list[Person], by: Person) -> Instruction:
    """A1.2/B5: relay a leader's instruction to those who must act; feedback is due by the policy."""
    if not targets:
        raise ValidationError({"targets": "请选择落实人"})
    uncleared = instruction.uncleared(targets)
    if uncleared:  # A2.7/B15: nobody is told to act on what they may not read
        names = "、".join(p.name for p in uncleared)
        level = instruction.get_classification_display()
        raise ValidationError({"targets": f"{names}没有阅读{level}件的权限，不能作为落实人"})
    policy = effective_policy(instruction.unit)
    instruction.relayed_by = by
    if instruction.feedback_due_at is None:
        instruction.feedback_due_at = instruction.given_at + dt.timedelta(
            hours=policy.instruction_feedback_hours
        )
    with transaction.atomic():
        instruction.save()
        for person in targets:
            InstructionTarget.objects.create(
                instruction=instruction, person=person, remind_at=instruction.feedback_due_at
            )
        notify_people(
            targets,
            f"{instruction.leader.name}批示：{instruction.kept(instruction.text[:120])}。请签收并于"
            f"{timezone.localtime(instruction.feedback_due_at):%m月%d日%H:%M}前反馈落实情况",
            link=reverse("instruction_detail", args=[instruction.pk]),
            subject="领导批示待落实",
            unit=instruction.unit,
            group=False,
        )
    return instruction


def target_acknowledge(target: InstructionTarget) -> None:
    if target.acknowledged_at is None:
        target.acknowledged_at = timezone.now()
        target.save(update_fields=["acknowledged_at"])


def target_feedback(target: InstructionTarget, text: str) -> None:
    """The person's feedback; when the last one is in, whoever relayed it is told to report back."""
    if not text.strip():
        raise ValidationError({"feedback": "请填写落实情况"})
    now = timezone.now()
    with transaction.atomic():
        target.feedback, target.feedback_at, target.remind_at = text.strip(), now, None
        target.acknowledged_at = target.acknowledged_at or now
        target.save(update_fields=["feedback", "feedback_at", "remind_at", "acknowledged_at"])
        instruction = Instruction.objects.select_for_update().get(pk=target.instruction_id)
        if (
            instruction.state == Instruction.State.RELAYED
            and not instruction.targets.filter(feedback_at=None).exists()
        ):
            instruction.state = Instruction.State.DONE
            instruction.save(update_fields=["state"])
            notify_people(
                [instruction.relayed_by],
                f"批示“{instruction.kept(instruction.text[:40])}”已全部反馈，请汇总报告{instruction.leader.name}",
                link=reverse("instruction_detail", args=[instruction.pk]),
                subject="批示落实已反馈",
                unit=instruction.unit,
                group=False,
            )


def instruction_report(instruction: Instruction, result: str) -> None:
    """The result goes back to the leader who gave the instruction, once, after every feedback."""
    if not result.strip():
        raise ValidationError({"result": "请填写落实结果"})
    now = timezone.now()
    with transaction.atomic():
        reported = Instruction.objects.filter(pk=instruction.pk, state=Instruction.State.DONE).update(
            state=Instruction.State.REPORTED, result=result.strip(), reported_at=now
        )
        if not reported:
            raise ValidationError("尚有落实人未反馈，或已报告过领导")
        updated(
            instruction,
            instruction.unit_id,
            state=Instruction.State.REPORTED,
            result=result.strip(),
            reported_at=now,
        )
        notify_people(
            [instruction.leader],
            f"您的批示“{instruction.kept(instruction.text[:40])}”落实结果：{instruction.kept(result.strip()[:150])}",
            link=reverse("instruction_detail", args=[instruction.pk]),
            subject="批示落实结果报告",
            unit=instruction.unit,
            group=False,
        )


def document_attach(document: Document, by: Person | None, uploads) -> None:
    """Scans of a document (A1.10), sealed at rest (lib.files), in one transaction."""
    with transaction.atomic():
        for upload in uploads:
            DocumentAttachment.objects.create(document=document, by=by, **attachment_fields(upload))


def notice_to_units(notice: PhoneNotice, units: list[Unit], by: Person | None) -> int:
    """Each unit's duty office as a recipient of the notice (B11): its 24-hour number (else a fixed
    duty line), not yet read back. A duty office already listed is not listed twice."""
    listed = set(notice.calls.values_list("organisation", flat=True))
    lines: dict[int, str] = {}
    order = {DutyLine.Kind.HOTLINE_24H: 0, DutyLine.Kind.FIXED: 1, DutyLine.Kind.FAX: 2}
    for line in sorted(
        DutyLine.objects.filter(unit__in=units, active=True), key=lambda ln: (order.get(ln.kind, 3), ln.pk)
    ):
        lines.setdefault(line.unit_id, line.number)
    added = 0
    with transaction.atomic():
        for unit in units:
            if unit.duty_office in listed:
                continue
            call = Call(
                unit=notice.unit,
                notice=notice,
                direction=Call.Direction.OUTGOING,
                content=notice.text,
                organisation=unit.duty_office[:100],
                number=lines.get(unit.pk, ""),
                at=timezone.now(),
            )
            call_record(call, by)
            listed.add(unit.duty_office)
            added += 1
    return added
