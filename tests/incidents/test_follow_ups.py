"""Scheduled follow-ups (B19 续报): where the rule sets them, each is owed in its turn, warned before and
alarmed when it passes without one, and late or missed like any report, until the final report."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.incidents.helpers import deadline, open_event, phone_first, run_jobs, steps, written
from tests.shift_fixtures import at, travel
from zhiban.incidents.models import Deadline, EventStep, Lapse, ReportingRule
from zhiban.notify.models import Notice


def schedule(org, **fields):
    ReportingRule.objects.create(
        unit=org.city, category="natural", grade="III", phone_minutes=15, written_minutes=30, **fields
    )


@pytest.mark.usefixtures("on_the_day")
def test_rule_B19_follow_ups_twice_a_day_are_warned_alarmed_and_go_on_until_the_final_report(org, duty):
    schedule(org, followup_times="08:00 17:00")
    event = open_event(org, grade="III")
    with travel(at(9, 10)):
        phone_first(event, org.officer, at(9, 10), org.city)
    first = deadline(event, "follow_up")
    assert (first.starts_at, first.due_at) == (at(9, 10), at(17))  # the first after the first report
    with travel(at(16, 55)):
        run_jobs()
    assert "续报还剩5分钟（17:00截止）" in steps(event, EventStep.Kind.WARNING)
    assert Notice.objects.filter(person=org.officer, text__contains="续报须在17:00前报出").exists()
    with travel(at(17)):
        run_jobs()
    assert "续报已超过时限（17:00）" in steps(event, EventStep.Kind.ALARM)
    tomorrow = deadline(event, "follow_up", 1)  # the schedule goes on: 08:00 tomorrow is owed too
    assert (tomorrow.starts_at, tomorrow.due_at) == (at(17), at(8) + dt.timedelta(days=1))
    with travel(at(18)):  # a follow-up an hour late answers 17:00 only, not tomorrow's
        written(event, org.officer, "follow_up", org.city)
    assert deadline(event, "follow_up").late_minutes == 60
    assert Lapse.objects.get(what="follow_up").minutes == 60
    assert deadline(event, "follow_up", 1).met_at is None
    with travel(at(7, 50) + dt.timedelta(days=1)):
        written(event, org.officer, "final", org.city)
    assert deadline(event, "follow_up", 1).met_at == at(7, 50) + dt.timedelta(days=1)
    assert not Deadline.objects.filter(event=event, met_at=None).exists()
    with travel(at(17) + dt.timedelta(days=1)):  # closed: no slot owed, nothing checked
        run_jobs()
    assert event.deadline_set.filter(kind="follow_up").count() == 2


@pytest.mark.usefixtures("on_the_day")
def test_rule_B19_a_follow_up_every_few_hours_is_counted_from_the_last_report(org, duty):
    schedule(org, followup_hours=2)
    event = open_event(org, grade="III")
    with travel(at(9, 10)):
        phone_first(event, org.officer, at(9, 10), org.city)
    assert deadline(event, "follow_up").due_at == at(11, 10)
    with travel(at(10, 30)):
        written(event, org.officer, "first", org.city)  # a first report is no follow-up
    assert deadline(event, "follow_up").met_at is None
    with travel(at(11)):
        written(event, org.officer, "follow_up", org.city)
    assert deadline(event, "follow_up").met_at == at(11)
    assert deadline(event, "follow_up", 1).due_at == at(13)
    with travel(at(13) + dt.timedelta(days=1, minutes=1)):  # never made: missed, once
        run_jobs()
        run_jobs()
    assert list(Lapse.objects.filter(what="follow_up").values_list("kind", flat=True)) == ["missed"]


@pytest.mark.usefixtures("on_the_day")
def test_an_event_without_a_schedule_owes_no_follow_up(org, duty):
    event = open_event(org)
    with travel(at(9, 10)):
        phone_first(event, org.officer, at(9, 10), org.city)
    assert not event.deadline_set.filter(kind="follow_up").exists()


@pytest.mark.usefixtures("on_the_day")
def test_rule_B19_B21_an_upgrade_after_the_first_report_starts_the_new_rows_follow_ups(org, duty):
    ReportingRule.objects.create(
        unit=org.city, category="natural", grade="IV", phone_minutes=60, written_minutes=120
    )
    schedule(org, followup_times="08:00 17:00")  # 较大 and above: follow-ups twice a day
    event = open_event(org, grade="IV")
    with travel(at(9, 10)):
        phone_first(event, org.officer, at(9, 10), org.city)
    assert not event.deadline_set.filter(kind="follow_up").exists()  # 一般: no schedule
    with travel(at(10, 25)):
        org.client(org.officer).post(
            f"/incidents/{event.pk}/regrade/", {"g-grade": "III", "g-at": "2026-03-05T10:20", "g-note": ""}
        )
    follow_up = deadline(event, "follow_up")
    assert (follow_up.starts_at, follow_up.due_at) == (at(10, 20), at(17))
    assert "续报17:00前" in steps(event, EventStep.Kind.REGRADED)[0]
    with travel(at(17, 1)):
        run_jobs()
    assert "续报已超过时限（17:00）" in steps(event, EventStep.Kind.ALARM)


@pytest.mark.usefixtures("on_the_day")
def test_rule_B19_every_few_hours_goes_on_after_a_missed_follow_up_counted_from_the_next_report(org, duty):
    schedule(org, followup_hours=2)
    event = open_event(org, grade="III")
    with travel(at(9, 10)):
        phone_first(event, org.officer, at(9, 10), org.city)
    with travel(at(11, 10)):
        run_jobs()
    assert "续报已超过时限（11:10）" in steps(event, EventStep.Kind.ALARM)
    assert deadline(event, "follow_up", 1).due_at == at(13, 10)  # the next is owed two hours on
    with travel(at(11, 40)):  # half an hour late: answers 11:10; the next is two hours from now
        written(event, org.officer, "follow_up", org.city)
    assert deadline(event, "follow_up").late_minutes == 30
    owed = event.deadline_set.filter(kind="follow_up", met_at=None)
    assert [d.due_at for d in owed] == [at(13, 40)]  # one owed, not a second from the missed slot


@pytest.mark.usefixtures("on_the_day")
def test_a_runner_back_after_hours_owes_the_next_follow_up_from_now_not_one_per_passed_time(org, duty):
    schedule(org, followup_hours=2)
    event = open_event(org, grade="III")
    with travel(at(9, 10)):
        phone_first(event, org.officer, at(9, 10), org.city)
    with travel(at(18)):  # down from before 11:10 to 18:00
        run_jobs()
    assert [s for s in steps(event, EventStep.Kind.ALARM) if s.startswith("续报")] == [
        "续报已超过时限（11:10）"
    ]
    assert [d.due_at for d in event.deadline_set.filter(kind="follow_up", met_at=None)] == [
        at(11, 10),
        at(20),
    ]
