"""Photos and scans attached to a record (a report, a document or fax): sealed at rest by lib.files,
checked by their first bytes and size, read only through the owning record's accessor, which audits
the read. Each app keeps its own concrete model with the foreign key to its record."""

from __future__ import annotations

from django import forms
from django.db import models
from django.utils import timezone

from zhiban.lib.files import KINDS_DOCUMENT, FileCheck, download, sensitive_storage

ATTACHMENT_CHECK = FileCheck(KINDS_DOCUMENT)
ATTACHMENTS_PER_RECORD = 20  # a form takes this many at once; more are a second upload


class Attachment(models.Model):
    file = models.FileField(
        "附件", upload_to="attachments/%Y/%m/", storage=sensitive_storage, validators=[ATTACHMENT_CHECK]
    )
    name = models.CharField("文件名", max_length=200)
    size = models.PositiveIntegerField("大小（字节）")
    uploaded_at = models.DateTimeField("上传时间", default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def size_label(self) -> str:
        return f"{self.size / 1024:.0f} KB" if self.size < 1048576 else f"{self.size / 1048576:.1f} MB"

    def response(self):
        """The file to the reader, opened in the browser (a photo on a leader's phone); the caller has
        checked the record and audited the read."""
        return download(self.file.name, as_attachment=False)


def attachment_fields(upload) -> dict:
    """The fields of a new attachment from an uploaded file (already checked by ATTACHMENT_CHECK)."""
    name = (upload.name or "附件").rsplit("/", 1)[-1][:200]
    return {"file": upload, "name": name, "size": upload.size}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input (Django's documented way); the list may be empty when not required.
    Each file is checked by ATTACHMENT_CHECK where the form says so."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".jpg,.jpeg,.png,.pdf"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class AttachmentsForm(forms.Form):
    """Photos and scans added to a record: each file checked by its first bytes and size."""

    files = MultipleFileField(
        label="附件（照片、扫描件）",
        help_text=f"JPG、PNG 图片或 PDF，每个不超过 {ATTACHMENT_CHECK.max_bytes // 1048576} MB，"
        f"一次最多 {ATTACHMENTS_PER_RECORD} 个",
        error_messages={"required": "请选择要上传的文件"},
    )

    def clean_files(self):
        return checked_uploads(self.cleaned_data.get("files") or [])


def checked_uploads(files: list) -> list:
    """The uploads if every one is of a kind and size accepted; else the first refusal, naming the file."""
    if len(files) > ATTACHMENTS_PER_RECORD:
        raise forms.ValidationError(f"一次最多上传 {ATTACHMENTS_PER_RECORD} 个附件")
    for upload in files:
        try:
            ATTACHMENT_CHECK(upload)
        except forms.ValidationError as error:
            raise forms.ValidationError(f"{upload.name}：{error.messages[0]}") from None
    return files
