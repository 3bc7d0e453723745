"""The 《值班换班申请报告》 (A3.2) as the office prints it (GB/T 9704 layout, zhiban.lib.docx): the
application filled in, the approvals so far, and a line for each signature with its date."""

from __future__ import annotations

from zhiban.lib import docx
from zhiban.roster.models import Swap


def application_docx(swap: Swap) -> bytes:
    document = docx.new_document()
    docx.title(document, "值班换班申请报告")
    unit = swap.shift.roster.unit
    rows = [
        ("单位", unit.name),
        ("申请人", f"{swap.applicant.name}　{swap.applicant.position}"),
        ("原值班班次", swap.shift.label_with_start),
        ("换班人", f"{swap.partner.name}　{swap.partner.position}"),
        ("对方班次", swap.partner_shift.label_with_start if swap.partner_shift else "（替班，无对方班次）"),
        ("类型", swap.get_kind_display()),
        ("换班理由", swap.reason),
        ("状态", swap.get_state_display()),
    ]
    docx.table(document, rows, (3.6, 12.0))
    docx.heading(document, "签字")
    signatures = [
        ("申请人", swap.applicant.name, swap.created_at),
        ("换班人", swap.partner.name if swap.partner_confirmed_at else "", swap.partner_confirmed_at),
        ("部门负责人", swap.head_by.name if swap.head_by else "", swap.head_at),
        ("值班室", swap.office_by.name if swap.office_by else "", swap.office_at),
    ]
    docx.table(
        document,
        [(role, f"签字：{name or '　' * 6}", docx.date_line(at)) for role, name, at in signatures],
        (3.0, 6.4, 6.2),
    )
    docx.body(document, "说明：换班申请经批准前，值班责任仍由原排班人员承担。")
    return docx.to_bytes(document)


def application_filename(swap: Swap) -> str:
    return f"值班换班申请报告-{swap.applicant.name}-{swap.shift.shift_label}.docx"
