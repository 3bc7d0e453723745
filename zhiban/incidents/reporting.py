"""Reports of an event (B18, B19, B21, B22, A2.1): drafted, checked and signed off by a leader before a
written report goes up; a phone report recorded once made (or signed off first, where the unit's policy
asks it); sent to the superior's inbox or to an office outside the system; received and forwarded
level by level. The moment a report is sent is the moment that counts for its deadlines.

Each workflow writes in one transaction with its notices and timeline step."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from zhiban.incidents import deadlines
from zhiban.incidents.models import (
    ELEMENTS,
    FIGURE_NAMES,
    FIGURES,
    Event,
    EventStep,
    ExternalOffice,
    Report,
    ReportAttachment,
)
from zhiban.incidents.services import office_people, step
from zhiban.intake.services import updated
from zhiban.lib.attachments import attachment_fields
from zhiban.lib.dates import CLOCK_SKEW, plain_number
from zhiban.notify.outbox import notify_people
from zhiban.org.models import Person, Role, Unit
from zhiban.org.policy import effective_policy
from zhiban.org.roles import holds_role, role_holders
from zhiban.roster.duty import leaders_on_duty

EDITABLE = (Report.State.DRAFT, Report.State.PENDING)


# --- who signs ------------------------------------------------------------------------------------
def signers(unit: Unit) -> list[Person]:
    """Who may sign off the unit's reports: the leader on duty and the unit's leaders (B8)."""
    found: dict[int, Person] = {}
    for person in [*leaders_on_duty(unit), *role_holders(unit, [Role.LEADER])]:
        found.setdefault(person.pk, person)
    return list(found.values())


def may_sign(person: Person | None, unit: Unit) -> bool:
    return person is not None and (
        holds_role(person, [Role.LEADER], unit) or any(p.pk == person.pk for p in leaders_on_duty(unit))
    )


def may_check(person: Person | None, unit: Unit) -> bool:
    """核稿: the duty-office administrator or a leader of the unit (or above)."""
    return person is not None and holds_role(person, [Role.DUTY_ADMIN, Role.LEADER], unit)


def phone_needs_sign_off(unit: Unit) -> bool:
    """B22 lets a phone report go first; a unit's policy may still have it signed off."""
    return bool(effective_policy(unit).phone_report_sign_off)


def needs_sign_off(report: Report) -> bool:
    return report.channel == Report.Channel.WRITTEN or phone_needs_sign_off(report.event.unit)


# --- drafting -------------------------------------------------------------------------------------
def report_draft(event: Event, by: Person | None, *, submit: bool = True, attachments=(), **fields) -> Report:
    """A report drafted by the duty officer: saved as a draft, or sent to the leader for sign-off, who
    is told at once (by notice and the unit's channels, so a leader away from the desk signs from a
    phone)."""
    report = Report(event=event, by=by, state=Report.State.DRAFT, **fields)
    _check_draft(event, report, submit)
    with transaction.atomic():
        report.full_clean(exclude=["at"])
        report.save()
        attach(report, by, attachments)
        if submit:
            _submit(report)
    return report


def report_update(report: Report, by: Person | None, attachments=(), **fields) -> Report:
    """A draft, or one waiting for sign-off, changed: any check already made is void."""
    if report.state not in EDITABLE:
        raise ValidationError({"kind": "已签发的报告不能再修改"})
    for name, value in fields.items():
        setattr(report, name, value)
    report.checked_by, report.checked_at = None, None
    _check_draft(report.event, report, report.state == Report.State.PENDING)
    with transaction.atomic():
        report.full_clean(exclude=["at"])
        report.save()
        attach(report, by, attachments)
    return report


def report_submit(report: Report, signer: Person | None) -> Report:
    if report.state != Report.State.DRAFT:
        raise ValidationError({"signer": "只有草稿可以送签"})
    report.signer = signer
    _check_draft(report.event, report, True)
    with transaction.atomic():
        report.save(update_fields=["signer"])
        _submit(report)
    return report


def _submit(report: Report) -> None:
    Report.objects.filter(pk=report.pk).update(state=Report.State.PENDING, returned_note="")
    updated(report, report.event.unit_id, state=Report.State.PENDING)
    report.state, report.returned_note = Report.State.PENDING, ""
    due = deadlines.current(report.event, _deadline_kind(report))
    left = f"，{timezone.localtime(due.due_at):%H:%M}前须报出" if due and due.is_open else ""
    notify_people(
        [report.signer],
        f"请签发：{report.event.title}{report.label}（{report.by.name if report.by else '值班室'}拟稿）{left}",
        link=reverse("report_detail", args=[report.pk]),
        subject=f"请签发：{report.event.title}",
        unit=report.event.unit,
        group=False,
    )


