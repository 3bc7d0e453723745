"""Reports (B19, A2.1): first, follow-up and final, their elements, the Word document, forwarding level by level, and the top unit reporting outside the system."""

from __future__ import annotations

import datetime as dt
import io

import docx
import pytest
import time_machine
from django.core.exceptions import ValidationError
from docx import Document as WordDocument

from tests.clock import SHANGHAI
from tests.factories import make_person
from tests.incidents.helpers import (
    deadline,
    open_event,
    phone_first,
    run_jobs,
    steps,
    township_event,
    written,
    written_first,
)
from tests.shift_fixtures import at, travel
from zhiban.incidents import reporting
from zhiban.incidents import services as incidents
from zhiban.incidents.models import Event, EventStep, ExternalOffice, Lapse, Report
from zhiban.notify.models import Notice
from zhiban.org.models import Role
from zhiban.shifts.log import duty_log


@pytest.mark.usefixtures("on_the_day")
def test_rule_B21_a_report_stated_on_time_but_entered_after_the_deadline_is_marked_backfilled(org, duty):
    """The officer states when the call was made; one entered once the deadline has passed is kept on
    time but marked, on the timeline, the report and the superior's notice, never silently on time."""
    event = open_event(org)
    with travel(at(9, 10)):
        prompt = phone_first(event, org.officer, at(9, 8), org.city)
    assert not prompt.backfilled and prompt.late_minutes == 0
    assert not steps(event, EventStep.Kind.BACKFILLED)
    # the receiver on the phone is named in the step (one bracket: the timeline adds who recorded it), and
    # the superior's receipt in the system is not shown as missing when the phone was answered
    assert steps(event, EventStep.Kind.REPORTED) == [f"电话首报报{prompt.recipient}，接报人周建国"]
    page = org.client(org.officer).get(f"/incidents/{event.pk}/").content.decode()
    assert "电话已告知周建国" in page and "未接收" not in page

    later = open_event(org, known=(9, 20))
    with travel(at(9, 40)):  # the phone report was due at 9:35; it is entered at 9:40, stated as 9:34
        report = phone_first(later, org.officer, at(9, 34), org.city)
    assert report.backfilled and report.late_minutes == 0 and report.recorded_at == at(9, 40)
    assert not Lapse.objects.filter(event=later).exists()
    assert steps(later, EventStep.Kind.BACKFILLED) == [
        "电话报告时限后补录：称05日09时34分报出，05日09时40分才登记（时限05日09时35分）"
    ]
    notice = Notice.objects.filter(person=org.city_admin, text__contains="时限后补录").latest("id")
    assert "电话首报" in notice.text
    page = org.client(org.officer).get(f"/incidents/reports/{report.pk}/").content.decode()
    assert "时限后补录" in page and "2026年3月5日 星期四 09:40" in page


@pytest.mark.usefixtures("on_the_day")
def test_rule_B21_A2_1_a_backfilled_report_keeps_its_mark_when_forwarded_up_a_level(org, duty):
    event, township_officer = township_event(org)
    with travel(at(9, 20)):  # a phone report stated at 9:14 (the deadline 9:15) entered at 9:20
        report = phone_first(event, township_officer, at(9, 14), org.county)
    assert report.backfilled and report.late_minutes == 0
    assert steps(event, EventStep.Kind.BACKFILLED) == [
        "电话报告时限后补录：称05日09时14分报出，05日09时20分才登记（时限05日09时15分）"
    ]
    with travel(at(9, 25)):
        forward = reporting.report_forward(report, org.officer, org.city, phoned_whom="周建国")
    assert forward.backfilled
    assert Notice.objects.filter(person=org.city_admin, text__contains="原报告时限后补录").exists()
    page = org.client(org.city_admin).get(f"/incidents/reports/{forward.pk}/").content.decode()
    assert "原报告登记晚于时限" in page


