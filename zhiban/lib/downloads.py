"""Files the pages hand out (Word, Excel, iCal): one response, the name in Chinese kept intact."""

from __future__ import annotations

from urllib.parse import quote

from django.http import HttpResponse

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download(data: bytes, filename: str, content_type: str) -> HttpResponse:
    """An attachment named `filename` (RFC 6266/5987: UTF-8, so 值班表.xlsx arrives as 值班表.xlsx)."""
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def docx_download(data: bytes, filename: str) -> HttpResponse:
    return download(data, filename, DOCX_MIME)


def xlsx_download(data: bytes, filename: str) -> HttpResponse:
    return download(data, filename, XLSX_MIME)