def _deadline_kind(report: Report) -> str:
    if report.kind != Report.Kind.FIRST:
        return "follow_up"
    return "phone" if report.channel == Report.Channel.PHONE else "written"


def report_errors(event: Event, report: Report, submit: bool) -> dict[str, str]:
    """Everything wrong with a report about to be saved, at once (a form shows them all together):
    its order among the event's reports, its recipient, its figures, and, when it goes for sign-off,
    its elements and its signer."""
    errors: dict[str, str] = {}
    _check_order(event, report, errors)
    _check_recipient(event, report, errors)
    _check_figures(event, report, errors)
    if submit:
        _check_elements(report, errors)
        if report.signer is None:
            errors["signer"] = "请选择签发领导"
        elif not may_sign(report.signer, event.unit):
            errors["signer"] = "只有带班领导或本单位领导可以签发"
    return errors


def _check_draft(event: Event, report: Report, submit: bool) -> None:
    event.refresh_from_db(fields=["state"])  # closed meanwhile by another report
    errors = report_errors(event, report, submit)
    if errors:
        raise ValidationError(errors)


# --- checking and signing -------------------------------------------------------------------------
def report_check(report: Report, by: Person) -> None:
    """核稿: someone other than the drafter, of the duty office's administrators or leaders."""
    if report.state != Report.State.PENDING:
        raise ValidationError({"state": "只有待签发的报告需要核稿"})
    if not may_check(by, report.event.unit):
        raise ValidationError({"state": "核稿须由值班室负责人或领导进行"})
    if report.by_id == by.pk:
        raise ValidationError({"state": "拟稿人不能为自己核稿"})
    now = timezone.now()
    with transaction.atomic():
        Report.objects.filter(pk=report.pk).update(checked_by=by, checked_at=now)
        updated(report, report.event.unit_id, checked_by_id=by.pk, checked_at=now)
        report.checked_by, report.checked_at = by, now


def report_return(report: Report, by: Person, note: str) -> None:
    """The leader sends it back with what to change; the drafter is told."""
    if report.state != Report.State.PENDING:
        raise ValidationError({"note": "只有待签发的报告可以退回"})
    if not may_sign(by, report.event.unit):
        raise ValidationError({"note": "只有带班领导或本单位领导可以退回"})
    if not note.strip():
        raise ValidationError({"note": "请写明修改意见"})
    with transaction.atomic():
        Report.objects.filter(pk=report.pk).update(state=Report.State.DRAFT, returned_note=note.strip())
        updated(report, report.event.unit_id, state=Report.State.DRAFT, returned_note=note.strip())
        report.state, report.returned_note = Report.State.DRAFT, note.strip()
        notify_people(
            [report.by],
            f"{by.name}退回{report.event.title}{report.label}：{note.strip()[:100]}",
            link=reverse("report_detail", args=[report.pk]),
            subject="报告退回修改",
            unit=report.event.unit,
            group=False,
        )


def report_sign(report: Report, by: Person, at: dt.datetime | None = None) -> Report:
    """签发 by the leader on duty or a unit leader. A written report to an office in the system goes
    at once, and the moment of sign-off is the moment it is sent; one to an office outside it, or a
    phone report, is then sent by the duty officer, who records how and when."""
    now = timezone.now()
    at = at or now
    if report.state != Report.State.PENDING:
        raise ValidationError({"state": "该报告不在待签发状态"})
    if not may_sign(by, report.event.unit):
        raise ValidationError({"state": "只有带班领导或本单位领导可以签发"})
    with transaction.atomic():
        report.signed_by, report.signed_at = by, at
        if report.checked_by_id is None:  # the leader who reads it through checks it too
            report.checked_by, report.checked_at = by, at
        goes_now = report.channel == Report.Channel.WRITTEN and report.to_unit_id is not None
        report.state = Report.State.SIGNED
        report.save(update_fields=["signed_by", "signed_at", "checked_by", "checked_at", "state"])
        step(report.event, EventStep.Kind.SIGNED, f"{report.label}已签发", by, at)
        if goes_now:  # sent by the system as it is signed: made, sent and entered at one moment
            _send(report, by, at, recorded_at=at)
        else:
            notify_people(
                [report.by],
                f"{by.name}已签发{report.event.title}{report.label}，请报出{report.recipient}并登记",
                link=reverse("report_detail", args=[report.pk]),
                subject="报告已签发",
                unit=report.event.unit,
                group=False,
            )
    return report