@pytest.mark.usefixtures("on_the_day")
def test_rule_A2_1_B22_a_phone_report_is_forwarded_by_phone_to_a_named_receiver_with_its_elements(org, duty):
    event, township_officer = township_event(org)
    with travel(at(9, 6)):
        report = reporting.report_make(
            event,
            township_officer,
            kind="first",
            channel="phone",
            at=at(9, 6),
            to_unit=org.county,
            phoned_whom="周建国",
            place="青石镇S203线K12处",
            course="山体滑坡，阻断道路",
        )
    url = f"/incidents/reports/{report.pk}/forward/"
    with travel(at(9, 8)):
        refused = org.client(org.officer).post(url, {"to_unit": org.city.pk, "phoned_whom": " "})
        assert refused.status_code == 400 and "电话转报须记录上级接报人" in refused.content.decode()
        assert not Report.objects.filter(forwarded_from=report).exists()
        org.client(org.officer).post(url, {"to_unit": org.city.pk, "phoned_whom": "周建国"})
    forward = Report.objects.get(forwarded_from=report)
    assert forward.channel == Report.Channel.PHONE and forward.phoned_whom == "周建国"
    assert (forward.place, forward.course) == ("青石镇S203线K12处", "山体滑坡，阻断道路")
    assert forward.missing_elements() == report.missing_elements()  # the gaps stay listed (B18)
    assert Notice.objects.filter(person=org.city_admin, text__contains="首报（电话报告）").exists()
    assert steps(event, EventStep.Kind.FORWARDED) == [
        f"{org.county.label}以电话报告转报{org.city.label}，接报人周建国"
    ]
    inbox = org.client(org.city_admin).get("/incidents/inbox/").content.decode()
    assert "电话首报" in inbox and "书面" not in inbox


@pytest.mark.usefixtures("on_the_day")
def test_rule_B19_a_second_first_report_by_the_same_channel_to_the_same_office_is_refused(org, duty):
    event = open_event(org)
    with travel(at(9, 5)):
        phone_first(event, org.officer, at(9, 5), org.city)
        with pytest.raises(ValidationError) as refused:
            phone_first(event, org.officer, at(9, 5), org.city)
    assert refused.value.message_dict["kind"] == ["已向该单位电话报告首报，新的情况请报送续报"]
    assert event.reports.count() == 1 and Notice.objects.filter(person=org.city_admin).count() == 1
    with travel(at(9, 20)):  # the written first report follows the phone one
        written_first(event, org.officer, at(9, 20), org.city)
    assert event.reports.count() == 2


@pytest.mark.usefixtures("on_the_day")
def test_rule_B19_the_report_form_starts_from_what_the_event_already_says(org, duty):
    event = open_event(org)
    page = org.client(org.officer).get(f"/incidents/{event.pk}/").content.decode()
    assert 'name="w-place"' in page and 'value="青石镇S203线K12处"' in page
    assert "03月05日09时00分获知" in page


@pytest.mark.usefixtures("on_the_day")
def test_rule_B19_B18_a_written_report_names_what_is_missing_and_may_go_while_verifying(org, duty):
    event = open_event(org)
    client = org.client(org.officer)
    draft = {
        "w-kind": "first",
        "w-to_unit": org.city.pk,
        "w-signer": org.county_leader.pk,
        "w-place": "S203线",
        "w-course": "山体滑坡",
    }
    with travel(at(9, 20)):
        refused = client.post(f"/incidents/{event.pk}/reports/written/", draft)
        assert refused.status_code == 400
        assert "要素不全：时间、信息来源、事件起因和性质" in refused.content.decode()
        assert not Report.objects.exists()
        client.post(f"/incidents/{event.pk}/reports/written/", {**draft, "w-unverified": "on"})
    report = Report.objects.get()
    assert report.state == Report.State.PENDING and report.at is None  # not sent before it is signed off
    with travel(at(9, 25)):
        org.client(org.county_leader).post(f"/incidents/reports/{report.pk}/sign/")
    report.refresh_from_db()
    assert report.unverified and "意见建议" in report.missing_elements()
    assert (report.state, report.at, report.late_minutes) == (Report.State.SENT, at(9, 25), 0)
    page = client.get(f"/incidents/reports/{report.pk}/").content.decode()
    assert "尚缺要素" in page and "意见建议" in page


