"""Emergency information workflows: open an event (copying the policy), report it up, forward it
level by level, verify on request. Each writes in one transaction with its notices and timeline step."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from zhiban.incidents.models import (
    ELEMENTS,
    Event,
    EventInstruction,
    EventStep,
    Lapse,
    Report,
    VerificationRequest,
)
from zhiban.intake.services import updated
from zhiban.lib.dates import CLOCK_SKEW
from zhiban.notify.outbox import notify_people
from zhiban.org.models import Person, Role, Unit
from zhiban.org.policy import effective_policy
from zhiban.org.roles import role_holders
from zhiban.roster.duty import leaders_on_duty, people_on_duty
from zhiban.roster.models import Post


def step(
    event: Event,
    kind: str,
    text: str,
    by: Person | None = None,
    at: dt.datetime | None = None,
    acting_unit: Unit | None = None,
) -> None:
    EventStep.objects.create(
        event=event, kind=kind, text=text, by=by, at=at or timezone.now(), acting_unit=acting_unit
    )


def duty_people(unit: Unit, at: dt.datetime | None = None) -> list[Person]:
    """Who must hear of a deadline (B21): the primary and the leader on duty now (the unit's leaders on
    a shift without a leader post, A1.4), and the unit's duty-office administrators."""
    at = at or timezone.now()
    return [
        *people_on_duty(unit, at, (Post.PRIMARY,)),
        *leaders_on_duty(unit, at),
        *role_holders(unit, [Role.DUTY_ADMIN]),
    ]


def office_people(unit: Unit) -> list[Person]:
    """A duty office's people: whoever keeps or runs its duty (its inbox is theirs)."""
    return role_holders(unit, (Role.DUTY_ADMIN, Role.DUTY_STAFF, Role.LEADER))


def event_open(unit: Unit, by: Person | None, **fields) -> Event:
    """Open an event: the unit's policy is copied onto it and the deadlines run from the moment it
    became known (B21); the unit's leaders are told at once (A1.4)."""
    policy = effective_policy(unit)
    known_at = fields["known_at"]
    if known_at > timezone.now() + CLOCK_SKEW:
        raise ValidationError({"known_at": "获知时间不能晚于现在"})
    event = Event(
        unit=unit,
        opened_by=by,
        phone_minutes=policy.phone_report_minutes,
        written_minutes=policy.written_report_minutes,
        warning_minutes=policy.deadline_warning_minutes,
        missed_after_minutes=policy.missed_after_minutes,
        phone_due_at=known_at + dt.timedelta(minutes=policy.phone_report_minutes),
        written_due_at=known_at + dt.timedelta(minutes=policy.written_report_minutes),
        **fields,
    )
    event.next_check_at = event.next_check(known_at)
    event.full_clean()
    with transaction.atomic():
        event.save()
        step(
            event,
            EventStep.Kind.OPENED,
            f"{event.get_category_display()}：{event.title}（{event.place}）",
            by,
        )
        local = timezone.localtime(event.phone_due_at)
        notify_people(
            leaders_on_duty(unit),
            f"突发事件：{event.title}（{event.place}），{timezone.localtime(known_at):%H:%M}获知。"
            f"电话报告须在{local:%H:%M}前",
            link=reverse("event_detail", args=[event.pk]),
            subject=f"突发事件：{event.title}",
            unit=unit,
        )
    return event


def superiors(unit: Unit) -> list[Unit]:
    """Where a unit may report: its superior, or, when urgent, a level above that (B21)."""
    return list(Unit.objects.filter(pk__in=unit.ancestor_ids()).order_by("-depth"))


