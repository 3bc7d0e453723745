"""Sensitive files at rest: medical records and rest notes of exemptions, evidence attached to reports.

Each file is sealed with AES-256-GCM (`cryptography`) under FILE_ENCRYPTION_KEY before it reaches the
disk, under a random name; the name the person uploaded travels inside the ciphertext, so neither the
contents nor a telling file name ("张三-诊断.pdf") can be read off the disk or a backup of it. The stored
name is the additional authenticated data: a sealed file copied over another record's file does not
open.

Two ways to use it:

- A model's FileField: `models.FileField("病历", upload_to="exemptions/%Y/", storage=sensitive_storage,
  validators=[FileCheck(KINDS_DOCUMENT)])`. Saving encrypts, `field.open()` decrypts.
- Bytes without a FileField: `stored = store(data, "证据.jpg", "evidence/2026/")`, later `load(stored)`
  gives the bytes and the uploaded name back.

Either way, a file leaves the server only through `download()`, called by the owning app's accessor
after it checked the reader and audited the read (`audit.trail.record_read`); MEDIA_ROOT has no URL.

Layout of a sealed file: b"ZBF1" | key id (8 bytes) | nonce (12 bytes) | AES-GCM(name NUL data) + tag.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import secrets
from dataclasses import dataclass
from urllib.parse import quote

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.http import HttpResponse
from django.utils.deconstruct import deconstructible

MAGIC = b"ZBF1"
_KEY_ID, _NONCE = 8, 12
_HEADER = len(MAGIC) + _KEY_ID + _NONCE

# What may be uploaded, known by the file's first bytes (never by its name or the browser's word).
KINDS = {
    "pdf": ((b"%PDF-",), "application/pdf"),
    "jpg": ((b"\xff\xd8\xff",), "image/jpeg"),
    "png": ((b"\x89PNG\r\n\x1a\n",), "image/png"),
}
KINDS_DOCUMENT = ("pdf", "jpg", "png")  # a scanned or photographed record
MAX_BYTES = 10 * 1024 * 1024


class SealedFileBroken(Exception):
    """A file that does not open with any key held: altered on disk, moved to another name, or sealed
    under a key this server no longer has."""


@dataclass(frozen=True)
class Opened:
    filename: str  # as uploaded
    data: bytes

    @property
    def content_type(self) -> str:
        return content_type_of(self.data)


def key_id(key: bytes) -> bytes:
    return hashlib.sha256(b"zhiban-file-key" + key).digest()[:_KEY_ID]


def _keys() -> dict[bytes, bytes]:
    """The current key first; older keys (FILE_ENCRYPTION_OLD_KEYS) still open what they sealed."""
    keys = [settings.FILE_ENCRYPTION_KEY, *getattr(settings, "FILE_ENCRYPTION_OLD_KEYS", ())]
    return {key_id(k): k for k in keys}


def seal(data: bytes, filename: str, stored_name: str) -> bytes:
    key = settings.FILE_ENCRYPTION_KEY
    nonce = secrets.token_bytes(_NONCE)
    plain = filename.replace("\x00", "").encode() + b"\x00" + data
    return MAGIC + key_id(key) + nonce + AESGCM(key).encrypt(nonce, plain, stored_name.encode())


def unseal(blob: bytes, stored_name: str) -> Opened:
    if not blob.startswith(MAGIC) or len(blob) < _HEADER + 16:
        raise SealedFileBroken(f"{stored_name}: not a sealed file")
    key = _keys().get(blob[len(MAGIC) : len(MAGIC) + _KEY_ID])
    if key is None:
        raise SealedFileBroken(f"{stored_name}: sealed under a key this server does not hold")
    nonce = blob[len(MAGIC) + _KEY_ID : _HEADER]
    try:
        plain = AESGCM(key).decrypt(nonce, blob[_HEADER:], stored_name.encode())
    except InvalidTag:
        raise SealedFileBroken(f"{stored_name}: altered, or moved from another name") from None
    filename, _, data = plain.partition(b"\x00")
    return Opened(filename.decode(), data)


def is_sealed(blob: bytes) -> bool:
    return blob.startswith(MAGIC)


class EncryptedStorage(FileSystemStorage):
    """A FileSystemStorage whose files are sealed on save and unsealed on open; it has no URL."""

    def _save(self, name: str, content) -> str:
        content.seek(0)
        data = content.read()
        original = getattr(content, "name", None) or posixpath.basename(name)
        stored = posixpath.join(posixpath.dirname(name), secrets.token_hex(16) + ".sealed")
        self._write_new(stored, seal(data, posixpath.basename(original), stored))
        return stored

    def _write_new(self, name: str, blob: bytes) -> None:
        """Written under a temporary name and linked into place: a killed process leaves no half file
        under the real name, and an existing file is never overwritten."""
        path = self.path(name)
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        temporary = f"{path}.{secrets.token_hex(4)}.part"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(blob)
                out.flush()
                os.fsync(out.fileno())
            os.link(temporary, path)
        finally:
            os.unlink(temporary)

    def _open(self, name: str, mode: str = "rb"):
        if "w" in mode or "a" in mode or "+" in mode:
            raise ValueError("sealed files are written through save(), never opened for writing")
        return ContentFile(self.open_sealed(name).data, name=name)

    def open_sealed(self, name: str) -> Opened:
        with super()._open(name, "rb") as handle:
            return unseal(handle.read(), name)

    def size(self, name: str) -> int:
        return max(0, super().size(name) - _HEADER - 16)

    def url(self, name):
        raise ValueError("sealed files have no URL: serve them through the owning app's accessor")


_storage = EncryptedStorage()  # follows MEDIA_ROOT, also when a test moves it


def sensitive_storage() -> EncryptedStorage:
    """For `FileField(storage=sensitive_storage)`: a callable, so migrations name it, not a path."""
    return _storage


def store(data: bytes, filename: str, folder: str) -> str:
    """Seals bytes under `folder` (e.g. "evidence/2026/") and returns the stored name to keep on the row."""
    return sensitive_storage().save(posixpath.join(folder, filename), ContentFile(data, name=filename))


def load(stored: str) -> Opened:
    """The bytes and uploaded name of a stored file. SealedFileBroken if it was altered on disk."""
    return sensitive_storage().open_sealed(stored)


def content_type_of(data: bytes) -> str:
    for prefixes, mime in KINDS.values():
        if data.startswith(prefixes):
            return mime
    return "application/octet-stream"


def download(stored: str, as_attachment: bool = True) -> HttpResponse:
    """The file as a response that no browser or proxy keeps and no browser sniffs into a page. The
    caller has checked the reader and audited the read."""
    opened = load(stored)
    response = HttpResponse(opened.data, content_type=opened.content_type)
    disposition = "attachment" if as_attachment else "inline"
    response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(opened.filename)}"
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@deconstructible
class FileCheck:
    """A model or form field validator: the file is one of `kinds` by its first bytes and at most
    `max_bytes` long. Its messages say in Chinese what is accepted."""

    NAMES = {"pdf": "PDF", "jpg": "JPG 图片", "png": "PNG 图片"}

    def __init__(self, kinds: tuple[str, ...] = KINDS_DOCUMENT, max_bytes: int = MAX_BYTES):
        self.kinds, self.max_bytes = tuple(kinds), max_bytes

    def __call__(self, value) -> None:
        if getattr(value, "_committed", False):  # a file already stored is not checked again
            return
        size = getattr(value, "size", None) or 0
        if size > self.max_bytes:
            raise ValidationError(
                f"文件太大（{size / 1048576:.1f} MB），不能超过 {self.max_bytes // 1048576} MB",
                code="file_too_large",
            )
        value.seek(0)
        head = value.read(16)
        value.seek(0)
        if not any(head.startswith(KINDS[kind][0]) for kind in self.kinds):
            accepted = "、".join(self.NAMES[k] for k in self.kinds)
            raise ValidationError(f"只能上传 {accepted} 文件", code="file_kind")

    def __eq__(self, other) -> bool:
        return isinstance(other, FileCheck) and (self.kinds, self.max_bytes) == (other.kinds, other.max_bytes)
