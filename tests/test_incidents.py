"""Emergency information (issue 6): events, reports and their elements, the 15/30-minute deadlines tested
at the minute before, of and after, the superior's inbox and forwarding, verification requests."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from docx import Document as WordDocument

from tests.factories import make_person
from tests.shift_fixtures import at, travel
from zhiban.incidents import services
from zhiban.incidents.jobs import try_deadline_one, try_verification_one
from zhiban.incidents.models import Event, EventStep, Lapse, Report
from zhiban.notify.models import Notice
from zhiban.org.models import DutyPolicy, Role
from zhiban.shifts.log import duty_log

pytestmark = pytest.mark.usefixtures("on_the_day")

ELEMENTS = {
    "happened_at_text": "3月5日8时50分",
    "place": "青石镇S203线K12处",
    "information_source": "青石镇政府电话报告",
    "cause_nature": "连日降雨引发山体滑坡",
    "course": "8时50分山体滑坡，阻断道路",
    "consequences": "暂无人员伤亡，道路中断约50米",
    "scope": "S203线双向通行",
    "trend": "仍有降雨，存在再次滑坡可能",
    "handling": "交通局已设置绕行标志",
    "measures": "组织机械抢通",
    "suggestions": "请市交通局协调抢险力量",
}


def open_event(org, known=(9, 0), **extra):
    with travel(at(*known)):
        return services.event_open(
            org.county,
            org.officer,
            title="青石镇S203线山体滑坡",
            category="natural",
            known_at=at(*known),
            place="青石镇S203线K12处",
            summary="山体滑坡，道路中断",
            **extra,
        )


def township_event(org, known=(9, 0)):
    """青石镇 (under 东湖县) learns of a collapsed house at `known`; its duty officer 周镇."""
    officer = make_person(org.township, "周镇", roles=[Role.DUTY_STAFF])
    with travel(at(*known)):
        event = services.event_open(
            org.township,
            officer,
            title="青石镇民房倒塌",
            category="accident",
            known_at=at(*known),
            place="青石村",
            summary="民房倒塌",
        )
    return event, officer


def run_jobs() -> int:
    ran = 0
    while try_deadline_one() or try_verification_one():
        ran += 1
    return ran


def steps(event, kind) -> list[str]:
    return list(event.steps.filter(kind=kind).values_list("text", flat=True))


def written_first(event, by, stated, to_unit):
    """A written first report with every element, stated as made at `stated`."""
    return services.report_make(
        event, by, kind="first", channel="written", at=stated, to_unit=to_unit, **ELEMENTS
    )


def phone_first(event, by, stated, to_unit):
    """A first report by phone (taken by 周建国), stated as made at `stated`."""
    return services.report_make(
        event, by, kind="first", channel="phone", at=stated, to_unit=to_unit, phoned_whom="周建国"
    )


def test_rule_B21_A1_4_deadlines_run_from_the_moment_known_the_policy_is_copied_leaders_told(org, duty):
    DutyPolicy.objects.create(unit=org.county, phone_report_minutes=10)
    event = open_event(org)
    assert (event.phone_due_at, event.written_due_at) == (at(9, 10), at(9, 30))
    DutyPolicy.objects.filter(unit=org.county).update(phone_report_minutes=60, written_report_minutes=90)
    event.refresh_from_db()
    assert (event.phone_due_at, event.written_due_at) == (at(9, 10), at(9, 30))  # a later edit moves nothing
    assert Notice.objects.filter(person=org.county_leader, text__contains="突发事件").exists()  # A1.4


def test_rule_B21_a_warning_before_and_an_alarm_at_each_deadline_once(org, duty):
    event = open_event(org)
    with travel(at(9, 9)):
        run_jobs()
    assert steps(event, EventStep.Kind.WARNING) == []
    with travel(at(9, 10)):  # five minutes before the phone deadline
        run_jobs()
    assert steps(event, EventStep.Kind.WARNING) == ["电话报告还剩5分钟（09:15截止）"]
    with travel(at(9, 14)):
        run_jobs()
    assert steps(event, EventStep.Kind.ALARM) == []
    with travel(at(9, 15)):
        run_jobs()
    assert steps(event, EventStep.Kind.ALARM) == ["电话报告已超过时限（09:15）"]
    with travel(at(9, 16)):
        run_jobs()
    assert len(steps(event, EventStep.Kind.ALARM)) == 1
    for person in (org.officer, org.county_leader):  # the primary and the leader on duty
        assert Notice.objects.filter(person=person, text__startswith="【告警】").count() == 1
    assert Notice.objects.filter(person=org.county_admin, text__startswith="【告警】").count() == 1


def test_rule_B21_a_runner_back_late_fires_the_alarms_that_fell_due_and_no_stale_warnings(org, duty):
    event = open_event(org)
    with travel(at(9, 40)):  # the runner was down from 9:00 to 9:40
        run_jobs()
    assert sorted(steps(event, EventStep.Kind.ALARM)) == [
        "书面报告已超过时限（09:30）",
        "电话报告已超过时限（09:15）",
    ]
    assert steps(event, EventStep.Kind.WARNING) == []
    event.refresh_from_db()
    assert event.next_check_at == at(9, 15) + dt.timedelta(days=1)  # next: the missed-report cut-off


def test_rule_B21_a_second_runner_finds_the_alarm_taken(org, duty):
    event = open_event(org)
    with travel(at(9, 15)):
        first, second = try_deadline_one(), try_deadline_one()
    assert (first, second) == (True, False)  # the second finds the check already moved on
    assert len(steps(event, EventStep.Kind.ALARM)) == 1


def test_rule_B21_a_report_after_its_deadline_is_late_and_one_never_made_is_missed(org, duty):
    event = open_event(org)
    with travel(at(9, 20)):
        report = phone_first(event, org.officer, at(9, 20), org.city)
    assert report.late_minutes == 5
    assert Lapse.objects.get(event=event, what="phone").kind == Lapse.Kind.LATE
    with travel(at(9, 30) + dt.timedelta(minutes=1440)):
        run_jobs()
    missed = Lapse.objects.get(event=event, what="written")
    assert missed.kind == Lapse.Kind.MISSED and missed.minutes == 1440
    assert steps(event, EventStep.Kind.MISSED) == ["书面报告逾期未报，记为漏报"]


def test_rule_B21_a_report_stated_on_time_but_entered_after_the_deadline_is_marked_backfilled(org, duty):
    """The officer states when the call was made; one entered once the deadline has passed is kept on
    time but marked, on the timeline, the report and the superior's notice, never silently on time."""
    event = open_event(org)
    with travel(at(9, 10)):
        prompt = phone_first(event, org.officer, at(9, 8), org.city)
    assert not prompt.backfilled and prompt.late_minutes == 0
    assert not steps(event, EventStep.Kind.BACKFILLED)

    written = Event.objects.get(pk=event.pk)
    with travel(at(9, 40)):  # the written report was due at 9:30; it is entered at 9:40, stated as 9:29
        report = services.report_make(
            written,
            org.officer,
            kind="follow_up",
            channel="written",
            at=at(9, 29),
            to_unit=org.city,
            **ELEMENTS,
        )
    assert report.backfilled and report.late_minutes == 0 and report.recorded_at == at(9, 40)
    assert not Lapse.objects.filter(event=event).exists()
    assert steps(event, EventStep.Kind.BACKFILLED) == [
        "书面报告时限后补录：称05日09时29分报出，05日09时40分才登记（时限05日09时30分）"
    ]
    notice = Notice.objects.filter(text__contains="续报").latest("id")
    assert "时限后补录" in notice.text
    page = org.client(org.officer).get(f"/incidents/reports/{report.pk}/").content.decode()
    assert "时限后补录" in page and "2026年3月5日 星期四 09:40" in page


