"""值班大屏 on a 1920×1080 wall screen (issue 16), in Debian's chromium with real time running: the clock
with 星期, who is on duty, an event's big countdown turning red at its deadline, today's counts, and
the next handover; and the poll's page for those who may not read the unit's duty records."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import make_assignment, make_roster
from tests.incidents.test_board_in_the_browser import reservoir_event

WALL = {"width": 1920, "height": 1080}
WEEK = "星期[一二三四五六日]"


def _roster_now(org):
    now = timezone.localtime()
    roster = make_roster(org.county, now.date() - dt.timedelta(days=1), 3, state="published")
    start = (now - dt.timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    for person, post in ((org.county_leader, "leader"), (org.officer, "primary"), (org.deputy, "deputy")):
        make_assignment(roster, person, start.date(), post, hours=3, start=(start.hour, 0))
    later = start + dt.timedelta(hours=3)
    make_assignment(roster, org.county_admin, later.date(), "primary", hours=3, start=(later.hour, 0))
    return start


def test_the_wall_board_fills_1920_by_1080_with_clock_people_and_a_countdown_that_turns_red(
    org, page, login_as
):
    _roster_now(org)
    event = reservoir_event(org, known_ago=dt.timedelta(minutes=15, seconds=-6))  # phone report due in 6 s
    page.set_viewport_size(WALL)
    login_as(org.officer)
    page.goto("/board/wall/")
    expect(page.locator("#wall-time")).to_have_text(re.compile(r"^\d\d:\d\d:\d\d$"))
    expect(page.locator("#wall-date")).to_have_text(re.compile(rf"^\d{{4}}年\d+月\d+日 {WEEK}$"))
    duty = page.locator(".wall-duty")
    for name in (org.county_leader.name, org.officer.name, org.deputy.name):
        expect(duty).to_contain_text(name)
    expect(duty).to_contain_text("带班领导")
    expect(duty).to_contain_text(org.county_admin.name)  # the next handover's incoming primary
    expect(page.get_by_role("navigation")).to_have_count(0)  # no top bar, no menus
    card = page.locator(".wall-event").filter(has_text=event.title)
    expect(card).to_contain_text("剩余 0 分")
    expect(card.get_by_role("alert")).to_have_text("已超时", timeout=20_000)
    red = card.get_by_role("alert").evaluate("el => getComputedStyle(el).backgroundColor")
    assert red == "rgb(192, 38, 45)"
    size = float(card.get_by_role("alert").evaluate("el => getComputedStyle(el).fontSize").rstrip("px"))
    assert size >= 48  # legible across the room
    # the page fills the screen and scrolls nowhere
    width, height = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
    )
    assert (width, height) == (1920, 1080)
    counts = page.locator(".wall-counts")
    expect(counts).to_contain_text("来电")
    expect(counts).to_contain_text("今日待报")


def test_the_wall_board_says_when_the_server_is_gone_and_reloads_when_it_is_back(org, page, login_as):
    _roster_now(org)
    page.set_viewport_size(WALL)
    login_as(org.officer)
    page.goto("/board/wall/")
    page.evaluate("window.sameDocument = true")
    page.route("**/board/wall/poll/", lambda route: route.abort())
    poll_now = "() => { htmx.ajax('GET', '/board/wall/poll/', {target: '#wall-body'}).catch(() => null); }"
    page.evaluate(poll_now)  # not wait 15 s: ask the poll now
    expect(page.locator("#wall-link")).to_contain_text("连接中断")
    expect(page.locator(".wall-duty")).to_contain_text(org.officer.name)  # what it showed stays
    page.unroute("**/board/wall/poll/")
    with page.expect_navigation():
        page.evaluate(poll_now)
    assert page.evaluate("window.sameDocument") is None  # a fresh page
    expect(page.locator("#wall-link")).to_have_text("在线")


def test_the_wall_board_is_for_those_who_read_the_duty_records(org):
    from tests.factories import make_person

    clerk = make_person(org.county, "普通干部")  # of the county, without a duty role
    assert org.client(org.officer).get("/board/wall/poll/").status_code == 200
    assert org.client(org.inspector).get("/board/wall/").status_code == 200  # the city's inspector reads it
    assert org.client(clerk).get("/board/wall/").status_code == 403
    assert org.client(clerk).get("/board/wall/poll/").status_code == 403
