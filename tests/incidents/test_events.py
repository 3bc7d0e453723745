"""Events: opened from a call, a document, a visit or the API, with the leaders told (A1.4), related units notified (B21), instructions tracked (B5), paged lists and bad input refused."""

from __future__ import annotations

import pytest

from tests.incidents.helpers import dues, open_event, open_landslide, phone_first, run_jobs, steps
from tests.shift_fixtures import at, travel
from zhiban.incidents import services
from zhiban.incidents.models import Event, EventStep
from zhiban.intake.models import Call
from zhiban.notify.models import Notice
from zhiban.org.models import ApiToken
from zhiban.shifts.log import duty_log


@pytest.mark.usefixtures("on_the_day")
def test_rule_B13_the_duty_log_holds_the_events_steps_in_time_order(org, duty):

    event = open_event(org)
    with travel(at(9, 12)):
        phone_first(event, org.officer, at(9, 12), org.city)
    with travel(at(9, 30)):
        run_jobs()
    texts = [text for _, text in duty_log(duty.day).emergencies]
    assert texts[0].startswith("青石镇S203线山体滑坡：登记")
    assert any("电话首报报市政府" in t for t in texts)
    assert texts[-1].endswith("书面报告已超过时限（09:30）")


@pytest.mark.usefixtures("on_the_day")
def test_an_event_is_opened_from_a_call_with_its_time_and_content(org, duty):

    call = Call.objects.create(
        unit=org.county,
        at=at(8, 50),
        number="0558-2222333",
        name="王建华",
        content="S203线山体滑坡",
        taken_by=org.officer,
    )
    client = org.client(org.officer)
    with travel(at(8, 55)):
        form = client.get(f"/incidents/new/?from=call:{call.pk}").content.decode()
        assert "S203线山体滑坡" in form and "2026-03-05T08:50" in form
        client.post(
            f"/incidents/new/?from=call:{call.pk}",
            {
                "title": "S203线山体滑坡",
                "category": "natural",
                "known_at": "2026-03-05T08:50",
                "place": "S203线",
                "summary": "S203线山体滑坡",
            },
        )
    event = Event.objects.get()
    assert (event.source, event.call, dues(event)[0]) == ("call", call, at(9, 5))
    sibling = org.client(org.sibling_officer).get(f"/incidents/new/?from=call:{call.pk}")
    assert sibling.status_code == 404


@pytest.mark.usefixtures("on_the_day")
def test_empty_and_garbage_posts_never_give_a_500(org, duty):

    event = open_event(org)
    with travel(at(9, 20)):
        report = phone_first(event, org.officer, at(9, 20), org.city)
        asked = services.verification_ask(org.city, org.county, org.city_admin, "核实")
    urls = [
        "/incidents/new/",
        f"/incidents/{event.pk}/reports/phone/",
        f"/incidents/{event.pk}/reports/written/",
        f"/incidents/{event.pk}/regrade/",
        f"/incidents/{event.pk}/link/",
        f"/incidents/reports/{report.pk}/sign/",
        f"/incidents/reports/{report.pk}/send/",
        f"/incidents/{event.pk}/notes/",
        f"/incidents/reports/{report.pk}/forward/",
        f"/incidents/reports/{report.pk}/receive/",
        "/incidents/verifications/new/",
        f"/incidents/verifications/{asked.pk}/",
    ]
    garbage = {
        "p-at": "0001-01-01T00:00",
        "p-kind": "nope",
        "w-kind": "nope",
        "w-dead": "-3",
        "w-figures_at": "x",
        "g-grade": "V",
        "known_at": "9999-99-99",
        "to_unit": "x",
        "channel": "x",
    }
    for person in (org.officer, org.city_admin):
        client = org.client(person)
        with travel(at(9, 30)):
            for url in urls:
                for data in ({}, garbage):
                    assert client.post(url, data).status_code < 500, url


