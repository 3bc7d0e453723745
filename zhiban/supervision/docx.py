"""A circular (通报) as an official document in the GB/T 9704 layout: its number (发文字号) centred above
the title, the title in 2号小标宋, the units it goes to, the body in 3号仿宋, each problem with its
rectification deadline, the issuing office and date at the foot, page numbers "— 1 —"."""

from __future__ import annotations

from django.utils import timezone
from docx.enum.text import WD_ALIGN_PARAGRAPH

from zhiban.lib import docx
from zhiban.supervision.models import Circular


def circular_docx(circular: Circular) -> bytes:
    document = docx.new_document()
    if circular.number:
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        docx.run(paragraph, circular.number)
    docx.title(document, circular.title)
    units = "、".join(u.duty_office for u in circular.units.order_by("path"))
    if units:
        docx.body(document, f"{units}：", indent=False)
    for paragraph in circular.body.splitlines():
        if paragraph.strip():
            docx.body(document, paragraph.strip())
    problems = list(circular.problems.select_related("unit").order_by("unit__path", "id"))
    if problems:
        docx.heading(document, "一、存在的问题")
        for number, problem in enumerate(problems, start=1):
            due = problem.due_date
            docx.body(
                document,
                f"{number}．{problem.unit.label}：{problem.text}（整改期限：{due.month}月{due.day}日）",
            )
        docx.heading(document, "二、整改要求")
        docx.body(document, "请上述单位于所列期限前完成整改，并通过值班系统报送整改情况和证明材料。")
    issued = circular.published_at or circular.signed_at
    docx.signature(document, circular.office.duty_office, timezone.localdate(issued) if issued else None)
    return docx.to_bytes(document)
