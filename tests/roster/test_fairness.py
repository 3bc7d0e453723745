"""Fairness and personal requests: counted over published rosters among the people who could be scheduled."""

from __future__ import annotations

import datetime as dt

from tests.factories import (
    make_assignment,
    make_person,
    make_roster,
)
from zhiban.org.models import Role
from zhiban.roster import planning
from zhiban.roster.models import (
    Roster,
)


def test_fairness_leaves_out_people_who_could_not_be_scheduled(org, october):
    for i in range(4):
        make_person(org.county, f"未培训{i}", roles=[Role.DUTY_STAFF])
    roster = make_roster(org.county, dt.date(2026, 10, 12), 14)  # 42 posts for 6 people who may serve
    assert planning.generate(roster, time_limit=10).status in ("optimal", "feasible")
    page = org.client(org.county_admin).get(f"/roster/{roster.pk}/")
    report = page.context["fairness"]
    assert not any("明显多于" in f for f in report.findings), report.findings
    assert {r.person.name for r in report.rows} >= {"未培训0", "值班员0"}  # listed, not counted
    assert report.score >= 90


def test_fairness_report_flags_an_overloaded_person_and_scores_the_roster(
    org, county_duty, before_national_day
):
    from zhiban.roster import fairness

    solved = make_roster(org.county, dt.date(2026, 10, 12), 7)
    planning.generate(solved)
    good = fairness.report(
        list(solved.assignments.select_related("person")),
        planning.duty_people(org.county),
        planning.check(solved),
    )
    assert good.spreads["值班人员"]["shifts"] <= 1 and not any(r.overloaded for r in good.rows)
    assert good.score >= 90
    lopsided = make_roster(org.county, dt.date(2026, 11, 2), 7)
    for i in range(0, 7, 2):  # the officer on every other day, nobody else
        make_assignment(lopsided, org.officer, dt.date(2026, 11, 2) + dt.timedelta(days=i))
    bad = fairness.report(
        list(lopsided.assignments.select_related("person")),
        planning.duty_people(org.county),
        planning.check(lopsided),
    )
    officer = next(r for r in bad.rows if r.person == org.officer)
    assert officer.shifts == 4 and officer.overloaded
    assert bad.score < good.score and any("空档" in f for f in bad.findings)
    page = org.client(org.county_admin).get(f"/roster/{lopsided.pk}/").content.decode()
    assert "质量评分" in page and "偏多" in page


def test_fairness_over_a_period_counts_published_rosters(org, county_duty, before_national_day):
    roster = make_roster(org.county, dt.date(2026, 9, 1), 3, state=Roster.State.PUBLISHED)
    make_assignment(roster, org.officer, dt.date(2026, 9, 1))
    make_assignment(roster, org.officer, dt.date(2026, 9, 3))
    page = org.client(org.county_admin).get("/roster/fairness/", {"start": "2026-09-01", "end": "2026-09-30"})
    text = page.content.decode()
    row = text[text.index(org.officer.name, text.index("<tbody")) :]
    assert row.split("</tr>")[0].count("<td>2</td>") >= 1  # two shifts, two nights


def test_days_people_would_rather_not_work_are_avoided(org, county_duty, before_national_day):
    client = org.client(org.officer)
    assert client.post("/roster/mine/", {"day": "2026-10-12", "note": "孩子开家长会"}).status_code == 302
    again = client.post("/roster/mine/", {"day": "2026-10-12"})
    assert "这一天已经登记过" in again.content.decode()
    roster = make_roster(org.county, dt.date(2026, 10, 12), 7)
    planning.generate(roster)
    days = set(roster.assignments.filter(person=org.officer).values_list("day", flat=True))
    assert days and dt.date(2026, 10, 12) not in days  # a wish, met where fairness allows
    wish = org.officer.duty_requests.first()
    assert org.client(org.deputy).post(f"/roster/mine/requests/{wish.pk}/delete/").status_code == 404
    assert client.post(f"/roster/mine/requests/{wish.pk}/delete/").status_code == 302
