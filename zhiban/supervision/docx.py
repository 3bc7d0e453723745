"""A circular (通报) as an official document in the GB/T 9704 layout: its number (发文字号) centred above
the title, the title in 2号小标宋, the units it goes to, the body in 3号仿宋, each problem with its
rectification deadline, the issuing office and date at the foot, page numbers "— 1 —"."""

from __future__ import annotations

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
    docx.signature(document, circular.office.duty_office, circular.published_at or circular.signed_at)
    return docx.to_bytes(document)
