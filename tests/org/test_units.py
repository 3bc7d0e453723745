"""The unit tree (B2/B3): kinds that fit their parent, subtrees, moving, reordering within the scope."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.factories import make_unit
from zhiban.org.models import Unit


def test_reordering_never_renumbers_units_outside_the_scope(org):
    before = list(Unit.objects.filter(parent=org.city).values_list("pk", "order"))
    response = org.client(org.county_admin).post(
        reverse("unit_move", args=[org.county.pk]), {"direction": "down"}
    )
    assert response.status_code == 403
    assert list(Unit.objects.filter(parent=org.city).values_list("pk", "order")) == before


def test_admin_edits_its_own_top_unit(org):
    response = org.client(org.county_admin).post(
        reverse("unit_edit", args=[org.county.pk]),
        {
            "name": org.county.name,
            "short_name": "新简称",
            "kind": "county",
            "parent": org.city.pk,
            "duty_office_name": "",
            "order": 0,
            "active": "on",
        },
    )
    assert response.status_code == 302
    org.county.refresh_from_db()
    assert org.county.short_name == "新简称" and org.county.parent == org.city


def test_rule_B2_a_kind_change_that_strands_children_is_refused(org):
    response = org.client(org.city_admin).post(
        reverse("unit_edit", args=[org.county.pk]),
        {"name": org.county.name, "kind": "department", "parent": org.city.pk, "order": 0, "active": "on"},
    )
    assert response.status_code == 200
    assert "不能改为" in str(response.context["form"].errors["kind"])
    assert Unit.objects.get(pk=org.county.pk).kind == "county"


def test_rule_B2_every_unit_has_a_duty_office(org):
    assert org.city.duty_office == "市政府总值班室"
    assert org.county.duty_office == "东湖县人民政府值班室"


def test_rule_B3_subtree_is_the_unit_and_everything_below(org):
    assert set(org.county.subtree()) == {org.county, org.township, org.county_dept}
    assert org.sibling not in org.county.subtree()
    assert set(org.city.subtree()) == set(Unit.objects.all())


def test_rule_B3_moving_a_unit_moves_its_subtree(org):
    town_dept = make_unit("青石镇农业站", Unit.Kind.DEPARTMENT, org.township)
    org.township.parent = org.sibling
    org.township.full_clean()
    org.township.save()
    town_dept.refresh_from_db()
    assert town_dept.path == f"{org.city.path}{org.sibling.pk}/{org.township.pk}/{town_dept.pk}/"
    assert town_dept.depth == 3
    assert set(org.sibling.subtree()) == {org.sibling, org.township, town_dept}
    assert org.township not in org.county.subtree()


def test_rule_B3_a_unit_cannot_move_under_its_own_descendant(org):
    org.county.parent = org.township
    with pytest.raises(ValidationError) as e:
        org.county.full_clean()
    assert "不能把单位移到它自己或它的下级单位之下" in str(e.value)


def test_move_under_descendant_on_the_page_is_refused_and_nothing_saved(org):
    client = org.client(org.city_admin)
    response = client.post(
        f"/org/units/{org.county.pk}/edit/",
        {"name": org.county.name, "kind": "county", "parent": org.township.pk, "order": 0, "active": "on"},
    )
    assert response.status_code == 200
    assert "不能把单位移到它自己或它的下级单位之下" in response.content.decode()
    org.county.refresh_from_db()
    assert org.county.parent == org.city


def test_rule_B2_kinds_must_fit_the_parent(org):
    bad = Unit(name="错误的县", kind=Unit.Kind.COUNTY, parent=org.township)
    with pytest.raises(ValidationError):
        bad.full_clean()
    with pytest.raises(ValidationError):
        Unit(name="无上级的部门", kind=Unit.Kind.DEPARTMENT).full_clean()


def test_admin_creates_a_unit_under_its_subtree(org):
    client = org.client(org.county_admin)
    response = client.post(
        "/org/units/new/",
        {
            "name": "东湖县卫生健康委员会",
            "kind": "department",
            "parent": org.county.pk,
            "order": 5,
            "active": "on",
        },
    )
    unit = Unit.objects.get(name="东湖县卫生健康委员会")
    assert response.status_code == 302
    assert unit.is_in_subtree_of(org.county)


def test_county_admin_cannot_create_a_unit_under_the_sibling(org):
    client = org.client(org.county_admin)
    response = client.post(
        "/org/units/new/",
        {"name": "越权单位", "kind": "department", "parent": org.sibling.pk, "order": 0, "active": "on"},
    )
    assert response.status_code == 200
    assert "parent" in response.context["form"].errors
    assert not Unit.objects.filter(name="越权单位").exists()


def test_reorder_siblings(org):
    client = org.client(org.city_admin)
    first, second = org.county, org.sibling
    client.post(f"/org/units/{second.pk}/move/", {"direction": "up"})
    ordered = list(Unit.objects.filter(parent=org.city, kind="county").order_by("order", "id"))
    assert ordered == [second, first]


def test_tree_page_loads_children_on_demand(org):
    client = org.client(org.city_admin)
    page = client.get("/org/units/")
    assert re.findall(r'<li id="unit-(\d+)"', page.content.decode()) == [str(org.city.pk)]
    children = client.get(f"/org/units/{org.city.pk}/children/", headers={"HX-Request": "true"})
    text = children.content.decode()
    assert "东湖县人民政府" in text and "西山县人民政府" in text and "青石镇" not in text
