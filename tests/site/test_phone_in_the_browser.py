"""Phones (issue 16): at 390×844 every page below fits the width (nothing scrolls sideways), the top bar
collapses behind 菜单, lists read as cards, and a leader can read an event's reports, give an
instruction and approve a swap; a keyboard user's first Tab reaches 跳到正文."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import make_assignment, make_person, make_roster, train
from tests.incidents.test_board_in_the_browser import reservoir_event
from zhiban.incidents import reporting
from zhiban.intake import services as intake
from zhiban.org.models import Role
from zhiban.roster.models import Swap

PHONE = {"width": 390, "height": 844}


def _fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide"


def _on_duty_now(org):
    now = timezone.localtime()
    roster = make_roster(org.county, now.date() - dt.timedelta(days=1), 5, state="published")
    make_assignment(roster, org.officer, now.date() - dt.timedelta(days=1), hours=48)
    return roster


def test_the_desk_and_一口清_fit_a_phone_with_the_top_bar_collapsed(org, page, login_as):
    _on_duty_now(org)
    event = reservoir_event(org, known_ago=dt.timedelta(minutes=2))
    for i in range(3):
        intake.matter_open(org.county, org.officer, f"小区停水，居民求助（{i + 1}号楼）")
    page.set_viewport_size(PHONE)
    login_as(org.officer)
    page.goto("/")
    bar = page.locator("header.topbar")
    assert bar.bounding_box()["height"] < 60  # was 240 of 844 px
    expect(page.get_by_role("navigation", name="模块")).to_be_hidden()
    page.get_by_role("button", name="菜单").click()
    expect(page.get_by_role("navigation", name="模块").get_by_role("link", name="来电来访")).to_be_visible()
    page.get_by_role("button", name="菜单").click()
    expect(page.locator("section.emergencies")).to_contain_text(event.title)
    expect(page.locator("section.emergencies")).to_contain_text("剩余")
    _fits(page)
    page.goto("/duty/")
    expect(page.get_by_role("heading", name="一口清")).to_be_visible()
    matters = page.get_by_role("table").filter(has_text="首接责任人")
    cell = matters.get_by_role("cell").filter(has_text="小区停水").first
    expect(cell).to_have_attribute("data-label", "事项")  # a card: each value with its column's name
    expect(page.get_by_role("columnheader", name="首接责任人")).to_be_hidden()
    _fits(page)


def test_a_leader_reads_an_event_with_its_reports_and_gives_an_instruction_on_a_phone(org, page, login_as):
    event = reservoir_event(org, known_ago=dt.timedelta(minutes=5))
    reporting.report_make(
        event,
        org.officer,
        kind="first",
        channel="phone",
        at=timezone.now(),
        to_unit=org.city,
        phoned_whom="周建国",
    )
    page.set_viewport_size(PHONE)
    login_as(org.county_leader)
    page.goto(f"/incidents/{event.pk}/")
    expect(page.get_by_role("heading", name=event.title)).to_be_visible()
    expect(page.get_by_text("电话报告").first).to_be_visible()
    _fits(page)
    form = page.locator("#form-instruct")
    form.get_by_label("批示领导").select_option(label=org.county_leader.name)
    form.get_by_label("批示内容").fill("请立即组织下游群众转移，每小时报告水位")
    form.get_by_label("落实人").fill(org.officer.name)
    form.locator(".picker-results .pick").filter(has_text=org.officer.name).first.click()
    form.get_by_role("button", name="登记并传达").click()
    expect(page.get_by_role("status")).to_contain_text("批示已登记")
    _fits(page)
    page.goto("/intake/instructions/")
    page.get_by_role("link", name="请立即组织下游群众转移").first.click()
    expect(page.get_by_text("请立即组织下游群众转移，每小时报告水位")).to_be_visible()
    _fits(page)


def test_the_office_approves_a_swap_on_a_phone(org, page, login_as):
    other = make_person(org.county, "郑明", roles=[Role.DUTY_STAFF])
    for person in (org.officer, other):
        train(person, on=timezone.localdate() - dt.timedelta(days=30))
    day = timezone.localdate() + dt.timedelta(days=3)
    roster = make_roster(org.county, day, 3, state="published")
    mine = make_assignment(roster, org.officer, day)
    theirs = make_assignment(roster, other, day + dt.timedelta(days=2))
    swap = Swap.objects.create(
        applicant=org.officer,
        partner=other,
        shift=mine,
        partner_shift=theirs,
        reason="家中有事",
        state=Swap.State.AWAITING_OFFICE,
    )
    page.set_viewport_size(PHONE)
    login_as(org.county_admin)
    page.goto("/")
    page.get_by_role("link", name=f"{org.officer.name}与郑明").click()
    expect(page.get_by_role("heading").first).to_be_visible()
    assert page.url.endswith(f"/roster/swaps/{swap.pk}/")
    _fits(page)
    page.get_by_role("button", name="批准").click()
    expect(page.get_by_role("status")).to_have_text("已批准生效")
    swap.refresh_from_db()
    assert swap.state == Swap.State.APPROVED
    _fits(page)


def test_the_first_tab_reaches_the_skip_link_and_the_focus_ring_shows(org, page, login_as):
    page.set_viewport_size({"width": 1440, "height": 900})
    login_as(org.officer)
    page.goto("/intake/calls/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="跳到正文")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    outline = skip.evaluate("el => getComputedStyle(el).outlineWidth")
    assert outline == "3px"
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def test_a_roster_read_as_cards_names_each_value_by_its_own_column_under_a_spanning_date(org, page, login_as):
    """The roster's date spans its day's shifts (rowspan): the second shift's cells were labelled one
    column off (夜班 under 日期, the leader under 班次)."""
    page.set_viewport_size(PHONE)
    login_as(org.officer)
    page.goto("/")
    page.evaluate(
        """() => {
        const table = document.createElement("table");
        table.id = "spanned";
        table.innerHTML = "<thead><tr><th>日期</th><th>班次</th><th>带班领导</th><th>主班</th></tr></thead>"
          + "<tbody><tr><td rowspan='2'>1月1日</td><td>白班</td><td>汪春</td><td>周建国</td></tr>"
          + "<tr><td>夜班</td><td>姚平平</td><td>顾国</td></tr>"
          + "<tr><td>1月2日</td><td>全天班</td><td>曾志强</td><td>钟英</td></tr></tbody>";
        document.querySelector("main").appendChild(table);
        labelCells(document);
    }"""
    )
    labels = page.evaluate(
        """() => Array.from(document.querySelectorAll("#spanned tbody td"),
            td => td.textContent + ":" + td.getAttribute("data-label"))"""
    )
    assert labels == [
        "1月1日:日期", "白班:班次", "汪春:带班领导", "周建国:主班",
        "夜班:班次", "姚平平:带班领导", "顾国:主班",
        "1月2日:日期", "全天班:班次", "曾志强:带班领导", "钟英:主班",
    ]  # fmt: skip
