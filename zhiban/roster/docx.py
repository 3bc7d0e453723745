"""The 《值班换班申请报告》 (A3.2) as a Word form, filled in, with the approvals so far."""

from __future__ import annotations

import io

from django.utils import timezone

from zhiban.lib.docx import new_document, set_cell
from zhiban.roster.models import Swap


def application_docx(swap: Swap) -> bytes:
    document = new_document()
    document.add_heading("值班换班申请报告", level=0)
    unit = swap.shift.roster.unit
    rows = [
        ("单位", unit.name),
        ("申请人", f"{swap.applicant.name}　{swap.applicant.position}"),
        ("原值班班次", swap.shift.label_with_start),
        ("换班人", f"{swap.partner.name}　{swap.partner.position}"),
        ("对方班次", swap.partner_shift.label_with_start if swap.partner_shift else "（替班，无对方班次）"),
        ("类型", swap.get_kind_display()),
        ("换班理由", swap.reason),
        ("对方确认", _stamp(swap.partner_confirmed_at, swap.partner.name)),
        ("部门负责人意见", _stamp(swap.head_at, swap.head_by.name if swap.head_by else "")),
        ("值班室意见", _stamp(swap.office_at, swap.office_by.name if swap.office_by else "")),
        ("状态", swap.get_state_display()),
    ]
    table = document.add_table(rows=len(rows), cols=2)
    table.style = "Table Grid"
    for i, (label, value) in enumerate(rows):
        set_cell(table.cell(i, 0), label, bold=True)
        set_cell(table.cell(i, 1), value)
    document.add_paragraph("说明：换班申请经批准前，值班责任仍由原排班人员承担（A3.2）。")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _stamp(at, name: str) -> str:
    if not at:
        return "（待办理）"
    local = timezone.localtime(at)
    return f"{name}　{local.year}年{local.month}月{local.day}日 {local:%H:%M}"
