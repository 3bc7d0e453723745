"""A volume as an official document (GB/T 9704 layout: A4, its margins, 仿宋 3号 body, 黑体 headings,
page numbers "— 1 —"): a cover, the table of contents, then every record in time order with its stored
fields in plain words; and the same as PDF through LibreOffice (headless) when it is installed."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess  # nosec B404: LibreOffice with an argument list, never a shell
import tempfile
from pathlib import Path

from django.db import models
from django.utils import timezone
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import RGBColor

from zhiban.archive import briefs, services, volumes
from zhiban.archive.models import Brief, Volume
from zhiban.lib import docx
from zhiban.lib.dates import local_minute

# The official documents' fonts mapped to the free ones installed by `make documents`, by family.
FONTS_CONF = Path(docx.__file__).parent / "fonts" / "fonts.conf"

# Fields that say nothing to a reader of the volume (ids, keys, bookkeeping).
SKIPPED = {"id", "unit", "search_text", "from_exchange", "shift", "event", "version"}


class PdfUnavailable(Exception):
    """LibreOffice is not installed (or failed): the Word file is still there."""


def volume_docx(volume: Volume) -> bytes:
    items = list(volume.items.all())
    document = docx.new_document()
    docx.marks(document, ["内部"])
    docx.title(document, volume.unit.name)
    docx.title(document, f"值班档案　{volume.period_words}")
    facts = [
        ("单位", volume.unit.name),
        ("卷期", f"{volume.get_period_display()}　{volume.period_words}"),
        ("版次", f"第{volume.edition}版" + (f"（{volume.reason}）" if volume.reason else "")),
        ("记录", f"共{len(items)}项：" + "、".join(f"{w}{n}项" for w, n in volumes.kinds_in(items))),
        ("编制", f"{volume.compiled_by_name or '值班室'}　{docx.date_line(volume.compiled_at)}"),
        (
            "封卷",
            f"{volume.sealed_by_name}　{docx.date_line(volume.sealed_at)}　校验值 {volume.digest[:16]}"
            if volume.sealed
            else "未封卷",
        ),
    ]
    docx.table(document, facts, (3.0, 12.6))
    document.add_page_break()
    docx.heading(document, "目　录")
    if items:
        rows = [("序号", "时间", "类别", "标题")] + [
            (str(i.seq), local_minute(i.at), volumes.BY_CODE[i.kind].words, i.title) for i in items
        ]
        docx.table(document, rows, (1.4, 3.4, 2.6, 8.2), bold_first=False)
    else:
        docx.body(document, "本期没有值班记录。")
    records = {(volumes.audit_label(kind.model), str(r.pk)): (kind, r) for kind, r in volumes.records(volume)}
    for item in items:
        document.add_paragraph()
        kind_words = volumes.BY_CODE[item.kind].words
        docx.heading(document, f"{item.seq}．{kind_words}　{local_minute(item.at)}")
        found = records.get((item.model, item.object_id))
        if found is None:
            docx.body(document, "（该记录已不存在）")
            continue
        kind, record = found
        if kind.classified(record):
            docx.body(document, f"{item.title}。涉密记录的内容不编入档案卷，按其密级另行保管和查阅。")
            continue
        lines = fields_of(record)
        for name in kind.parts:
            for part in getattr(record, name).all():
                lines.append(("　", "；".join(f"{k}：{v}" for k, v in fields_of(part))))
        docx.table(document, lines, (3.4, 12.2))
    docx.signature(document, volume.unit.duty_office, volume.sealed_at or volume.compiled_at)
    return docx.to_bytes(document)


def fields_of(record: models.Model) -> list[tuple[str, str]]:
    """The record's stored fields with a Chinese name and a value, in plain words."""
    lines = []
    for field in record._meta.concrete_fields:
        name = str(field.verbose_name)
        if field.name in SKIPPED or name.isascii():
            continue
        if field.choices:
            value = getattr(record, f"get_{field.name}_display")()
        elif isinstance(field, models.ForeignKey):
            value = getattr(record, field.name)
            value = "" if value is None else str(value)
        else:
            value = field.value_from_object(record)
            if isinstance(value, bool):
                value = "是" if value else "否"
            elif isinstance(value, dt.datetime):
                value = local_minute(value)
            elif isinstance(value, dt.date):
                value = docx.date_line(value)
            elif isinstance(value, models.fields.files.FieldFile):
                value = value.name.rsplit("/", 1)[-1] if value else ""
        value = "" if value is None else str(value).strip()
        if value:
            lines.append((name, value))
    return lines


