"""Word documents as duty offices print them, in the GB/T 9704 layout (党政机关公文格式): A4, the type
area 156 × 225 mm (top 37 mm, left 28 mm), the title centred in 2号方正小标宋, level-one headings in
3号黑体, the body in 3号仿宋 with a first-line indent of two characters, all in black, and the page
number "— 1 —" centred at the foot. Chinese fonts are set on w:eastAsia (without it Word falls back to a
Western font for Chinese characters).

Every text passes through `xml_text`: a control character (one a phone exchange or a pasted text may
carry) cannot stand in a Word file, and a stored record must never make its export fail."""

from __future__ import annotations

import datetime as dt
import io
import re

from django.utils import timezone
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
TITLE_FONT = "方正小标宋简体"
ISSUER_FONT = "楷体_GB2312"  # the signer's name on a report going up
BODY_SIZE = 16  # 三号
TITLE_SIZE = 22  # 二号
TABLE_SIZE = 14  # 四号: tables keep their columns readable
BLACK = RGBColor(0, 0, 0)
TYPE_AREA_WIDTH = Cm(15.6)

_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def xml_text(value) -> str:
    """The text as a Word file can hold it: control characters dropped."""
    return _NOT_XML.sub("", "" if value is None else str(value))


def east_asia(run_or_style, name: str) -> None:
    element = run_or_style.element if hasattr(run_or_style, "element") else run_or_style._element
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), name)


def new_document():
    """An empty official document: A4, the margins of GB/T 9704, 仿宋 3号 black, page numbers."""
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    normal = document.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.font.size = Pt(BODY_SIZE)
    normal.font.color.rgb = BLACK
    east_asia(normal, BODY_FONT)
    _page_numbers(section)
    return document


def run(paragraph, text, font: str | None = None, size: float | None = None, bold: bool = False):
    piece = paragraph.add_run(xml_text(text))
    piece.font.color.rgb = BLACK
    if font:
        piece.font.name = font
        east_asia(piece, font)
    if size:
        piece.font.size = Pt(size)
    piece.bold = bold
    return piece


def _page_numbers(section) -> None:
    """ "— 1 —" centred at the foot of each page, the number a PAGE field Word fills in."""
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run(paragraph, "— ", size=14)
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    number = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    number.append(text)
    field.append(number)
    paragraph._p.append(field)
    run(paragraph, " —", size=14)


def title(document, text: str) -> None:
    """The document's title: centred, 2号小标宋, black (not Word's blue Title style)."""
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.space_after = Pt(BODY_SIZE)
    run(paragraph, text, TITLE_FONT, TITLE_SIZE)


def marks(document, words: list[str]) -> None:
    """The classification and urgency marks at the top left, 3号黑体."""
    if words:
        run(document.add_paragraph(), "　".join(words), HEADING_FONT, BODY_SIZE)


def issuer(document, name: str) -> None:
    """签发人 of a report going up (GB/T 9704 上行文): at the right, 3号仿宋 and the name in 3号楷体."""
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    run(paragraph, "签发人：")
    run(paragraph, name, ISSUER_FONT)


def attachments_note(document, names: list[str]) -> None:
    """附件说明: below the body, indented two characters, numbered "1．name" (GB/T 9704 7.3.4)."""
    for number, name in enumerate(names, start=1):
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.first_line_indent = Pt(BODY_SIZE * 2)
        run(paragraph, ("附件：" if number == 1 else "　　　") + f"{number}．{name}")


def heading(document, text: str) -> None:
    """A level-one heading: 3号黑体, indented as the body."""
    paragraph = document.add_paragraph()
    paragraph.paragraph_format.first_line_indent = Pt(BODY_SIZE * 2)
    run(paragraph, text, HEADING_FONT, BODY_SIZE)


def body(document, text: str, indent: bool = True) -> None:
    paragraph = document.add_paragraph()
    if indent:
        paragraph.paragraph_format.first_line_indent = Pt(BODY_SIZE * 2)
    run(paragraph, text)


def table(document, rows: list[tuple], widths_cm: tuple[float, ...], bold_first: bool = True):
    """A bordered table filling the type area, each column as wide as asked (the label narrow, the
    content wide, so the content does not wrap every few characters)."""
    grid = document.add_table(rows=len(rows), cols=len(widths_cm))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    for column, width in zip(grid.columns, widths_cm, strict=True):
        column.width = Cm(width)
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            cell = grid.cell(r, c)
            cell.width = Cm(widths_cm[c])
            cell.text = ""
            run(cell.paragraphs[0], value, size=TABLE_SIZE, bold=bold_first and c == 0)
    return grid


def signature(document, office: str, moment: dt.datetime | dt.date | None) -> None:
    """The issuing office and the date, at the right below the body."""
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    paragraph.paragraph_format.space_before = Pt(BODY_SIZE * 2)
    run(paragraph, f"{office}\n{date_line(moment)}")


def date_line(moment: dt.datetime | dt.date | None) -> str:
    if moment is None:
        return "　　年　　月　　日"
    if isinstance(moment, dt.datetime):
        local = timezone.localtime(moment)
        return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"
    return f"{moment.year}年{moment.month}月{moment.day}日"


def to_bytes(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