def report_send(
    report: Report,
    by: Person,
    at: dt.datetime,
    means: str = "",
    phoned_whom: str = "",
    recorded_at: dt.datetime | None = None,
) -> Report:
    """A signed report has gone out (faxed, mailed, put on the platform, phoned): when, and how."""
    if report.state != Report.State.SIGNED:
        raise ValidationError({"at": "报告尚未签发，不能报出"})
    if at < report.signed_at:
        raise ValidationError({"at": "报出时间不能早于签发时间"})
    report.means, report.phoned_whom = means, phoned_whom.strip()
    errors = {}
    if report.channel == Report.Channel.PHONE:
        report.means = Report.Means.PHONE if report.to_external_id else ""
        if not report.phoned_whom:
            errors["phoned_whom"] = "电话报告须记录接报人"
    elif report.to_external_id and report.means not in (
        Report.Means.FAX,
        Report.Means.MAIL,
        Report.Means.PLATFORM,
    ):
        errors["means"] = "请选择报出方式（传真、电子邮件或信息报送平台）"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        return _send(report, by, at, recorded_at)


def report_make(event: Event, by: Person | None, attachments=(), **fields) -> Report:
    """B22: a phone report made now (urgent: phone first, written after), recorded and counted at once,
    where the unit's policy does not ask phone reports to be signed off."""
    report = Report(event=event, by=by, state=Report.State.DRAFT, **fields)
    if report.channel != Report.Channel.PHONE:
        raise ValidationError({"channel": "书面报告须经领导签发后报出，请拟稿送签"})
    if phone_needs_sign_off(event.unit):
        raise ValidationError({"channel": "按本单位规定，电话报告也须领导签发，请拟稿送签"})
    errors = report_errors(event, report, submit=False)
    if not report.phoned_whom.strip():
        errors["phoned_whom"] = "电话报告须记录接报人"
    if report.to_external_id:
        report.means = Report.Means.PHONE
    if errors:
        raise ValidationError(errors)
    recorded_at = fields.get("recorded_at")  # stated by the demo, which writes history; else now
    with transaction.atomic():
        report.full_clean(exclude=["at"])
        report.save()
        attach(report, by, attachments)
        return _send(report, by, report.at, recorded_at)


def _send(
    report: Report, by: Person | None, at: dt.datetime, recorded_at: dt.datetime | None = None
) -> Report:
    """1. Refuse what cannot be (a time to come or before the event was known, a follow-up before any
       first report, a second first report to the same office, anything on a closed event).
    2. Number a follow-up; meet the deadlines it answers (late minutes, entered-late mark).
    3. The superior's duty office has it in its inbox at once; a final report closes the event."""
    event = Event.objects.select_for_update().get(pk=report.event_id)  # one report of an event at a time
    report.event = event
    errors: dict = {}
    now = timezone.now()
    if at is None or at > now + CLOCK_SKEW:
        errors["at"] = "报告时间不能晚于现在"
    elif at < event.known_at:
        errors["at"] = "报告时间不能早于获知时间"
    _check_order(event, report, errors, sending=True)
    if errors:
        raise ValidationError(errors)
    report.at, report.recorded_at, report.state = at, recorded_at or now, Report.State.SENT
    if report.kind == Report.Kind.FOLLOW_UP:
        report.number = _sent(event).filter(kind=Report.Kind.FOLLOW_UP).count() + 1
    report.late_minutes = deadlines.meet(event, report)
    report.save()
    missing = report.missing_elements() if report.channel == Report.Channel.WRITTEN else []
    gaps = f"；尚缺：{'、'.join(missing)}" if missing else ""
    figures = f"；{report.figures_text()}" if report.has_figures else ""
    step(
        event,
        EventStep.Kind.REPORTED,
        f"{report.label}报{report.recipient}"
        f"{('，经' + report.get_means_display()) if report.means and report.means != 'phone' else ''}"
        f"{('，接报人' + report.phoned_whom) if report.phoned_whom else ''}"
        f"{figures}{gaps}",
        by,
        at,
    )
    if report.kind == Report.Kind.FINAL:
        Event.objects.filter(pk=event.pk).update(state=Event.State.CLOSED)
        updated(event, event.unit_id, state=Event.State.CLOSED)
        event.state = Event.State.CLOSED
        deadlines.close(event)
        step(event, EventStep.Kind.CLOSED, "终报，处置结束", by, at)
    if report.to_unit_id:
        notify_people(
            office_people(report.to_unit),
            f"{event.unit.label}{report.label}：{event.title}"
            + (f"（{report.figures_text()}）" if report.has_figures else "")
            + ("（边核实边报告）" if report.unverified else "")
            + ("（时限后补录，请核实报出时间）" if report.backfilled else ""),
            link=reverse("report_detail", args=[report.pk]),
            subject=f"{event.unit.label}{report.label}：{event.title}",
            unit=report.to_unit,
        )
    return report


