"""The event page's pickers on a phone (390 px wide), in Debian's chromium: the units to notify and the
people to act on an instruction are found by typing a few letters, shown with their units' names, and
chosen with the keyboard or a tap; the page lists nobody and no unit beforehand, and nothing runs off
the side of the screen (B21, B5)."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone
from playwright.sync_api import expect

from zhiban.incidents import services
from zhiban.incidents.models import EventStep
from zhiban.intake.models import Instruction

PHONE = {"width": 390, "height": 844}


def test_rule_B21_B5_the_officer_picks_units_to_notify_and_people_to_act_on_a_phone(org, page, login_as):
    event = services.event_open(
        org.county,
        org.officer,
        title="青石镇S203线山体滑坡",
        category="natural",
        known_at=timezone.now() - dt.timedelta(minutes=3),
        place="青石镇S203线K12处",
        summary="山体滑坡，道路中断",
    )
    page.set_viewport_size(PHONE)
    login_as(org.officer)
    page.goto(f"/incidents/{event.pk}/")
    assert page.locator("select[multiple]").count() == 0  # no Ctrl-click list left on the page

    units = page.locator('[data-name="u-units"]')
    search = units.locator(".picker-search")
    search.fill("xsx")  # 西山县 by its initials
    expect(units.get_by_role("option", name="西山县人民政府（市政府）")).to_be_visible()
    search.press("Enter")  # chooses it, does not send the form
    search.fill("应急")
    units.get_by_role("option", name="东湖县应急管理局").click()
    chosen = units.locator("label.chip")
    expect(chosen).to_have_count(2)
    expect(chosen.first).to_contain_text("西山县人民政府（市政府）")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.locator("#form-notify").get_by_label("通知内容（留空则自动生成）").fill("S203线封闭，请绕行")
    page.locator("#form-notify").get_by_role("button", name="通知").click()
    expect(page.get_by_role("status")).to_contain_text("已通知相关单位")
    step = event.steps.get(kind=EventStep.Kind.NOTE)
    assert step.text == "已通知相关单位：东湖县应急管理局、西山县"

    targets = page.locator('[data-name="i-targets"]')
    targets.locator(".picker-search").fill("sxd")  # 单晓东 by initials
    expect(targets.get_by_role("option", name=re.compile(r"单晓东（东湖县"))).to_be_visible()
    targets.locator(".picker-search").press("Enter")
    expect(targets.locator("label.chip")).to_contain_text("单晓东（东湖县")
    form = page.locator("#form-instruct")
    form.get_by_label("批示领导").select_option(label=org.county_leader.name)
    form.get_by_label("批示内容").fill("立即组织抢通，确保安全")
    form.get_by_role("button", name="登记并传达").click()
    expect(page.get_by_role("status")).to_contain_text("批示已登记并传达落实人")
    instruction = Instruction.objects.get()
    assert list(instruction.targets.values_list("person", flat=True)) == [org.deputy.pk]
