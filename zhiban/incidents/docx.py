"""A report as an official document in the GB/T 9704 layout: A4 with its margins, the classification
and urgency marks at the top left (3号黑体), the title in 2号小标宋, the body in 3号仿宋 (fonts set on
w:eastAsia), level-one headings in 黑体, and page numbers "— 1 —" at the foot."""

from __future__ import annotations

import io

from django.utils import timezone
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

from zhiban.incidents.models import ELEMENTS, Report
from zhiban.lib.docx import east_asia, new_document

HEI = "黑体"


def _run(paragraph, text: str, font: str | None = None, size: float | None = None, bold: bool = False):
    run = paragraph.add_run(text)
    if font:
        run.font.name = font
        east_asia(run, font)
    if size:
        run.font.size = Pt(size)
    run.bold = bold
    return run


def _page_numbers(section) -> None:
    """ "— 1 —" centred at the foot of each page, the number a PAGE field Word fills in."""
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(paragraph, "— ", size=14)
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)
    _run(paragraph, " —", size=14)


def report_docx(report: Report) -> bytes:
    event = report.event
    document = new_document()
    _page_numbers(document.sections[0])
    marks = [
        m
        for m in (
            event.get_classification_display() if event.marked else "",
            "特急" if event.sensitive else "",
            "边核实边报告" if report.unverified else "",
        )
        if m
    ]
    if marks:
        _run(document.add_paragraph(), "　".join(marks), HEI, 16)
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    label = report.get_kind_display() + (f"（第{report.number}次）" if report.number else "")
    _run(title, f"关于{event.title}的{label}", "方正小标宋简体", 22)
    addressee = document.add_paragraph()
    _run(addressee, f"{report.recipient_office}：")
    if report.forwarded_from_id:
        preface = document.add_paragraph()
        preface.paragraph_format.first_line_indent = Pt(32)
        _run(preface, f"现将{event.unit.label}报告转报如下：")
    for number, (name, element) in enumerate(ELEMENTS, start=1):
        heading = document.add_paragraph()
        _run(heading, f"{_chinese_number(number)}、{element}", HEI, 16)
        body = document.add_paragraph()
        body.paragraph_format.first_line_indent = Pt(32)
        _run(body, str(getattr(report, name)).strip() or "（待核实补充）")
    missing = report.missing_elements()
    if missing:
        note = document.add_paragraph()
        _run(note, f"尚待核实补充的要素：{'、'.join(missing)}。")
    sign = document.add_paragraph()
    sign.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    local = timezone.localtime(report.at)
    _run(
        sign,
        f"{report.sender.duty_office}\n{local.year}年{local.month}月{local.day}日 {local:%H:%M}",
    )
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


_DIGITS = "零一二三四五六七八九十"


def _chinese_number(n: int) -> str:
    if n <= 10:
        return _DIGITS[n]
    return "十" + _DIGITS[n - 10] if n < 20 else str(n)
