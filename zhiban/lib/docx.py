"""Word documents the way duty offices exchange them: A4, Chinese text in 仿宋 set on w:eastAsia (without
it Word falls back to a Western font for Chinese characters)."""

from __future__ import annotations

from docx import Document
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "方正小标宋简体"


def east_asia(run_or_style, name: str) -> None:
    element = run_or_style.element if hasattr(run_or_style, "element") else run_or_style._element
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), name)


def new_document():
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    normal = document.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.font.size = Pt(16)  # 三号
    east_asia(normal, BODY_FONT)
    for name in ("Title", "Heading 1", "Heading 2"):
        style = document.styles[name]
        style.font.name = HEADING_FONT
        east_asia(style, HEADING_FONT)
    document.styles["Title"].font.size = Pt(22)  # 二号
    return document


def set_cell(cell, text: str, bold: bool = False) -> None:
    cell.text = ""
    run = cell.paragraphs[0].add_run(text)
    run.bold = bold
    east_asia(run, BODY_FONT)