def volume_filename(volume: Volume, suffix: str) -> str:
    edition = f"-第{volume.edition}版" if volume.edition > 1 else ""
    return f"{volume.unit.name}值班档案-{volume.period_words}{edition}.{suffix}"


def soffice() -> str | None:
    found = os.environ.get("SOFFICE") or shutil.which("soffice") or shutil.which("libreoffice")
    return found if found and Path(found).exists() else None


def to_pdf(word: bytes, timeout: int = 180) -> bytes:
    """The Word file converted by LibreOffice headless (fonts embedded by its PDF export)."""
    program = soffice()
    if program is None:
        raise PdfUnavailable("服务器未安装 LibreOffice，暂不能生成 PDF，请下载 Word 版")
    with tempfile.TemporaryDirectory(prefix="zhiban-pdf-") as folder:
        source = Path(folder) / "volume.docx"
        source.write_bytes(word)
        profile = Path(folder) / "profile"
        try:
            subprocess.run(  # nosec B603: a fixed program with an argument list
                [
                    program,
                    f"-env:UserInstallation=file://{profile}",
                    "--headless",
                    "--convert-to",
                    "pdf:writer_pdf_Export",
                    "--outdir",
                    folder,
                    str(source),
                ],
                capture_output=True,
                timeout=timeout,
                check=False,
                env={**os.environ, "HOME": folder, "FONTCONFIG_FILE": str(FONTS_CONF)},
            )
        except subprocess.TimeoutExpired:
            raise PdfUnavailable("生成 PDF 超时，请下载 Word 版") from None
        pdf = Path(folder) / "volume.pdf"
        if not pdf.exists():
            raise PdfUnavailable("生成 PDF 失败，请下载 Word 版")
        return pdf.read_bytes()


# --- the brief --------------------------------------------------------------------------------------

RED = RGBColor(0xC0, 0, 0)
MASTHEAD_SIZE = 42  # the 报头 of an information bulletin: large red 小标宋


def brief_docx(brief: Brief) -> bytes:
    """值班要情 in the layout of a duty office's bulletin (GB/T 9704 版头 for an information issue): the red
    masthead, the issue number, the issuing office and date above a red rule, 签发人, then the body: 一、
    headings in 黑体, the rest in 仿宋."""
    document = docx.new_document()
    if brief.signed_by_id:
        docx.issuer(document, brief.signed_by.name)
    head = document.add_paragraph()
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    docx.run(head, "值班要情", docx.TITLE_FONT, MASTHEAD_SIZE).font.color.rgb = RED
    number = document.add_paragraph()
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    words = "月度汇总　" if brief.kind == Brief.Kind.MONTHLY else ""
    docx.run(number, f"{words}{brief.year}年第{brief.number}期")
    office = document.add_paragraph()
    docx.run(
        office,
        f"{brief.unit.duty_office}编　　　　　　{docx.date_line((brief.signed_at or brief.drafted_at).date())}",
    )
    _red_rule(office)
    period = f"（{timezone.localtime(brief.since):%Y年%m月%d日%H:%M}至{timezone.localtime(brief.until):%m月%d日%H:%M}）"
    docx.body(document, period, indent=False)
    for line in brief.body.splitlines():
        line = line.strip()
        if not line:
            continue
        if len(line) > 1 and line[0] in briefs.NUMERALS and line[1] == "、":
            docx.heading(document, line)
        else:
            docx.body(document, line)
    recipients = "、".join(u.duty_office for u in services.brief_recipients(brief)) if brief.sent else ""
    if recipients:
        docx.body(document, f"报送：{recipients}", indent=False)
    return docx.to_bytes(document)


def _red_rule(paragraph) -> None:
    """The red line under the 版头 (GB/T 9704 7.2.6), as the paragraph's bottom border."""
    ppr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "12"), ("w:space", "4"), ("w:color", "C00000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    ppr.append(borders)


def brief_filename(brief: Brief) -> str:
    return f"{brief.unit.label}{brief.get_kind_display()}-{brief.year}年第{brief.number}期.docx"
