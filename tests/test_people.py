"""B6/B8 roles, B2/B24 who may keep duty, 三员分立, and bad input on the person form."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tests.factories import make_person
from zhiban.org.access import scope_for
from zhiban.org.models import Person, Role, RoleAssignment, User


def _form(org, **changes):
    data = {
        "name": "王芳",
        "gender": "F",
        "unit": org.county.pk,
        "position": "值班员",
        "rank": "",
        "mobile": "13912345678",
        "office_phone": "0558-1234567",
        "is_established": "on",
        "duty_eligible": "on",
        "active": "on",
        "order": 0,
    }
    data.update(changes)
    return data


def test_rule_B6_roles_are_held_per_unit(org):
    assert Role.LEADER in org.county_leader.role_set()
    assert {r.unit for r in org.officer.roles.all()} == {org.county}


def test_rule_B6_department_head_may_lead_the_governments_duty(org):
    head = make_person(org.county_dept, "部门负责人")
    assignment = RoleAssignment(person=head, unit=org.county, role=Role.LEADER)
    assignment.full_clean()
    assignment.save()
    assert scope_for(head.user).can_read_unit(org.township)


def test_rule_B6_role_cannot_be_held_in_an_unrelated_unit(org):
    with pytest.raises(ValidationError):
        RoleAssignment(person=org.officer, unit=org.sibling, role=Role.LEADER).full_clean()


def test_rule_B8_inspector_reads_subtree_but_writes_nothing(org):
    scope = scope_for(org.inspector.user)
    assert scope.can_read_unit(org.township)
    assert not scope.can_write
    assert not scope.acts_for_unit(org.county)


def test_rule_B8_duty_admin_writes_only_its_subtree(org):
    scope = scope_for(org.county_admin.user)
    assert scope.can_write_unit(org.township)
    assert not scope.can_write_unit(org.city)
    assert not scope.can_write_unit(org.sibling)


def test_rule_B8_system_roles_are_exclusive():
    """三员分立: one field holds the system role, so nobody can hold two."""
    field = User._meta.get_field("system_role")
    assert not field.many_to_many and not field.one_to_many
    user = User(username="x", system_role=User.SystemRole.SYSTEM_ADMIN)
    user.system_role = User.SystemRole.AUDIT_ADMIN
    assert user.system_role == "audit_admin"


@pytest.mark.django_db
def test_rule_B8_only_the_audit_admin_reads_the_audit_log(org):
    from django.test import Client

    from tests.factories import make_system_user

    for role, expected in [("audit_admin", 200), ("system_admin", 403), ("security_admin", 403)]:
        client = Client()
        client.force_login(make_system_user(role))
        assert client.get("/audit/").status_code == expected, role
    assert org.client(org.city_admin).get("/audit/").status_code == 403


def test_rule_B2_B24_only_established_eligible_active_people_may_keep_duty(org):
    contract = make_person(org.county, "聘用人员", is_established=False)
    unwell = make_person(org.county, "病休人员", duty_eligible=False)
    assert org.officer.may_keep_duty
    assert not contract.may_keep_duty
    assert not unwell.may_keep_duty


def test_admin_adds_a_person(org):
    response = org.client(org.county_admin).post("/org/people/new/", _form(org))
    person = Person.objects.get(name="王芳")
    assert response.status_code == 302
    assert person.unit == org.county and person.mobile == "13912345678"


def test_duplicate_mobile_is_refused_with_the_entry_kept(org):
    response = org.client(org.county_admin).post("/org/people/new/", _form(org, mobile=org.officer.mobile))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["mobile"] == ["该手机号码已登记在其他人员名下"]
    assert form["name"].value() == "王芳"
    assert 'value="王芳"' in response.content.decode()
    assert not Person.objects.filter(name="王芳").exists()


def test_duplicate_mobile_is_refused_by_the_database_too(org):
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.create(name="重复", gender="M", unit=org.county, mobile=org.officer.mobile)


def test_bad_mobile_gets_a_chinese_message(org):
    response = org.client(org.county_admin).post("/org/people/new/", _form(org, mobile="12345"))
    assert response.context["form"].errors["mobile"] == ["手机号码应为11位数字，以1开头"]


def test_person_in_the_sibling_unit_cannot_be_created(org):
    response = org.client(org.county_admin).post("/org/people/new/", _form(org, unit=org.sibling.pk))
    assert "unit" in response.context["form"].errors
    assert not Person.objects.filter(name="王芳").exists()


def test_role_added_and_removed_on_the_page(org):
    client = org.client(org.county_admin)
    client.post(f"/org/people/{org.deputy.pk}/roles/new/", {"role": Role.LEADER, "unit": org.county.pk})
    assignment = RoleAssignment.objects.get(person=org.deputy, role=Role.LEADER)
    client.post(f"/org/people/{org.deputy.pk}/roles/{assignment.pk}/delete/")
    assert not RoleAssignment.objects.filter(person=org.deputy, role=Role.LEADER).exists()


def test_same_role_twice_is_refused(org):
    response = org.client(org.county_admin).post(
        f"/org/people/{org.officer.pk}/roles/new/", {"role": Role.DUTY_STAFF, "unit": org.county.pk}
    )
    assert "该人员在此单位已有这个角色" in response.context["form"].errors["role"]


def test_account_is_created_with_an_argon2_hash(org):
    person = make_person(org.county, "新同事", login=False)
    response = org.client(org.county_admin).post(
        f"/org/people/{person.pk}/account/", {"username": "xintongshi", "password": "Duty-Room-2026!"}
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.user.password.startswith("argon2")
    assert person.user.check_password("Duty-Room-2026!")


def test_person_search_by_pinyin_initials(org):
    response = org.client(org.county_admin).get("/org/people/?q=lhy")
    assert [p.name for p in response.context["page"]] == ["林海燕"]
