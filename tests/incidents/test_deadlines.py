"""Reporting deadlines (B21): counted from the moment known, a warning before and an alarm at each, late and missed reports recorded once, whatever the runner did meanwhile."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.incidents.helpers import (
    deadline,
    dues,
    open_event,
    open_landslide,
    phone_first,
    run_jobs,
    steps,
    written,
)
from tests.shift_fixtures import at, travel
from zhiban.incidents import services
from zhiban.incidents.jobs import try_deadline_one
from zhiban.incidents.models import EventStep, Lapse
from zhiban.notify.models import Notice
from zhiban.org.models import DutyPolicy


@pytest.mark.usefixtures("on_the_day")
def test_rule_B21_A1_4_deadlines_run_from_the_moment_known_the_policy_is_copied_leaders_told(org, duty):
    DutyPolicy.objects.create(unit=org.county, phone_report_minutes=10)
    event = open_event(org)
    assert dues(event) == (at(9, 10), at(9, 30))
    DutyPolicy.objects.filter(unit=org.county).update(phone_report_minutes=60, written_report_minutes=90)
    assert dues(event) == (at(9, 10), at(9, 30))  # a later edit moves nothing
    assert Notice.objects.filter(person=org.county_leader, text__contains="突发事件").exists()  # A1.4


@pytest.mark.usefixtures("on_the_day")
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


@pytest.mark.usefixtures("on_the_day")
def test_rule_B21_a_runner_back_late_fires_the_alarms_that_fell_due_and_no_stale_warnings(org, duty):
    event = open_event(org)
    with travel(at(9, 40)):  # the runner was down from 9:00 to 9:40
        run_jobs()
    assert sorted(steps(event, EventStep.Kind.ALARM)) == [
        "书面报告已超过时限（09:30）",
        "电话报告已超过时限（09:15）",
    ]
    assert steps(event, EventStep.Kind.WARNING) == []
    # next: the missed-report cut-off
    assert deadline(event, "phone").next_check_at == at(9, 15) + dt.timedelta(days=1)


@pytest.mark.usefixtures("on_the_day")
def test_rule_B21_a_second_runner_finds_the_alarm_taken(org, duty):
    event = open_event(org)
    with travel(at(9, 15)):
        first, second = try_deadline_one(), try_deadline_one()
    assert (first, second) == (True, False)  # the second finds the check already moved on
    assert len(steps(event, EventStep.Kind.ALARM)) == 1


@pytest.mark.usefixtures("on_the_day")
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


@pytest.mark.usefixtures("on_the_day")
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


@pytest.mark.usefixtures("on_the_day")
def test_rule_B21_A1_4_deadline_alarms_reach_the_units_leaders_on_a_shift_without_a_leader_post(org, duty):
    duty.roster.assignments.filter(post="leader").delete()  # a workday: no leader post on the shift
    event = open_landslide(org)
    with travel(at(9, 15)):
        while try_deadline_one():
            pass
    assert event.steps.filter(kind="alarm").count() == 1
    for person in (org.officer, org.county_leader, org.county_admin):
        assert Notice.objects.filter(person=person, text__startswith="【告警】").count() == 1, person.name


@pytest.mark.usefixtures("on_the_day")
def test_rule_B21_a_report_made_while_the_runner_is_behind_is_late_and_the_other_deadline_still_runs(
    org, duty
):
    event = open_event(org)
    with travel(at(9, 15) + dt.timedelta(seconds=5)):  # the 9:15 phone check not yet taken by the runner
        phone_first(event, org.officer, at(9, 15) + dt.timedelta(seconds=5), org.city)
        run_jobs()
    phone = deadline(event, "phone")
    assert phone.met_at == (at(9, 15) + dt.timedelta(seconds=5)) and phone.next_check_at is None
    assert Lapse.objects.get(event=event, what="phone").minutes == 1  # late, by five seconds
    assert steps(event, EventStep.Kind.ALARM) == []  # made before the runner came: no alarm to call for it
    assert deadline(event, "written").next_check_at == at(9, 25)  # the written report's warning is kept


@pytest.mark.usefixtures("on_the_day")
def test_rule_B21_a_written_report_in_time_meets_the_phone_deadline_too(org, duty):
    event = open_event(org)
    with travel(at(9, 8)):
        written(event, org.officer, "first", org.city)
    with travel(at(9, 16) + dt.timedelta(days=1)):
        run_jobs()
    assert deadline(event, "phone").met_at == at(9, 8) and deadline(event, "written").met_at == at(9, 8)
    assert steps(event, EventStep.Kind.ALARM) == [] and not Lapse.objects.exists()


@pytest.mark.usefixtures("on_the_day")
def test_rule_B21_a_report_after_it_was_recorded_missed_is_late_not_both(org, duty):
    event = open_event(org)
    with travel(at(9, 31) + dt.timedelta(days=1)):
        run_jobs()
        assert set(Lapse.objects.values_list("what", "kind")) == {("phone", "missed"), ("written", "missed")}
        phone_first(event, org.officer, at(9, 31) + dt.timedelta(days=1), org.city)
    assert set(Lapse.objects.values_list("what", "kind")) == {("phone", "late"), ("written", "missed")}


@pytest.mark.usefixtures("on_the_day")
def test_rule_B21_an_event_registered_after_its_phone_report_fell_due_is_alarmed_at_once(org, duty):
    with travel(at(9, 20)):  # known at 09:00, registered twenty minutes later: the phone report is overdue
        event = services.event_open(
            org.county,
            org.officer,
            title="青石镇S203线山体滑坡",
            category="natural",
            known_at=at(9),
            place="青石镇S203线K12处",
            summary="山体滑坡，道路中断",
        )
        run_jobs()
    assert steps(event, EventStep.Kind.ALARM) == ["电话报告已超过时限（09:15）"]
    assert not steps(event, EventStep.Kind.MISSED)  # alarmed now, recorded as missed only at the cut-off
    with travel(at(9, 26)):  # the written report's warning time has come: warned, once
        run_jobs()
        run_jobs()
    assert len(steps(event, EventStep.Kind.WARNING)) == 1