@pytest.mark.usefixtures("on_the_day")
def test_rule_B21_related_departments_and_areas_are_notified(org, duty):
    event = open_event(org)
    with travel(at(9, 5)):
        org.client(org.officer).post(
            f"/incidents/{event.pk}/notify/", {"u-units": [org.county_dept.pk, org.sibling.pk]}
        )
    told = Notice.objects.get(person=org.sibling_officer)
    assert "青石镇S203线山体滑坡" in told.text
    # 西山县 cannot open 东湖县's event: its notice carries what is known, not a link it would get 404 on
    assert told.link == "" and "03月05日09:00获知" in told.text and "山体滑坡，道路中断" in told.text
    assert org.client(org.sibling_officer).get(f"/incidents/{event.pk}/").status_code == 404
    assert steps(event, EventStep.Kind.NOTE) == ["已通知相关单位：东湖县应急管理局、西山县"]
    # the facts come first, so a long message cut to the notice's length keeps them
    with travel(at(9, 6)):
        org.client(org.officer).post(
            f"/incidents/{event.pk}/notify/", {"u-units": [org.sibling.pk], "u-text": "请做好防范。" * 60}
        )
    longest = Notice.objects.filter(person=org.sibling_officer).order_by("-id").first()
    assert (
        longest.text.startswith(f"{org.county.label}03月05日09:00获知青石镇S203线山体滑坡")
        and "道路中断" in longest.text
    )
    # a classified event's summary is not sent to a unit that may not read it
    Event.objects.filter(pk=event.pk).update(classification="secret")
    event.refresh_from_db()
    services.event_notify_units(event, org.officer, [org.sibling], "")
    secret = Notice.objects.filter(person=org.sibling_officer).order_by("-id").first()
    assert "道路中断" not in secret.text and "详情请与其值班室联系" in secret.text


@pytest.mark.usefixtures("on_the_day")
def test_an_outside_system_opens_an_event_over_the_api(org, duty, client):

    headers = {"Authorization": f"Bearer {ApiToken.issue(org.officer.user, '监测平台')[1]}"}
    body = {
        "title": "东湖水库超汛限",
        "category": "natural",
        "known_at": "2026-03-05T07:50:00+08:00",
        "place": "东湖水库",
        "summary": "水位超汛限0.3米",
    }
    created = client.post(
        f"/api/v1/units/{org.county.pk}/events", body, content_type="application/json", headers=headers
    )
    assert created.status_code == 201
    event = Event.objects.get()
    assert (event.source, dues(event)[0]) == ("api", at(8, 5))
    assert (
        client.get(f"/api/v1/events/{event.pk}", headers=headers).json()["phone_due_at"]
        == "2026-03-05T00:05:00Z"  # UTC on the wire
    )
    future = client.post(
        f"/api/v1/units/{org.county.pk}/events",
        {**body, "known_at": "2026-03-05T12:00:00+08:00"},
        content_type="application/json",
        headers=headers,
    )
    assert future.status_code == 400 and "获知时间不能晚于现在" in str(future.json())
    unknown = client.post(
        f"/api/v1/units/{org.county.pk}/events",
        {**body, "category": "alien"},
        content_type="application/json",
        headers=headers,
    )
    assert unknown.status_code == 422 and Event.objects.count() == 1


@pytest.mark.usefixtures("on_the_day")
def test_the_events_list_is_paged(org, duty):
    for i in range(52):
        open_landslide(org, title=f"事件{i:02d}")
    client = org.client(org.officer)
    first = client.get("/incidents/")
    assert len(first.context["page"]) == 50 and "下一页" in first.content.decode()
    second = client.get("/incidents/?page=2")
    assert len(second.context["page"]) == 2 and "上一页" in second.content.decode()
    assert client.get("/incidents/?page=x").context["page"].number == 1


@pytest.mark.usefixtures("on_the_day")
def test_a_huge_id_in_a_multiple_choice_is_refused_not_a_500(org, duty):
    event = open_event(org)
    client = org.client(org.officer)
    with travel(at(9, 5)):
        assert (
            client.post(f"/incidents/{event.pk}/notify/", {"u-units": "99999999999999999999"}).status_code
            < 500
        )
        response = client.post(
            f"/incidents/{event.pk}/instructions/",
            {"i-leader": org.county_leader.pk, "i-text": "x", "i-targets": "99999999999999999999"},
        )
        assert response.status_code == 400
        assert (
            client.post(
                "/intake/instructions/new/",
                {
                    "leader": org.county_leader.pk,
                    "given_at": "2026-03-05T09:00",
                    "text": "x",
                    "targets": "9" * 20,
                },
            ).status_code
            == 200
        )


@pytest.mark.usefixtures("on_the_day")
def test_rule_B21_a_refused_notice_to_related_units_keeps_its_text(org, duty):
    event = open_event(org)
    response = org.client(org.officer).post(
        f"/incidents/{event.pk}/notify/", {"u-text": "请做好S203线绕行引导"}
    )
    page = response.content.decode()
    assert (
        response.status_code == 400 and "请做好S203线绕行引导" in page and "在结果中点选至少一个单位" in page
    )
