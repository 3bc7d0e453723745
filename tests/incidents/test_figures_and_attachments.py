"""What a report carries besides its words (B19): casualty and loss figures that add up from report to
report, and photos and scans sealed at rest, read only through the report (or the document) they belong
to, listed in the Word file."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from docx import Document as WordDocument

from tests.incidents.helpers import ELEMENTS_FILLED, leader_of, open_event, phone_first, written
from tests.shift_fixtures import at, travel
from zhiban.audit.models import AuditEntry
from zhiban.incidents import reporting
from zhiban.incidents.models import Report, ReportAttachment
from zhiban.intake.models import Document, DocumentAttachment

PHOTO = b"\xff\xd8\xff\xe0" + b"\x00" * 200  # a JPEG's first bytes
SCAN = b"%PDF-1.4 scanned fax"


@pytest.mark.usefixtures("on_the_day")
def test_rule_B19_figures_add_up_the_event_shows_the_totals_and_what_changed(org, duty):
    event = open_event(org)
    with travel(at(9, 10)):
        reporting.report_make(
            event,
            org.officer,
            kind="first",
            channel="phone",
            at=at(9, 10),
            to_unit=org.city,
            phoned_whom="周建国",
            dead=1,
            injured=3,
            figures_at=at(9, 5),
        )
    with travel(at(10)):
        follow = written(
            event,
            org.officer,
            "first",
            org.city,
            dead=2,
            injured=3,
            missing=1,
            economic_loss="120.50",
            figures_at=at(9, 55),
        )
    page = org.client(org.officer).get(f"/incidents/{event.pk}/").content.decode()
    assert "伤亡损失" in page and "增加1" in page and "新报" in page and "120.5 万元" in page
    assert (
        follow.figures_text() == "截至03月05日09时55分，死亡2人、受伤3人、失踪失联1人、直接经济损失120.5万元"
    )
    inbox = org.client(org.city_admin).get("/incidents/inbox/").content.decode()
    assert "死亡2人、受伤3人、失踪失联1人" in inbox  # the superior sees them at a glance
    word = WordDocument(
        io.BytesIO(org.client(org.officer).get(f"/incidents/reports/{follow.pk}/report.docx").content)
    )
    assert any("死亡2人" in p.text for p in word.paragraphs)
    totals, changes, last = reporting.figure_totals(event)
    assert (totals["dead"], changes["dead"], changes["missing"], last) == (2, 1, None, follow)


@pytest.mark.usefixtures("on_the_day")
def test_rule_B19_figures_that_go_down_need_a_reason_and_a_stated_time_and_nothing_is_saved(org, duty):
    event = open_event(org)
    with travel(at(9, 10)):
        phone_first(event, org.officer, at(9, 10), org.city)
        written(event, org.officer, "first", org.city, dead=3, figures_at=at(9, 8))
    fields = {f"w-{k}": v for k, v in ELEMENTS_FILLED.items()}
    fields |= {"w-kind": "follow_up", "w-to_unit": org.city.pk, "w-signer": org.county_leader.pk}
    client = org.client(org.officer)
    url = f"/incidents/{event.pk}/reports/written/"
    with travel(at(9, 40)):
        cases = {
            "死亡由3人减为2人，请说明核减原因": {"w-dead": "2", "w-figures_at": "2026-03-05T09:30"},
            "请填写伤亡损失数字截至的时间": {"w-dead": "4", "w-figures_at": ""},
            "数字截至时间不能早于上次报告": {"w-dead": "4", "w-figures_at": "2026-03-05T09:00"},
            "不能小于0": {"w-injured": "-1", "w-figures_at": "2026-03-05T09:30"},
        }
        for message, change in cases.items():
            response = client.post(url, {**fields, **change})
            assert response.status_code == 400 and message in response.content.decode(), message
        assert event.reports.count() == 2
        explained = {"w-dead": "2", "w-figures_at": "2026-03-05T09:30", "w-figures_note": "1人经核实系另案"}
        assert client.post(url, {**fields, **explained}).status_code == 302
    assert Report.objects.get(kind="follow_up").figures_note == "1人经核实系另案"


@pytest.mark.usefixtures("on_the_day")
def test_rule_B19_photos_go_with_a_report_sealed_read_through_it_audited_and_listed_in_word(
    org, duty, settings
):
    event = open_event(org)
    fields = {f"w-{k}": v for k, v in ELEMENTS_FILLED.items()}
    fields |= {"w-kind": "first", "w-to_unit": org.city.pk, "w-signer": org.county_leader.pk}
    client = org.client(org.officer)
    with travel(at(9, 10)):
        response = client.post(
            f"/incidents/{event.pk}/reports/written/",
            {**fields, "w-attachments": [SimpleUploadedFile("现场照片.jpg", PHOTO, "image/jpeg")]},
        )
    assert response.status_code == 302
    attachment = ReportAttachment.objects.get()
    stored = (Path(settings.MEDIA_ROOT) / attachment.file.name).read_bytes()
    assert PHOTO not in stored and attachment.name == "现场照片.jpg"  # sealed on disk
    got = client.get(f"/incidents/attachments/{attachment.pk}/")
    assert got.status_code == 200 and got.content == PHOTO and got["Cache-Control"] == "no-store"
    assert AuditEntry.objects.filter(action="read", object_repr__contains="现场照片.jpg").exists()
    assert (
        org.client(org.city_admin).get(f"/incidents/attachments/{attachment.pk}/").status_code == 404
    )  # not sent
    with travel(at(9, 12)):
        reporting.report_sign(attachment.report, leader_of(org.county))
    assert org.client(org.city_admin).get(f"/incidents/attachments/{attachment.pk}/").status_code == 200
    assert org.client(org.sibling_officer).get(f"/incidents/attachments/{attachment.pk}/").status_code == 404
    word = WordDocument(
        io.BytesIO(client.get(f"/incidents/reports/{attachment.report_id}/report.docx").content)
    )
    assert "附件：1．现场照片.jpg" in [p.text for p in word.paragraphs]


@pytest.mark.usefixtures("on_the_day")
def test_an_attachment_of_the_wrong_kind_or_too_large_is_refused_and_nothing_is_saved(org, duty, settings):
    event = open_event(org)
    fields = {f"w-{k}": v for k, v in ELEMENTS_FILLED.items()}
    fields |= {"w-kind": "first", "w-to_unit": org.city.pk, "w-signer": org.county_leader.pk}
    big = b"%PDF-1.4 " + b"0" * (10 * 1024 * 1024)
    cases = {
        "只能上传": SimpleUploadedFile("病毒.exe", b"MZ\x90\x00", "image/jpeg"),  # named and typed as a photo
        "文件太大": SimpleUploadedFile("扫描件.pdf", big, "application/pdf"),
    }
    with travel(at(9, 10)):
        for message, upload in cases.items():
            response = org.client(org.officer).post(
                f"/incidents/{event.pk}/reports/written/", {**fields, "w-attachments": [upload]}
            )
            assert response.status_code == 400 and message in response.content.decode(), message
    assert not Report.objects.exists() and not ReportAttachment.objects.exists()
    assert not list(Path(settings.MEDIA_ROOT).rglob("*.sealed"))


@pytest.mark.usefixtures("on_the_day")
def test_rule_A1_10_a_faxs_scan_is_kept_with_it_and_read_by_those_who_read_the_document(org, duty):
    document = Document.objects.create(unit=org.county, sender="市应急局", title="防汛紧急通知", kind="fax")
    client = org.client(org.officer)
    refused = client.post(
        f"/intake/documents/{document.pk}/attachments/",
        {"files": [SimpleUploadedFile("a.gif", b"GIF89a", "image/gif")]},
    )
    assert refused.status_code == 302 and not DocumentAttachment.objects.exists()
    client.post(
        f"/intake/documents/{document.pk}/attachments/", {"files": [SimpleUploadedFile("传真.pdf", SCAN)]}
    )
    scan = DocumentAttachment.objects.get()
    assert client.get(f"/intake/documents/attachments/{scan.pk}/").content == SCAN
    assert "传真.pdf" in client.get(f"/intake/documents/{document.pk}/").content.decode()
    assert org.client(org.sibling_officer).get(f"/intake/documents/attachments/{scan.pk}/").status_code == 404
    Document.objects.filter(pk=document.pk).update(classification="secret")
    assert org.client(org.city_admin).get(f"/intake/documents/attachments/{scan.pk}/").status_code == 404
    assert AuditEntry.objects.filter(action="refused", model__endswith="document").exists()
