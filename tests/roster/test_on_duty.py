"""Who is on duty at any moment, on the page and over the API."""

from __future__ import annotations

import datetime as dt

from tests.factories import make_assignment, make_roster
from zhiban.roster.models import Roster


def test_who_is_on_duty_now_and_at_a_past_moment(org, county_duty, before_national_day):
    roster = make_roster(org.county, dt.date(2026, 9, 19), 3, state=Roster.State.PUBLISHED)
    make_assignment(roster, org.officer, dt.date(2026, 9, 19))
    make_assignment(roster, org.deputy, dt.date(2026, 9, 20))
    draft = make_roster(org.county, dt.date(2026, 9, 20), 1)
    make_assignment(draft, org.county_leader, dt.date(2026, 9, 20), post="leader")
    client = org.client(org.officer)

    def table(response) -> str:  # the page's table, not the header (which names the viewer)
        text = response.content.decode()
        return text[text.index("<table") :]

    now = table(client.get("/roster/on-duty/"))  # 2026-09-20 10:00
    assert org.deputy.name in now and org.officer.name not in now
    assert org.county_leader.name not in now  # a draft binds nobody
    past = table(client.get("/roster/on-duty/", {"at": "2026-09-20T08:00"}))
    assert org.officer.name in past and org.deputy.name not in past
    # the city sees the county in its subtree list; the sibling county sees nothing of it
    city = table(org.client(org.city_admin).get("/roster/on-duty/", {"subtree": "1"}))
    assert org.deputy.name in city
    sibling = table(org.client(org.sibling_officer).get("/roster/on-duty/", {"subtree": "1"}))
    assert org.deputy.name not in sibling


def test_who_is_on_duty_over_the_api(org, county_duty, before_national_day, client):
    from zhiban.org.models import ApiToken

    roster = make_roster(org.county, dt.date(2026, 9, 20), 1, state=Roster.State.PUBLISHED)
    make_assignment(roster, org.deputy, dt.date(2026, 9, 20))
    token = ApiToken.issue(org.city_admin.user, "大屏")[1]
    headers = {"Authorization": f"Bearer {token}"}
    body = client.get(f"/api/v1/units/{org.city.pk}/on-duty?subtree=true", headers=headers).json()
    county = next(u for u in body if u["unit_id"] == org.county.pk)
    assert [(p["name"], p["post_label"]) for p in county["people"]] == [(org.deputy.name, "主班")]
    past = client.get(f"/api/v1/units/{org.county.pk}/on-duty?at=2026-09-20T07:00:00", headers=headers).json()
    assert past[0]["people"] == []
    assert (
        client.get(f"/api/v1/rosters/{roster.pk}", headers=headers).json()["assignments"][0]["person"]
        == org.deputy.name
    )
