"""Excel files as duty offices exchange them (openpyxl).

Writing: every value is a text cell, so a mobile number or an ID never turns into 1.39E+10, and a value
that starts like a formula (= + - @) is prefixed with ' so a hostile name never runs in someone's Excel.
Reading: rows as dicts keyed by the header row, empty rows skipped, row numbers as Excel shows them."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from zhiban.lib.text import CONTROL_CHARACTERS

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value) -> str:
    text = CONTROL_CHARACTERS.sub("", "" if value is None else str(value))  # openpyxl refuses them
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_table(
    title: str, headers: list[str], rows: Iterable[list], widths: list[int] | None = None
) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    for row in rows:
        ws.append(
            [v if isinstance(v, int | float) and not isinstance(v, bool) else safe_text(v) for v in row]
        )
    for index, header in enumerate(headers, start=1):
        width = widths[index - 1] if widths else max(10, len(header) * 2 + 2)
        ws.column_dimensions[get_column_letter(index)].width = width
        for cell in ws[get_column_letter(index)][1:]:
            if cell.data_type != "n":  # numbers stay numbers, to sum and sort; text stays text
                cell.number_format = "@"
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


class BadWorkbook(Exception):
    """The file is no Excel workbook, or lacks the columns the import needs."""


@dataclass
class Row:
    number: int  # as Excel numbers it, header is row 1
    values: dict[str, str]

    def get(self, column: str) -> str:
        return self.values.get(column, "")


def read_table(data: bytes, required: list[str]) -> Iterator[Row]:
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many kinds for a file that is not a workbook
        raise BadWorkbook("无法读取文件，请上传 Excel（.xlsx）文件") from e
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = [_cell_text(v) for v in next(rows, ())]
    missing = [c for c in required if c not in header]
    if missing:
        raise BadWorkbook(f"第1行缺少列：{'、'.join(missing)}")
    for number, values in enumerate(rows, start=2):
        texts = [_cell_text(v) for v in values]
        if not any(texts):
            continue
        yield Row(number, {h: t for h, t in zip(header, texts, strict=False) if h})


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text[1:] if text.startswith("'") else text
