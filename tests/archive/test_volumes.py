"""A1.12: a unit's duty records of a period compiled into a volume in time order, exported as Word
(and PDF where LibreOffice is installed), sealed with a hash of every record; an edit after sealing
shows as a break naming the record, and a sealed volume is never silently rebuilt."""

from __future__ import annotations

import datetime as dt
import io
import subprocess

import pytest
from django.core.exceptions import ValidationError
from docx import Document as WordDocument

from tests.incidents.helpers import open_event
from tests.shift_fixtures import DAY, at, travel
from zhiban.archive import documents, services, volumes
from zhiban.archive.models import Volume
from zhiban.incidents.models import Event
from zhiban.intake.models import Call, Document
from zhiban.shifts.models import LogEntry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_the_day")]


@pytest.fixture
def day_records(org, duty):
    """东湖县's 5 March: a log entry, two calls, a secret fax, an event; and a call of the day before
    and one of 青石镇 (below it), neither of which belongs in the county's day."""
    log = LogEntry.objects.create(shift=duty.day, at=at(8, 40), text="接班，设备正常", by=org.officer)
    late = Call.objects.create(
        unit=org.county, at=at(16, 5), name="李红", number="13900001111", content="反映积水"
    )
    early = Call.objects.create(
        unit=org.county, at=at(9, 10), name="王建华", number="0558-2222333", content="报告停电"
    )
    secret = Document.objects.create(
        unit=org.county,
        sender="县委办",
        title="人事调整方案",
        classification="secret",
        received_at=at(10),
        handler=org.officer,
    )
    event = open_event(org, known=(11, 0))
    Call.objects.create(
        unit=org.county, at=at(23, 50, DAY - dt.timedelta(days=1)), name="前一天", content="x"
    )
    Call.objects.create(unit=org.township, at=at(9, 30), name="镇上来电", content="x")
    return log, early, secret, event, late


def test_A1_12_a_day_volume_holds_the_units_records_of_the_day_in_time_order(org, day_records):
    log, early, secret, event, late = day_records
    volume = services.compile_volume(org.county, "day", DAY, org.county_admin)
    items = list(volume.items.all())
    assert [i.kind for i in items][:4] == ["log", "call", "document", "event"] and items[-1].object_id == str(
        late.pk
    )
    titles = [i.title for i in items]
    assert "前一天" not in "".join(titles) and "镇上来电" not in "".join(titles)
    # a classified record enters by its mark only
    assert "秘密文件（标题不予显示）" in titles and "人事调整方案" not in "".join(titles)
    assert volume.title == "东湖县人民政府值班档案 2026年3月5日"

    word = WordDocument(io.BytesIO(documents.volume_docx(volume)))
    text = "\n".join(p.text for p in word.paragraphs)
    cells = "\n".join(c.text for t in word.tables for row in t.rows for c in row.cells)
    assert "值班档案　2026年3月5日" in text and "目　录" in text
    assert "报告停电" in cells and "王建华" in cells and "人事调整方案" not in cells + text
    assert text.index("1．值班记事") < text.index("2．电话记录") < text.index(f"{len(items)}．电话记录")
    assert round(word.sections[0].top_margin.cm, 1) == 3.7  # GB/T 9704


