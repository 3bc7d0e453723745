"""The desk and the alarm strip in Debian's chromium, at a desktop's 1440×900 (issue 16): what the
person sees, with real time running (the countdowns run in the page)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import make_assignment, make_roster
from tests.incidents.test_board_in_the_browser import reservoir_event
from zhiban.intake import services as intake

DESKTOP = {"width": 1440, "height": 900}


def _on_duty_now(org):
    now = timezone.localtime()
    roster = make_roster(org.county, now.date() - dt.timedelta(days=1), 3, state="published")
    make_assignment(roster, org.officer, now.date() - dt.timedelta(days=1), hours=48, start=(8, 30))
    return roster


def test_rule_B7_the_officer_sees_the_fire_first_on_the_desk_with_its_countdown(org, page, login_as):
    _on_duty_now(org)
    event = reservoir_event(org, known_ago=dt.timedelta(minutes=1))
    intake.matter_open(org.county, org.officer, "小区停水，居民求助")
    page.set_viewport_size(DESKTOP)
    login_as(org.officer)
    page.goto("/")
    expect(page.get_by_role("heading", name="工作台")).to_contain_text("值班人员")
    emergencies = page.locator("section.emergencies")
    row = emergencies.get_by_role("row").filter(has_text=event.title)
    expect(row).to_contain_text("剩余 13 分")  # the phone report: 15 minutes from being known
    expect(emergencies.get_by_role("columnheader", name="下一个时限")).to_be_visible()  # a table, not cards
    assert row.bounding_box()["width"] > 600
    expect(page.get_by_role("heading", name="我的值班")).to_be_visible()
    expect(page.get_by_text("小区停水，居民求助")).to_be_visible()
    box = emergencies.bounding_box()
    assert box["y"] < page.get_by_role("heading", name="我的值班").bounding_box()["y"]  # emergencies first
    assert box["y"] < DESKTOP["height"]  # on the first screen


def test_rule_B21_the_alarm_strip_alarms_on_an_unrelated_page_at_the_deadline(org, page, login_as):
    _on_duty_now(org)
    event = reservoir_event(org, known_ago=dt.timedelta(minutes=15, seconds=-6))  # phone report due in 6 s
    page.set_viewport_size(DESKTOP)
    login_as(org.officer)
    page.goto("/org/contacts/")
    strip = page.locator("#alarm-strip")
    expect(strip).to_contain_text(event.title)
    expect(strip).to_contain_text("剩余 0 分")
    expect(strip.get_by_role("button", name="开启提示音")).to_be_visible()
    expect(strip.get_by_text("已超时")).to_be_visible(timeout=20_000)
    expect(strip.locator(".strip-row.bad, .alarm").first).to_be_visible()
    strip.get_by_role("button", name="开启提示音").click()
    expect(strip.get_by_role("button", name="开启提示音")).to_be_hidden()  # the sound is on now
