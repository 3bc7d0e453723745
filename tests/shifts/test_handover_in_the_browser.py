"""A handover signed by two people on one screen, in a real browser (A2.4)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import make_person, make_roster
from zhiban.intake import services as intake
from zhiban.org.models import Role
from zhiban.roster.models import Assignment, Roster
from zhiban.shifts.models import Equipment, Handover, Shift

PASSWORD = "Duty-2026-pass"


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
