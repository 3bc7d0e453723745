"""Emergency information workflows around the event: open it (copying its reporting rule), regrade
it, link the same happening reported twice, chase a late unit, relay instructions, tell the units
around it, verify on request. Reports themselves are incidents.reporting's. Each writes in one
transaction with its notices and timeline step."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from zhiban.incidents import deadlines
from zhiban.incidents.models import (
    GRADE_ORDER,
    ChaseUp,
    Event,
    EventInstruction,
    EventStep,
    Lapse,
    VerificationRequest,
)
from zhiban.incidents.rules import Rule, RuleTable
from zhiban.intake.services import updated
from zhiban.lib.dates import CLOCK_SKEW, minutes_words
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


def event_open(unit: Unit, by: Person | None, opened_at: dt.datetime | None = None, **fields) -> Event:
    """Open an event: the reporting rule of its category and grade in force at the unit is copied onto
    it and its deadlines run from the moment it became known (B21); the unit's leaders are told at once
    (A1.4). An event the rules do not require to be reported is kept without deadlines. `opened_at`:
    now, unless the demo writes history."""
    policy = effective_policy(unit)
    known_at = fields["known_at"]
    if known_at > timezone.now() + CLOCK_SKEW:
        raise ValidationError({"known_at": "获知时间不能晚于现在"})
    table = RuleTable(unit)
    _check_subkind(table, fields.get("category", ""), fields.get("subkind", ""))
    sensitive = fields.get("sensitive", False)
    rule = table.for_event(fields["category"], fields.get("subkind", ""), fields.get("grade", ""), sensitive)
    event = Event(
        unit=unit,
        opened_by=by,
        warning_minutes=policy.deadline_warning_minutes,
        missed_after_minutes=policy.missed_after_minutes,
        **_rule_fields(rule, sensitive),
        **fields,
    )
    event.full_clean()
    with transaction.atomic():
        event.save()
        made = deadlines.start(event, known_at, "登记")
        step(
            event,
            EventStep.Kind.OPENED,
            f"{event.kind_label}：{event.title}（{event.place}）；时限依据{event.rule_label}"
            + ("" if event.report_required else "，按规定不须向上级报告"),
            by,
            opened_at,
        )
        due = f"电话报告须在{timezone.localtime(made[0].due_at):%H:%M}前" if made else "按规定不须向上级报告"
        notify_people(
            leaders_on_duty(unit),
            f"突发事件：{event.title}（{event.place}），{timezone.localtime(known_at):%H:%M}获知。{due}",
            link=reverse("event_detail", args=[event.pk]),
            subject=f"突发事件：{event.title}",
            unit=unit,
        )
    return event


def _check_subkind(table: RuleTable, category: str, subkind: str) -> None:
    if subkind and (category, subkind) not in table.subkinds():
        raise ValidationError({"subkind": "该类别没有这一具体类型的报告规定"})


def _rule_fields(rule: Rule, sensitive: bool) -> dict:
    """What an event keeps of the rule that applies to it, so that a later edit of the rules moves
    nothing already running."""
    return {
        "report_required": rule.required or sensitive,
        "rule_label": rule.describe(sensitive)[:120],
        "phone_minutes": rule.phone_minutes,
        "written_minutes": rule.written_minutes,
        "followup_times": " ".join(f"{t:%H:%M}" for t in rule.schedule.times),
        "followup_hours": rule.schedule.hours,
    }


def event_regrade(
    event: Event,
    by: Person | None,
    grade: str,
    sensitive: bool,
    at: dt.datetime | None = None,
    note: str = "",
) -> Event:
    """B21: the grade (or the sensitive mark) changes. An upgrade takes the new grade's rule and starts
    its deadlines from the moment of the upgrade; a downgrade takes the new rule for what comes next
    and never extends a deadline already running. Either way the timeline says so."""
    now = timezone.now()
    at = at or now
    if at > now + CLOCK_SKEW:
        raise ValidationError({"at": "变更时间不能晚于现在"})
    if at < event.known_at:
        raise ValidationError({"at": "变更时间不能早于获知时间"})
    if not event.is_open:
        raise ValidationError({"grade": "事件已终报，不能再变更等级"})
    if grade == event.grade and sensitive == event.sensitive:
        raise ValidationError({"grade": "等级和敏感标记都没有变化"})
    before = Event(grade=event.grade, sensitive=event.sensitive)
    rule = RuleTable(event.unit).for_event(event.category, event.subkind, grade, sensitive)
    upgrade = (grade and GRADE_ORDER.index(grade) > before.severity) or (sensitive and not before.sensitive)
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        changes = {"grade": grade, "sensitive": sensitive, **_rule_fields(rule, sensitive)}
        # a report owed once stays owed: what runs keeps running, whatever the new grade's rule says
        changes["report_required"] = event.report_required or changes["report_required"]
        for name, value in changes.items():
            setattr(event, name, value)
        event.save(update_fields=list(changes))
        made = deadlines.start(event, at, f"升级为{_grade_words(grade, sensitive)}") if upgrade else []
        step(event, EventStep.Kind.REGRADED, _regrade_text(before, event, upgrade, made, at, note), by, at)
        if upgrade:
            notify_people(
                leaders_on_duty(event.unit),
                f"突发事件升级：{event.title}，{_grade_words(grade, sensitive)}。"
                + (f"电话报告须在{timezone.localtime(made[0].due_at):%H:%M}前" if made else ""),
                link=reverse("event_detail", args=[event.pk]),
                subject=f"事件升级：{event.title}",
                unit=event.unit,
            )
    return event


def _grade_words(grade: str, sensitive: bool) -> str:
    words = Event.Grade(grade).label if grade else "尚未定级"
    return words + ("（敏感事件）" if sensitive else "")


def _regrade_text(before: Event, after: Event, upgrade: bool, made, at: dt.datetime, note: str) -> str:
    change = (
        f"由{_grade_words(before.grade, before.sensitive)}{'升级为' if upgrade else '变更为'}"
        + _grade_words(after.grade, after.sensitive)
    )
    if upgrade and made:
        dues = "、".join(f"{deadlines.LABEL[d.kind]}{timezone.localtime(d.due_at):%H:%M}前" for d in made)
        change += f"；自{timezone.localtime(at):%H:%M}起重新计时：{dues}（{after.rule_label}）"
    elif not upgrade:
        change += "；已在计时的时限不变"
    return change + (f"。{note.strip()}" if note.strip() else "")


def superiors(unit: Unit) -> list[Unit]:
    """Where a unit may report: its superior, or, when urgent, a level above that (B21)."""
    return list(Unit.objects.filter(pk__in=unit.ancestor_ids()).order_by("-depth"))


def minutes_late(at: dt.datetime, due: dt.datetime) -> int:
    """0 when on time (at or before the deadline); otherwise whole minutes, at least 1."""
    seconds = (at - due).total_seconds()
    return 0 if seconds <= 0 else max(1, int((seconds + 59) // 60))


def event_instruction(event: Event, by: Person, leader: Person, text: str, targets: list[Person]):
    """B5/A1.4: a leader's instruction on the event, relayed at once to those who must act and tracked
    to feedback (intake's instruction workflow); its feedback goes into the next report."""
    from zhiban.intake.models import Instruction
    from zhiban.intake.services import instruction_relay

    if not text.strip():
        raise ValidationError({"text": "请填写批示内容"})
    with transaction.atomic():
        instruction = instruction_relay(
            Instruction(
                unit=event.unit,
                leader=leader,
                text=text.strip(),
                given_at=timezone.now(),
                classification=event.classification,  # an instruction on a classified event is as classified
            ),
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


def common_office(first: Unit, second: Unit) -> list[int]:
    """The units above both (or one of them, if one is above the other): who may link the two."""
    first_chain = {*first.ancestor_ids(), first.pk}
    return [u for u in [*second.ancestor_ids(), second.pk] if u in first_chain]


def event_link(event: Event, primary: Event, by: Person, office: Unit, note: str = "") -> None:
    """同一事件: a superior office that oversees both links a second report of one happening (a
    department's, after the township's) to the first. One timeline shows both; each unit keeps its
    own reports, deadlines and lapses (they are judged per reporter)."""
    primary = primary.primary()
    if primary.pk == event.pk:
        raise ValidationError({"primary": "不能与自身关联"})
    if event.same_as_id:
        raise ValidationError({"primary": f"该事件已与“{event.same_as.title}”关联为同一事件"})
    if office.pk not in common_office(event.unit, primary.unit) or office.pk in (
        event.unit_id,
        primary.unit_id,
    ):
        raise ValidationError({"primary": "只有两个报告单位共同的上级值班机构可以关联"})
    with transaction.atomic():
        Event.objects.filter(same_as=event).update(same_as=primary)  # those linked to it follow it
        Event.objects.filter(pk=event.pk).update(same_as=primary)
        updated(event, event.unit_id, same_as_id=primary.pk)
        event.same_as = primary
        # each side is told of the other's unit, not its title: neither may be able to read the other
        text = f"{office.label}确认本事件与{primary.unit.label}的报告为同一事件" + (
            f"：{note.strip()}" if note.strip() else ""
        )
        step(event, EventStep.Kind.LINKED, text, by, acting_unit=office)
        step(
            primary,
            EventStep.Kind.LINKED,
            f"{office.label}确认{event.unit.label}的报告与本事件为同一事件",
            by,
            acting_unit=office,
        )
        notify_people(
            office_people(event.unit),
            f"{office.label}已将本单位报告的“{event.title}”与{primary.unit.label}的报告"
            "关联为同一事件，请继续按时续报",
            link=reverse("event_detail", args=[event.pk]),
            subject="同一事件",
            unit=event.unit,
        )


def event_unlink(event: Event, by: Person, office: Unit, reason: str) -> None:
    """A link made in error is undone by an office that could have made it, with the reason."""
    if not event.same_as_id:
        raise ValidationError({"reason": "该事件没有关联"})
    if not reason.strip():
        raise ValidationError({"reason": "请说明取消关联的原因"})
    primary = event.same_as
    if office.pk not in common_office(event.unit, primary.unit) or office.pk in (
        event.unit_id,
        primary.unit_id,
    ):
        raise ValidationError({"reason": "只有两个报告单位共同的上级值班机构可以取消关联"})
    with transaction.atomic():
        Event.objects.filter(pk=event.pk).update(same_as=None)
        updated(event, event.unit_id, same_as_id=None)
        event.same_as = None
        for one in (event, primary):
            step(
                one,
                EventStep.Kind.LINKED,
                f"{office.label}取消同一事件关联：{reason.strip()}",
                by,
                acting_unit=office,
            )


def chase_up(
    office: Unit,
    by: Person,
    *,
    deadline=None,
    request: VerificationRequest | None = None,
    at: dt.datetime | None = None,
) -> ChaseUp:
    """催报: the superior office presses the unit below for a report due soon or overdue, or for a
    verification reply; the unit's duty room hears it (a notice, and its channels), the event's
    timeline records it, supervision counts it. `at`: now, unless the demo writes history."""
    now = at or timezone.now()
    if deadline is not None:
        event = deadline.event
        to_unit = event.unit
        if not deadline.owed or not event.is_open:
            raise ValidationError({"deadline": "该报告已报出，无需催报"})
        due = timezone.localtime(deadline.due_at)
        state = (
            f"已超时{minutes_words(minutes_late(now, deadline.due_at))}"
            if now > deadline.due_at
            else f"须在{due:%H:%M}前报出"
        )
        text = f"{office.label}催报：{event.title}的{deadlines.LABEL[deadline.kind]}{state}，请立即报送"
        link = reverse("event_detail", args=[event.pk])
    elif request is not None:
        event, to_unit = request.event, request.to_unit
        if request.phone_replied_at and request.written_replied_at:
            raise ValidationError({"request": "该核报已反馈，无需催报"})
        text = f"{office.label}催报：请立即反馈核报事项“{request.question[:40]}”"
        link = reverse("verification_detail", args=[request.pk])
    else:
        raise ValidationError({"deadline": "请选择要催报的报告或核报"})
    if office.pk not in to_unit.ancestor_ids():
        raise ValidationError({"deadline": "只能向下级单位催报"})
    pause = dt.timedelta(minutes=effective_policy(office).deadline_warning_minutes)
    recent = ChaseUp.objects.filter(
        from_unit=office, deadline=deadline, request=request, at__gt=now - pause, at__lte=now
    ).first()
    if recent is not None:  # a second click, or two officers at once: the unit is not pressed twice
        raise ValidationError({"deadline": f"已于{timezone.localtime(recent.at):%H:%M}催报，请稍后再催"})
    with transaction.atomic():
        chase = ChaseUp.objects.create(
            from_unit=office,
            to_unit=to_unit,
            event=event,
            deadline=deadline,
            request=request,
            at=now,
            by=by,
            text=text,
        )
        if event is not None:
            step(event, EventStep.Kind.CHASED, text, by, now, acting_unit=office)
        notify_people(office_people(to_unit), f"【催报】{text}", link=link, subject="上级催报", unit=to_unit)
    return chase


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
