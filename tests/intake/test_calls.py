"""Call records (A1.3/A1.5/A1.7/B11): every field, the caller found by number, the answer, a leader's number asked for, the phone exchange's calls, the list."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from tests.factories import (
    make_contact,
    make_person,
)
from tests.shift_fixtures import at, call_data, travel
from zhiban.intake.models import Call, Visit
from zhiban.notify.models import Notice
from zhiban.org.models import ApiToken, Role, RoleAssignment


@pytest.mark.usefixtures("on_the_day")
def test_rule_A2_5_the_exchange_cannot_report_a_ring_or_an_answer_that_has_not_happened(org, duty):
    headers = {"Authorization": f"Bearer {ApiToken.issue(org.officer.user, 'CTI')[1]}"}
    url = f"/api/v1/units/{org.county.pk}/calls"
    client = Client()
    with travel(at(9, 20)):
        rings_ahead = client.post(
            url,
            {"number": "0558-1", "rang_at": "2026-03-05T10:20:00+08:00"},
            content_type="application/json",
            headers=headers,
        )
        answered_ahead = client.post(
            url,
            {
                "number": "0558-1",
                "rang_at": "2026-03-05T09:19:00+08:00",
                "answered_at": "2026-03-05T09:40:00+08:00",
            },
            content_type="application/json",
            headers=headers,
        )
        within_skew = client.post(
            url,
            {"number": "0558-1", "rang_at": "2026-03-05T09:21:00+08:00"},
            content_type="application/json",
            headers=headers,
        )
    assert rings_ahead.status_code == 400 and rings_ahead.json()["errors"] == {"rang_at": ["不能晚于现在"]}
    assert answered_ahead.status_code == 400 and list(answered_ahead.json()["errors"]) == ["answered_at"]
    assert (
        within_skew.status_code == 201 and Call.objects.count() == 1
    )  # a clock a minute fast is not refused


@pytest.mark.usefixtures("on_the_day")
def test_rule_A1_7_the_lookup_never_names_the_holder_of_another_units_internal_number(org, duty):
    make_contact(org.city, "王市长", numbers=[("mobile", "13900001111", True)], kind="leader")
    make_contact(org.city, "市政府办", numbers=[("office", "0558-1234567", False)])
    lookup = org.client(org.officer).get
    assert "王市长" not in lookup("/intake/calls/lookup/", {"number": "13900001111"}).content.decode()
    assert (
        "市政府办" in lookup("/intake/calls/lookup/", {"number": "0558-1234567"}).content.decode()
    )  # public


@pytest.mark.usefixtures("on_the_day")
@travel(at(9, 12))  # the times the test states have happened
def test_editing_a_call_does_not_tell_the_leader_again(org, duty):
    client = org.client(org.officer)
    client.post("/intake/calls/new/", call_data(asked_for=org.county_leader.pk, asked_intent="要求面谈"))
    call = Call.objects.get()
    client.post(
        f"/intake/calls/{call.pk}/edit/",
        call_data(asked_for=org.county_leader.pk, asked_intent="要求面谈", important="on"),
    )
    assert Notice.objects.filter(person=org.county_leader, text__contains="询问您的联系电话").count() == 1


@pytest.mark.usefixtures("on_the_day")
def test_records_are_named_with_local_times_not_utc(org, duty):
    """The name of a call or a visit (the event form's "来自…" line, audit entries) is in Beijing time."""

    call = Call.objects.create(unit=org.county, direction="incoming", at=at(9, 10), number="0558-1")
    visit = Visit.objects.create(unit=org.county, name="赵大爷", purpose="反映问题", arrived_at=at(12, 39))
    assert str(call).endswith("2026-03-05 09:10") and str(visit) == "赵大爷 2026-03-05 12:39"


@pytest.mark.usefixtures("on_the_day")
def test_rule_A1_3_B11_call_record_keeps_every_field_and_the_receiver(org, duty):
    client = org.client(org.officer)
    with travel(at(9, 12)):
        response = client.post("/intake/calls/new/", call_data())
    call = Call.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/intake/calls/{call.pk}/"
    assert (call.number, call.name, call.organisation, call.position) == (
        "0558-2222333",
        "王建华",
        "青石镇政府",
        "党政办主任",
    )
    assert (call.content_when, call.content_where, call.content_what, call.content_why) == (
        "今日8时50分",
        "S203线K12处",
        "山体滑坡，道路中断",
        "连日降雨",
    )
    assert call.at == at(9, 10) and call.taken_by == org.officer and call.unit == org.county
    page = client.get(f"/intake/calls/{call.pk}/").content.decode()
    assert "何地：S203线K12处" in page and "林海燕" in page


@pytest.mark.usefixtures("on_the_day")
def test_rule_A1_3_call_with_no_number_and_no_caller_is_refused_and_nothing_saved(org, duty):
    response = org.client(org.officer).post(
        "/intake/calls/new/", call_data(number="", name="", organisation="", position="")
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "请填写电话号码或对方姓名、单位，至少一项" in page
    assert "青石镇S203线K12处山体滑坡" in page  # what was typed is kept
    assert Call.objects.count() == 0


@pytest.mark.usefixtures("on_the_day")
def test_rule_B11_caller_is_filled_from_the_directory_then_from_earlier_calls(org, duty):
    make_contact(
        org.county,
        "赵志明",
        numbers=[("office", "0558-3333444", False)],
        organisation="县水利局",
        position="局长",
    )
    client = org.client(org.officer)
    from_directory = client.get("/intake/calls/lookup/", {"number": "0558-3333444"}).content.decode()
    assert 'value="赵志明"' in from_directory and 'value="县水利局"' in from_directory
    assert "已从通讯录带出" in from_directory
    Call.objects.create(unit=org.county, number="0558-9999000", name="钱多多", organisation="东湖中学")
    earlier = client.get("/intake/calls/lookup/", {"number": "0558-9999000"}).content.decode()
    assert 'value="钱多多"' in earlier and "来电记录" in earlier
    typed = client.get("/intake/calls/lookup/", {"number": "0558-9999000", "name": "孙某"}).content.decode()
    assert 'value="孙某"' in typed and "钱多多" not in typed  # what the officer typed is never overwritten


@pytest.mark.usefixtures("on_the_day")
@travel(at(9, 12))  # the times the test states have happened
def test_rule_A1_5_a_policy_question_taken_to_a_leader_shows_who_and_the_answer(org, duty):
    client = org.client(org.officer)
    missing = client.post("/intake/calls/new/", call_data(handling="escalated"))
    assert "请示领导后答复的，请选择请示的领导" in missing.content.decode()
    assert Call.objects.count() == 0
    client.post(
        "/intake/calls/new/",
        call_data(
            handling="escalated", leader=org.county_leader.pk, leader_answer="请交通局立即设置绕行标志"
        ),
    )
    call = Call.objects.get()
    assert call.handling == Call.Handling.ESCALATED and call.leader == org.county_leader
    page = client.get(f"/intake/calls/{call.pk}/").content.decode()
    assert "请示领导后答复（请示曾志强）" in page and "请交通局立即设置绕行标志" in page


@pytest.mark.usefixtures("on_the_day")
@travel(at(9, 12))  # the times the test states have happened
def test_rule_A1_7_a_caller_asking_for_a_leaders_number_is_recorded_and_the_leader_told(org, duty):
    make_contact(
        org.county,
        "曾志强",
        numbers=[("mobile", "13912345678", True)],
        person=org.county_leader,
        kind="leader",
    )
    client = org.client(org.officer)
    form = client.get("/intake/calls/new/").content.decode()
    assert "13912345678" not in form  # no personal number on the call screen
    client.post(
        "/intake/calls/new/",
        call_data(asked_for=org.county_leader.pk, asked_intent="反映征地补偿问题，要求面谈"),
    )
    call = Call.objects.get()
    notice = Notice.objects.get(person=org.county_leader)
    assert "反映征地补偿问题" in notice.text and "未提供号码" in notice.text
    page = client.get(f"/intake/calls/{call.pk}/").content.decode()
    assert "13912345678" not in page and "询问曾志强的电话" in page


@pytest.fixture
def after_the_calls(on_the_day):
    with travel(at(9, 30)):  # the exchange reports rings that have happened
        yield


@pytest.mark.usefixtures("on_the_day")
@pytest.mark.usefixtures("after_the_calls")
def test_the_exchange_creates_calls_with_their_rings_and_the_officer_completes_them(org, duty, client):
    from zhiban.org.models import ApiToken

    headers = {"Authorization": f"Bearer {ApiToken.issue(org.officer.user, 'CTI')[1]}"}
    url = f"/api/v1/units/{org.county.pk}/calls"
    answered = client.post(
        url,
        {
            "number": "0558-2222333",
            "rang_at": "2026-03-05T09:10:00+08:00",
            "answered_at": "2026-03-05T09:10:09+08:00",
            "rings": 2,
        },
        content_type="application/json",
        headers=headers,
    )
    assert answered.status_code == 201 and answered.json()["complete"] is False
    missed = client.post(
        url,
        {"number": "0558-4444555", "rang_at": "2026-03-05T09:20:00+08:00", "rings": 8},
        content_type="application/json",
        headers=headers,
    )
    assert missed.status_code == 201
    call = Call.objects.get(pk=answered.json()["id"])
    assert (call.rang_at, call.answered_at, call.rings, call.at) == (
        at(9, 10),
        at(9, 10) + dt.timedelta(seconds=9),
        2,
        call.answered_at,
    )
    assert Call.objects.get(pk=missed.json()["id"]).answered_at is None  # kept for supervision (A2.5)
    assert "待补记" in org.client(org.officer).get("/intake/calls/").content.decode()
    data = call_data()
    del data["direction"], data["at"]
    org.client(org.officer).post(f"/intake/calls/{call.pk}/edit/", data)
    call.refresh_from_db()
    assert call.content.startswith("青石镇S203线") and call.rings == 2 and not call.incomplete
    assert client.get(f"/api/v1/calls/{call.pk}", headers=headers).json()["complete"] is True

    backwards = client.post(
        url,
        {
            "number": "0558-1",
            "rang_at": "2026-03-05T09:10:00+08:00",
            "answered_at": "2026-03-05T09:00:00+08:00",
        },
        content_type="application/json",
        headers=headers,
    )
    assert backwards.status_code == 400 and "接听时间不能早于振铃时间" in str(backwards.json())
    garbage = client.post(url, {"rang_at": "yesterday"}, content_type="application/json", headers=headers)
    assert garbage.status_code == 422 and garbage.json()["errors"]
    inspector = {"Authorization": f"Bearer {ApiToken.issue(org.inspector.user, 'x')[1]}"}
    refused = client.post(
        url,
        {"number": "0558-1", "rang_at": "2026-03-05T09:10:00+08:00"},
        content_type="application/json",
        headers=inspector,
    )
    assert refused.status_code == 403
    assert Call.objects.count() == 2


@pytest.mark.usefixtures("on_the_day")
@travel(at(11, 5))  # the times the test states have happened
def test_the_call_list_pages_without_counting_and_shows_a_new_call_at_once(org, duty):
    for i in range(51):
        Call.objects.create(
            unit=org.county, at=at(9) + dt.timedelta(minutes=i), number=f"0558-{i:04d}", name="来电人"
        )
    client = org.client(org.officer)
    first = client.get("/intake/calls/").content.decode()
    assert "0558-0050" in first and "0558-0000" not in first and "下一页" in first
    second = client.get("/intake/calls/", {"page": 2}).content.decode()
    assert "0558-0000" in second and "下一页" not in second
    client.post("/intake/calls/new/", call_data(at="2026-03-05T11:00", number="0558-9999"))
    assert "0558-9999" in client.get("/intake/calls/").content.decode()
    assert client.get("/intake/calls/", {"page": "x<script>"}).status_code == 200
    assert "0558-0007" in client.get("/intake/calls/", {"q": "0558-0007"}).content.decode()
    # the page is built once per state of the unit's records: a bad date's message is not kept for the
    # good page
    assert "请输入正确的日期" in client.get("/intake/calls/", {"since": "2026-13-45"}).content.decode()
    assert "请输入正确的日期" not in client.get("/intake/calls/").content.decode()
    assert "登记电话" in client.get("/intake/calls/").content.decode()


@pytest.mark.usefixtures("on_the_day")
def test_the_call_form_offers_each_units_own_leaders_and_a_new_leader_at_once(org, duty):
    """The form's fields are made once per unit and data generation (lib.forms.SharedFields): one
    county's leaders never show on another's form, and a leader named since shows on the next one."""
    sibling_leader = make_person(org.sibling, "宋西山", roles=[Role.LEADER])
    county_form = org.client(org.officer).get("/intake/calls/new/").content.decode()
    assert "曾志强" in county_form and "宋西山" not in county_form
    sibling_form = org.client(org.sibling_officer).get("/intake/calls/new/").content.decode()
    assert "宋西山" in sibling_form and "曾志强" not in sibling_form
    RoleAssignment.objects.create(
        person=make_person(org.county, "新任县长"), unit=org.county, role=Role.LEADER
    )
    assert "新任县长" in org.client(org.officer).get("/intake/calls/new/").content.decode()
    answered = org.client(org.officer).post(
        "/intake/calls/new/", {**call_data(), "handling": "escalated", "leader": sibling_leader.pk}
    )
    assert answered.status_code == 200 and "选择一个有效的选项" in answered.content.decode()
