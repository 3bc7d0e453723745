"""Deadlines by category and grade (B21/B29): a table in each unit's rules, inherited from above, a law's
own deadlines for a sub-kind, the strictest row for a sensitive event, new deadlines from an upgrade
and none extended by a downgrade."""

from __future__ import annotations

import pytest

from tests.incidents.helpers import deadline, dues, open_event, phone_first, run_jobs, steps
from tests.shift_fixtures import at, travel
from zhiban.incidents import services
from zhiban.incidents.models import Deadline, EventStep, ReportingRule
from zhiban.incidents.rules import RuleTable


def rule(unit, category="natural", grade="III", phone=30, written=60, subkind="", **extra):
    return ReportingRule.objects.create(
        unit=unit,
        category=category,
        subkind=subkind,
        grade=grade,
        phone_minutes=phone,
        written_minutes=written,
        **extra,
    )


@pytest.mark.usefixtures("on_the_day")
def test_rule_B21_B29_a_larger_event_gets_its_own_minutes_from_the_superiors_table(org, duty):
    rule(org.city, grade="III", phone=30, written=60)
    event = open_event(org, grade="III")
    assert dues(event) == (at(9, 30), at(10))
    assert event.rule_label == f"{org.city.label}规定：自然灾害·较大"
    general = open_event(org, grade="IV")  # no row for 一般: the duty policy's 15 and 30 minutes
    assert dues(general) == (at(9, 15), at(9, 30)) and general.rule_label.startswith("值班工作规则")
    page = org.client(org.county_admin).get("/incidents/rules/").content.decode()
    assert f"沿用{org.city.label}" in page and "30分钟内" in page and "1小时内" in page


@pytest.mark.usefixtures("on_the_day")
def test_rule_B29_a_units_own_row_wins_over_the_superiors_and_its_removal_restores_it(org, duty):
    rule(org.city, grade="III", phone=30, written=60)
    own = rule(org.county, grade="III", phone=20, written=40)
    assert dues(open_event(org, grade="III")) == (at(9, 20), at(9, 40))
    client = org.client(org.county_admin)
    assert client.post(f"/incidents/rules/row/{own.pk}/delete/").status_code == 302
    assert RuleTable(org.county).rule("natural", "", "III").source == org.city
    assert org.client(org.sibling_officer).post(f"/incidents/rules/row/{own.pk}/delete/").status_code == 404


@pytest.mark.usefixtures("on_the_day")
def test_rule_B21_a_laws_own_deadlines_for_a_sub_kind_apply_wherever_the_unit_sits(org, duty):
    rule(
        org.city,
        "accident",
        "IV",
        60,
        120,
        subkind="生产安全事故",
        basis="《生产安全事故报告和调查处理条例》",
    )
    rule(org.county, "accident", "IV", 30, 45)  # the county's own row for the category as a whole
    with travel(at(9)):
        event = services.event_open(
            org.county,
            org.officer,
            title="宏达化工仓库火灾",
            category="accident",
            subkind="生产安全事故",
            grade="IV",
            known_at=at(9),
            place="化工园区",
            summary="起火",
        )
    assert dues(event) == (at(10), at(11))  # the law's row, though the county has a row of its own
    assert event.kind_label == "事故灾难·生产安全事故"
    form = org.client(org.officer).get("/incidents/new/").content.decode()
    assert "事故灾难·生产安全事故" in form  # the form offers the sub-kinds the rules name
    with pytest.raises(Exception, match="没有这一具体类型"):
        services.event_open(
            org.county,
            org.officer,
            title="x",
            category="natural",
            subkind="生产安全事故",
            known_at=at(8),
            place="x",
            summary="x",
        )


@pytest.mark.usefixtures("on_the_day")
def test_rule_B21_a_sensitive_general_event_takes_the_strictest_row_and_is_always_reported(org, duty):
    rule(org.city, grade="I", phone=10, written=20, followup_times="08:00 17:00")
    rule(org.city, grade="IV", phone=120, written=240, required=False)
    quiet = open_event(org, grade="IV")
    assert not quiet.report_required and not quiet.deadline_set.exists()
    assert steps(quiet, EventStep.Kind.OPENED)[0].endswith("按规定不须向上级报告")
    sensitive = open_event(org, grade="IV", sensitive=True)
    assert sensitive.report_required and dues(sensitive) == (at(9, 10), at(9, 20))
    assert "按其中最严格的特别重大时限" in sensitive.rule_label and sensitive.followup_times == "08:00 17:00"


