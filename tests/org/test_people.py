"""People and roles (B2/B6/B8/B24): roles per unit, who may administer whom, the three system roles, accounts, the person's e-mail."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from tests.factories import (
    make_person,
    make_system_user,
)
from tests.helpers import sign_in
from zhiban.org.access import scope_for
from zhiban.org.models import (
    Person,
    Role,
    RoleAssignment,
    User,
)


def test_a_persons_email_is_entered_on_their_page_for_the_email_channel(org):
    admin = org.client(org.county_admin)
    form = admin.get(f"/org/people/{org.officer.pk}/edit/").context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k != "email"}
    data.update(unit=org.officer.unit_id, email="not-an-address")
    refused = admin.post(f"/org/people/{org.officer.pk}/edit/", data).content.decode()
    assert "请填写有效的电子邮箱地址" in refused and 'value="not-an-address"' in refused
    data["email"] = "linhaiyan@donghu.gov.cn"
    assert admin.post(f"/org/people/{org.officer.pk}/edit/", data).status_code == 302
    org.officer.user.refresh_from_db()
    assert org.officer.user.email == "linhaiyan@donghu.gov.cn"
    assert Person.objects.get(pk=org.officer.pk).mobile == org.officer.mobile


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

    for role, expected in [("audit_admin", 200), ("system_admin", 403), ("security_admin", 403)]:
        client = Client()
        sign_in(client, make_system_user(role))
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


PASSWORD = "Xk29!pq#Lm77"


def test_rule_B8_admin_cannot_remove_a_role_held_above_its_scope(org):
    role = RoleAssignment.objects.create(person=org.county_leader, unit=org.city, role=Role.LEADER)
    response = org.client(org.county_admin).post(reverse("role_remove", args=[org.county_leader.pk, role.pk]))
    assert response.status_code == 403
    assert RoleAssignment.objects.filter(pk=role.pk).exists()


@pytest.mark.parametrize("stronger", ["city_role", "system_role"])
def test_rule_B8_admin_cannot_take_over_a_stronger_account(org, stronger):
    if stronger == "city_role":
        person = org.county_leader
        RoleAssignment.objects.create(person=person, unit=org.city, role=Role.DUTY_ADMIN)
    else:
        person = make_person(org.county, "审计员", system_role="audit_admin")
    client = org.client(org.county_admin)
    before = (person.user.username, person.user.password)
    response = client.post(
        reverse("person_account", args=[person.pk]), {"username": person.user.username, "password": PASSWORD}
    )
    assert response.status_code == 403
    person.user.refresh_from_db()
    assert not person.user.check_password(PASSWORD)
    assert (person.user.username, person.user.password) == before  # the account stands as it was
    assert client.post(reverse("person_edit", args=[person.pk]), {"name": "x"}).status_code == 403
    person.refresh_from_db()
    assert person.name != "x"


def test_rule_B6_moving_a_person_away_from_their_roles_is_refused(org):
    person = make_person(org.township, "镇管理员", roles=[Role.DUTY_ADMIN])
    response = org.client(org.county_admin).post(
        reverse("person_edit", args=[person.pk]),
        {
            "name": person.name,
            "gender": "M",
            "unit": org.county_dept.pk,
            "mobile": person.mobile,
            "is_established": "on",
            "duty_eligible": "on",
            "active": "on",
            "order": 0,
        },
    )
    assert "调整单位前请先移除" in response.context["form"].errors["unit"][0]
    person.refresh_from_db()
    assert person.unit == org.township
