"""A report as an official document in the GB/T 9704 layout: A4 with its margins, the classification
and urgency marks at the top left (3号黑体), the title in 2号小标宋, the body in 3号仿宋 (fonts set on
w:eastAsia), level-one headings in 黑体, and page numbers "— 1 —" at the foot."""

from __future__ import annotations

from zhiban.incidents.models import ELEMENTS, Report
from zhiban.lib import docx


def report_docx(report: Report) -> bytes:
    event = report.event
    document = docx.new_document()
    docx.marks(
        document,
        [
            m
            for m in (
                event.get_classification_display() if event.marked else "",
                "特急" if event.sensitive else "",
                "边核实边报告" if report.unverified else "",
            )
            if m
        ],
    )
    if report.signed_by_id:
        docx.issuer(document, report.signed_by.name)
    label = report.get_kind_display() + (f"（第{report.number}次）" if report.number else "")
    docx.title(document, f"关于{event.title}的{label}")
    docx.body(document, f"{report.recipient_office}：", indent=False)
    if report.forwarded_from_id:
        docx.body(document, f"现将{event.unit.label}报告转报如下：")
    for number, (name, element) in enumerate(ELEMENTS, start=1):
        docx.heading(document, f"{_chinese_number(number)}、{element}")
        text = str(getattr(report, name)).strip()
        if name == "consequences" and report.has_figures:  # B19 后果: the figures as they stand
            figures = (
                report.figures_text()
                + "。"
                + (f"（核减说明：{report.figures_note}）" if report.figures_note else "")
            )
            text = f"{text}\n{figures}" if text else figures
        for paragraph in (text or "（待核实补充）").split("\n"):
            docx.body(document, paragraph)
    missing = report.missing_elements()
    if missing and report.channel == Report.Channel.WRITTEN:
        docx.body(document, f"尚待核实补充的要素：{'、'.join(missing)}。")
    names = [a.name for a in report.attachments.all()]
    if names:
        docx.attachments_note(document, names)
    docx.signature(document, report.sender.duty_office, report.at)
    return docx.to_bytes(document)


def report_filename(report: Report) -> str:
    label = report.get_kind_display() + (f"第{report.number}次" if report.number else "")
    return f"{report.event.title}-{label}.docx"


_DIGITS = "零一二三四五六七八九十"


def _chinese_number(n: int) -> str:
    if n <= 10:
        return _DIGITS[n]
    return "十" + _DIGITS[n - 10] if n < 20 else str(n)
