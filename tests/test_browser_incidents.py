"""The duty-room board in Debian's chromium: an event whose phone deadline passes shows the alarm
without a reload (B21)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from playwright.sync_api import expect

from zhiban.incidents.models import Event


def test_rule_B21_the_board_shows_the_alarm_when_the_phone_deadline_passes(org, page, login_as):
    now = timezone.now()
    event = Event.objects.create(
        unit=org.county,
        title="东湖水库超汛限",
        category="natural",
        known_at=now - dt.timedelta(minutes=15) + dt.timedelta(seconds=8),  # phone report due in 8 seconds
        place="东湖水库",
        summary="水位超汛限",
        phone_minutes=15,
        written_minutes=30,
        warning_minutes=5,
        missed_after_minutes=1440,
        phone_due_at=now + dt.timedelta(seconds=8),
        written_due_at=now + dt.timedelta(minutes=15, seconds=8),
    )
    login_as(org.officer)
    page.goto("/incidents/board/")
    row = page.get_by_role("row").filter(has_text=event.title)
    expect(row).to_contain_text("剩余 0 分")  # the countdown runs in the page
    page.evaluate("window.notReloaded = true")
    expect(row.get_by_role("alert")).to_have_text("已超时", timeout=20_000)
    assert page.evaluate("window.notReloaded") is True
    expect(row).to_contain_text("剩余 15 分")  # the written report's countdown goes on


def test_rule_B21_the_countdown_does_not_fall_back_to_the_deadline_when_the_board_refreshes(
    org, page, login_as
):
    now = timezone.now()
    Event.objects.create(
        unit=org.county,
        title="东湖水库超汛限",
        category="natural",
        known_at=now,
        place="东湖水库",
        summary="水位超汛限",
        phone_minutes=15,
        written_minutes=30,
        warning_minutes=5,
        missed_after_minutes=1440,
        phone_due_at=now + dt.timedelta(minutes=15),
        written_due_at=now + dt.timedelta(minutes=30),
    )
    login_as(org.officer)
    page.goto("/incidents/board/")
    # What the rows a poll swaps in read once the swap's task is done, before the browser can paint them.
    page.evaluate(
        """() => {
            window.shown = [];
            new MutationObserver(() => document.querySelectorAll("#board-rows [data-due]")
                .forEach(el => window.shown.push(el.textContent)))
              .observe(document.getElementById("board-rows"), {childList: true});
        }"""
    )
    page.wait_for_function("window.shown.length >= 2", timeout=15_000)  # a poll came (every 5 s)
    shown = page.evaluate("window.shown")
    assert shown and all(text.startswith("剩余") for text in shown), shown
