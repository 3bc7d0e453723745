"""The shift in a real browser (Debian's chromium): a call recorded from the keyboard alone, the caller
filled from the directory by number; and a handover prepared and signed by two people on one screen."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import make_contact, make_person, make_roster
from zhiban.intake import services as intake
from zhiban.intake.models import Call
from zhiban.org.models import Role
from zhiban.roster.models import Assignment, Roster
from zhiban.shifts.models import Equipment, Handover, Shift

PASSWORD = "Duty-2026-pass"


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


def test_rule_A2_4_a_handover_is_signed_by_two_people_on_one_screen(org, page, login_as):
    night = make_person(org.county, "吴建平", roles=[Role.DUTY_STAFF])
    for person in (org.officer, night):
        person.user.set_password(PASSWORD)
        person.user.save()
    now = timezone.localtime().replace(second=0, microsecond=0)
    change = now + dt.timedelta(minutes=30)  # the handover is due in half an hour
    roster = make_roster(org.county, (now - dt.timedelta(days=1)).date(), 3, state=Roster.State.PUBLISHED)
    for person, start, end in (
        (org.officer, change - dt.timedelta(hours=9), change),
        (night, change, change + dt.timedelta(hours=15)),
    ):
        Assignment.objects.create(
            roster=roster,
            person=person,
            day=start.date(),
            shift_name="值班",
            start=start,
            end=end,
            post="primary",
        )
    Equipment.objects.create(unit=org.county, kind="phone", name="值班电话一")
    matter = intake.matter_open(org.county, org.officer, "东湖水库泄洪，下游群众转移")
    login_as(org.officer)
    page.goto("/duty/")
    page.get_by_role("link", name="交接班").click()
    page.get_by_label("值班情况").fill("水库泄洪，下游已转移群众120人，其余平稳")
    page.get_by_label("东湖水库泄洪，下游群众转移的后续办理建议").fill("每2小时了解水位，明早8时报县领导")
    page.get_by_role("button", name="保存交接材料").click()
    expect(page.get_by_role("status")).to_contain_text("请交接双方当面签字")

    outgoing = page.get_by_role("group", name="交班人")
    incoming = page.get_by_role("group", name="接班人")
    outgoing.get_by_label("用户名").fill(org.officer.user.username)
    outgoing.get_by_label("密码").fill(PASSWORD)
    incoming.get_by_label("用户名").fill(org.officer.user.username)  # the same person twice: refused
    incoming.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="双方签字，完成交接").click()
    expect(page.locator(".flash.error").first).to_be_visible()
    assert Handover.objects.get().signed_at is None

    page.get_by_role("group", name="交班人").get_by_label("用户名").fill(org.officer.user.username)
    page.get_by_role("group", name="交班人").get_by_label("密码").fill(PASSWORD)
    page.get_by_role("group", name="接班人").get_by_label("用户名").fill(night.user.username)
    page.get_by_role("group", name="接班人").get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="双方签字，完成交接").click()
    expect(page.get_by_role("status")).to_contain_text("交接班已签字")
    expect(page.locator("table.log").last).to_contain_text("交班人：林海燕　接班人：吴建平")
    handover = Handover.objects.get()
    assert (handover.outgoing_signer, handover.incoming_signer) == (org.officer, night)
    assert Shift.objects.get(pk=handover.shift_id).state == Shift.State.CLOSED
    assert handover.items.get().matter == matter
