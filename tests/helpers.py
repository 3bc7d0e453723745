"""Helpers more than one app's tests use: the text and layout of a Word document."""

from __future__ import annotations

import io

import docx


def official_layout(word):
    """(page number field in the footer, every run black, no Word heading or title style used)."""
    footer = word.sections[0].footer
    runs = [r for p in word.paragraphs for r in p.runs]
    styles = {p.style.name for p in word.paragraphs}
    return (
        "PAGE" in footer._element.xml and footer.paragraphs[0].text.startswith("— "),
        all(r.font.color.rgb == docx.shared.RGBColor(0, 0, 0) for r in runs if r.text.strip()),
        not styles & {"Title", "Heading 1", "Heading 2"},
    )


def word_text(content: bytes) -> str:
    from docx import Document as WordDocument

    word = WordDocument(io.BytesIO(content))
    return "\n".join(cell.text for table in word.tables for row in table.rows for cell in row.cells)