def test_rule_B21_A2_1_a_backfilled_report_keeps_its_mark_when_forwarded_up_a_level(org, duty):
    event, township_officer = township_event(org)
    with travel(at(9, 20)):  # a written first report stated at 9:14 meets the phone deadline (9:15) too
        report = written_first(event, township_officer, at(9, 14), org.county)
    assert report.backfilled and report.late_minutes == 0
    assert steps(event, EventStep.Kind.BACKFILLED) == [
        "电话报告时限后补录：称05日09时14分报出，05日09时20分才登记（时限05日09时15分）"
    ]
    with travel(at(9, 25)):
        forward = services.report_forward(report, org.officer, org.city)
    assert forward.backfilled
    assert Notice.objects.filter(person=org.city_admin, text__contains="原报告时限后补录").exists()
    page = org.client(org.city_admin).get(f"/incidents/reports/{forward.pk}/").content.decode()
    assert "原报告登记晚于时限" in page


def test_rule_A2_1_B22_a_phone_report_is_forwarded_by_phone_to_a_named_receiver_with_its_elements(org, duty):
    event, township_officer = township_event(org)
    with travel(at(9, 6)):
        report = services.report_make(
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
    assert steps(event, EventStep.Kind.FORWARDED) == [f"{org.county.label}转报{org.city.label}（电话报告）"]
    inbox = org.client(org.city_admin).get("/incidents/inbox/").content.decode()
    assert "电话报告" in inbox and "书面报告" not in inbox


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


def test_rule_B21_a_missed_report_stays_missed_when_an_on_time_claim_comes_after_the_cut_off(org, duty):
    event = open_event(org)
    with travel(at(9, 15) + dt.timedelta(minutes=1440)):
        run_jobs()
    assert Lapse.objects.get(event=event, what="phone").kind == Lapse.Kind.MISSED
    with travel(at(9, 15) + dt.timedelta(minutes=1450)):
        report = phone_first(event, org.officer, at(9, 10), org.city)
    assert report.backfilled and report.late_minutes == 0
    assert Lapse.objects.get(event=event, what="phone").kind == Lapse.Kind.MISSED
    assert steps(event, EventStep.Kind.BACKFILLED)[0].endswith("此前已记为漏报，予以保留")


def test_rule_B19_the_report_form_starts_from_what_the_event_already_says(org, duty):
    event = open_event(org)
    page = org.client(org.officer).get(f"/incidents/{event.pk}/").content.decode()
    assert 'name="r-place"' in page and 'value="青石镇S203线K12处"' in page
    assert "03月05日09时00分获知" in page


def test_rule_B19_B18_a_written_report_names_what_is_missing_and_may_go_while_verifying(org, duty):
    event = open_event(org)
    client = org.client(org.officer)
    with travel(at(9, 25)):
        refused = client.post(
            f"/incidents/{event.pk}/reports/",
            {
                "r-kind": "first",
                "r-channel": "written",
                "r-at": "2026-03-05T09:25",
                "r-to_unit": org.city.pk,
                "r-place": "S203线",
                "r-course": "山体滑坡",
            },
        )
        assert refused.status_code == 400
        assert "要素不全：时间、信息来源、事件起因和性质" in refused.content.decode()
        assert not Report.objects.exists()
        client.post(
            f"/incidents/{event.pk}/reports/",
            {
                "r-kind": "first",
                "r-channel": "written",
                "r-at": "2026-03-05T09:25",
                "r-to_unit": org.city.pk,
                "r-place": "S203线",
                "r-course": "山体滑坡",
                "r-unverified": "on",
            },
        )
    report = Report.objects.get()
    assert report.unverified and "意见建议" in report.missing_elements()
    assert report.late_minutes == 0
    page = client.get(f"/incidents/reports/{report.pk}/").content.decode()
    assert "尚缺要素" in page and "意见建议" in page


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
                services.report_make(event, org.officer, to_unit=org.city, **fields)
        with pytest.raises(Exception, match="只能向上级单位报告"):
            services.report_make(
                event,
                org.officer,
                to_unit=org.sibling,
                kind="first",
                channel="phone",
                at=at(9, 5),
                phoned_whom="马",
            )
        written_first(event, org.officer, at(9, 5), org.city)
        services.report_make(
            event, org.officer, to_unit=org.city, kind="final", channel="written", at=at(9, 5), **ELEMENTS
        )
        with pytest.raises(Exception, match="事件已终报"):
            services.report_make(
                event, org.officer, to_unit=org.city, kind="final", channel="written", at=at(9, 5), **ELEMENTS
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
    assert [s.kind for s in event.steps.all()] == ["opened", "reported", "received", "forwarded"]
    # B13: what the county did on the township's event is in the county's duty log
    county_log = [text for _, text in duty_log(duty.day).emergencies]
    assert "青石镇民房倒塌：上级接收，东湖县已接收（林海燕）" in county_log
    assert any(text.startswith("青石镇民房倒塌：转报，东湖县转报市政府（书面报告）") for text in county_log)
    page = org.client(org.officer).get(f"/incidents/{event.pk}/").content.decode()
    assert (
        f"已接收（{org.officer.name}）" in page
        and f"（{org.officer.name}）（{org.officer.name}）" not in page
    )


def test_rule_B21_a_township_may_report_straight_to_the_city_when_urgent(org, duty):
    township_officer = make_person(org.township, "周镇", roles=[Role.DUTY_STAFF])
    with travel(at(9, 6)):
        event = services.event_open(
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


def test_rule_B20_a_verification_request_is_answered_in_time_or_its_lateness_recorded(org, duty):
    with travel(at(10)):
        asked = services.verification_ask(org.city, org.county, org.city_admin, "核实S203线滑坡有无人员伤亡")
    assert (asked.phone_due_at, asked.written_due_at) == (at(10, 15), at(10, 30))
    assert Notice.objects.filter(person=org.officer, text__contains="核报").exists()
    client = org.client(org.officer)
    with travel(at(10, 12)):
        client.post(
            f"/incidents/verifications/{asked.pk}/", {"channel": "phone", "reply": "经核实无人员伤亡"}
        )
        client.post(
            f"/incidents/verifications/{asked.pk}/",
            {"channel": "written", "delay_reason": "现场通信中断，书面材料稍后报送"},
        )
    with travel(at(10, 31)):
        run_jobs()
    lapse = Lapse.objects.get(request=asked)
    assert (lapse.kind, lapse.what) == (Lapse.Kind.LATE, "written")
    assert Notice.objects.filter(person=org.city_admin, text__contains="核报超时").exists()
    with travel(at(10, 40)):
        client.post(
            f"/incidents/verifications/{asked.pk}/", {"channel": "written", "reply": "书面核实材料已报送"}
        )
    lapse.refresh_from_db()
    asked.refresh_from_db()
    assert lapse.minutes == 10 and asked.delay_reason.startswith("现场通信中断")
    assert asked.phone_replied_at == at(10, 12) and asked.next_check_at is None
    # each channel keeps its own reply and who gave it: the written one does not replace the phone one
    assert (asked.phone_reply, asked.phone_replied_by) == ("经核实无人员伤亡", org.officer)
    assert (asked.written_reply, asked.written_replied_by) == ("书面核实材料已报送", org.officer)
    page = client.get(f"/incidents/verifications/{asked.pk}/").content.decode()
    assert "经核实无人员伤亡" in page and "书面核实材料已报送" in page


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


def test_rule_B13_the_duty_log_holds_the_events_steps_in_time_order(org, duty):
    from zhiban.shifts.log import duty_log

    event = open_event(org)
    with travel(at(9, 12)):
        phone_first(event, org.officer, at(9, 12), org.city)
    with travel(at(9, 30)):
        run_jobs()
    texts = [text for _, text in duty_log(duty.day).emergencies]
    assert texts[0].startswith("青石镇S203线山体滑坡：登记")
    assert any("电话报告首报报市政府" in t for t in texts)
    assert texts[-1].endswith("书面报告已超过时限（09:30）")


def test_an_event_is_opened_from_a_call_with_its_time_and_content(org, duty):
    from zhiban.intake.models import Call

    call = Call.objects.create(
        unit=org.county,
        at=at(8, 50),
        number="0558-2222333",
        name="王建华",
        content="S203线山体滑坡",
        taken_by=org.officer,
    )
    client = org.client(org.officer)
    with travel(at(8, 55)):
        form = client.get(f"/incidents/new/?from=call:{call.pk}").content.decode()
        assert "S203线山体滑坡" in form and "2026-03-05T08:50" in form
        client.post(
            f"/incidents/new/?from=call:{call.pk}",
            {
                "title": "S203线山体滑坡",
                "category": "natural",
                "known_at": "2026-03-05T08:50",
                "place": "S203线",
                "summary": "S203线山体滑坡",
            },
        )
    event = Event.objects.get()
    assert (event.source, event.call, event.phone_due_at) == ("call", call, at(9, 5))
    sibling = org.client(org.sibling_officer).get(f"/incidents/new/?from=call:{call.pk}")
    assert sibling.status_code == 404


def test_empty_and_garbage_posts_never_give_a_500(org, duty):

    event = open_event(org)
    with travel(at(9, 20)):
        report = phone_first(event, org.officer, at(9, 20), org.city)
        asked = services.verification_ask(org.city, org.county, org.city_admin, "核实")
    urls = [
        "/incidents/new/",
        f"/incidents/{event.pk}/reports/",
        f"/incidents/{event.pk}/notes/",
        f"/incidents/reports/{report.pk}/forward/",
        f"/incidents/reports/{report.pk}/receive/",
        "/incidents/verifications/new/",
        f"/incidents/verifications/{asked.pk}/",
    ]
    garbage = {
        "r-at": "0001-01-01T00:00",
        "r-kind": "nope",
        "known_at": "9999-99-99",
        "to_unit": "x",
        "channel": "x",
    }
    for person in (org.officer, org.city_admin):
        client = org.client(person)
        with travel(at(9, 30)):
            for url in urls:
                for data in ({}, garbage):
                    assert client.post(url, data).status_code < 500, url


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


def test_rule_B21_related_departments_and_areas_are_notified(org, duty):
    event = open_event(org)
    with travel(at(9, 5)):
        org.client(org.officer).post(
            f"/incidents/{event.pk}/notify/", {"u-units": [org.county_dept.pk, org.sibling.pk]}
        )
    told = Notice.objects.get(person=org.sibling_officer)
    assert "青石镇S203线山体滑坡" in told.text
    # 西山县 cannot open 东湖县's event: its notice carries what is known, not a link it would get 404 on
    assert told.link == "" and "03月05日09:00获知" in told.text and "山体滑坡，道路中断" in told.text
    assert org.client(org.sibling_officer).get(f"/incidents/{event.pk}/").status_code == 404
    assert steps(event, EventStep.Kind.NOTE) == ["已通知相关单位：东湖县应急管理局、西山县"]
    # the facts come first, so a long message cut to the notice's length keeps them
    with travel(at(9, 6)):
        org.client(org.officer).post(
            f"/incidents/{event.pk}/notify/", {"u-units": [org.sibling.pk], "u-text": "请做好防范。" * 60}
        )
    longest = Notice.objects.filter(person=org.sibling_officer).order_by("-id").first()
    assert (
        longest.text.startswith(f"{org.county.label}03月05日09:00获知青石镇S203线山体滑坡")
        and "道路中断" in longest.text
    )
    # a classified event's summary is not sent to a unit that may not read it
    Event.objects.filter(pk=event.pk).update(classification="secret")
    event.refresh_from_db()
    services.event_notify_units(event, org.officer, [org.sibling], "")
    secret = Notice.objects.filter(person=org.sibling_officer).order_by("-id").first()
    assert "道路中断" not in secret.text and "详情请与其值班室联系" in secret.text


def test_an_outside_system_opens_an_event_over_the_api(org, duty, client):
    from zhiban.org.models import ApiToken

    headers = {"Authorization": f"Bearer {ApiToken.issue(org.officer.user, '监测平台')[1]}"}
    body = {
        "title": "东湖水库超汛限",
        "category": "natural",
        "known_at": "2026-03-05T07:50:00+08:00",
        "place": "东湖水库",
        "summary": "水位超汛限0.3米",
    }
    created = client.post(
        f"/api/v1/units/{org.county.pk}/events", body, content_type="application/json", headers=headers
    )
    assert created.status_code == 201
    event = Event.objects.get()
    assert (event.source, event.phone_due_at) == ("api", at(8, 5))
    assert (
        client.get(f"/api/v1/events/{event.pk}", headers=headers).json()["phone_due_at"]
        == "2026-03-05T00:05:00Z"  # UTC on the wire
    )
    future = client.post(
        f"/api/v1/units/{org.county.pk}/events",
        {**body, "known_at": "2026-03-05T12:00:00+08:00"},
        content_type="application/json",
        headers=headers,
    )
    assert future.status_code == 400 and "获知时间不能晚于现在" in str(future.json())
    unknown = client.post(
        f"/api/v1/units/{org.county.pk}/events",
        {**body, "category": "alien"},
        content_type="application/json",
        headers=headers,
    )
    assert unknown.status_code == 422 and Event.objects.count() == 1
