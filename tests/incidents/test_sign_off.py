"""Sign-off before a written report goes up (B19, B21, B22): drafted by the duty officer, checked, signed
off by the leader on duty or a unit leader (told at once, by notice and the unit's SMS), sent at the
moment of sign-off; until then it counts for nothing, and the superior does not see it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from tests.incidents.helpers import ELEMENTS_FILLED, deadline, open_event, run_jobs, steps
from tests.shift_fixtures import at, travel
from zhiban.incidents import reporting
from zhiban.incidents.models import EventStep, Lapse, Report
from zhiban.notify.jobs import try_deliver_one
from zhiban.notify.models import ChannelRoute, Notice
from zhiban.org.models import DutyPolicy


def draft(event, org, **extra):
    return reporting.report_draft(
        event,
        org.officer,
        kind="first",
        channel="written",
        to_unit=org.city,
        signer=org.county_leader,
        **{**ELEMENTS_FILLED, **extra},
    )


@pytest.mark.usefixtures("on_the_day")
def test_rule_B21_B19_an_unsigned_written_report_does_not_count_as_sent(org, duty):
    event = open_event(org)
    with travel(at(9, 20)):
        report = draft(event, org)
    assert (report.state, report.at) == (Report.State.PENDING, None)
    city_inbox = org.client(org.city_admin).get("/incidents/inbox/").content.decode()
    assert event.title not in city_inbox  # the superior has nothing yet
    assert org.client(org.city_admin).get(f"/incidents/reports/{report.pk}/").status_code == 404
    with travel(at(9, 31)):
        run_jobs()
    assert steps(event, EventStep.Kind.ALARM) == [
        "电话报告已超过时限（09:15）",
        "书面报告已超过时限（09:30）",
    ]
    with travel(at(9, 34)):  # signed off at 9:34: that is when it went, four minutes late
        reporting.report_sign(report, org.county_leader)
    report.refresh_from_db()
    assert (report.state, report.at, report.late_minutes) == (Report.State.SENT, at(9, 34), 4)
    assert deadline(event, "written").met_at == at(9, 34)
    assert Lapse.objects.get(event=event, what="written").minutes == 4
    assert event.title in org.client(org.city_admin).get("/incidents/inbox/").content.decode()


@pytest.mark.usefixtures("on_the_day")
def test_rule_B22_the_leader_is_told_at_once_by_notice_and_the_units_sms(org, duty, gateway):
    ChannelRoute.objects.create(unit=org.county, order=1, channel="sms", url=f"{gateway.base}/sms")
    event = open_event(org)
    with travel(at(9, 10)):
        org.client(org.officer).post(
            f"/incidents/{event.pk}/reports/written/",
            {
                "w-kind": "first",
                "w-to_unit": org.city.pk,
                "w-signer": org.county_leader.pk,
                **{f"w-{k}": v for k, v in ELEMENTS_FILLED.items()},
            },
        )
        while try_deliver_one():
            pass
    report = Report.objects.get()
    notice = Notice.objects.get(person=org.county_leader, text__startswith="请签发")
    assert notice.text == f"请签发：{event.title}书面首报（{org.officer.name}拟稿），09:30前须报出"
    assert notice.link == f"/incidents/reports/{report.pk}/"
    asked = [r["json"] for r in gateway.received if r["json"]["content"].startswith("请签发")]
    assert [m["mobile"] for m in asked] == [org.county_leader.mobile]
    # the leader's desk shows it with the time left; one click signs it off and sends it
    desk = org.client(org.county_leader).get("/duty/").content.decode()
    assert (
        "待签发、待报出的报告" in desk
        and "书面首报" in desk
        and 'data-due="2026-03-05T09:30:00+08:00"' in desk
    )
    with travel(at(9, 12)):
        assert org.client(org.county_leader).post(f"/incidents/reports/{report.pk}/sign/").status_code == 302
    report.refresh_from_db()
    assert (report.state, report.signed_by, report.at) == (Report.State.SENT, org.county_leader, at(9, 12))
    assert steps(event, EventStep.Kind.SIGNED) == ["书面首报已签发"]


@pytest.mark.usefixtures("on_the_day")
def test_rule_B19_only_a_leader_signs_and_the_drafter_does_not_check_their_own_draft(org, duty):
    event = open_event(org)
    with travel(at(9, 10)):
        report = draft(event, org)
        officer = org.client(org.officer)
        officer.post(f"/incidents/reports/{report.pk}/sign/")
        officer.post(f"/incidents/reports/{report.pk}/check/")
        report.refresh_from_db()
        assert report.state == Report.State.PENDING and report.checked_by is None
        with pytest.raises(ValidationError, match="核稿须由值班室负责人或领导进行"):
            reporting.report_check(report, org.officer)
        page = officer.get(f"/incidents/reports/{report.pk}/").content.decode()
        assert "report_sign" not in page and f"/incidents/reports/{report.pk}/sign/" not in page
        org.client(org.county_admin).post(f"/incidents/reports/{report.pk}/check/")  # 核稿
    report.refresh_from_db()
    assert report.checked_by == org.county_admin and report.state == Report.State.PENDING
    own = draft(open_event(org), org)
    own.by = org.county_admin  # a draft of the administrator's own is checked by someone else
    with pytest.raises(ValidationError, match="拟稿人不能为自己核稿"):
        reporting.report_check(own, org.county_admin)


@pytest.mark.usefixtures("on_the_day")
def test_rule_B19_a_leader_returns_a_draft_with_what_to_change_and_it_comes_back(org, duty):
    event = open_event(org)
    leader = org.client(org.county_leader)
    with travel(at(9, 10)):
        report = draft(event, org)
        empty = leader.post(f"/incidents/reports/{report.pk}/return/", {"note": " "})
        assert empty.status_code == 400 and "请写明修改意见" in empty.content.decode()
        leader.post(f"/incidents/reports/{report.pk}/return/", {"note": "补充伤亡人数"})
    report.refresh_from_db()
    assert (report.state, report.returned_note) == (Report.State.DRAFT, "补充伤亡人数")
    assert Notice.objects.filter(person=org.officer, text__contains="补充伤亡人数").exists()
    edit = f"/incidents/reports/{report.pk}/edit/"
    page = org.client(org.officer).get(edit).content.decode()
    assert "退回修改意见：补充伤亡人数" in page and 'value="青石镇S203线K12处"' in page
    fields = {k: v for k, v in ELEMENTS_FILLED.items()}
    fields |= {"kind": "first", "to_unit": org.city.pk, "signer": org.county_leader.pk}
    fields |= {"consequences": "1人受伤", "injured": "1", "figures_at": "2026-03-05T09:12", "submit": "1"}
    with travel(at(9, 14)):
        assert org.client(org.officer).post(edit, fields).status_code == 302
    report.refresh_from_db()
    assert (report.state, report.injured, report.returned_note) == (Report.State.PENDING, 1, "")
    assert org.client(org.sibling_officer).get(edit).status_code == 404


@pytest.mark.usefixtures("on_the_day")
def test_rule_B22_a_unit_that_signs_phone_reports_off_drafts_them_and_records_the_call_after(org, duty):
    DutyPolicy.objects.create(unit=org.county, phone_report_sign_off=1)
    event = open_event(org)
    with pytest.raises(ValidationError, match="电话报告也须领导签发"):
        reporting.report_make(
            event, org.officer, kind="first", channel="phone", at=at(9, 5), to_unit=org.city, phoned_whom="周"
        )
    with travel(at(9, 5)):
        org.client(org.officer).post(
            f"/incidents/{event.pk}/reports/phone/",
            {
                "p-kind": "first",
                "p-to_unit": org.city.pk,
                "p-signer": org.county_leader.pk,
                "p-course": "滑坡",
            },
        )
    report = Report.objects.get()
    assert (report.channel, report.state) == ("phone", Report.State.PENDING)
    with travel(at(9, 7)):
        reporting.report_sign(report, org.county_leader)
    report.refresh_from_db()
    assert report.state == Report.State.SIGNED and deadline(event, "phone").met_at is None  # not phoned yet
    send = f"/incidents/reports/{report.pk}/send/"
    with travel(at(9, 9)):
        missing = org.client(org.officer).post(send, {"at": "2026-03-05T09:08"})
        assert missing.status_code == 400 and "电话报告须记录接报人" in missing.content.decode()
        org.client(org.officer).post(send, {"at": "2026-03-05T09:08", "phoned_whom": "周建国"})
    report.refresh_from_db()
    assert (report.state, report.at, report.phoned_whom) == (Report.State.SENT, at(9, 8), "周建国")
    assert deadline(event, "phone").met_at == at(9, 8)
