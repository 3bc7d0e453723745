"""Arrival at the shift (A2.3): shifts opened a day ahead, an absent incoming primary keeps the outgoing shift and alerts the leader through the unit's channels."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.shift_fixtures import DAY, at, travel
from zhiban.notify.models import Notice, OutboxMessage
from zhiban.shifts import services
from zhiban.shifts.jobs import try_open_shift_one, try_watch_arrival_one
from zhiban.shifts.models import Shift


@pytest.mark.usefixtures("on_the_day")
def test_rule_A2_3_with_no_leader_post_the_units_leader_is_alerted(org, duty):
    duty.roster.assignments.filter(post="leader").delete()
    with travel(at(17, 40)):
        while try_watch_arrival_one():
            pass
    assert Notice.objects.filter(person=org.county_leader, text__contains="吴建平").exists()


@pytest.mark.usefixtures("on_the_day")
def test_rule_A2_3_an_absent_incoming_primary_keeps_the_outgoing_shift_and_alerts_the_leader(org, duty):
    services.check_in(duty.day, org.officer, at(8, 20))
    with travel(at(17, 29)):  # the day shift's own check at 08:30 finds its primary in
        while try_watch_arrival_one():
            pass
    assert not Notice.objects.filter(text__contains="请继续在岗").exists()
    with travel(at(17, 45)):  # the runner was busy or down at 17:30
        while try_watch_arrival_one():
            pass
    duty.night.refresh_from_db()
    assert duty.night.absent_alerted_at == at(17, 45)
    assert Notice.objects.filter(person=org.officer, text__contains="请继续在岗").exists()
    assert Notice.objects.filter(person=org.county_leader, text__contains="吴建平").exists()
    assert not Notice.objects.filter(person=duty.night_primary, text__contains="请继续在岗").exists()


@pytest.mark.usefixtures("on_the_day")
def test_rule_A2_3_the_absence_alert_goes_out_through_the_units_channels(org, duty):
    from zhiban.notify.models import ChannelRoute

    ChannelRoute.objects.create(unit=org.county, order=1, channel="sms", url="http://127.0.0.1:9/sms")
    ChannelRoute.objects.create(unit=org.county, order=2, channel="wecom", url="http://127.0.0.1:9/wecom")
    services.check_in(duty.day, org.officer, at(8, 20))
    with travel(at(17, 31)):
        while try_watch_arrival_one():
            pass
    sms = set(OutboxMessage.objects.filter(channel="sms").values_list("recipient", flat=True))
    assert {org.county_leader.mobile, org.officer.mobile} <= sms  # the leader, and the outgoing told to stay
    (group,) = OutboxMessage.objects.filter(channel="wecom")  # the duty group hears it once
    assert "吴建平" in group.body and "未按时到岗" in group.subject


@pytest.mark.usefixtures("on_the_day")
def test_rule_A2_3_a_primary_who_checked_in_raises_no_alarm(org, duty):
    services.check_in(duty.night, duty.night_primary, at(17, 15))
    with travel(at(17, 31)):
        while try_watch_arrival_one():
            pass
    duty.night.refresh_from_db()
    assert duty.night.arrival_check_at is None  # the check was made
    assert duty.night.absent_alerted_at is None
    assert not Notice.objects.filter(text__contains="请继续在岗").exists()


@pytest.mark.usefixtures("on_the_day")
def test_rule_A2_3_shifts_are_opened_from_the_published_roster_a_day_ahead(org, duty):
    Shift.objects.all().delete()
    with travel(at(9, 0, DAY - dt.timedelta(days=1))):
        while try_open_shift_one():
            pass
    assert set(Shift.objects.values_list("name", "start")) == {("全天班", at(8, 30))}
    with travel(at(18, 0, DAY - dt.timedelta(days=1))):
        while try_open_shift_one():
            pass
    assert Shift.objects.count() == 2