@pytest.mark.usefixtures("on_the_day")
def test_bad_reports_are_refused_with_a_reason_and_nothing_saved(org, duty):
    event = open_event(org)
    with travel(at(9, 5)):
        cases = {
            "报告时间不能晚于现在": {"kind": "first", "channel": "phone", "at": at(10), "phoned_whom": "周"},
            "尚未首报，请先报送首报": {
                "kind": "follow_up",
                "channel": "phone",
                "at": at(9, 5),
                "phoned_whom": "周",
            },
            "电话报告须记录接报人": {"kind": "first", "channel": "phone", "at": at(9, 5), "phoned_whom": ""},
        }
        for message, fields in cases.items():
            with pytest.raises(Exception, match=message):
                reporting.report_make(event, org.officer, to_unit=org.city, **fields)
        with pytest.raises(Exception, match="只能向上级单位报告"):
            reporting.report_make(
                event,
                org.officer,
                to_unit=org.sibling,
                kind="first",
                channel="phone",
                at=at(9, 5),
                phoned_whom="马",
            )
        written_first(event, org.officer, at(9, 5), org.city)
        written(event, org.officer, "final", org.city)
        with pytest.raises(Exception, match="事件已终报"):
            written(event, org.officer, "final", org.city)
        with pytest.raises(Exception, match="书面报告须经领导签发后报出"):
            reporting.report_make(
                event, org.officer, to_unit=org.city, kind="first", channel="written", at=at(9, 5)
            )
    assert Report.objects.count() == 2
    unknown = org.client(org.officer).post(
        "/incidents/new/",
        {"title": "x", "category": "alien", "known_at": "2026-03-05T08:00", "place": "某地", "summary": "x"},
    )
    assert "选择一个有效的选项" in unknown.content.decode() or "不是可用的选项" in unknown.content.decode()
    future = org.client(org.officer).post(
        "/incidents/new/",
        {
            "title": "x",
            "category": "natural",
            "known_at": "2026-03-05T12:00",
            "place": "某地",
            "summary": "x",
        },
    )
    assert "获知时间不能晚于现在" in future.content.decode()
    assert Event.objects.count() == 1


@pytest.mark.usefixtures("on_the_day")
def test_rule_A2_1_the_superior_receives_and_forwards_level_by_level(org, duty):
    event, township_officer = township_event(org)
    with travel(at(9, 6)):
        report = written_first(event, township_officer, at(9, 6), org.county)
    inbox = org.client(org.officer).get("/incidents/inbox/").content.decode()
    assert "青石镇民房倒塌" in inbox
    with travel(at(9, 8)):
        org.client(org.officer).post(f"/incidents/reports/{report.pk}/forward/", {"to_unit": org.city.pk})
    forward = Report.objects.get(forwarded_from=report)
    assert forward.to_unit == org.city and forward.event == event
    report.refresh_from_db()
    assert report.received_at == at(9, 8) and report.received_by == org.officer
    city_inbox = org.client(org.city_admin).get("/incidents/inbox/").content.decode()
    assert "青石镇民房倒塌" in city_inbox and f"{org.county.label}转报" in city_inbox
    assert Notice.objects.filter(person=org.city_admin, text__contains="转报").exists()
    # the forwarded report goes out over the forwarding office's name, and says whose report it is
    word = WordDocument(
        io.BytesIO(org.client(org.city_admin).get(f"/incidents/reports/{forward.pk}/report.docx").content)
    )
    paragraphs = [p.text for p in word.paragraphs]
    assert f"现将{org.township.label}报告转报如下：" in paragraphs
    assert (
        paragraphs[-1].startswith(org.county.duty_office) and org.township.duty_office not in paragraphs[-1]
    )
    page = org.client(org.officer).get(f"/incidents/reports/{report.pk}/").content.decode()
    assert f'已转报：<a href="/incidents/reports/{forward.pk}/">{org.city.label}</a>' in page
    assert [s.kind for s in event.steps.all()] == ["opened", "signed", "reported", "received", "forwarded"]
    # B13: what the county did on the township's event is in the county's duty log
    county_log = [text for _, text in duty_log(duty.day).emergencies]
    assert "青石镇民房倒塌：上级接收，东湖县已接收（林海燕）" in county_log
    assert any(text.startswith("青石镇民房倒塌：转报，东湖县以书面报告转报市政府") for text in county_log)
    page = org.client(org.officer).get(f"/incidents/{event.pk}/").content.decode()
    assert (
        f"已接收（{org.officer.name}）" in page
        and f"（{org.officer.name}）（{org.officer.name}）" not in page
    )