def _sent(event: Event):
    return event.reports.filter(state=Report.State.SENT, forwarded_from=None)


# --- what a report must be -----------------------------------------------------------------------
def _check_order(event: Event, report: Report, errors: dict, sending: bool = False) -> None:
    if not event.is_open:
        errors["kind"] = "事件已终报，不能再报告"
    elif report.kind != Report.Kind.FIRST and not _sent(event).filter(kind=Report.Kind.FIRST).exists():
        errors["kind"] = "尚未首报，请先报送首报"
    elif report.kind == Report.Kind.FIRST and (
        _sent(event)
        .filter(
            kind=Report.Kind.FIRST,
            channel=report.channel,
            to_unit_id=report.to_unit_id,
            to_external_id=report.to_external_id,
        )
        .exclude(pk=report.pk)
        .exists()
    ):  # a second click, or a report that should be a follow-up: the superior is not told twice
        errors["kind"] = f"已向该单位{report.get_channel_display()}首报，新的情况请报送续报"
    if report.kind == Report.Kind.FINAL and report.channel != Report.Channel.WRITTEN:
        errors["channel"] = "终报须书面报告"


def _check_recipient(event: Event, report: Report, errors: dict) -> None:
    if event.unit.parent_id is None:
        report.to_unit = None
        if report.to_external_id is None:
            errors["to_external"] = "请选择报送的上级值班机构（系统外）"
        elif report.to_external.unit_id != event.unit_id:
            errors["to_external"] = "请选择本单位登记的上级值班机构"
        else:
            report.to_office = report.to_external.name
    elif report.to_unit_id is None:
        errors["to_unit"] = "请选择报送的上级单位"
    elif report.to_unit_id not in event.unit.ancestor_ids():
        errors["to_unit"] = "只能向上级单位报告"
    else:
        report.to_external, report.to_office = None, ""


def _check_elements(report: Report, errors: dict) -> None:
    """B18: a written report names its missing elements and goes only while verifying."""
    missing = report.missing_elements()
    if report.channel == Report.Channel.WRITTEN and missing and not report.unverified:
        errors["unverified"] = (
            f"要素不全：{'、'.join(missing)}。紧急情况下可勾选“边核实边报告”先行报送，再续报补充"
        )


def latest_figures(event: Event, before: Report | None = None) -> Report | None:
    """The last report sent of the event (its own, not a forward) that states figures."""
    rows = _sent(event).order_by("-at", "-id")
    if before is not None and before.pk:
        rows = rows.exclude(pk=before.pk)
    return next((r for r in rows if r.has_figures), None)


def _check_figures(event: Event, report: Report, errors: dict) -> None:
    """B19 后果: figures stand at a stated time; one lower than the last report's needs a reason."""
    if not report.has_figures:
        return
    now = timezone.now()
    if report.figures_at is None:
        errors["figures_at"] = "请填写伤亡损失数字截至的时间"
        return
    if report.figures_at > now + CLOCK_SKEW:
        errors["figures_at"] = "数字截至时间不能晚于现在"
        return
    if report.figures_at < event.known_at:
        errors["figures_at"] = "数字截至时间不能早于获知时间"
        return
    last = latest_figures(event, before=report)
    if last is None:
        return
    if last.figures_at and report.figures_at < last.figures_at:
        errors["figures_at"] = (
            f"数字截至时间不能早于上次报告的{timezone.localtime(last.figures_at):%m月%d日%H:%M}"
        )
    lower = [
        f"{label}由{plain_number(getattr(last, name))}{unit}减为{plain_number(getattr(report, name))}{unit}"
        for name, label, unit in FIGURES
        if getattr(report, name) is not None
        and getattr(last, name) is not None
        and getattr(report, name) < getattr(last, name)
    ]
    if lower and not report.figures_note.strip():
        errors["figures_note"] = f"{'；'.join(lower)}，请说明核减原因"