def report_make(event: Event, by: Person | None, **fields) -> Report:
    """B19/B21: a first, follow-up or final report, by phone or in writing, to a superior.

    1. Refuse what cannot be: a future time, a time before the event was known, a follow-up or final
       before a first report, anything on a closed event, a unit that is not above.
    2. A written report names its missing elements and is refused unless it goes while verifying (B18).
    3. The first phone and written reports meet the deadlines; one after its deadline is late (迟报).
    4. The superior's duty office has it in its inbox at once; a final report closes the event."""
    report = Report(event=event, by=by, **fields)
    missing = report.missing_elements()
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)  # one report of an event at a time
        report.event = event
        _refuse_impossible(event, report)
        if report.channel == Report.Channel.WRITTEN and missing and not report.unverified:
            raise ValidationError(
                {
                    "unverified": f"要素不全：{'、'.join(missing)}。紧急情况下可勾选“边核实边报告”先行报送，再续报补充"
                }
            )
        if report.kind == Report.Kind.FOLLOW_UP:
            report.number = event.reports.filter(kind=Report.Kind.FOLLOW_UP, forwarded_from=None).count() + 1
        report.late_minutes = _meet_deadline(event, report)
        report.full_clean()
        report.save()
        label = report.get_kind_display() + (f"第{report.number}次" if report.number else "")
        gaps = f"；尚缺：{'、'.join(missing)}" if missing else ""
        step(
            event,
            EventStep.Kind.REPORTED,
            f"{report.get_channel_display()}{label}报{report.recipient}"
            f"{('（接报人' + report.phoned_whom + '）') if report.phoned_whom else ''}{gaps}",
            by,
            report.at,
        )
        if report.kind == Report.Kind.FINAL:
            Event.objects.filter(pk=event.pk).update(state=Event.State.CLOSED, next_check_at=None)
            updated(event, event.unit_id, state=Event.State.CLOSED)
            step(event, EventStep.Kind.CLOSED, "终报，处置结束", by, report.at)
        notify_people(
            office_people(report.to_unit) if report.to_unit_id else [],
            f"{event.unit.label}{report.get_channel_display()}{label}：{event.title}"
            + ("（边核实边报告）" if report.unverified else "")
            + ("（时限后补录，请核实报出时间）" if report.backfilled else ""),
            link=reverse("report_detail", args=[report.pk]),
            subject=f"{event.unit.label}{label}：{event.title}",
            unit=report.to_unit,
        )
    return report


def _refuse_impossible(event: Event, report: Report) -> None:
    errors = {}
    now = timezone.now()
    if report.at is None or report.at > now + CLOCK_SKEW:
        errors["at"] = "报告时间不能晚于现在"
    elif report.at < event.known_at:
        errors["at"] = "报告时间不能早于获知时间"
    if not event.is_open:
        errors["kind"] = "事件已终报，不能再报告"
    elif report.kind != Report.Kind.FIRST and not event.reports.filter(kind=Report.Kind.FIRST).exists():
        errors["kind"] = "尚未首报，请先报送首报"
    elif (
        report.kind == Report.Kind.FIRST
        and event.reports.filter(
            kind=Report.Kind.FIRST,
            channel=report.channel,
            to_unit_id=report.to_unit_id,
            to_office=report.to_office,
            forwarded_from=None,
        ).exists()
    ):  # a second click, or a report that should be a follow-up: the superior is not told twice
        errors["kind"] = f"已向该单位{report.get_channel_display()}首报，新的情况请报送续报"
    if report.to_unit_id is None and event.unit.parent_id is not None:
        errors["to_unit"] = "请选择报送的上级单位"
    elif report.to_unit_id is None:
        report.to_office = report.to_office.strip()
        if not report.to_office:
            errors["to_office"] = "请填写报送的上级值班机构"
    elif report.to_unit_id not in event.unit.ancestor_ids():
        errors["to_unit"] = "只能向上级单位报告"
    else:
        report.to_office = ""
    if report.channel == Report.Channel.PHONE and not report.phoned_whom.strip():
        errors["phoned_whom"] = "电话报告须记录接报人"
    if report.kind == Report.Kind.FINAL and report.channel != Report.Channel.WRITTEN:
        errors["channel"] = "终报须书面报告"
    if errors:
        raise ValidationError(errors)


