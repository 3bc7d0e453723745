"""B13: the duty log as a Word document with its fixed fields, in the order the norm gives them, in the
GB/T 9704 layout every document of the office has (zhiban.lib.docx)."""

from __future__ import annotations

from django.utils import timezone

from zhiban.lib import docx
from zhiban.lib.classification import Classification
from zhiban.shifts.log import DutyLog, readable


def _at(value) -> str:
    if value is None:
        return ""
    local = timezone.localtime(value)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def _call_line(call) -> str:
    who = "".join(filter(None, [call.organisation, call.position, call.name])) or "—"
    if not call.readable:  # A2.7/B15: when, not who called nor what was said
        return f"{call.get_direction_display()}：{call.hidden_label}"
    handled = call.get_handling_display()
    if call.leader_id:
        handled += f"（请示{call.leader.name}：{call.leader_answer or '待答复'}）"
    return f"{call.get_direction_display()} {who} {call.number}：{call.content or '（待补记）'}；{handled}"


def _visit_line(visit) -> str:
    if not visit.readable:  # nor who came
        return f"来访：{visit.hidden_label}"
    who = f"来访 {visit.name}（{visit.identity}）"
    arrangement = f"，{visit.arrangement}" if visit.arrangement else ""
    return f"{who}：{visit.purpose}；报告{visit.reported_to.name if visit.reported_to else '—'}{arrangement}"


def _step_line(step) -> str:
    matter = step.matter
    moved = f"（{step.by.name}→{step.to.name}）" if step.to_id else ""
    text = f"：{step.text}" if matter.readable else ""
    return f"事项“{matter.kept(matter.title, matter.readable)}”{step.get_kind_display()}{text}{moved}"


def happenings(log: DutyLog) -> list[tuple[str, str]]:
    """Everything the shift recorded, in time order: (time, text); a classified record the reader may
    not read by its mark (A2.7/B15)."""
    rows = [(c.at, _call_line(c)) for c in log.calls]
    rows += [(v.arrived_at, _visit_line(v)) for v in log.visits]
    rows += [
        (
            d.received_at,
            f"收{d.get_kind_display()} {d.sender}{d.number}《{d.shown_title}》（{d.get_urgency_display()}）"
            f"{'，已呈送领导' if d.forwarded_at else ''}；{d.handling or '办理中'}",
        )
        for d in log.documents
    ]
    rows += [
        (m.opened_at, f"受理事项：{m.kept(m.title, m.readable)}（首接：{m.owner.name}）")
        for m in log.matters_opened
    ]
    rows += [(s.at, _step_line(s)) for s in log.matter_steps]
    rows += [(i.given_at, f"{i.leader.name}批示：{i.kept(i.text, i.readable)}") for i in log.instructions]
    rows += [(e.at, e.kept(e.text, e.readable)) for e in log.entries]
    return [(_at(at), text) for at, text in sorted(rows, key=lambda r: r[0])]


def handover_text(log: DutyLog) -> list[tuple[str, str]]:
    """The handover the shift gave; a classified matter handed over by its mark to a reader who may not
    read it (A2.7/B15)."""
    handover = log.handover
    if handover is None:
        return [("交接班", "（尚未交接）")]
    items = list(handover.items.select_related("matter"))
    readable([i.matter for i in items], log.reader)
    rows = [("值班情况", handover.situation)]
    rows.append(
        (
            "设施设备",
            "；".join(
                f"{c.equipment.name}{'正常' if c.working else '故障：' + c.note}"
                for c in handover.equipment_checks.select_related("equipment")
            )
            or "—",
        )
    )
    rows.append(
        (
            "移交事项",
            "；".join(
                f"{i.matter.title}（建议：{i.suggestion}）" if i.matter.readable else i.matter.hidden_label
                for i in items
            )
            or "无",
        )
    )
    signed = (
        f"{_at(handover.signed_at)}　交班人：{handover.outgoing_signer.name}　接班人：{handover.incoming_signer.name}"
        if handover.signed
        else "（待双方签字）"
    )
    rows.append(("交接时间及双方", signed))
    return rows


def duty_log_docx(log: DutyLog) -> bytes:
    """The duty log in the GB/T 9704 layout: its fixed fields, what happened in time order, the
    emergencies step by step, the handover (B13)."""
    shift = log.shift
    document = docx.new_document()
    if log.classification:  # it shows a classified record in full: its mark at the head (GB/T 9704)
        docx.marks(document, [Classification(log.classification).label])
    docx.title(document, "值班日志")
    start, end = timezone.localtime(shift.start), timezone.localtime(shift.end)
    span = f"{start.year}年{start.month}月{start.day}日 {start:%H:%M} 至 {end.month}月{end.day}日 {end:%H:%M}（{shift.name}）"
    docx.table(
        document,
        [("单位", shift.unit.name), ("值班时间", span), ("带班领导", log.leader), ("值班人员", log.staff)],
        LABEL_AND_TEXT,
    )
    for heading, rows in (
        ("一、值班情况（来文、来电及处理情况，其他重要事项）", happenings(log)),
        ("二、突发事件信息报告及处置（按时间顺序）", [(_at(at), text) for at, text in log.emergencies]),
    ):
        docx.heading(document, heading)
        if rows:
            docx.table(document, rows, TIME_AND_TEXT, bold_first=False)
        else:
            docx.body(document, "无")
    docx.heading(document, "三、交接班")
    docx.table(document, handover_text(log), LABEL_AND_TEXT)
    return docx.to_bytes(document)


# column widths within the 15.6 cm type area: a narrow label or time, the text across the rest
LABEL_AND_TEXT = (3.2, 12.4)
TIME_AND_TEXT = (2.8, 12.8)


def duty_log_filename(shift) -> str:
    """值班日志-2026年12月1日白班.docx: the office files it by day and shift."""
    return f"值班日志-{shift.day.year}年{shift.day.month}月{shift.day.day}日{shift.name}.docx"
