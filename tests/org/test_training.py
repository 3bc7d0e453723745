"""Training and clearance for duty (B16), under each person's own policy."""

from __future__ import annotations

import datetime as dt

from tests.clock import travel_to
from tests.factories import make_person, train
from zhiban.org.models import DutyPolicy, Role, TrainingRecord
from zhiban.org.training import clearance_problem, is_cleared_for_duty


def test_rule_B16_training_page_uses_each_persons_own_policy(org):
    import datetime as dt

    from django.utils import timezone

    from zhiban.org.models import DutyPolicy

    person = make_person(org.township, "镇值班员", roles=[Role.DUTY_STAFF])
    TrainingRecord.objects.create(
        person=person,
        kind="pre_job",
        date=timezone.localdate() - dt.timedelta(days=200),
        content="岗前",
        result="passed",
    )
    DutyPolicy.objects.create(unit=org.township, training_valid_months=3)
    rows = dict(org.client(org.county_admin).get("/org/training/").context["rows"])
    assert rows[person] == "镇值班员最近3个月内没有合格的值班业务培训"


DAY = dt.date(2026, 3, 5)


def test_rule_B16_untrained_person_is_not_cleared(org):
    assert not is_cleared_for_duty(org.officer, DAY)
    assert clearance_problem(org.officer, DAY) == "林海燕尚未通过岗前培训"


def test_rule_B16_failed_pre_job_training_does_not_clear(org):
    train(org.officer, on=DAY - dt.timedelta(days=10), result="failed")
    assert not is_cleared_for_duty(org.officer, DAY)
    assert "岗前培训" in clearance_problem(org.officer, DAY)  # and the reason is the failed pre-job training


def test_rule_B16_passed_pre_job_training_clears(org):
    train(org.officer, on=DAY - dt.timedelta(days=10))
    assert is_cleared_for_duty(org.officer, DAY)


def test_rule_B16_training_after_the_day_does_not_count(org):
    train(org.officer, on=DAY + dt.timedelta(days=1))
    assert not is_cleared_for_duty(org.officer, DAY)
    assert is_cleared_for_duty(org.officer, DAY + dt.timedelta(days=1))  # it counts from its own day


def test_rule_B16_training_lapses_after_the_policy_months(org):
    train(org.officer, on=dt.date(2025, 3, 5))
    assert not is_cleared_for_duty(org.officer, DAY)  # exactly 12 months before: lapsed
    assert is_cleared_for_duty(org.officer, dt.date(2026, 3, 4))
    train(org.officer, kind=TrainingRecord.Kind.ANNUAL, on=dt.date(2026, 1, 10))
    assert is_cleared_for_duty(org.officer, DAY)
    assert clearance_problem(org.officer, dt.date(2027, 1, 10)) == "林海燕最近12个月内没有合格的值班业务培训"


def test_rule_B16_rule_B29_validity_comes_from_the_units_policy(org):
    train(org.officer, on=dt.date(2025, 6, 1))
    assert is_cleared_for_duty(org.officer, DAY)
    DutyPolicy.objects.create(unit=org.county, training_valid_months=6)
    assert not is_cleared_for_duty(org.officer, DAY)


def test_rule_B16_person_who_may_not_keep_duty_is_never_cleared(org):
    train(org.officer, on=DAY - dt.timedelta(days=10))
    assert is_cleared_for_duty(org.officer, DAY)
    org.officer.is_established = False
    assert not is_cleared_for_duty(org.officer, DAY)


@travel_to(2026, 3, 5, 9, 0)
def test_rule_B16_training_page_lists_who_is_not_cleared(org):
    train(org.deputy, on=dt.date(2026, 1, 1))
    response = org.client(org.county_admin).get("/org/training/")
    rows = dict((p.name, problem) for p, problem in response.context["rows"])
    assert rows["单晓东"] is None
    assert rows["林海燕"] == "林海燕尚未通过岗前培训"


@travel_to(2026, 3, 5, 9, 0)
def test_training_in_the_future_and_bad_dates_are_refused(org):
    client = org.client(org.county_admin)
    response = client.post(
        f"/org/people/{org.officer.pk}/training/new/",
        {"kind": "pre_job", "date": "2026-03-06", "content": "岗前培训", "result": "passed"},
    )
    assert response.context["form"].errors["date"] == ["培训日期不能晚于今天"]
    response = client.post(
        f"/org/people/{org.officer.pk}/training/new/",
        {"kind": "pre_job", "date": "2026-02-30", "content": "岗前培训", "result": "passed"},
    )
    assert response.context["form"].errors["date"] == ["日期格式不对，请填写如 2026-03-05 或 2026年3月5日"]
    assert 'value="2026-02-30"' in response.content.decode()
    assert not TrainingRecord.objects.exists()


@travel_to(2026, 3, 5, 9, 0)
def test_training_date_in_chinese_form_is_accepted(org):
    response = org.client(org.county_admin).post(
        f"/org/people/{org.officer.pk}/training/new/",
        {"kind": "pre_job", "date": "2026年3月5日", "content": "岗前培训", "result": "passed"},
    )
    assert response.status_code == 302
    assert TrainingRecord.objects.get().date == dt.date(2026, 3, 5)


def test_the_training_page_reads_the_policies_once_however_many_units_it_lists(org):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = org.client(org.city_admin)
    client.get("/org/training/")  # the scope and caches made
    with CaptureQueriesContext(connection) as few_units:
        client.get("/org/training/")
    for unit in (org.township, org.city_dept, org.county_dept, org.sibling):
        make_person(unit, roles=[Role.DUTY_STAFF])
    client.get("/org/training/")
    with CaptureQueriesContext(connection) as more_units:
        assert "镇" in client.get("/org/training/").content.decode()
    policy_reads = [q for q in more_units.captured_queries if "org_dutypolicy" in q["sql"]]
    assert len(policy_reads) == 1
    assert len(more_units) == len(few_units)
