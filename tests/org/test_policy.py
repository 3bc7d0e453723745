"""B29: every number the rules give is a unit's policy, inherited from the parent unless overridden."""

from __future__ import annotations

from zhiban.org.models import DutyPolicy
from zhiban.org.policy import POLICY_DEFAULTS, effective_policy


def test_rule_B29_defaults_are_the_regulations_numbers(org):
    policy = effective_policy(org.township)
    assert policy.phone_report_minutes == 15 and policy.written_report_minutes == 30
    assert policy.verification_phone_minutes == 15 and policy.verification_written_minutes == 30
    assert policy.answer_within_rings == 3 and policy.handover_reminder_minutes == 60
    assert policy.primary_early_minutes == 10 and policy.min_fixed_lines == 2
    assert policy.training_valid_months == 12
    assert all(v.source is None for v in policy.rows())


def test_rule_B29_a_unit_inherits_from_the_nearest_ancestor(org):
    DutyPolicy.objects.create(unit=org.city, phone_report_minutes=10)
    DutyPolicy.objects.create(unit=org.county, phone_report_minutes=12, handover_reminder_minutes=90)
    township = effective_policy(org.township)
    assert township.phone_report_minutes == 12
    assert township.values["phone_report_minutes"].source == org.county
    assert township.handover_reminder_minutes == 90
    assert effective_policy(org.sibling).phone_report_minutes == 10
    assert effective_policy(org.sibling).values["phone_report_minutes"].source == org.city
    assert (
        effective_policy(org.sibling).handover_reminder_minutes
        == POLICY_DEFAULTS["handover_reminder_minutes"]
    )


def test_rule_B29_policy_page_shows_value_and_source(org):
    DutyPolicy.objects.create(unit=org.city, written_report_minutes=25)
    text = org.client(org.officer).get("/org/policy/").content.decode()
    assert "沿用上级：市政府" in text and "规范默认值" in text


def test_rule_B29_admin_overrides_and_clears_a_value(org):
    client = org.client(org.county_admin)
    response = client.post(f"/org/units/{org.county.pk}/policy/edit/", {"phone_report_minutes": "20"})
    assert response.status_code == 302
    assert effective_policy(org.township).phone_report_minutes == 20
    client.post(f"/org/units/{org.county.pk}/policy/edit/", {"phone_report_minutes": ""})
    assert effective_policy(org.township).phone_report_minutes == 15


def test_rule_B29_zero_or_text_is_refused(org):
    client = org.client(org.county_admin)
    response = client.post(
        f"/org/units/{org.county.pk}/policy/edit/",
        {"phone_report_minutes": "0", "written_report_minutes": "abc"},
    )
    errors = response.context["form"].errors
    assert errors["phone_report_minutes"] == ["应为不小于1的整数"]
    assert "written_report_minutes" in errors
    assert not DutyPolicy.objects.filter(unit=org.county).exists()


def test_rule_B29_a_county_cannot_set_the_citys_policy(org):
    client = org.client(org.county_admin)
    assert (
        client.post(f"/org/units/{org.city.pk}/policy/edit/", {"phone_report_minutes": "5"}).status_code
        == 404
    )
    assert effective_policy(org.city).phone_report_minutes == 15  # unchanged
    assert client.get(f"/org/units/{org.county.pk}/policy/edit/").status_code == 200  # its own it may


def test_rule_A3_2_B29_a_yes_or_no_setting_is_chosen_and_shown_in_words(org):
    client = org.client(org.county_admin)
    form = client.get(f"/org/units/{org.county.pk}/policy/edit/").content.decode()
    assert "沿用上级（是）" in form and "1是" not in form
    client.post(f"/org/units/{org.county.pk}/policy/edit/", {"swap_needs_department_head": "0"})
    assert effective_policy(org.county).swap_needs_department_head == 0  # 否 could not be entered before
    row = next(v for v in effective_policy(org.county).rows() if v.field == "swap_needs_department_head")
    assert row.shown == "否" and "<strong>否</strong>" in client.get("/org/policy/").content.decode()