@pytest.mark.usefixtures("on_the_day")
def test_rule_B21_a_township_may_report_straight_to_the_city_when_urgent(org, duty):
    township_officer = make_person(org.township, "周镇", roles=[Role.DUTY_STAFF])
    with travel(at(9, 6)):
        event = incidents.event_open(
            org.township,
            township_officer,
            title="青石镇山洪",
            category="natural",
            known_at=at(9),
            place="青石村",
            summary="山洪",
            sensitive=True,
        )
        phone_first(event, township_officer, at(9, 3), org.city)
    assert Notice.objects.filter(person=org.city_admin, text__contains="青石镇山洪").exists()


@pytest.mark.usefixtures("on_the_day")
def test_a_report_is_an_official_document(org, duty):
    event = open_event(org)
    with travel(at(9, 20)):
        report = written_first(event, org.officer, at(9, 20), org.city)
    response = org.client(org.officer).get(f"/incidents/reports/{report.pk}/report.docx")
    word = WordDocument(io.BytesIO(response.content))
    texts = [p.text for p in word.paragraphs]
    assert "关于青石镇S203线山体滑坡的首报" in texts and "一、时间" in texts and "十一、意见建议" in texts
    section = word.sections[0]
    assert round(section.page_width.cm, 1) == 21.0 and round(section.top_margin.cm, 1) == 3.7
    assert "PAGE" in section.footer._element.xml and "— " in section.footer.paragraphs[0].text
    title = next(p for p in word.paragraphs if p.text.startswith("关于"))
    assert title.runs[0].font.size.pt == 22
    Event.objects.filter(pk=event.pk).update(classification="secret", sensitive=True)
    marked = WordDocument(
        io.BytesIO(org.client(org.officer).get(f"/incidents/reports/{report.pk}/report.docx").content)
    )
    assert marked.paragraphs[0].text == "秘密　特急" and marked.paragraphs[0].runs[0].font.name == "黑体"
    page = org.client(org.officer).get(f"/incidents/{event.pk}/").content.decode()
    assert '<span class="badge bad">秘密</span></h1>' in page  # the mark is on the event's page too


@pytest.mark.usefixtures("on_the_day")
def test_rule_B5_an_instruction_on_an_event_is_tracked_and_its_feedback_goes_into_the_next_report(org, duty):
    from zhiban.intake import services as intake
    from zhiban.intake.models import Instruction

    event = open_event(org)
    client = org.client(org.officer)
    with travel(at(9, 10)):
        client.post(
            f"/incidents/{event.pk}/instructions/",
            {
                "i-leader": org.county_leader.pk,
                "i-text": "立即组织抢通，确保群众安全",
                "i-targets": [org.deputy.pk],
            },
        )
    instruction = Instruction.objects.get()
    assert steps(event, EventStep.Kind.INSTRUCTION) == ["曾志强批示：立即组织抢通，确保群众安全"]
    assert Notice.objects.filter(person=org.deputy, text__contains="立即组织抢通").exists()
    with travel(at(9, 40)):
        intake.target_feedback(instruction.targets.get(), "已调集挖掘机两台，预计11时抢通")
        form = client.get(f"/incidents/{event.pk}/").content.decode()
    assert "落实曾志强批示：已调集挖掘机两台，预计11时抢通（单晓东）" in form


