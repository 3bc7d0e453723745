"""Sensitive files at rest (lib.files): sealed with AES-GCM under the key from the environment, the
uploaded name inside the ciphertext, nothing readable on disk, altered or moved files refused."""

from __future__ import annotations

import base64
import datetime as dt
import importlib
import os
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from tests.factories import make_exemption
from zhiban.lib import files
from zhiban.lib.env import key_bytes

RECORD = b"%PDF-1.4 \xe8\xaf\x8a\xe6\x96\xad: depression, 3 weeks of rest"


def on_disk(stored: str, settings) -> bytes:
    return (Path(settings.MEDIA_ROOT) / stored).read_bytes()


def test_a_stored_file_shows_neither_its_content_nor_its_uploaded_name_on_disk(settings):
    stored = files.store(RECORD, "张三-诊断.pdf", "evidence/2026/")
    raw = on_disk(stored, settings)
    assert b"depression" not in raw and "张三".encode() not in raw and "张三" not in stored
    assert stored.startswith("evidence/2026/") and stored.endswith(".sealed")
    opened = files.load(stored)
    assert opened.data == RECORD and opened.filename == "张三-诊断.pdf"
    assert opened.content_type == "application/pdf"
    assert oct(os.stat(Path(settings.MEDIA_ROOT) / stored).st_mode & 0o777) == "0o600"


def test_an_altered_byte_or_a_file_copied_over_another_name_does_not_open(settings):
    first = files.store(RECORD, "a.pdf", "evidence/")
    second = files.store(b"%PDF-1.4 other", "b.pdf", "evidence/")
    path = Path(settings.MEDIA_ROOT)
    (path / second).write_bytes(on_disk(first, settings))  # a record swapped for another person's
    with pytest.raises(files.SealedFileBroken):
        files.load(second)
    raw = bytearray(on_disk(first, settings))
    raw[-20] ^= 1
    (path / first).write_bytes(bytes(raw))
    with pytest.raises(files.SealedFileBroken):
        files.load(first)


def test_after_a_key_rotation_the_old_key_still_opens_what_it_sealed(settings):
    stored = files.store(RECORD, "a.pdf", "evidence/")
    old = settings.FILE_ENCRYPTION_KEY
    settings.FILE_ENCRYPTION_KEY = os.urandom(32)
    settings.FILE_ENCRYPTION_OLD_KEYS = []
    with pytest.raises(files.SealedFileBroken, match="key"):
        files.load(stored)
    settings.FILE_ENCRYPTION_OLD_KEYS = [old]
    assert files.load(stored).data == RECORD


def test_production_refuses_to_start_without_the_key_and_refuses_a_short_one(tmp_path, monkeypatch):
    monkeypatch.delenv("FILE_ENCRYPTION_KEY", raising=False)
    with pytest.raises(ImproperlyConfigured, match="must be set in production"):
        key_bytes("FILE_ENCRYPTION_KEY", tmp_path, production=True)
    local = key_bytes("FILE_ENCRYPTION_KEY", tmp_path, production=False)  # make run: a key under var/
    assert len(local) == 32 and key_bytes("FILE_ENCRYPTION_KEY", tmp_path, production=False) == local
    monkeypatch.setenv("FILE_ENCRYPTION_KEY", base64.b64encode(b"short").decode())
    with pytest.raises(ImproperlyConfigured, match="32 bytes"):
        key_bytes("FILE_ENCRYPTION_KEY", tmp_path, production=True)


def test_the_upload_check_knows_a_file_by_its_first_bytes_and_its_size():
    check = files.FileCheck(("pdf", "png"), max_bytes=1024)
    check(SimpleUploadedFile("scan.pdf", b"%PDF-1.7 ..."))
    check(SimpleUploadedFile("photo.bin", b"\x89PNG\r\n\x1a\n...."))
    with pytest.raises(ValidationError, match="只能上传 PDF、PNG 图片 文件"):
        check(SimpleUploadedFile("evil.pdf", b"<html><script>alert(1)</script>"))
    with pytest.raises(ValidationError, match="文件太大"):
        check(SimpleUploadedFile("big.pdf", b"%PDF-" + b"x" * 2048))


def test_rule_A3_1_a_medical_record_is_sealed_at_rest_and_read_back_whole_by_its_reader(org, settings):
    exemption = make_exemption(org.officer, dt.date(2026, 10, 10), dt.date(2026, 10, 20))
    raw = on_disk(exemption.hospital_record.name, settings)
    assert files.is_sealed(raw) and b"record" not in raw
    response = org.client(org.officer).get(f"/roster/exemptions/{exemption.pk}/record/")
    assert response.content == b"%PDF-1.4 record" and response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_records_uploaded_before_sealing_are_sealed_by_the_migration(
    org, settings, django_capture_on_commit_callbacks
):
    exemption = make_exemption(org.officer, dt.date(2026, 10, 10), dt.date(2026, 10, 20))
    plain = FileSystemStorage()
    old_name = plain.save("exemptions/2025/病历.pdf", ContentFile(b"%PDF-1.4 plain record"))
    type(exemption).objects.filter(pk=exemption.pk).update(hospital_record=old_name)
    migration = importlib.import_module("zhiban.roster.migrations.0008_seal_exemption_files")
    with django_capture_on_commit_callbacks(execute=True):
        migration.seal_existing(apps, SimpleNamespace(connection=connection))
    exemption.refresh_from_db()
    assert not plain.exists(old_name) and exemption.hospital_record.name.endswith(".sealed")
    opened = files.load(exemption.hospital_record.name)
    assert opened.data == b"%PDF-1.4 plain record" and opened.filename == "病历.pdf"


def test_rule_A3_1_the_exemption_form_refuses_a_record_that_is_not_a_document_and_says_so(org):
    response = org.client(org.officer).post(
        "/roster/exemptions/new/",
        {
            "start": "2026-10-15",
            "end": "2026-10-25",
            "reason": "复查",
            "hospital": "示范市第一人民医院",
            "hospital_record": SimpleUploadedFile("a.pdf", b"<svg onload=alert(1)>"),
            "rest_note": SimpleUploadedFile("b.pdf", b"%PDF-1.4"),
        },
    )
    assert "只能上传 PDF、JPG 图片、PNG 图片 文件" in response.content.decode()
    assert not org.officer.exemptions.exists()


def test_reading_an_evidence_file_is_audited_with_who_read_it_and_a_refused_read_is_not_a_read(org):
    from zhiban.audit.models import AuditEntry
    from zhiban.supervision import services
    from zhiban.supervision.models import Evidence

    inspection = services.inspection_start(org.city, org.county, org.inspector)
    evidence = Evidence.objects.create(
        item=inspection.items.first(),
        by=org.inspector,
        file=ContentFile(b"%PDF-1.4 evidence", name="签到表.pdf"),
        name="签到表.pdf",
        size=17,
    )
    response = org.client(org.county_admin).get(f"/supervision/evidence/{evidence.pk}/")
    assert response.status_code == 200 and b"".join(response) == b"%PDF-1.4 evidence"
    read = AuditEntry.objects.get(action="read", model="supervision.evidence", object_id=str(evidence.pk))
    assert read.actor_id == org.county_admin.user_id and "签到表.pdf" in read.object_repr
    assert org.client(org.sibling_officer).get(f"/supervision/evidence/{evidence.pk}/").status_code == 404
    assert AuditEntry.objects.filter(action="read", model="supervision.evidence").count() == 1
