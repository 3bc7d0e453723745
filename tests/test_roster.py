"""Rosters from templates, calendar, people and rules: solved, checked, published, changed (RULES.md §2)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from tests.factories import make_assignment, make_exemption, make_person, make_roster, make_shift_types, train
from zhiban.org.models import Role
from zhiban.roster import planning
from zhiban.roster.calendar import days_between, next_year_warning
from zhiban.roster.models import Assignment, Exemption, Holiday, Roster, RosterChange, SensitivePeriod

TRAINED_ON = dt.date(2026, 9, 1)
NATIONAL_DAY = dt.date(2026, 10, 1)


@pytest.fixture
def county_duty(org):
    """The county's duty roster: four leaders on duty, the officer, the deputy and five more staff, all
    trained; 24-hour shifts with primary, deputy and standby (and a leader on holidays)."""
    make_shift_types(org.county)
    staff = [org.officer, org.deputy] + [
        make_person(org.county, f"值班员{i}", roles=[Role.DUTY_STAFF]) for i in range(5)
    ]
    leaders = [org.county_leader] + [
        make_person(org.county, f"县领导{i}", roles=[Role.LEADER]) for i in range(3)
    ]
    for person in [*staff, *leaders]:
        train(person, on=TRAINED_ON)
    return staff


@pytest.fixture
def before_national_day():
    with time_machine.travel(
        dt.datetime(2026, 9, 20, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False
    ):
        yield


def posts_by_day(roster: Roster) -> dict[dt.date, list[str]]:
    days: dict[dt.date, list[str]] = {}
    for a in roster.assignments.all():
        days.setdefault(a.day, []).append(a.post)
    return days


def test_rule_A1_1_solved_roster_covers_every_hour_with_primary_and_standby(
    org, county_duty, before_national_day
):
    roster = make_roster(org.county, NATIONAL_DAY, 7)
    result = planning.generate(roster)
    assert result.status == "optimal", result.reasons
    assert planning.check(roster) == []
    for posts in posts_by_day(roster).values():
        assert posts.count("primary") == 1 and posts.count("standby") == 1


def test_rule_A1_1_gap_blocks_publishing(org, county_duty, before_national_day):
    roster = make_roster(org.county, NATIONAL_DAY, 2)
    make_assignment(roster, org.officer, NATIONAL_DAY)  # day 2 and every standby are missing
    gaps = planning.coverage_gaps(roster, list(roster.assignments.all()))
    assert any("没有主班" in g.message for g in gaps) and any("没有备班" in g.message for g in gaps)
    response = org.client(org.county_admin).post(f"/roster/{roster.pk}/publish/", follow=True)
    assert "不能发布" in response.content.decode()
    roster.refresh_from_db()
    assert roster.state == Roster.State.DRAFT


def test_rule_B7_every_shift_has_a_primary_and_a_deputy(org, county_duty, before_national_day):
    roster = make_roster(org.county, dt.date(2026, 10, 12), 5)
    planning.generate(roster)
    for posts in posts_by_day(roster).values():
        assert posts.count("primary") == 1 and posts.count("deputy") == 1


def test_rule_B10_holidays_come_from_the_official_calendar_and_have_a_leader(
    org, county_duty, before_national_day
):
    days = {d.date: d for d in days_between(org.county, dt.date(2026, 9, 30), dt.date(2026, 10, 9))}
    assert days[NATIONAL_DAY].kind == "holiday" and days[NATIONAL_DAY].name == "国庆节"
    assert days[dt.date(2026, 10, 9)].kind == "workday"  # a Friday after the holiday
    roster = make_roster(org.county, NATIONAL_DAY, 3)
    planning.generate(roster)
    leaders = {a.day for a in roster.assignments.filter(post="leader")}
    assert leaders == {NATIONAL_DAY, dt.date(2026, 10, 2), dt.date(2026, 10, 3)}
    leaders = set(roster.assignments.filter(post="leader").values_list("person__roles__role", flat=True))
    assert leaders == {Role.LEADER}


def test_rule_B10_holiday_table_overrides_the_calendar_for_its_subtree(org):
    Holiday.objects.create(
        date=dt.date(2026, 11, 16), kind=Holiday.Kind.HOLIDAY, name="县庆", unit=org.county
    )
    county_day = days_between(org.township, dt.date(2026, 11, 16), dt.date(2026, 11, 16))[0]
    sibling_day = days_between(org.sibling, dt.date(2026, 11, 16), dt.date(2026, 11, 16))[0]
    assert county_day.kind == "holiday" and county_day.name == "县庆"
    assert sibling_day.kind == "workday"


def test_rule_B10_next_year_without_data_warns_from_december(db):
    assert next_year_warning(dt.date(2026, 11, 30)) is None
    assert "2027年的法定节假日尚未录入" in next_year_warning(dt.date(2026, 12, 1))
    Holiday.objects.create(date=dt.date(2027, 1, 1), kind=Holiday.Kind.HOLIDAY, name="元旦")
    assert next_year_warning(dt.date(2026, 12, 1)) is None


def test_rule_B9_sensitive_period_doubles_the_staff_with_a_leader(org, county_duty, before_national_day):
    for i in range(6):
        train(make_person(org.county, f"增援{i}", roles=[Role.DUTY_STAFF]), on=TRAINED_ON)
    SensitivePeriod.objects.create(
        unit=org.city,
        name="重大活动保障",
        start=dt.date(2026, 10, 20),
        end=dt.date(2026, 10, 21),
        staff_factor=2,
    )
    shifts, problems = planning.planned_shifts(org.county, dt.date(2026, 10, 19), dt.date(2026, 10, 21))
    assert problems == []
    by_day = {s.day.date: s.posts for s in shifts}
    assert by_day[dt.date(2026, 10, 19)] == {"primary": 1, "deputy": 1, "standby": 1}
    assert by_day[dt.date(2026, 10, 20)]["primary"] == 2 and by_day[dt.date(2026, 10, 20)]["deputy"] == 2
    assert by_day[dt.date(2026, 10, 20)]["leader"] == 1  # B10: sensitive periods have a leader on site


def test_rule_B16_untrained_person_is_never_placed(org, county_duty, before_national_day):
    untrained = make_person(org.county, "未培训", roles=[Role.DUTY_STAFF])
    roster = make_roster(org.county, dt.date(2026, 10, 12), 7)
    planning.generate(roster)
    assert not roster.assignments.filter(person=untrained).exists()
    # by hand: the same rule, named next to the field, nothing saved
    assignment = roster.assignments.filter(post="deputy").first()
    response = org.client(org.county_admin).post(
        f"/roster/assignments/{assignment.pk}/edit/", {"person": untrained.pk}
    )
    assert "尚未通过岗前培训" in response.content.decode()
    assignment.refresh_from_db()
    assert assignment.person_id != untrained.pk


def test_rule_A3_1_exemption_goes_head_leader_office_and_then_keeps_the_person_off(
    org, county_duty, before_national_day
):
    head = make_person(org.county, "部门负责人", roles=[Role.APPROVER])
    exemption = make_exemption(org.officer, dt.date(2026, 10, 10), dt.date(2026, 10, 20))
    steps = [
        (org.county_admin, 403),
        (head, 302),
        (head, 403),
        (org.county_leader, 302),
        (org.county_admin, 302),
    ]
    for person, status in steps:
        assert (
            org.client(person)
            .post(f"/roster/exemptions/{exemption.pk}/step/", {"decision": "approve"})
            .status_code
            == status
        ), person.name
    exemption.refresh_from_db()
    assert exemption.state == Exemption.State.ARCHIVED
    assert org.county_leader.notices.filter(
        text__contains="免值班申请"
    ).exists()  # told when it was their turn
    assert org.officer.notices.filter(text__contains="已备案生效").exists()
    assert (exemption.head_by, exemption.leader_by, exemption.archived_by) == (
        head,
        org.county_leader,
        org.county_admin,
    )
    roster = make_roster(org.county, dt.date(2026, 10, 12), 7)
    planning.generate(roster)
    assert not roster.assignments.filter(person=org.officer).exists()


def test_rule_A3_1_exemption_not_yet_archived_does_not_count(org, county_duty, before_national_day):
    make_exemption(
        org.officer, dt.date(2026, 10, 12), dt.date(2026, 10, 13), state=Exemption.State.HEAD_APPROVED
    )
    assert planning.exempted_days([org.officer], dt.date(2026, 10, 12), dt.date(2026, 10, 13)) == {}


def test_rule_A3_1_exemption_approved_after_publishing_flags_shifts_and_proposes_a_replacement(
    org, county_duty, before_national_day
):
    roster = make_roster(org.county, dt.date(2026, 10, 12), 7)
    planning.generate(roster)
    roster.state = Roster.State.PUBLISHED
    roster.save()
    taken = roster.assignments.filter(person=org.officer).first()
    make_exemption(org.officer, taken.day, taken.day, state=Exemption.State.ARCHIVED)
    flagged = [v for v in planning.check(roster) if v.assignment_id == taken.pk]
    assert flagged and "免值班期内" in flagged[0].message
    candidates = planning.replacement_candidates(taken)
    assert candidates and org.officer not in candidates
    assert all(planning.placement_problem(taken, c) is None for c in candidates)


def test_overlapping_exemptions_are_refused(org):
    make_exemption(org.officer, dt.date(2026, 10, 10), dt.date(2026, 10, 20))
    client = org.client(org.officer)
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        "/roster/exemptions/new/",
        {
            "start": "2026-10-15",
            "end": "2026-10-25",
            "reason": "复查",
            "hospital": "示范市第一人民医院",
            "hospital_record": SimpleUploadedFile("a.pdf", b"%PDF"),
            "rest_note": SimpleUploadedFile("b.pdf", b"%PDF"),
        },
    )
    assert "时间重叠" in response.content.decode()
    assert Exemption.objects.filter(person=org.officer).count() == 1


def test_published_roster_change_is_a_new_version_and_tells_both_people(
    org, county_duty, before_national_day
):
    roster = make_roster(org.county, dt.date(2026, 10, 12), 7)
    planning.generate(roster)
    client = org.client(org.county_admin)
    assert client.post(f"/roster/{roster.pk}/publish/").status_code == 302
    roster.refresh_from_db()
    assert roster.state == Roster.State.PUBLISHED and roster.version == 1
    target = roster.assignments.filter(post="deputy").order_by("start").last()
    free = planning.replacement_candidates(target)[0]
    before = target.person
    response = client.post(f"/roster/assignments/{target.pk}/edit/", {"person": free.pk})
    assert response.status_code == 302
    roster.refresh_from_db()
    assert roster.version == 2
    assert RosterChange.objects.filter(roster=roster, version=2, summary__contains=free.name).exists()
    assert before.notices.filter(text__contains="值班安排变更").exists()
    assert free.notices.filter(text__contains="值班安排变更").exists()


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


def test_generated_roster_is_the_same_each_time(org, county_duty, before_national_day):
    roster = make_roster(org.county, dt.date(2026, 10, 12), 7)
    planning.generate(roster)
    first = list(roster.assignments.order_by("start", "post").values_list("start", "post", "person"))
    planning.generate(roster)
    assert list(roster.assignments.order_by("start", "post").values_list("start", "post", "person")) == first


def test_pinned_assignment_is_kept_by_the_solver(org, county_duty, before_national_day):
    roster = make_roster(org.county, dt.date(2026, 10, 12), 7)
    pinned = make_assignment(roster, org.deputy, dt.date(2026, 10, 14), post="standby")
    Assignment.objects.filter(pk=pinned.pk).update(pinned=True)
    planning.generate(roster)
    assert roster.assignments.filter(pk=pinned.pk, person=org.deputy).exists()
    assert roster.assignments.filter(day=dt.date(2026, 10, 14), post="standby").count() == 1
    assert timezone.localtime(pinned.start).hour == 8


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


def test_holiday_roster_filed_with_the_superior_who_sees_who_has_not(org, county_duty, before_national_day):
    roster = make_roster(org.county, NATIONAL_DAY, 7, state=Roster.State.PUBLISHED, version=1)
    city = org.client(org.city_admin)

    def filings() -> str:
        text = city.get("/roster/filings/", {"start": "2026-10-01", "end": "2026-10-07"}).content.decode()
        return text[text.index("<table") :]

    # without dates the page takes the next holiday by itself: the Mid-autumn Festival, 25 September
    assert "9月25日" in city.get("/roster/filings/").content.decode()
    assert filings().count("未报备") == 3  # both counties and the township
    assert org.client(org.county_admin).post(f"/roster/{roster.pk}/file/").status_code == 302
    roster.refresh_from_db()
    assert roster.filed_at is not None
    assert org.city_admin.notices.filter(text__contains="报备").exists()
    assert filings().count("未报备") == 2
    assert org.client(org.sibling_officer).post(f"/roster/{roster.pk}/file/").status_code == 404


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


def test_settings_are_edited_by_their_unit_and_checked(org):
    from zhiban.roster.models import ShiftType

    make_shift_types(org.county)
    mine = ShiftType.objects.filter(unit=org.county).first()
    client = org.client(org.county_admin)
    response = client.post(
        f"/roster/settings/shift/{mine.pk}/edit/",
        {
            "day_kind": "workday",
            "name": "全天班",
            "start": "08:30",
            "hours": 24,
            "leaders": 0,
            "primaries": 0,
            "deputies": 1,
            "standbys": 1,
            "order": 0,
        },
    )
    assert "每个班次至少要有一名主班" in response.content.decode()  # A1.1, next to the field
    mine.refresh_from_db()
    assert mine.primaries == 1
    bad = client.post(
        "/roster/sensitive/new/",
        {"name": "汛期", "start": "2026-07-01", "end": "2026-06-01", "staff_factor": 2},
    )
    assert "结束日期不能早于开始日期" in bad.content.decode()
    assert not SensitivePeriod.objects.exists()
    city_holiday = Holiday.objects.create(date=dt.date(2027, 1, 1), kind="holiday", name="元旦")  # national
    assert client.post(f"/roster/settings/holiday/{city_holiday.pk}/delete/").status_code == 403