def test_rule_B21_the_city_reports_its_own_event_to_an_office_outside_the_system(org):
    with time_machine.travel(dt.datetime(2026, 10, 5, 9, 0, tzinfo=SHANGHAI), tick=False):
        known = dt.datetime(2026, 10, 5, 8, 50, tzinfo=SHANGHAI)
        event = incidents.event_open(
            org.city,
            org.city_admin,
            title="化工园区火灾",
            category="accident",
            known_at=known,
            place="化工园区",
            summary="厂房起火",
        )
        client = org.client(org.city_admin)
        page = client.get(f"/incidents/{event.pk}/").content.decode()
        assert "报送的上级值班机构" in page and "尚未登记系统外的上级值班机构" in page
        fields = {"p-kind": "first", "p-at": "2026-10-05T08:58", "p-phoned_whom": "王处长"}
        refused = client.post(f"/incidents/{event.pk}/reports/phone/", fields)
        assert refused.status_code == 400 and "请选择报送的上级值班机构" in refused.content.decode()
        assert not Report.objects.exists()
        province = ExternalOffice.objects.create(unit=org.city, name="省政府总值班室", fax="0551-1234567")
        fields["p-to_external"] = province.pk
        assert client.post(f"/incidents/{event.pk}/reports/phone/", fields).status_code == 302
        report = Report.objects.get()
        assert (report.to_unit, report.to_office, report.means, report.late_minutes) == (
            None,
            "省政府总值班室",
            "phone",
            0,
        )
        assert deadline(event, "phone").met_at == dt.datetime(2026, 10, 5, 8, 58, tzinfo=SHANGHAI)
        assert "省政府总值班室" in client.get(f"/incidents/{event.pk}/").content.decode()
        word = docx.Document(io.BytesIO(client.get(f"/incidents/reports/{report.pk}/report.docx").content))
        assert any(p.text == "省政府总值班室：" for p in word.paragraphs)
        detail = client.get(f"/incidents/reports/{report.pk}/").content.decode()
        assert "省政府总值班室（系统外）" in detail and "逐级转报" not in detail
        # a county still reports within the system: an office outside it is not taken for its superior
        county_event = incidents.event_open(
            org.county,
            org.officer,
            title="山洪",
            category="natural",
            known_at=known,
            place="某村",
            summary="x",
        )
        with pytest.raises(Exception, match="请选择报送的上级单位"):
            reporting.report_make(
                county_event,
                org.officer,
                kind="first",
                channel="phone",
                at=known,
                to_external=province,
                phoned_whom="王处长",
            )
        assert Event.objects.count() == 2


@pytest.mark.usefixtures("on_the_day")
def test_rule_A2_1_only_the_office_a_report_went_to_receives_and_forwards_it(org, duty):
    event, officer = township_event(org)
    with travel(at(9, 6)):
        report = written(event, officer, "first", org.county)
        city = org.client(org.city_admin)
        assert (
            city.post(f"/incidents/reports/{report.pk}/forward/", {"to_unit": org.city.pk}).status_code == 403
        )
        assert city.post(f"/incidents/reports/{report.pk}/receive/").status_code == 403
        # nor may a superior report in the township's name and so clear its deadlines
        county = org.client(org.officer)
        filed = county.post(
            f"/incidents/{event.pk}/reports/phone/",
            {
                "p-kind": "first",
                "p-at": "2026-03-05T09:06",
                "p-to_unit": org.city.pk,
                "p-phoned_whom": "周建国",
            },
        )
    assert filed.status_code == 403
    report.refresh_from_db()
    assert report.received_at is None and Report.objects.count() == 1


@pytest.mark.usefixtures("on_the_day")
def test_rule_B21_a_final_report_is_written_and_closing_stops_every_check(org, duty):
    event = open_event(org)
    with travel(at(9, 5)):
        phone_first(event, org.officer, at(9, 5), org.city)
        with pytest.raises(Exception, match="终报须书面报告"):
            reporting.report_make(
                event,
                org.officer,
                kind="final",
                channel="phone",
                at=at(9, 5),
                to_unit=org.city,
                phoned_whom="周建国",
            )
    with travel(at(9, 20)):
        written(event, org.officer, "final", org.city)
    with travel(at(9, 31) + dt.timedelta(days=2)):
        run_jobs()
    assert steps(event, EventStep.Kind.ALARM) == [] and not Lapse.objects.exists()
