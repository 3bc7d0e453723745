"""The accountability ledger (A2.8, B28), commendation (B27) and the statistics with the score sheet: the
ledger fills itself from what the other apps record, an appeal upheld takes an entry off the score with
the decision kept, a disqualified unit or person is not commended."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from tests.factories import make_person
from tests.incidents.helpers import open_event, phone_first, run_jobs, written
from tests.shift_fixtures import at, travel
from zhiban.incidents.models import Lapse, Report
from zhiban.org.models import DutyPolicy
from zhiban.supervision import services, stats
from zhiban.supervision.jobs import try_no_show_one, try_overdue_instruction_one
from zhiban.supervision.models import Commendation, Evidence, LedgerEntry, ReportMark


@pytest.mark.usefixtures("on_the_day")
def test_rule_A2_8_B28_a_late_report_appears_in_the_ledger_and_the_statistics_by_itself(org, duty):
    event = open_event(org)
    with travel(at(9, 20)):
        phone_first(event, org.officer, at(9, 20), org.city)
    entry = LedgerEntry.objects.get(kind=LedgerEntry.Kind.LATE_REPORT)
    assert (entry.unit, entry.person, entry.minutes) == (org.county, org.officer, 5)
    assert entry.text == "青石镇S203线山体滑坡：电话报告迟报5分钟" and entry.lapse.event == event
    rows = {r.unit: r for r in stats.statistics(org.city, at(0).date(), at(0).date())}
    assert rows[org.county].values["late"] == 1 and rows[org.county].values["reports"] == 1
    page = org.client(org.county_admin).get(f"/supervision/ledger/{entry.pk}/").content.decode()
    assert "突发事件报告时限" in page  # it names its source
    with travel(at(9, 30) + dt.timedelta(days=1)):  # the written one never made: missed, by itself too
        run_jobs()
    missed = LedgerEntry.objects.get(kind=LedgerEntry.Kind.MISSED_REPORT)
    assert missed.text.endswith("书面报告逾期未报") and missed.person == org.officer  # on duty at 9:30
    with travel(at(9, 31) + dt.timedelta(days=1)):  # made after all: the missed entry turns into a late one
        written(event, org.officer, "follow_up", org.city)
    assert not LedgerEntry.objects.filter(kind=LedgerEntry.Kind.MISSED_REPORT).exists()
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.LATE_REPORT).count() == 2


@pytest.mark.usefixtures("on_the_day")
def test_rule_B28_no_shows_and_overdue_feedback_are_entered_once(org, duty):
    from zhiban.intake import services as intake
    from zhiban.intake.models import Instruction
    from zhiban.shifts.models import Shift

    Shift.objects.filter(pk=duty.day.pk).update(absent_alerted_at=at(8, 30))  # shifts alerted the no-show
    with travel(at(9)):
        assert try_no_show_one() and not try_no_show_one()
    no_show = LedgerEntry.objects.get(kind=LedgerEntry.Kind.NO_SHOW)
    assert (no_show.person, no_show.shift) == (org.officer, duty.day)
    with travel(at(9)):
        instruction = intake.instruction_relay(
            Instruction(unit=org.county, leader=org.county_leader, text="立即核查", feedback_due_at=at(10)),
            [org.deputy],
            org.officer,
        )
    with travel(at(11)):
        assert try_overdue_instruction_one() and not try_overdue_instruction_one()
    poor = LedgerEntry.objects.get(kind=LedgerEntry.Kind.POOR_EXECUTION)
    assert poor.person == org.deputy and poor.instruction_target.instruction == instruction


@pytest.mark.usefixtures("on_the_day")
def test_rule_A2_8_an_appeal_upheld_takes_the_entry_off_the_score_the_decision_kept(org, duty):
    event = open_event(org)
    with travel(at(9, 20)):
        phone_first(event, org.officer, at(9, 20), org.city)
    entry = LedgerEntry.objects.get()
    county, city = org.client(org.county_admin), org.client(org.city_admin)
    empty = county.post(f"/supervision/ledger/{entry.pk}/", {"action": "appeal", "reason": ""})
    assert empty.status_code == 400 and "请写明申诉理由" in empty.content.decode()
    county.post(
        f"/supervision/ledger/{entry.pk}/", {"action": "appeal", "reason": "电话在9时14分已打出，有通话记录"}
    )
    entry.refresh_from_db()
    assert entry.state == LedgerEntry.State.APPEALED
    assert (
        org.client(org.sibling_officer)
        .post(f"/supervision/ledger/{entry.pk}/", {"action": "appeal"})
        .status_code
        == 404
    )
    assert (
        county.post(f"/supervision/ledger/{entry.pk}/", {"action": "decide", "upheld": "1"}).status_code
        == 403
    )
    city.post(
        f"/supervision/ledger/{entry.pk}/",
        {"action": "decide", "upheld": "1", "decision": "核实通话记录，确在时限内"},
    )
    entry.refresh_from_db()
    appeal = entry.appeals.get()
    assert entry.state == LedgerEntry.State.REMOVED and appeal.upheld and appeal.decided_by == org.city_admin
    rows = {r.unit: r for r in stats.statistics(org.city, at(0).date(), at(0).date())}
    assert rows[org.county].values["late"] == 0  # off the score, the entry and the decision kept
    assert "核实通话记录，确在时限内" in county.get(f"/supervision/ledger/{entry.pk}/").content.decode()
    assert Lapse.objects.filter(event=event).exists()  # the record it came from is untouched


@pytest.mark.usefixtures("on_the_day")
def test_rule_B28_an_inspector_enters_a_concealed_report_with_evidence(org, duty):
    client = org.client(org.inspector)
    data = {
        "unit": org.county.pk,
        "person": org.officer.pk,
        "kind": "concealed_report",
        "at": "2026-03-05T07:00",
        "text": "民房火灾1人受伤未报告",
        "serious": "on",
        "files": [SimpleUploadedFile("记录.pdf", b"%PDF-1.4 x")],
    }
    assert client.post("/supervision/ledger/new/", data).status_code == 302
    entry = LedgerEntry.objects.get()
    assert entry.recorded_by == org.inspector and Evidence.objects.get(entry=entry).name == "记录.pdf"
    wrong = client.post("/supervision/ledger/new/", {**data, "person": org.sibling_officer.pk, "files": []})
    assert wrong.status_code == 400 and "责任人须是该单位的人员" in wrong.content.decode()
    auto = client.post("/supervision/ledger/new/", {**data, "kind": "late_report", "files": []})
    assert auto.status_code == 400 and LedgerEntry.objects.count() == 1  # the system enters those itself
    assert org.client(org.officer).post("/supervision/ledger/new/", data).status_code == 400  # not below it
    clerk = make_person(org.county, "普通干部")  # no duty role: supervises nothing
    assert org.client(clerk).post("/supervision/ledger/new/", data).status_code == 403


@pytest.mark.usefixtures("on_the_day")
def test_rule_B27_A2_8_a_disqualified_person_or_unit_is_not_commended_and_the_form_says_why(org, duty):
    LedgerEntry.objects.create(
        unit=org.county,
        person=org.officer,
        kind="absence",
        at=at(7),
        text="抽查无人接听",
        outcome="criticised",
    )
    client = org.client(org.city_admin)
    refused = client.post(
        "/supervision/commendations/", {"year": "2026", "person": org.officer.pk, "reason": "坚守岗位"}
    )
    body = refused.content.decode()
    assert refused.status_code == 400 and "取消当年度评先评优资格" in body and "抽查无人接听" in body
    unit = client.post(
        "/supervision/commendations/", {"year": "2026", "unit": org.county.pk, "reason": "报送及时"}
    )
    assert unit.status_code == 400 and not Commendation.objects.exists()
    assert (
        client.post(
            "/supervision/commendations/", {"year": "2026", "person": org.deputy.pk, "reason": "坚守岗位"}
        ).status_code
        == 302
    )
    assert (
        client.post(
            "/supervision/commendations/", {"year": "2025", "unit": org.county.pk, "reason": "报送及时"}
        ).status_code
        == 302
    )
    assert Commendation.objects.count() == 2
    with pytest.raises(ValidationError, match="二选一"):
        services.commend(org.city, org.city_admin, 2026, "x", unit=org.county, person=org.deputy)


@pytest.mark.usefixtures("on_the_day")
def test_the_score_sheet_counts_by_each_units_weights_and_exports_to_excel(org, duty):
    event = open_event(org)
    with travel(at(9, 10)):
        report = phone_first(event, org.officer, at(9, 10), org.city)
    ReportMark.objects.create(report=report, kind=ReportMark.Kind.ADOPTED, by=org.city_admin)
    DutyPolicy.objects.create(unit=org.county, score_per_adopted=5)
    rows = {r.unit: r for r in stats.statistics(org.city, at(0).date(), at(0).date())}
    county = rows[org.county]
    assert (county.values["reports"], county.values["adopted"], county.score) == (1, 1, 6)  # 1×1 + 1×5
    client = org.client(org.city_admin)
    page = client.get("/supervision/statistics/?start=2026-03-01&end=2026-03-31").content.decode()
    assert 'data-kind="rank"' in page and "信息报送得分排名" in page and ">6<" in page
    sheet = load_workbook(
        io.BytesIO(client.get("/supervision/statistics.xlsx?start=2026-03-01&end=2026-03-31").content)
    ).active
    header = [c.value for c in sheet[1]]
    county_row = next(r for r in sheet.iter_rows(values_only=True) if r[0] == org.county.label)
    assert county_row[header.index("得分")] == 6 and county_row[header.index("采用条数")] == 1
    marks = client.get("/supervision/marks/?start=2026-03-01&end=2026-03-31").content.decode()
    assert event.title in marks
    client.post(f"/supervision/marks/{report.pk}/", {"kind": "adopted"})  # once more: taken back
    assert not ReportMark.objects.filter(report=report).exists()
    assert (
        org.client(org.sibling_officer)
        .post(f"/supervision/marks/{report.pk}/", {"kind": "adopted"})
        .status_code
        == 404
    )
    assert Report.objects.count() == 1