def minutes_late(at: dt.datetime, due: dt.datetime) -> int:
    """0 when on time (at or before the deadline); otherwise whole minutes, at least 1."""
    seconds = (at - due).total_seconds()
    return 0 if seconds <= 0 else max(1, int((seconds + 59) // 60))


def _meet_deadline(event: Event, report: Report) -> int:
    """A report meets its channel's deadline, the first time; a written report made while the phone
    deadline is still open meets that one too (it reached the superior in time). Minutes late, if the
    report is late (B21): a report that comes after it was recorded as missed turns it into late."""
    if report.forwarded_from_id is not None:
        return 0
    met = {}
    if event.phone_reported_at is None:  # any first word to the superior meets the phone deadline
        met["phone"] = ("phone_reported_at", event.phone_due_at)
    if report.channel == Report.Channel.WRITTEN and event.written_reported_at is None:
        met["written"] = ("written_reported_at", event.written_due_at)
    if not met:
        return 0
    now = timezone.now()
    for field, _ in met.values():
        setattr(event, field, report.at)
    pending = event.next_check_at if event.next_check_at and event.next_check_at <= now else None
    # a check already due (the runner a few seconds behind) is kept: it may be another deadline's alarm
    event.next_check_at = pending or event.next_check(now)
    changes = {field: report.at for field, _ in met.values()}
    Event.objects.filter(pk=event.pk).update(**changes, next_check_at=event.next_check_at)
    updated(event, event.unit_id, **changes)
    own = "phone" if report.channel == Report.Channel.PHONE else "written"
    late_own = 0
    for what, (_, due) in met.items():
        late = minutes_late(report.at, due)
        label = "电话报告" if what == "phone" else "书面报告"
        if what == own:
            late_own = late
        if late:
            Lapse.objects.filter(event=event, what=what, kind=Lapse.Kind.MISSED).delete()
            Lapse.objects.update_or_create(
                unit=event.unit, event=event, what=what, kind=Lapse.Kind.LATE, defaults={"minutes": late}
            )
            step(event, EventStep.Kind.LATE, f"{label}迟报{late}分钟", report.by, report.at)
        elif report.recorded_at > due + CLOCK_SKEW:
            # stated on time, but entered once the deadline had passed; a 漏报 already recorded stands:
            # nothing was entered by the cut-off, whatever is stated now
            report.backfilled = True
            missed = Lapse.objects.filter(event=event, what=what, kind=Lapse.Kind.MISSED).exists()
            step(
                event,
                EventStep.Kind.BACKFILLED,
                f"{label}时限后补录：称{_hm(report.at)}报出，{_hm(report.recorded_at)}才登记（时限{_hm(due)}）"
                + ("；此前已记为漏报，予以保留" if missed else ""),
                report.by,
                report.recorded_at,
            )
    return late_own


def _hm(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment):%d日%H时%M分}"


def event_instruction(event: Event, by: Person, leader: Person, text: str, targets: list[Person]):
    """B5/A1.4: a leader's instruction on the event, relayed at once to those who must act and tracked
    to feedback (intake's instruction workflow); its feedback goes into the next report."""
    from zhiban.intake.models import Instruction
    from zhiban.intake.services import instruction_relay

    if not text.strip():
        raise ValidationError({"text": "请填写批示内容"})
    with transaction.atomic():
        instruction = instruction_relay(
            Instruction(unit=event.unit, leader=leader, text=text.strip(), given_at=timezone.now()),
            targets,
            by,
        )
        EventInstruction.objects.create(event=event, instruction=instruction)
        step(event, EventStep.Kind.INSTRUCTION, f"{leader.name}批示：{text.strip()}", by)
    return instruction


def event_notify_units(event: Event, by: Person, units: list[Unit], text: str) -> None:
    """B21: related departments and areas the event may reach are told, through their duty offices. A
    unit above the event's reads its page from the link; a unit beside it (a neighbouring county, a
    department elsewhere) cannot, so its notice carries what is known instead of a link it cannot open."""
    if not units:
        raise ValidationError({"units": "请选择要通知的单位"})
    message = text.strip() or "请做好防范和应对"
    known = f"{event.unit.label}{timezone.localtime(event.known_at):%m月%d日%H:%M}获知{event.title}（{event.place}）"
    # first, so a notice cut short keeps them; a classified event's summary stays with those who may read it
    facts = known + ("。详情请与其值班室联系" if event.marked else f"：{event.summary[:150]}")
    with transaction.atomic():
        for unit in units:
            reads = event.unit.path.startswith(unit.path)
            notify_people(
                office_people(unit),
                f"{known}。{message}" if reads else f"{facts}。{message}",
                link=reverse("event_detail", args=[event.pk]) if reads else "",
                subject=event.title,
                unit=unit,
            )
        step(event, EventStep.Kind.NOTE, f"已通知相关单位：{'、'.join(u.label for u in units)}", by)


def feedback_since_last_report(event: Event) -> str:
    """The feedback on the event's instructions given since its last report, for the next one (B5)."""
    from zhiban.intake.models import InstructionTarget

    last = event.reports.filter(forwarded_from=None).order_by("-at").values_list("at", flat=True).first()
    rows = InstructionTarget.objects.filter(
        instruction__event_link__event=event, feedback_at__isnull=False
    ).select_related("instruction__leader", "person")
    if last is not None:
        rows = rows.filter(feedback_at__gt=last)
    return "；".join(f"落实{r.instruction.leader.name}批示：{r.feedback}（{r.person.name}）" for r in rows)


def report_receive(report: Report, by: Person) -> None:
    """The superior's duty office takes the report from its inbox, once."""
    now = timezone.now()
    with transaction.atomic():
        if Report.objects.filter(pk=report.pk, received_at=None).update(received_at=now, received_by=by):
            report.received_at, report.received_by = now, by
            updated(report, report.event.unit_id, received_at=now, received_by_id=by.pk)
            step(
                report.event,
                EventStep.Kind.RECEIVED,
                f"{report.to_unit.label}已接收",
                by,
                acting_unit=report.to_unit,
            )  # the page adds who


def report_forward(report: Report, by: Person, to_unit: Unit, phoned_whom: str = "") -> Report:
    """A2.1: the superior forwards the report up a level, as its own report of the same event, by the
    same channel: a phone report goes on as a phone report with the elements it has (the written one
    follows when it comes, B22), not as a written report missing them, and names who took it there."""
    if to_unit.pk not in report.to_unit.ancestor_ids():
        raise ValidationError({"to_unit": "只能转报本单位的上级"})
    phoned_whom = phoned_whom.strip() if report.channel == Report.Channel.PHONE else ""
    if report.channel == Report.Channel.PHONE and not phoned_whom:
        raise ValidationError({"phoned_whom": "电话转报须记录上级接报人"})
    fields = {name: getattr(report, name) for name, _ in ELEMENTS}
    with transaction.atomic():
        Report.objects.select_for_update().filter(pk=report.pk).first()  # one forward decided at a time
        if report.forwards.filter(to_unit=to_unit).exists():
            raise ValidationError({"to_unit": "已转报该单位"})
        report_receive(report, by)
        forward = Report.objects.create(
            event=report.event,
            kind=report.kind,
            number=report.number,
            channel=report.channel,
            at=timezone.now(),
            to_unit=to_unit,
            phoned_whom=phoned_whom,
            by=by,
            unverified=report.unverified,
            backfilled=report.backfilled,  # the level above sees the mark the superior saw
            forwarded_from=report,
            **fields,
        )
        channel = report.get_channel_display()
        step(
            report.event,
            EventStep.Kind.FORWARDED,
            f"{report.to_unit.label}转报{to_unit.label}（{channel}）",
            by,
            acting_unit=report.to_unit,
        )
        notify_people(
            office_people(to_unit),
            f"{report.to_unit.label}转报{report.event.unit.label}{report.get_kind_display()}（{channel}）："
            f"{report.event.title}" + ("（原报告时限后补录）" if report.backfilled else ""),
            link=reverse("report_detail", args=[forward.pk]),
            subject=f"转报：{report.event.title}",
            unit=to_unit,
        )
    return forward


def verification_ask(from_unit: Unit, to_unit: Unit, by: Person, question: str, event: Event | None = None):
    """B20: a superior asks a unit below to verify; replies due by the asking office's policy."""
    if not question.strip():
        raise ValidationError({"question": "请填写核报事项"})
    if from_unit.pk not in to_unit.ancestor_ids():
        raise ValidationError({"to_unit": "只能向下级单位核报"})
    policy = effective_policy(from_unit)
    now = timezone.now()
    request = VerificationRequest(
        from_unit=from_unit,
        to_unit=to_unit,
        event=event,
        question=question.strip(),
        asked_at=now,
        asked_by=by,
        phone_due_at=now + dt.timedelta(minutes=policy.verification_phone_minutes),
        written_due_at=now + dt.timedelta(minutes=policy.verification_written_minutes),
    )
    request.next_check_at = request.phone_due_at
    with transaction.atomic():
        request.save()
        notify_people(
            office_people(to_unit),
            f"{from_unit.label}核报：{request.question[:100]}。电话反馈须在"
            f"{timezone.localtime(request.phone_due_at):%H:%M}前，书面反馈须在"
            f"{timezone.localtime(request.written_due_at):%H:%M}前",
            link=reverse("verification_detail", args=[request.pk]),
            subject="核报",
            unit=to_unit,
        )
    return request


def verification_reply(
    request: VerificationRequest, by: Person, channel: str, reply: str, delay_reason: str = ""
):
    """The unit replies by phone or in writing, or says why it cannot yet and keeps working (B20)."""
    now = timezone.now()
    if channel not in ("phone", "written"):
        raise ValidationError({"channel": "请选择电话反馈或书面反馈"})
    if not reply.strip() and not delay_reason.strip():
        raise ValidationError({"reply": "请填写反馈内容，或说明不能按时反馈的原因"})
    with transaction.atomic():
        request = VerificationRequest.objects.select_for_update().get(pk=request.pk)
        if delay_reason.strip():
            request.delay_reason = delay_reason.strip()
        if reply.strip():
            field = "phone_replied_at" if channel == "phone" else "written_replied_at"
            text = f"{channel}_reply"
            earlier = getattr(request, text)  # a second reply by the same channel adds to the first
            setattr(request, text, f"{earlier}\n{reply.strip()}" if earlier else reply.strip())
            due = request.phone_due_at if channel == "phone" else request.written_due_at
            if getattr(request, field) is None:
                setattr(request, field, now)
                setattr(request, f"{channel}_replied_by", by)
                late = minutes_late(now, due)
                if not late:  # on time after all: nothing the runner may have recorded stands
                    Lapse.objects.filter(request=request, what=channel, kind=Lapse.Kind.LATE).delete()
                if late:  # the runner may have recorded it at the deadline; now its minutes are known
                    Lapse.objects.update_or_create(
                        unit=request.to_unit,
                        request=request,
                        what=channel,
                        kind=Lapse.Kind.LATE,
                        defaults={"minutes": late},
                    )
        open_dues = [
            d
            for d, done in (
                (request.phone_due_at, request.phone_replied_at),
                (request.written_due_at, request.written_replied_at),
            )
            if done is None
        ]
        request.next_check_at = min(open_dues) if open_dues else None
        request.save()
        notify_people(
            office_people(request.from_unit),
            f"{request.to_unit.label}核报反馈：{(reply or delay_reason).strip()[:120]}",
            link=reverse("verification_detail", args=[request.pk]),
            subject="核报反馈",
            unit=request.from_unit,
        )
    return request
