"""Duty reminders (A2.3): the day before and the policy's minutes before, once, worded for the moment they are sent, by the unit's channels and real SMTP."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.clock import travel_to
from tests.factories import make_assignment, make_roster
from zhiban.lib.management.commands.runjobs import run_until_idle
from zhiban.notify.models import Notice, OutboxMessage
from zhiban.roster.jobs import try_remind_one
from zhiban.roster.models import Assignment, Roster


@pytest.fixture
def published_shift(org):
    """The officer on a published 24-hour shift from 5 March 2026, 08:30; the officer has an email."""
    org.officer.user.email = "linhaiyan@dh.example.gov.cn"
    org.officer.user.save()
    roster = make_roster(org.county, dt.date(2026, 3, 5), 1, state=Roster.State.PUBLISHED)
    assignment = make_assignment(roster, org.officer, dt.date(2026, 3, 5))
    Assignment.objects.filter(pk=assignment.pk).update(
        reminder_due_at=assignment.start - dt.timedelta(days=1)
    )
    assignment.refresh_from_db()
    return assignment


def test_rule_A2_3_reminders_the_day_before_and_the_policy_minutes_before(org, published_shift):
    with travel_to(2026, 3, 4, 8, 29):
        assert try_remind_one() is False  # not due yet
    with travel_to(2026, 3, 4, 8, 30):
        assert try_remind_one() is True
        assert try_remind_one() is False
    notices = list(Notice.objects.filter(person=org.officer).order_by("id"))
    assert len(notices) == 1 and "明天" in notices[0].text
    with travel_to(2026, 3, 5, 7, 30):  # the policy's 60 minutes before 08:30 (B29 default)
        assert try_remind_one() is True
    notices = list(Notice.objects.filter(person=org.officer).order_by("id"))
    assert len(notices) == 2 and "60分钟后" in notices[1].text
    published_shift.refresh_from_db()
    assert published_shift.reminder_due_at is None and published_shift.reminders_sent == 2


def test_rule_A2_3_two_runners_send_each_reminder_once(org, published_shift):
    with travel_to(2026, 3, 4, 8, 45):
        assert run_until_idle([try_remind_one, try_remind_one]) >= 1
        run_until_idle([try_remind_one])
    with travel_to(2026, 3, 5, 7, 35):
        run_until_idle([try_remind_one, try_remind_one])
    texts = list(Notice.objects.filter(person=org.officer).order_by("id").values_list("text", flat=True))
    assert len(texts) == 2 and "明天" in texts[0] and "55分钟后" in texts[1]


def test_rule_A2_3_a_runner_back_after_both_reminders_were_due_sends_one_in_the_words_of_the_moment(
    org, published_shift
):
    with travel_to(
        2026, 3, 5, 7, 45
    ):  # down since before the day-before reminder and past the hour-before one
        run_until_idle([try_remind_one, try_remind_one])
    texts = list(Notice.objects.filter(person=org.officer).values_list("text", flat=True))
    assert len(texts) == 1 and "45分钟后（3月5日 08:30）" in texts[0] and "明天" not in texts[0]
    published_shift.refresh_from_db()
    assert published_shift.reminder_due_at is None


def test_rule_A2_3_reminder_due_while_the_runner_was_down_is_sent_when_it_starts(org, published_shift):
    with travel_to(2026, 3, 5, 9, 0):  # the runner comes back during the shift
        run_until_idle()
    (text,) = Notice.objects.filter(person=org.officer, text__startswith="值班提醒").values_list(
        "text", flat=True
    )
    assert "已于3月5日 08:30开始" in text and "明天" not in text and "分钟后" not in text
    with travel_to(2026, 3, 7, 9, 0):  # but never for a shift that is over
        roster = make_roster(org.county, dt.date(2026, 3, 6), 1, state=Roster.State.PUBLISHED)
        late = make_assignment(roster, org.deputy, dt.date(2026, 3, 6))
        Assignment.objects.filter(pk=late.pk).update(reminder_due_at=late.start - dt.timedelta(days=1))
        run_until_idle()
    assert not Notice.objects.filter(person=org.deputy).exists()


def test_reminder_email_goes_through_smtp(org, published_shift, smtp):
    with travel_to(2026, 3, 4, 9, 0):
        run_until_idle()
    assert len(smtp.messages) == 1
    message = smtp.messages[0]
    assert message.rcpt_tos == ["linhaiyan@dh.example.gov.cn"]
    assert "值班提醒".encode() in message.content or b"=?utf-8?" in message.content
    sent = OutboxMessage.objects.get()
    assert sent.state == OutboxMessage.State.SENT and sent.attempt_log.get().ok
