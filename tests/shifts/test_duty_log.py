"""The duty log (B13): its time span, its entries, the events' steps, and the Word document in the official layout."""

from __future__ import annotations

import io

import docx
import pytest
from docx import Document as WordDocument

from tests.factories import (
    make_assignment,
    make_person,
)
from tests.helpers import official_layout
from tests.shift_fixtures import DAY, at, prepare, sign, travel
from zhiban.intake.models import Call
from zhiban.shifts import services
from zhiban.shifts.log import duty_log
from zhiban.shifts.models import LogEntry


@pytest.mark.usefixtures("on_the_day")
def test_the_duty_log_is_an_official_document_named_for_its_day_and_shift(org, duty):
    response = org.client(org.officer).get(f"/duty/shifts/{duty.day.pk}/log.docx")
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    from urllib.parse import unquote

    assert unquote(response["Content-Disposition"].split("''")[1]) == "值班日志-2026年3月5日全天班.docx"
    word = docx.Document(io.BytesIO(response.content))
    assert official_layout(word) == (True, True, True)
    title = word.paragraphs[0]
    assert title.text == "值班日志" and title.alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.CENTER
    assert title.runs[0].font.size.pt == 22 and title.runs[0].font.name == "方正小标宋简体"
    headings = [p for p in word.paragraphs if p.text.startswith(("一、", "二、", "三、"))]
    assert len(headings) == 3 and all(h.runs[0].font.name == "黑体" for h in headings)
    widths = [round(c.width.cm, 1) for c in word.tables[0].columns]
    assert widths == [3.2, 12.4]  # the content column is wide: it does not wrap every 13 characters


@pytest.mark.usefixtures("on_the_day")
def test_rule_B13_a_signed_shifts_log_takes_no_new_entries(org, duty):
    client = org.client(org.officer)
    with travel(at(17, 20)):
        prepare(client, duty.day)
        sign(client, duty.day, org.officer, duty.night_primary)
        refused = client.post(f"/duty/shifts/{duty.day.pk}/entries/", {"text": "补记"}, follow=True)
    duty.day.refresh_from_db()
    assert not duty.day.is_open and "已交班" in refused.content.decode()  # said, not silently dropped
    assert not LogEntry.objects.exists()


@pytest.mark.usefixtures("on_the_day")
def test_rule_B13_the_log_follows_the_real_handover_not_the_rostered_hour(org, duty):
    """The night primary is late; the day shift stays on and takes a call at 17:40; the handover is
    signed at 17:50: the call is the day shift's."""
    client = org.client(org.officer)
    Call.objects.create(unit=org.county, at=at(17, 40), number="0558-1", name="张三", taken_by=org.officer)
    with travel(at(17, 45)):
        prepare(client, duty.day)
    with travel(at(17, 50)):
        sign(client, duty.day, org.officer, duty.night_primary)
    from zhiban.shifts.log import duty_log

    assert [c.name for c in duty_log(duty.day).calls] == ["张三"]
    assert duty_log(duty.night).calls == []


@pytest.mark.usefixtures("on_the_day")
def test_rule_B13_a_shift_not_yet_begun_takes_no_log_entries_and_an_entry_has_a_length_limit(org, duty):
    client = org.client(org.officer)
    url = f"/duty/shifts/{duty.day.pk}/entries/"
    with travel(at(8, 10)):  # the day shift begins at 08:30, its primary is due at 08:20 (B7)
        early = client.post(url, {"text": "提前记事"}, follow=True).content.decode()
    assert "还未到本班次的到岗时间，值班日志还不能记事" in early
    with travel(at(8, 20)):
        client.post(url, {"text": "主班到岗，检查设备正常"})
    assert duty.day.entries.get().text == "主班到岗，检查设备正常"
    with travel(at(9)):
        long = client.post(url, {"text": "记" * 2001}, follow=True).content.decode()
    assert "2000" in long and duty.day.entries.count() == 1


@pytest.mark.usefixtures("on_the_day")
def test_rule_B13_the_duty_log_names_the_standby_with_the_primary_and_deputies(org, duty):
    make_assignment(
        duty.roster, make_person(org.county, "陈备班", roles=["duty_staff"]), DAY, "standby", hours=9
    )
    assert duty_log(duty.day).staff == "主班：林海燕；副班：单晓东；备班：陈备班"


@pytest.mark.usefixtures("on_the_day")
@travel(at(9, 25))  # the day shift has begun
def test_rule_B13_the_duty_log_is_a_word_document_with_its_fixed_fields(org, duty):
    Call.objects.create(
        unit=org.county,
        at=at(9, 10),
        number="0558-2222333",
        name="王建华",
        content="山体滑坡",
        taken_by=org.officer,
    )
    services.check_in(duty.day, org.officer, at(8, 20))
    client = org.client(org.officer)
    client.post(
        f"/duty/shifts/{duty.day.pk}/entries/",
        {"text": "9时20分向市总值班室电话报告滑坡情况", "emergency": "on"},
    )
    response = client.get(f"/duty/shifts/{duty.day.pk}/log.docx")
    word = WordDocument(io.BytesIO(response.content))
    text = "\n".join(cell.text for table in word.tables for row in table.rows for cell in row.cells)
    for expected in (
        "带班领导",
        "曾志强",
        "主班：林海燕；副班：单晓东",
        "王建华",
        "山体滑坡",
        "9时20分向市总值班室电话报告",
        "（尚未交接）",
    ):
        assert expected in text
    fonts = word.styles["Normal"].element.rPr.rFonts
    assert (
        fonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == "仿宋_GB2312"
    )
