"""Visits (A1.6): recorded, reported to a leader once, and arranged."""

from __future__ import annotations

import pytest

from tests.shift_fixtures import at, travel
from zhiban.intake.models import Matter, Visit
from zhiban.notify.models import Notice


@pytest.mark.usefixtures("on_the_day")
@travel(at(14, 5))  # the times the test states have happened
def test_rule_A1_6_the_leader_a_visit_is_reported_to_is_told_once(org, duty):
    client = org.client(org.officer)
    data = {
        "name": "刘大伟",
        "identity": "村民",
        "people": 1,
        "purpose": "反映村道损毁",
        "arrived_at": "2026-03-05T14:00",
        "reported_to": org.county_leader.pk,
    }
    client.post("/intake/visits/new/", data)
    visit_pk = client.get("/intake/visits/").context["page"][0].pk
    client.post(f"/intake/visits/{visit_pk}/edit/", {**data, "arrangement": "请交通局接待"})
    assert Notice.objects.filter(person=org.county_leader, text__contains="来访报告").count() == 1


@pytest.mark.usefixtures("on_the_day")
@travel(at(14, 5))  # the times the test states have happened
def test_rule_A1_6_a_visitor_is_recorded_reported_to_a_leader_and_arranged(org, duty):
    client = org.client(org.officer)
    client.post(
        "/intake/visits/new/",
        {
            "name": "刘大伟",
            "identity": "东湖村村民",
            "people": 2,
            "purpose": "反映村道损毁",
            "arrived_at": "2026-03-05T14:00",
            "reported_to": org.county_leader.pk,
            "arrangement": "请交通局派人接待",
            "open_matter": "on",
        },
    )
    visit = Visit.objects.get()
    assert visit.reported_to == org.county_leader and visit.received_by == org.officer
    matter = visit.matters.get()
    assert matter.owner == org.officer and matter.source == Matter.Source.VISIT
    client.post(
        f"/intake/visits/{visit.pk}/edit/",
        {
            "name": "刘大伟",
            "identity": "东湖村村民",
            "people": 2,
            "purpose": "反映村道损毁",
            "arrived_at": "2026-03-05T14:00",
            "reported_to": org.county_leader.pk,
            "arrangement": "请交通局派人接待",
            "left_at": "2026-03-05T13:00",
        },
    )
    visit.refresh_from_db()
    assert visit.left_at is None  # leaving before arriving is refused
