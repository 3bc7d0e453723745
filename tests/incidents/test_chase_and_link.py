"""The superior's side (B20, B21): chasing a unit below for a report due or overdue or a verification reply
unanswered (催报), and linking one happening reported by two units (同一事件)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from tests.factories import make_person
from tests.incidents.helpers import deadline, open_event, phone_first, run_jobs, steps, township_event
from tests.shift_fixtures import at, travel
from zhiban.incidents import services
from zhiban.incidents.models import ChaseUp, Event, EventStep
from zhiban.notify.jobs import try_deliver_one
from zhiban.notify.models import ChannelRoute, Notice
from zhiban.org.models import Role
from zhiban.supervision.stats import statistics


@pytest.mark.usefixtures("on_the_day")
def test_rule_B21_B28_a_chase_up_reaches_the_countys_desk_its_channels_and_the_timeline(org, duty, gateway):
    ChannelRoute.objects.create(unit=org.county, order=1, channel="sms", url=f"{gateway.base}/sms")
    event = open_event(org)
    with travel(at(9, 12)):  # three minutes before the phone report is due: on the city's list
        chase = org.client(org.city_admin).get("/incidents/chase/").content.decode()
        assert event.title in chase and f"/incidents/deadlines/{deadline(event, 'phone').pk}/chase/" in chase
    with travel(at(9, 20)):
        response = org.client(org.city_admin).post(
            f"/incidents/deadlines/{deadline(event, 'phone').pk}/chase/", {"next": "/incidents/chase/"}
        )
        while try_deliver_one():
            pass
    assert response.status_code == 302 and response.url == "/incidents/chase/"
    text = f"{org.city.label}催报：{event.title}的电话报告已超时5分钟，请立即报送"
    assert steps(event, EventStep.Kind.CHASED) == [text]
    assert Notice.objects.filter(person=org.officer, text=f"【催报】{text}").exists()
    assert any(r["json"]["content"] == f"【催报】{text}" for r in gateway.received)
    desk = org.client(org.officer).get("/duty/").content.decode()
    assert text in desk
    with travel(at(9, 22)):  # once the report is made, the chase-up leaves the desk
        phone_first(event, org.officer, at(9, 22), org.city)
        assert text not in org.client(org.officer).get("/duty/").content.decode()
    assert ChaseUp.objects.get().from_unit == org.city
    # supervision counts it against the county, in the city's statistics and their spreadsheet
    rows = {r.unit: r.values for r in statistics(org.city, at(0).date(), at(0).date())}
    assert rows[org.county]["chased"] == 1 and rows[org.city]["chased"] == 0
    table = org.client(org.city_admin).get(
        f"/supervision/statistics/?start={at(0):%Y-%m-%d}&end={at(0):%Y-%m-%d}"
    )
    assert "被催报" in table.content.decode()


@pytest.mark.usefixtures("on_the_day")
def test_rule_B20_an_unanswered_verification_request_is_chased_and_an_answered_one_is_not(org, duty):
    with travel(at(9)):
        asked = services.verification_ask(org.city, org.county, org.city_admin, "核实伤亡")
    with travel(at(9, 20)):
        org.client(org.city_admin).post(f"/incidents/verifications/{asked.pk}/chase/")
        services.verification_reply(asked, org.officer, "phone", "无伤亡")
        services.verification_reply(asked, org.officer, "written", "无伤亡，书面")
        asked.refresh_from_db()
        with pytest.raises(ValidationError, match="已反馈"):
            services.chase_up(org.city, org.city_admin, request=asked)
    assert Notice.objects.filter(person=org.officer, text__startswith="【催报】").count() == 1
    assert (
        org.client(org.sibling_officer).post(f"/incidents/verifications/{asked.pk}/chase/").status_code == 404
    )


@pytest.mark.usefixtures("on_the_day")
def test_only_an_office_above_chases_and_never_a_report_already_made(org, duty):
    event = open_event(org)
    phone = deadline(event, "phone")
    with travel(at(9, 20)):
        own = org.client(org.officer).post(f"/incidents/deadlines/{phone.pk}/chase/")
        assert own.status_code == 403  # a unit does not chase itself
        assert (
            org.client(org.sibling_officer).post(f"/incidents/deadlines/{phone.pk}/chase/").status_code == 404
        )
        phone_first(event, org.officer, at(9, 20), org.city)
        with pytest.raises(ValidationError, match="无需催报"):
            services.chase_up(org.city, org.city_admin, deadline=deadline(event, "phone"))
        with pytest.raises(ValidationError, match="只能向下级单位催报"):
            services.chase_up(org.sibling, org.sibling_officer, deadline=deadline(event, "written"))
    assert not ChaseUp.objects.exists()
    assert not steps(event, EventStep.Kind.CHASED)


def department_twin(org, title: str):
    """The county's emergency department reports, at 09:10, the house 青石镇 reported: the twin."""
    officer = make_person(org.county_dept, "应急值班员", roles=[Role.DUTY_STAFF])
    with travel(at(9, 10)):
        event = services.event_open(
            org.county_dept,
            officer,
            title=title,
            category="accident",
            known_at=at(9, 5),
            place="青石村",
            summary="房屋倒塌",
        )
    return event, officer


