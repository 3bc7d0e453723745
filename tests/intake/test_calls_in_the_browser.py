"""Call entry in a real browser: from the keyboard alone, with the caller looked up by number (A1.3)."""

from __future__ import annotations

import re

from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import make_contact
from zhiban.intake.models import Call


def water_bureau_chief(org):
    """赵志明, 县水利局局长, in the county's directory at 0558-3333444."""
    return make_contact(
        org.county,
        "赵志明",
        numbers=[("office", "0558-3333444", False)],
        organisation="县水利局",
        position="局长",
    )


def test_rule_A1_3_a_call_is_recorded_from_the_keyboard_alone(org, page, login_as):
    water_bureau_chief(org)
    login_as(org.officer)
    page.goto("/intake/calls/new/")
    expect(page.get_by_label("电话号码")).to_be_focused()
    page.keyboard.type("0558-3333444")
    page.keyboard.press("Tab")  # leaving the number looks the caller up
    expect(page.get_by_label("姓名", exact=True)).to_have_value("赵志明")
    expect(page.get_by_label("单位", exact=True)).to_have_value("县水利局")
    expect(page.get_by_role("status")).to_contain_text("已从通讯录带出")
    expect(page.get_by_label("姓名", exact=True)).to_be_focused()  # focus kept across the swap
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.get_by_label("内容", exact=True)).to_be_focused()
    page.keyboard.type("东湖水库水位超汛限0.3米，已开闸泄洪")
    page.keyboard.press("Control+Enter")
    expect(page).to_have_url(re.compile(r"/intake/calls/\d+/$"))
    expect(page.locator("dl.facts")).to_contain_text("县水利局 局长 赵志明")
    call = Call.objects.get()
    assert (call.number, call.name, call.content) == (
        "0558-3333444",
        "赵志明",
        "东湖水库水位超汛限0.3米，已开闸泄洪",
    )
    assert call.taken_by == org.officer


def test_rule_A1_3_a_name_typed_while_the_lookup_runs_is_kept(org, page, login_as):
    """The officer types on while the caller is looked up: the answer fills only what is still empty."""
    water_bureau_chief(org)
    login_as(org.officer)
    held = []
    page.route("**/intake/calls/lookup/**", lambda route: held.append(route))  # answered once typed
    page.goto("/intake/calls/new/")
    page.keyboard.type("0558-3333444")
    with page.expect_request("**/intake/calls/lookup/**"):
        page.keyboard.press("Tab")
    page.keyboard.type("张三")
    held[0].continue_()
    expect(page.get_by_label("单位", exact=True)).to_have_value("县水利局")
    expect(page.get_by_label("姓名", exact=True)).to_have_value("张三")
    expect(page.get_by_label("姓名", exact=True)).to_be_focused()


def test_rule_A1_3_a_call_from_the_exchange_has_its_caller_looked_up_when_opened(org, page, login_as):
    water_bureau_chief(org)
    call = Call.objects.create(
        unit=org.county, direction="incoming", at=timezone.now(), number="0558-3333444", from_exchange=True
    )
    login_as(org.officer)
    page.goto(f"/intake/calls/{call.pk}/edit/")
    expect(page.get_by_label("姓名", exact=True)).to_have_value("赵志明")
    expect(page.get_by_role("status")).to_contain_text("已从通讯录带出")
