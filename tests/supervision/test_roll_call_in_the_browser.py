"""A roll call of 200 units in Debian's chromium, with two pages (A2.8): the city's results page, and a
county's duty screen that shows the roll call at once and answers it; the city sees it come in."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import make_assignment, make_roster, make_unit
from tests.helpers import sign_in
from zhiban.org.models import Unit
from zhiban.supervision.models import RollCallTarget


def signed_in_page(browser, live_server, person):
    """A second browser (its own cookies) signed in as `person`."""
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", timezone_id="Asia/Shanghai")
    client = sign_in(Client(), person.user)
    name = settings.SESSION_COOKIE_NAME
    context.add_cookies(
        [{"name": name, "value": client.cookies[name].value, "url": live_server.url, "httpOnly": True}]
    )
    return context.new_page()


def test_rule_A2_8_a_roll_call_of_200_units_fills_in_as_a_county_answers_on_its_duty_screen(
    org, page, login_as, browser, live_server
):
    for i in range(195):  # with the five units below the test city: 200 in all
        make_unit(f"示范市第{i}街道办事处", Unit.Kind.TOWNSHIP, org.city)
    now = timezone.localtime()
    roster = make_roster(org.county, now.date() - dt.timedelta(days=1), 3, state="published")
    make_assignment(roster, org.officer, now.date(), hours=24, start=(0, 0))
    login_as(org.city_admin)
    page.goto("/supervision/roll-calls/")
    page.get_by_role("button", name="开始点名").click()
    expect(page.get_by_role("status")).to_contain_text("已向200个单位点名")
    county_row = page.get_by_role("row").filter(has_text=org.county.label).first
    expect(county_row).to_contain_text("等待应答")
    expect(page.get_by_role("heading", name="未报备（点名时值班表上无人值班）")).to_be_visible()

    duty_screen = signed_in_page(browser, live_server, org.officer)
    duty_screen.goto("/duty/")
    banner = duty_screen.get_by_role("alert").filter(has_text="点名")
    expect(banner).to_contain_text(f"{org.city.label}点名")
    banner.get_by_role("button", name="应答").click()
    expect(duty_screen.get_by_role("status")).to_contain_text("已应答")
    expect(duty_screen.get_by_role("alert").filter(has_text="点名")).to_have_count(0)

    expect(county_row).to_contain_text("按时应答", timeout=10_000)  # the results poll brings it in
    expect(county_row).to_contain_text(org.officer.name)
    assert RollCallTarget.objects.filter(answered_at__isnull=False).count() == 1
    assert RollCallTarget.objects.count() == 200
    duty_screen.context.close()
