"""Who reads and who changes intake records (A2.7/B15): duty roles of the unit and above read them; only the unit's own office or the taker changes them."""

from __future__ import annotations

import pytest

from tests.factories import (
    make_person,
)
from tests.shift_fixtures import at, call_data, travel
from zhiban.intake.models import Call
from zhiban.org.models import Role


@pytest.mark.usefixtures("on_the_day")
def test_a_superior_reads_a_units_call_and_visit_records_but_is_offered_no_edit_and_cannot_post_one(
    org, duty
):
    with travel(at(9, 20)):
        org.client(org.officer).post("/intake/calls/new/", call_data())
    call = Call.objects.get()
    city_leader = make_person(org.city, "市领导", roles=[Role.LEADER])
    client = org.client(city_leader)
    detail = client.get(f"/intake/calls/{call.pk}/").content.decode()
    assert "王建华" in detail and f"/intake/calls/{call.pk}/edit/" not in detail
    assert client.get(f"/intake/calls/{call.pk}/edit/").status_code == 403
    with travel(at(9, 30)):
        assert client.post(f"/intake/calls/{call.pk}/edit/", call_data(content="改了")).status_code == 403
    assert Call.objects.get().content == call.content
    own = org.client(org.deputy).get(f"/intake/calls/{call.pk}/").content.decode()
    assert f"/intake/calls/{call.pk}/edit/" in own  # the county's own duty office changes it


@pytest.mark.usefixtures("on_the_day")
def test_rule_A2_7_B15_someone_of_the_unit_without_a_duty_role_reads_no_duty_record(org, duty):
    clerk = make_person(org.county, "普通干部")
    call = Call.objects.create(unit=org.county, number="0558-1", name="张三")
    client = org.client(clerk)
    officer = org.client(org.officer)  # the unit's duty officer reads each of them
    for url in ("/intake/calls/", "/duty/", f"/intake/calls/{call.pk}/", f"/duty/shifts/{duty.day.pk}/"):
        assert officer.get(url).status_code == 200, url
    assert client.get("/intake/calls/").status_code == 403
    assert client.get("/duty/").status_code == 403
    assert client.get(f"/intake/calls/{call.pk}/").status_code == 404
    assert client.get(f"/duty/shifts/{duty.day.pk}/").status_code == 404