@pytest.mark.usefixtures("on_the_day")
def test_rule_B21_the_superior_links_one_fire_reported_twice_one_timeline_deadlines_per_reporter(org, duty):
    fire, township_officer = township_event(org)
    twin, dept_officer = department_twin(org, "青石村房屋倒塌")
    with travel(at(9, 10)):
        phone_first(fire, township_officer, at(9, 8), org.county)
    page = org.client(org.officer).get(f"/incidents/{twin.pk}/").content.decode()
    assert "关联为同一事件" in page and fire.title in page  # the county, above both, is offered the link
    with travel(at(9, 12)):
        linked = org.client(org.officer).post(
            f"/incidents/{twin.pk}/link/", {"l-primary": fire.pk, "l-note": "同一地点同一时间"}
        )
    assert linked.status_code == 302, linked.content.decode()[linked.content.decode().find("error") :][:400]
    twin.refresh_from_db()
    assert twin.same_as == fire
    assert steps(twin, EventStep.Kind.LINKED) == [
        f"{org.county.label}确认本事件与{org.township.label}的报告为同一事件：同一地点同一时间"
    ]
    timeline = org.client(org.officer).get(f"/incidents/{fire.pk}/").content.decode()
    assert "同一事件的各报告单位" in timeline and twin.title in timeline
    assert "电话首报报东湖县" in timeline  # the township's report, on the one timeline
    # each reporter is judged by its own deadlines: the township reported, the department did not
    assert deadline(fire, "phone").met_at == at(9, 8) and deadline(twin, "phone").met_at is None
    assert Notice.objects.filter(person=dept_officer, text__contains="关联为同一事件").exists()
    with travel(at(9, 13)):
        refused = org.client(org.officer).post(f"/incidents/{twin.pk}/unlink/", {"x-reason": ""})
        assert refused.status_code == 400 and "请说明取消关联的原因" in refused.content.decode()
        org.client(org.officer).post(f"/incidents/{twin.pk}/unlink/", {"x-reason": "核实后为两处倒塌"})
    assert Event.objects.get(pk=twin.pk).same_as is None


@pytest.mark.usefixtures("on_the_day")
def test_a_link_is_made_only_by_the_office_above_both_and_never_to_itself(org, duty):
    event = open_event(org)
    other = open_event(org, known=(9, 2))
    with pytest.raises(ValidationError, match="不能与自身关联"):
        services.event_link(event, event, org.city_admin, org.city)
    with pytest.raises(ValidationError, match="共同的上级值班机构"):
        services.event_link(event, other, org.county_admin, org.county)  # both are the county's own
    assert (
        org.client(org.officer).post(f"/incidents/{event.pk}/link/", {"l-primary": other.pk}).status_code
        == 403
    )
    assert org.client(org.sibling_officer).post(f"/incidents/{event.pk}/link/").status_code == 404
    assert not Event.objects.filter(same_as__isnull=False).exists()


@pytest.mark.usefixtures("on_the_day")
def test_rule_A2_7_a_linked_report_the_reader_may_not_read_is_named_by_its_unit_only(org, duty):
    fire, township_officer = township_event(org)
    twin, dept_officer = department_twin(org, "县应急局报房屋倒塌")
    services.step(twin, EventStep.Kind.NOTE, "消防已到场，现场有两人被困", dept_officer, at(9, 11))
    with travel(at(9, 12)):
        services.event_link(twin, fire, org.officer, org.county)
    page = org.client(township_officer).get(f"/incidents/{fire.pk}/").content.decode()
    assert "同一事件的各报告单位" in page and org.county_dept.label in page
    assert twin.title not in page and f"/incidents/{twin.pk}/" not in page
    assert "（该单位的报告无权查看）" in page and "两人被困" not in page  # nor its steps
    county = org.client(org.officer).get(f"/incidents/{fire.pk}/").content.decode()
    assert twin.title in county and "两人被困" in county  # the county reads both


@pytest.mark.usefixtures("on_the_day")
def test_rule_B21_a_report_recorded_as_missed_can_still_be_chased(org, duty):
    event = open_event(org)
    with travel(at(9) + dt.timedelta(days=2)):  # long past the cut-off: 漏报 recorded, still not made
        run_jobs()
        assert deadline(event, "phone").missed
        page = org.client(org.city_admin).get("/incidents/chase/").content.decode()
        assert f"/incidents/deadlines/{deadline(event, 'phone').pk}/chase/" in page and "漏报" in page
        services.chase_up(org.city, org.city_admin, deadline=deadline(event, "phone"))
    assert steps(event, EventStep.Kind.CHASED)
