"""Handover (B14/A2.4): every open matter with a suggestion, faults noted, signed in person by two people of the two shifts."""

from __future__ import annotations

import pytest

from tests.shift_fixtures import PASSWORD, at, prepare, sign, travel
from zhiban.intake import services as intake
from zhiban.org.models import DutyPolicy
from zhiban.shifts.models import Equipment, Handover, Shift


@pytest.mark.usefixtures("on_the_day")
def test_rule_B14_a_handover_is_refused_when_a_matter_opened_after_it_was_prepared(org, duty):
    client = org.client(org.officer)
    with travel(at(17)):
        prepare(client, duty.day)
        intake.matter_open(org.county, org.officer, "17时新接的事项")
        response = sign(client, duty.day, org.officer, duty.night_primary)
    assert "请更新交接材料后再签字" in response.content.decode()
    assert Handover.objects.get().signed_at is None


@pytest.mark.usefixtures("on_the_day")
def test_rule_B14_the_incoming_side_cannot_rewrite_the_outgoing_handover_nor_a_changed_one_be_signed(
    org, duty
):
    with travel(at(17)):
        night = org.client(duty.night_primary)
        assert prepare(night, duty.day).status_code == 400
        assert not Handover.objects.exists()
        officer = org.client(org.officer)
        prepare(officer, duty.day)
        seen = Handover.objects.get().version
    with travel(at(17, 5)):
        prepare(officer, duty.day, situation="改过的情况")
        response = officer.post(
            f"/duty/shifts/{duty.day.pk}/handover/sign/",
            {
                "outgoing_username": org.officer.user.username,
                "outgoing_password": PASSWORD,
                "incoming_username": duty.night_primary.user.username,
                "incoming_password": PASSWORD,
                "prepared": seen,
            },
            follow=True,
        )
    assert "交接材料已被修改" in response.content.decode()
    assert Handover.objects.get().signed_at is None


@pytest.mark.usefixtures("on_the_day")
def test_rule_B14_every_open_matter_needs_a_suggestion_and_a_fault_a_note(org, duty):
    matter = intake.matter_open(org.county, org.officer, "S203线道路中断")
    fax = Equipment.objects.get(kind="fax")
    client = org.client(org.officer)
    response = prepare(client, duty.day, equipment={fax: ("fault", "")})
    page = response.content.decode()
    assert response.status_code == 400
    assert (
        "每项未办结事项都须写明后续办理建议：S203线道路中断" in page and "故障设备须说明情况：传真机" in page
    )
    assert not Handover.objects.exists()
    prepare(client, duty.day, [(matter, "继续跟踪交通局抢通进度")], {fax: ("fault", "卡纸，已报修")})
    handover = Handover.objects.get()
    assert handover.items.get().suggestion == "继续跟踪交通局抢通进度"
    assert handover.equipment_checks.get(equipment=fax).note == "卡纸，已报修"


@pytest.mark.usefixtures("on_the_day")
def test_rule_B14_a_refused_handover_keeps_each_fault_marked_as_entered(org, duty):
    """A save refused for a missing suggestion must not turn a broken fax back into a working one."""
    intake.matter_open(org.county, org.officer, "S203线道路中断")
    fax = Equipment.objects.get(kind="fax")
    page = prepare(
        org.client(org.officer), duty.day, equipment={fax: ("fault", "卡纸，已报修")}
    ).content.decode()
    assert f'name="eq-{fax.pk}" value="fault" checked' in page
    assert f'name="eq-note-{fax.pk}" value="卡纸，已报修"' in page


@pytest.mark.usefixtures("on_the_day")
@travel(at(17))  # within the hour before the 17:30 handover
def test_rule_A2_4_a_handover_signed_twice_by_the_same_person_is_refused(org, duty):
    client = org.client(org.officer)
    prepare(client, duty.day)
    same = sign(client, duty.day, org.officer, org.officer)
    assert "不在接班班次的值班安排中" in same.content.decode() or "两个不同的人" in same.content.decode()
    both_on_night = sign(client, duty.day, duty.night_primary, duty.night_primary)
    assert "不在交班班次的值班安排中" in both_on_night.content.decode()
    wrong = sign(client, duty.day, org.officer, duty.night_primary, in_pw="not-it")
    assert "用户名或密码不正确" in wrong.content.decode()
    handover = Handover.objects.get()
    assert handover.signed_at is None
    duty.day.refresh_from_db()
    assert duty.day.is_open  # a shift cannot close without a signed handover


@pytest.mark.usefixtures("on_the_day")
@travel(at(17))  # within the hour before the 17:30 handover
def test_rule_A2_4_two_people_with_one_shift_each_sign_in_person(org, duty):
    duty.roster.assignments.filter(person=duty.night_deputy).update(person=org.deputy)  # 单晓东 works on
    client = org.client(org.officer)
    prepare(client, duty.day)
    refused = sign(client, duty.day, org.deputy, org.deputy)
    assert "交班人和接班人须为两个不同的人" in refused.content.decode()
    sign(client, duty.day, org.officer, duty.night_primary)
    handover = Handover.objects.get()
    assert (handover.outgoing_signer, handover.incoming_signer, handover.incoming) == (
        org.officer,
        duty.night_primary,
        duty.night,
    )
    duty.day.refresh_from_db()
    assert duty.day.state == Shift.State.CLOSED
    again = sign(client, duty.day, org.officer, duty.night_primary)
    assert "交接班已签字" in again.content.decode()


@pytest.mark.usefixtures("on_the_day")
def test_rule_A2_3_A2_4_a_handover_is_not_signed_before_the_incoming_shift_is_reminded(org, duty):
    DutyPolicy.objects.create(unit=org.county, handover_reminder_minutes=90)  # B29: the window is policy
    client = org.client(org.officer)
    with travel(at(14, 36)):
        prepare(client, duty.day)
        early = sign(client, duty.day, org.officer, duty.night_primary).content.decode()
    assert "本班次03月05日17:30交班，16:00起方可签字交接" in early
    assert Handover.objects.get().signed_at is None
    with travel(at(16)):
        sign(client, duty.day, org.officer, duty.night_primary)
    assert Handover.objects.get().signed_at == at(16)