@pytest.mark.usefixtures("on_the_day")
def test_rule_B21_an_upgrade_at_10_20_starts_the_new_grades_deadlines_at_10_20(org, duty):
    rule(org.city, grade="III", phone=30, written=60)
    rule(org.city, grade="II", phone=15, written=30)
    event = open_event(org, grade="III")
    with travel(at(9, 20)):
        phone_first(event, org.officer, at(9, 20), org.city)
    with travel(at(10, 25)):  # recorded at 10:25, the upgrade known at 10:20
        response = org.client(org.officer).post(
            f"/incidents/{event.pk}/regrade/",
            {"g-grade": "II", "g-at": "2026-03-05T10:20", "g-note": "伤亡增加"},
        )
    assert response.status_code == 302
    event.refresh_from_db()
    assert (event.grade, event.phone_minutes, event.written_minutes) == ("II", 15, 30)
    assert deadline(event, "phone", 1).starts_at == at(10, 20)
    assert (deadline(event, "phone", 1).due_at, deadline(event, "written", 1).due_at) == (
        at(10, 35),
        at(10, 50),
    )
    assert steps(event, EventStep.Kind.REGRADED) == [
        f"由较大（III级）升级为重大（II级）；自10:20起重新计时：电话报告10:35前、书面报告10:50前"
        f"（{org.city.label}规定：自然灾害·重大）。伤亡增加"
    ]
    with travel(at(10, 40)):  # a report made before the upgrade does not answer its deadlines
        run_jobs()
    assert "电话报告已超过时限（10:35）" in steps(event, EventStep.Kind.ALARM)


@pytest.mark.usefixtures("on_the_day")
def test_rule_B21_a_downgrade_never_extends_a_deadline_already_running(org, duty):
    rule(org.city, grade="II", phone=15, written=30)
    rule(org.city, grade="IV", phone=120, written=240)
    event = open_event(org, grade="II")
    with travel(at(9, 5)):
        services.event_regrade(event, org.officer, "IV", False, note="核实后为一般")
    event.refresh_from_db()
    assert dues(event) == (at(9, 15), at(9, 30)) and event.deadline_set.count() == 2
    assert event.grade == "IV" and event.report_required
    assert steps(event, EventStep.Kind.REGRADED)[0].startswith(
        "由重大（II级）变更为一般（IV级）；已在计时的时限不变"
    )


@pytest.mark.usefixtures("on_the_day")
def test_a_regrade_that_changes_nothing_or_comes_from_the_future_is_refused(org, duty):
    event = open_event(org, grade="III")
    client = org.client(org.officer)
    with travel(at(9, 5)):
        same = client.post(f"/incidents/{event.pk}/regrade/", {"g-grade": "III", "g-at": "2026-03-05T09:05"})
        future = client.post(f"/incidents/{event.pk}/regrade/", {"g-grade": "II", "g-at": "2026-03-05T11:00"})
    assert same.status_code == 400 and "等级和敏感标记都没有变化" in same.content.decode()
    assert future.status_code == 400 and "不能晚于现在" in future.content.decode()
    assert not steps(event, EventStep.Kind.REGRADED) and Deadline.objects.filter(event=event).count() == 2
    sibling = org.client(org.sibling_officer).post(f"/incidents/{event.pk}/regrade/", {"g-grade": "II"})
    assert sibling.status_code == 404


@pytest.mark.usefixtures("on_the_day")
def test_bad_rows_are_refused_with_a_reason_next_to_the_field_and_nothing_saved(org, duty):
    client = org.client(org.county_admin)
    url = f"/incidents/rules/{org.county.pk}/edit/"
    base = {"category": "natural", "grade": "III", "phone_minutes": "30", "written_minutes": "60"}
    cases = {
        "书面报告时限不能短于电话报告时限": {"written_minutes": "20"},
        "时限至少为1分钟": {"phone_minutes": "0"},
        "时限至少为1分钟 ": {"phone_minutes": "-5"},
        "不是时间": {"followup_times": "8点"},
        "只能填一种": {"followup_times": "08:00", "followup_hours": "4"},
    }
    for message, change in cases.items():
        response = client.post(url, {**base, **change})
        assert response.status_code == 200 and message.strip() in response.content.decode(), message
        assert 'value="natural" selected' in response.content.decode()  # the entry is kept
    assert not ReportingRule.objects.exists()
    assert client.post(url, {**base, "followup_times": "17:00，8:00"}).status_code == 302
    saved = ReportingRule.objects.get()
    assert (saved.unit, saved.followup_times, saved.updated_by) == (
        org.county,
        "08:00 17:00",
        org.county_admin,
    )
    assert org.client(org.officer).post(url, base).status_code == 403  # only the duty-office administrator
    assert org.client(org.sibling_officer).get(url).status_code == 404
