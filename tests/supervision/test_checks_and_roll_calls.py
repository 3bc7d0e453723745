"""Spot checks by phone (A2.5, A2.8) and roll calls (一键查岗): presence judged by the checked unit's own
policy, absence entered in the ledger at once, the silent recorded when the minutes are up."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from tests.factories import make_person, make_unit
from tests.shift_fixtures import at, travel
from zhiban.audit.models import AuditEntry
from zhiban.notify.models import Notice
from zhiban.org.models import ApiToken, DutyPolicy, Role, Unit
from zhiban.supervision import services
from zhiban.supervision.jobs import next_moment, try_close_roll_call_one, try_scheduled_roll_call_one
from zhiban.supervision.models import LedgerEntry, RollCall, RollCallSchedule, RollCallTarget, SpotCheck


def check(org, rings=None, answered=True, on_post=True, when=(10, 0), to_unit=None):
    with travel(at(*when)):
        return services.spot_check_record(
            SpotCheck(
                from_unit=org.city,
                to_unit=to_unit or org.county,
                at=at(*when),
                number="0558-2222333",
                answered=answered,
                rings=rings,
                answered_by="林海燕" if answered else "",
                on_post=on_post,
            ),
            org.city_admin,
        )


@pytest.mark.usefixtures("on_the_day")
def test_rule_A2_5_an_answer_after_the_policys_rings_is_absence_and_enters_the_ledger(org, duty):
    on_time = check(org, rings=3)
    assert not on_time.absent and on_time.verdict == "在岗"
    late = check(org, rings=4, when=(10, 5))
    assert late.absent and late.verdict == "响铃4声才接听（规定3声内），视为脱岗"
    entry = LedgerEntry.objects.get(spot_check=late)
    assert (entry.unit, entry.person, entry.kind) == (org.county, org.officer, LedgerEntry.Kind.ABSENCE)
    assert Notice.objects.filter(person=org.county_admin, text__contains="视为脱岗").exists()
    DutyPolicy.objects.create(unit=org.county, answer_within_rings=5)  # the county's own limit (B29)
    assert not check(org, rings=4, when=(10, 10)).absent


@pytest.mark.usefixtures("on_the_day")
def test_rule_A2_5_A2_8_no_answer_or_someone_not_on_duty_is_absence(org, duty):
    silent = check(org, answered=False)
    stranger = check(org, rings=1, on_post=False, when=(10, 5))
    assert silent.absent and silent.verdict == "无人接听，视为脱岗" and silent.rings is None
    assert stranger.absent and "不是当班值班人员" in stranger.verdict
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.ABSENCE).count() == 2


@pytest.mark.usefixtures("on_the_day")
def test_bad_spot_checks_are_refused_next_to_the_field_and_nothing_saved(org, duty):
    client = org.client(org.city_admin)
    base = {
        "to_unit": org.county.pk,
        "at": "2026-03-05T10:00",
        "number": "0558-1",
        "answered": "on",
        "on_post": "on",
    }
    with travel(at(10, 1)):
        cases = {
            "请填写接听前的响铃声数": {},
            "不能晚于现在": {"rings": "1", "at": "2026-03-05T11:00"},
            "选择一个有效的选项": {"rings": "1", "to_unit": org.city.pk},  # not below itself
        }
        for message, change in cases.items():
            refused = client.post("/supervision/checks/", {**base, **change})
            assert refused.status_code == 400 and message in refused.content.decode(), message
        assert not SpotCheck.objects.exists()
        assert client.post("/supervision/checks/", {**base, "rings": "2"}).status_code == 302
    assert SpotCheck.objects.get().ring_limit == 3
    own = org.client(org.officer).post("/supervision/checks/", {**base, "rings": "2"})
    assert own.status_code == 400  # the county checks the units below it, not itself
    assert org.client(org.inspector).post("/supervision/checks/", {**base, "rings": "2"}).status_code == 403
    with pytest.raises(ValidationError, match="只能对本单位的下级单位进行"):
        services.spot_check_record(
            SpotCheck(from_unit=org.county, to_unit=org.sibling, at=at(8), number="1", rings=1),
            org.county_admin,
        )


@pytest.mark.usefixtures("on_the_day")
def test_rule_A2_5_the_phone_exchange_records_a_check_with_its_rings(org, duty, client):
    headers = {"Authorization": f"Bearer {ApiToken.issue(org.city_admin.user, '交换机')[1]}"}
    body = {
        "number": "0558-2222333",
        "rang_at": "2026-03-05T07:58:00+08:00",
        "answered_at": "2026-03-05T07:58:20+08:00",
        "rings": 5,
    }
    made = client.post(
        f"/api/v1/units/{org.county.pk}/spot-checks", body, content_type="application/json", headers=headers
    )
    assert made.status_code == 201 and made.json()["absent"] is True
    assert SpotCheck.objects.get().source == SpotCheck.Source.EXCHANGE
    county = {"Authorization": f"Bearer {ApiToken.issue(org.officer.user, 'x')[1]}"}
    up = client.post(
        f"/api/v1/units/{org.city.pk}/spot-checks", body, content_type="application/json", headers=county
    )
    assert up.status_code == 404  # the city is not the county's to check
    own = client.post(
        f"/api/v1/units/{org.county.pk}/spot-checks", body, content_type="application/json", headers=county
    )
    assert own.status_code == 403 and SpotCheck.objects.count() == 1


def test_a_planned_check_list_prefers_units_not_checked_lately(org):
    checked = make_unit("甲镇", Unit.Kind.TOWNSHIP, org.county)
    never = make_unit("乙镇", Unit.Kind.TOWNSHIP, org.county)
    SpotCheck.objects.create(
        from_unit=org.county, to_unit=checked, at=at(9), number="1", rings=1, ring_limit=3
    )
    picks = [services.plan_checks(org.county, 1, at(10) + dt.timedelta(days=d))[0][0] for d in range(20)]
    assert picks.count(never) > picks.count(
        checked
    )  # weighted 60 to 1 in the first days, each day's own draw
    plan = services.plan_checks(org.county, 10, at(10))
    assert {u for u, _ in plan} == {org.township, org.county_dept, checked, never}  # only units below
    assert services.plan_checks(org.county, 10, at(10)) == plan  # the same list all day


def staffed_units(org, count):
    """`count` townships under the county, each with someone on its published roster today."""
    from tests.factories import make_assignment, make_roster

    units = []
    for i in range(count):
        unit = make_unit(f"第{i}镇", Unit.Kind.TOWNSHIP, org.county)
        person = make_person(unit, f"值班{i}", roles=[Role.DUTY_STAFF])
        roster = make_roster(unit, at(0).date(), 2, state="published")
        make_assignment(roster, person, at(0).date(), hours=24, start=(0, 0))
        units.append((unit, person))
    return units


@pytest.mark.usefixtures("on_the_day")
def test_rule_A2_8_a_roll_call_records_who_answered_when_late_and_the_silent_at_the_deadline(org, duty):
    (on_time_unit, first), (late_unit, second), (silent_unit, _) = staffed_units(org, 3)
    with travel(at(2, 13)):
        call = services.roll_call_start(org.county, org.county_admin)
    targets = {t.unit_id: t for t in call.targets.all()}
    assert not targets[org.county_dept.pk].staffed and targets[on_time_unit.pk].staffed  # 未报备 apart
    assert Notice.objects.filter(person=first, text__startswith="【点名】").exists()
    client = org.client(first)
    with travel(at(2, 14)):
        desk = client.get("/supervision/roll-calls/pending/").content.decode()
        assert "应答" in desk and f"{org.county.label}点名" in desk
        client.post(f"/supervision/roll-calls/answers/{targets[on_time_unit.pk].pk}/")
        assert client.get("/supervision/roll-calls/pending/").content.decode().strip() == ""
    other = org.client(second)
    with travel(at(2, 14)):  # a unit does not answer for another
        assert (
            other.post(f"/supervision/roll-calls/answers/{targets[on_time_unit.pk].pk}/").status_code == 404
        )
    with travel(at(2, 19)):  # past the five minutes
        try_close_roll_call_one()
        services.roll_call_answer(RollCallTarget.objects.get(pk=targets[late_unit.pk].pk), second)
    results = {t.unit_id: t.result() for t in RollCallTarget.objects.filter(roll_call=call)}
    assert results[on_time_unit.pk] == "answered" and results[late_unit.pk] == "late"
    assert results[silent_unit.pk] == "missed" and results[org.county_dept.pk] == "unstaffed"
    kinds = dict(LedgerEntry.objects.filter(roll_call_target__roll_call=call).values_list("unit_id", "kind"))
    assert kinds == {late_unit.pk: "late_roll_call", silent_unit.pk: "absence"}
    page = org.client(org.county_admin).get(f"/supervision/roll-calls/{call.pk}/").content.decode()
    assert "按时应答" in page and "未报备" in page and first.name in page
    assert Notice.objects.filter(person=org.county_admin, text__startswith="点名结束").exists()


@pytest.mark.usefixtures("on_the_day")
def test_a_scheduled_roll_call_starts_at_its_moment_once_and_a_late_runner_waits_for_the_next_night(
    org, duty
):
    schedule = RollCallSchedule.objects.create(unit=org.county, next_at=at(2, 30))
    with travel(at(2, 31)):
        assert try_scheduled_roll_call_one() and not try_scheduled_roll_call_one()
    assert RollCall.objects.filter(from_unit=org.county, scheduled=True).count() == 1
    schedule.refresh_from_db()
    following = schedule.next_at
    assert at(0) + dt.timedelta(days=1) <= following <= at(5) + dt.timedelta(days=1)
    RollCallSchedule.objects.filter(pk=schedule.pk).update(next_at=at(3) + dt.timedelta(days=1))
    with travel(at(11) + dt.timedelta(days=1)):  # the runner was down all night
        try_scheduled_roll_call_one()
    assert RollCall.objects.filter(from_unit=org.county).count() == 1  # no roll call at eleven in the morning
    schedule.refresh_from_db()
    assert schedule.next_at > at(11) + dt.timedelta(days=1)
    assert next_moment(schedule, at(12)).date() == (at(12) + dt.timedelta(days=1)).date()


@pytest.mark.usefixtures("on_the_day")
def test_rule_A2_8_the_results_page_follows_each_answer_and_the_deadline_and_a_sibling_gets_404(org, duty):
    """The results are served from a cache while nothing changes: each answer, the deadline passing and
    the close must each show at once on the page and in its poll."""
    (first_unit, first), (second_unit, second) = staffed_units(org, 2)
    with travel(at(2, 13)):
        call = services.roll_call_start(org.county, org.county_admin)
    targets = {t.unit_id: t for t in call.targets.all()}
    office = org.client(org.county_admin)
    page, rows = f"/supervision/roll-calls/{call.pk}/", f"/supervision/roll-calls/{call.pk}/rows/"

    def row_of(html: str, unit) -> str:
        return next(r for r in html.split("<tr") if unit.label in r)

    with travel(at(2, 14)):
        assert "等待应答" in row_of(office.get(rows).content.decode(), first_unit)
        org.client(first).post(f"/supervision/roll-calls/answers/{targets[first_unit.pk].pk}/")
        assert "按时应答" in row_of(office.get(rows).content.decode(), first_unit)
        assert "按时应答" in row_of(office.get(page).content.decode(), first_unit)
        assert "等待应答" in row_of(office.get(page).content.decode(), second_unit)
    with travel(at(2, 19)):  # past the minutes, not yet closed: still answerable, counted late
        assert "未应答" in row_of(office.get(rows).content.decode(), second_unit)
        services.roll_call_answer(RollCallTarget.objects.get(pk=targets[second_unit.pk].pk), second)
        assert "超时应答" in row_of(office.get(page).content.decode(), second_unit)
        try_close_roll_call_one()
        assert "每3秒自动更新" not in office.get(page).content.decode()
    for path in (page, rows):
        assert org.client(org.sibling_officer).get(path).status_code == 404
    assert (
        AuditEntry.objects.filter(
            action="refused", model="supervision.rollcall", object_id=str(call.pk)
        ).count()
        == 2
    )
    assert org.client(org.county_admin).get("/supervision/roll-calls/999999/rows/").status_code == 404


@pytest.mark.usefixtures("on_the_day")
def test_rule_A2_8_the_answer_button_is_shown_only_to_those_on_duty(org, duty):
    """A standby officer of the unit sees the roll call (to remind whoever is on duty), not a button that
    would only refuse them."""
    ((unit, on_duty),) = staffed_units(org, 1)
    standby = make_person(unit, "备班员", roles=[Role.DUTY_STAFF])
    with travel(at(2, 13)):
        services.roll_call_start(org.county, org.county_admin)
        theirs = org.client(on_duty).get("/supervision/roll-calls/pending/").text
        not_theirs = org.client(standby).get("/supervision/roll-calls/pending/").text
    assert "点名" in theirs and ">应答</button>" in theirs
    assert "点名" in not_theirs and ">应答</button>" not in not_theirs and "请提醒当班人员" in not_theirs
