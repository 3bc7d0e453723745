"""The duty-room board in Debian's chromium: an event whose phone deadline passes shows the alarm
without a reload (B21)."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone
from playwright.sync_api import expect

from zhiban.incidents import deadlines
from zhiban.incidents.models import Event


def reservoir_event(org, known_ago: dt.timedelta) -> Event:
    """东湖县 learned `known_ago` before now (real time: the board counts in the browser) that 东湖水库
    is over its flood limit; 15 minutes for the phone report, 30 for the written one."""
    known = timezone.now() - known_ago
    event = Event.objects.create(
        unit=org.county,
        title="东湖水库超汛限",
        category="natural",
        known_at=known,
        place="东湖水库",
        summary="水位超汛限",
        phone_minutes=15,
        written_minutes=30,
        warning_minutes=5,
        missed_after_minutes=1440,
    )
    deadlines.start(event, known, "登记")
    return event


def test_rule_B21_the_board_shows_the_alarm_when_the_phone_deadline_passes(org, page, login_as):
    event = reservoir_event(org, known_ago=dt.timedelta(minutes=15, seconds=-8))  # phone report due in 8 s
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
    reservoir_event(org, known_ago=dt.timedelta(0))
    login_as(org.officer)
    page.goto("/incidents/board/")
    # What the rows a poll swaps in read once the swap's task is done, before the browser can paint them.
    page.evaluate(
        """() => {
            window.shown = [];
            new MutationObserver(() => {
                document.querySelectorAll("#board-rows [data-due]").forEach(el => window.shown.push(el.textContent));
                document.body.dataset.shown = window.shown.length;
            }).observe(document.getElementById("board-rows"), {childList: true});
        }"""
    )
    # a poll came (every 5 s), seen through the page's DOM: the page's CSP evaluates no string as script,
    # so no wait_for_function predicate
    expect(page.locator("body")).to_have_attribute(
        "data-shown", re.compile(r"^([2-9]|\d\d+)$"), timeout=15_000
    )
    shown = page.evaluate("window.shown")
    assert shown and all(text.startswith("剩余") for text in shown), shown