def figure_totals(event: Event) -> tuple[dict[str, object], dict[str, object], Report | None]:
    """The event's figures as they stand (each from the last report that gives it), and what the last
    report that gave any said of each: the change from before (0: the same), None for a figure it gave
    for the first time; a figure it did not give is not in the changes."""
    rows = [r for r in _sent(event).order_by("at", "id") if r.has_figures]
    totals: dict[str, object] = {}
    changes: dict[str, object] = {}
    for report in rows:
        changes = {}
        for name in FIGURE_NAMES:
            value = getattr(report, name)
            if value is None:
                continue
            changes[name] = value - totals[name] if name in totals else None
            totals[name] = value
    if len(rows) == 1:
        changes = {}  # the first figures: nothing to compare
    return totals, changes, rows[-1] if rows else None


# --- attachments ---------------------------------------------------------------------------------
def attach(report: Report, by: Person | None, uploads) -> None:
    for upload in uploads:
        ReportAttachment.objects.create(report=report, by=by, **attachment_fields(upload))


# --- the superior's side ---------------------------------------------------------------------------
def report_receive(report: Report, by: Person, at: dt.datetime | None = None) -> None:
    """The superior's duty office takes the report from its inbox, once. `at`: now, unless the demo
    writes history."""
    now = at or timezone.now()
    with transaction.atomic():
        if Report.objects.filter(pk=report.pk, received_at=None).update(received_at=now, received_by=by):
            report.received_at, report.received_by = now, by
            updated(report, report.event.unit_id, received_at=now, received_by_id=by.pk)
            step(
                report.event,
                EventStep.Kind.RECEIVED,
                f"{report.to_unit.label}已接收",
                by,
                now,
                acting_unit=report.to_unit,
            )  # the page adds who


def report_forward(
    report: Report,
    by: Person,
    to_unit: Unit | None = None,
    phoned_whom: str = "",
    to_external: ExternalOffice | None = None,
    means: str = "",
) -> Report:
    """A2.1: the superior forwards the report up a level, as its own report of the same event, by the
    same channel: a phone report goes on as a phone report with the elements it has (the written one
    follows when it comes, B22), not as a written report missing them, and names who took it there.
    The top of the system forwards to an office outside it, saying how (fax, mail, the platform)."""
    office = report.to_unit
    if to_external is not None:
        if office.parent_id is not None or to_external.unit_id != office.pk:
            raise ValidationError({"to_external": "请选择本单位登记的上级值班机构"})
    elif to_unit is None or to_unit.pk not in office.ancestor_ids():
        raise ValidationError({"to_unit": "只能转报本单位的上级"})
    phoned_whom = phoned_whom.strip() if report.channel == Report.Channel.PHONE else ""
    if report.channel == Report.Channel.PHONE and not phoned_whom:
        raise ValidationError({"phoned_whom": "电话转报须记录上级接报人"})
    if to_external is not None:
        means = Report.Means.PHONE if report.channel == Report.Channel.PHONE else means
        if means not in Report.Means.values:
            raise ValidationError({"means": "请选择报出方式"})
    fields = {name: getattr(report, name) for name, _ in ELEMENTS}
    fields |= {name: getattr(report, name) for name in (*FIGURE_NAMES, "figures_at", "figures_note")}
    recipient = to_unit.label if to_unit else to_external.name
    with transaction.atomic():
        Report.objects.select_for_update().filter(pk=report.pk).first()  # one forward decided at a time
        already = (
            report.forwards.filter(to_unit=to_unit)
            if to_unit
            else report.forwards.filter(to_external=to_external)
        )
        if already.exists():
            raise ValidationError({"to_unit" if to_unit else "to_external": "已转报该单位"})
        report_receive(report, by)
        forward = Report.objects.create(
            event=report.event,
            kind=report.kind,
            number=report.number,
            channel=report.channel,
            at=timezone.now(),
            to_unit=to_unit,
            to_external=to_external,
            to_office=to_external.name if to_external else "",
            means=means if to_external else "",
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
            f"{office.label}以{channel}转报{recipient}" + (f"，接报人{phoned_whom}" if phoned_whom else ""),
            by,
            acting_unit=office,
        )
        if to_unit is not None:
            notify_people(
                office_people(to_unit),
                f"{office.label}转报{report.event.unit.label}{report.get_kind_display()}（{channel}）："
                f"{report.event.title}" + ("（原报告时限后补录）" if report.backfilled else ""),
                link=reverse("report_detail", args=[forward.pk]),
                subject=f"转报：{report.event.title}",
                unit=to_unit,
            )
    return forward