def test_A1_12_a_sealed_volume_shows_a_break_naming_an_edited_record_and_is_not_rebuilt(org, day_records):
    log, early, secret, event, late = day_records
    volume = services.compile_volume(org.county, "day", DAY, org.county_admin)
    with travel(at(18)):
        volume = services.seal(volume, org.county_admin)
    assert volume.sealed and len(volume.digest) == 64 and volumes.breaks(volume) == []

    with travel(at(19)):
        Call.objects.filter(pk=early.pk).update(content="报告停电（已改）")
        Event.objects.filter(pk=event.pk).update(summary="改过的概况")
        LogEntry.objects.filter(pk=log.pk).delete()
    found = volumes.breaks(volume)
    assert [b.words for b in found] == [
        "第1项 值班记事（2026-03-05 08:40）“接班，设备正常”封卷后已被删除",
        "第2项 电话记录（2026-03-05 09:10）“来电 王建华 报告停电”封卷后被修改",
        f"第4项 突发事件（2026-03-05 11:00）“{event.title}”封卷后被修改",
    ]
    with pytest.raises(ValidationError, match="已封卷"):
        services.compile_volume(org.county, "day", DAY, org.county_admin)
    with pytest.raises(ValidationError):
        services.new_edition(volume, "  ", org.county_admin)
    edition = services.new_edition(volume, "补录遗漏的来电", org.county_admin)
    assert edition.edition == 2 and edition.supersedes == volume and volumes.breaks(edition) == []
    volume.refresh_from_db()
    assert volume.items.count() == 5 and volume.sealed  # the sealed one stays as sealed


def test_A1_12_the_volume_page_shows_the_break_and_only_the_duty_office_acts(org, day_records):
    log, early, *_ = day_records
    admin = org.client(org.county_admin)
    response = admin.post("/archive/", {"period": "day", "day": "2026-03-05"})
    volume = Volume.objects.get()
    assert response.status_code == 302 and volume.items.count() == 5
    admin.post(f"/archive/volumes/{volume.pk}/act/", {"action": "seal"})
    Call.objects.filter(pk=early.pk).update(content="改动")
    page = admin.get(f"/archive/volumes/{volume.pk}/").text
    assert "封卷后有1项记录被改动" in page and "“来电 王建华 报告停电”封卷后被修改" in page
    assert 'value="rebuild"' not in page and "<summary>编制新版</summary>" in page
    word = admin.get(f"/archive/volumes/{volume.pk}/volume.docx")
    assert word.status_code == 200 and "attachment" in word["Content-Disposition"]

    # the city's duty office reads it; an inspector reads without the buttons; 西山县 gets 404
    assert org.client(org.city_admin).get(f"/archive/volumes/{volume.pk}/").status_code == 200
    inspector = org.client(org.inspector).get(f"/archive/volumes/{volume.pk}/").text
    assert "封卷后有1项记录被改动" in inspector and "<summary>编制新版</summary>" not in inspector
    assert (
        org.client(org.inspector)
        .post(f"/archive/volumes/{volume.pk}/act/", {"action": "edition", "reason": "x"})
        .status_code
        == 403
    )
    assert org.client(org.sibling_officer).get(f"/archive/volumes/{volume.pk}/").status_code == 404
    assert Volume.objects.count() == 1

    bad = admin.post("/archive/", {"period": "day", "day": "2099-01-01"})
    assert bad.status_code == 400 and "不能编制今后的档案" in bad.text and 'value="2099-01-01"' in bad.text


def test_month_volumes_cover_the_whole_month(org, day_records):
    volume = services.compile_volume(org.county, "month", DAY, org.county_admin)
    assert volume.start == dt.date(2026, 3, 1) and volume.end() == dt.date(2026, 4, 1)
    assert "前一天" in "".join(volume.items.values_list("title", flat=True))
    december = Volume(unit=org.county, period="month", start=dt.date(2026, 12, 1))
    assert december.end() == dt.date(2027, 1, 1)


@pytest.mark.skipif(documents.soffice() is None, reason="LibreOffice is not installed: make documents")
def test_A1_12_the_volume_pdf_embeds_its_chinese_fonts_by_family(org, day_records, tmp_path):
    volume = services.compile_volume(org.county, "day", DAY, org.county_admin)
    path = tmp_path / "volume.pdf"
    path.write_bytes(documents.to_pdf(documents.volume_docx(volume)))
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all(row.split()[-5] == "yes" for row in rows)  # every font embedded
    names = " ".join(row.split()[0] for row in rows)
    assert "UMing" in names and "WenQuanYi" in names  # 仿宋/小标宋 as a song serif, 黑体 as a sans
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "值班档案" in text and "报告停电" in text and "\ufffd" not in text  # no missing glyph
