"""The contacts directory (A1.7): found by name, pinyin and initials, internal numbers shown inside the unit only on every page, the API and exports; every unit's duty room found by every officer (B21)."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import (
    listed_contacts,
    make_contact,
)
from zhiban.org.models import ApiToken, Contact, ContactNumber


@pytest.fixture
def directory(org):
    return {
        "zhang": make_contact(
            org.county,
            "张三",
            position="县长",
            organisation="东湖县人民政府",
            numbers=[("office", "0558-6000001", False), ("mobile", "13900000001", True)],
        ),
        "shan": make_contact(org.county, "单雄信", position="副县长"),
        "zeng": make_contact(org.county, "曾国藩", position="办公室主任"),
        "xie": make_contact(org.county, "解缙", position="应急局局长", organisation="东湖县应急管理局"),
    }


def _names(response):
    return set(listed_contacts(response).values())


@pytest.mark.parametrize("query", ["张三", "zhangsan", "zs", "ZS", "zhang", "san", "县长"])
def test_rule_A1_7_contact_found_by_name_pinyin_initials_and_position(org, directory, query):
    assert "张三" in _names(org.client(org.officer).get("/org/contacts/", {"q": query}))


@pytest.mark.parametrize(
    "name,queries",
    [
        ("单雄信", ["shanxiongxin", "danxiongxin", "sxx", "dxx"]),
        ("曾国藩", ["zengguofan", "cengguofan", "zgf", "cgf"]),
        ("解缙", ["xiejin", "jiejin", "xj", "jj"]),
    ],
)
def test_rule_A1_7_heteronym_surnames_found_by_every_reading(org, directory, name, queries):
    client = org.client(org.officer)
    for query in queries:
        assert name in _names(client.get("/org/contacts/", {"q": query})), query


def test_rule_A1_7_contact_found_by_part_of_the_organisation(org, directory):
    assert "解缙" in _names(org.client(org.officer).get("/org/contacts/", {"q": "应急管理"}))


def test_rule_A1_7_internal_numbers_are_shown_inside_the_unit(org, directory):
    response = org.client(org.officer).get("/org/contacts/", {"q": "zs"})
    assert "13900000001" in response.content.decode()


@pytest.mark.parametrize("persona", ["city_admin", "inspector"])
def test_rule_A1_7_internal_numbers_are_hidden_outside_the_unit(org, directory, persona):
    client = org.client(getattr(org, persona))
    for url in ("/org/contacts/?q=zs", f"/org/contacts/{directory['zhang'].pk}/", "/org/contacts/print/"):
        text = client.get(url).content.decode()
        assert "13900000001" not in text, url
        assert "0558-6000001" in text, url


def test_rule_A1_7_export_for_outside_never_has_internal_numbers(org, directory):
    client = org.client(org.officer)
    inside = load_workbook(io.BytesIO(client.get("/org/contacts/export.xlsx").content)).active
    outside = load_workbook(
        io.BytesIO(client.get("/org/contacts/export.xlsx?audience=outside").content)
    ).active
    inside_text = " ".join(str(c.value) for row in inside.iter_rows() for c in row)
    outside_text = " ".join(str(c.value) for row in outside.iter_rows() for c in row)
    assert "13900000001" in inside_text
    assert "13900000001" not in outside_text and "0558-6000001" in outside_text


def test_rule_A1_7_api_hides_internal_numbers_outside_the_unit(org, directory, client):

    key = ApiToken.issue(org.city_admin.user, "t")[1]
    data = client.get(
        f"/api/v1/contacts/{directory['zhang'].pk}", headers={"Authorization": f"Bearer {key}"}
    ).json()
    assert [n["number"] for n in data["numbers"]] == ["0558-6000001"]
    key = ApiToken.issue(org.officer.user, "t")[1]
    data = client.get("/api/v1/contacts?q=zs", headers={"Authorization": f"Bearer {key}"}).json()
    assert {n["number"] for n in data["items"][0]["numbers"]} == {"0558-6000001", "13900000001"}


def test_rule_A1_7_county_sees_the_citys_public_numbers_but_not_the_siblings(org, directory):
    make_contact(
        org.city,
        "市政府总值班室",
        kind="duty_office",
        numbers=[("duty", "0558-1000000", False), ("mobile", "13900000099", True)],
    )
    make_contact(org.sibling, "西山县长")
    client = org.client(org.officer)
    text = client.get("/org/contacts/?q=zongzhiban").content.decode()
    assert "0558-1000000" in text and "13900000099" not in text
    assert "西山县长" not in _names(client.get("/org/contacts/", {"q": "xishan"}))


def test_contact_saved_with_numbers_in_one_step(org):
    client = org.client(org.county_admin)
    response = client.post(
        "/org/contacts/new/",
        {
            "kind": "department",
            "name": "县水利局",
            "organisation": "东湖县水利局",
            "position": "",
            "unit": org.county.pk,
            "note": "",
            "order": 0,
            "numbers-TOTAL_FORMS": 2,
            "numbers-INITIAL_FORMS": 0,
            "numbers-MIN_NUM_FORMS": 1,
            "numbers-MAX_NUM_FORMS": 1000,
            "numbers-0-label": "office",
            "numbers-0-number": "0558-6000100",
            "numbers-1-label": "mobile",
            "numbers-1-number": "13900000100",
            "numbers-1-internal_only": "on",
        },
    )
    assert response.status_code == 302
    contact = Contact.objects.get(name="县水利局")
    assert [(n.number, n.internal_only) for n in contact.numbers.all()] == [
        ("0558-6000100", False),
        ("13900000100", True),
    ]
    assert "县水利局" in _names(client.get("/org/contacts/", {"q": "sljs"})) or "县水利局" in _names(
        client.get("/org/contacts/", {"q": "xsl"})
    )


def test_contact_with_a_bad_number_saves_nothing(org):
    response = org.client(org.county_admin).post(
        "/org/contacts/new/",
        {
            "kind": "department",
            "name": "县水利局",
            "unit": org.county.pk,
            "order": 0,
            "numbers-TOTAL_FORMS": 1,
            "numbers-INITIAL_FORMS": 0,
            "numbers-MIN_NUM_FORMS": 1,
            "numbers-MAX_NUM_FORMS": 1000,
            "numbers-0-label": "office",
            "numbers-0-number": "电话",
        },
    )
    assert response.status_code == 200
    assert response.context["numbers"].forms[0].errors["number"]
    assert not Contact.objects.filter(name="县水利局").exists()
    assert not ContactNumber.objects.filter(number="电话").exists()


def test_print_view_is_an_a4_page(org, directory):
    text = org.client(org.officer).get("/org/contacts/print/").content.decode()
    assert "值班通讯录" in text and "张三" in text
    from pathlib import Path

    css = Path("static/css/zhiban.css").read_text(encoding="utf-8")
    assert "size:A4" in css


def test_a_long_directory_prints_in_parts_each_saying_which_rows_it_holds(org, directory, monkeypatch):
    from zhiban.org import views_directory

    monkeypatch.setattr(views_directory, "PRINT_PAGE", 2)
    for i in range(3):
        make_contact(org.county, f"乡镇{i}值班室", position="值班室")
    client = org.client(org.officer)
    first = client.get("/org/contacts/print/").content.decode()
    assert "第1—2条（后面还有，见下一页）" in first and "下一页" in first
    names = set()
    page = 1
    while True:
        text = client.get("/org/contacts/print/", {"page": page}).content.decode()
        names |= {name for name in ("张三", "乡镇0值班室", "乡镇1值班室", "乡镇2值班室") if name in text}
        if "后面还有" not in text:
            break
        page += 1
    assert names == {"张三", "乡镇0值班室", "乡镇1值班室", "乡镇2值班室"}  # nothing left out


@pytest.fixture
def leader_mobile(org):
    """The county leader's mobile, internal-only in the directory (A1.7)."""
    make_contact(
        org.county,
        org.county_leader.name,
        person=org.county_leader,
        numbers=(("office", "0558-3000001", False), ("mobile", org.county_leader.mobile, True)),
    )
    return org.county_leader.mobile


def test_rule_A1_7_an_internal_mobile_is_hidden_outside_its_unit_on_every_page_api_and_export(
    org, leader_mobile
):
    from openpyxl import load_workbook

    city = org.client(org.city_admin)  # the superior duty office reads the county
    listing = city.get("/org/people/?scope=all&q=zengzhiqiang").content.decode()
    assert org.county_leader.name in listing and "仅本单位可见" in listing and leader_mobile not in listing
    page = city.get(f"/org/people/{org.county_leader.pk}/").content.decode()
    assert (
        "仅本单位人员可见" in page and leader_mobile not in page and "0558" not in page.split("手机")[1][:40]
    )
    api = city.get(f"/api/v1/people/{org.county_leader.pk}").json()
    assert api["name"] == org.county_leader.name and api["mobile"] == ""
    listed = city.get("/api/v1/people?limit=100").json()["items"]
    assert {p["name"]: p["mobile"] for p in listed}[org.county_leader.name] == ""
    assert city.get(f"/org/people/?scope=all&q={leader_mobile}").context["page"].rows == []
    sheet = load_workbook(io.BytesIO(city.get("/org/people/export.xlsx?scope=all").content)).active
    rows = {r[0]: r[5] for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert org.county_leader.name in rows and rows[org.county_leader.name] in ("", None)
    # inside the county it is shown, as in the directory
    county = org.client(org.officer).get(f"/org/people/{org.county_leader.pk}/").content.decode()
    assert leader_mobile in county
    # the superior's edit form neither shows nor overwrites it
    form = city.get(f"/org/people/{org.county_leader.pk}/edit/").content.decode()
    assert leader_mobile not in form and "个人号码仅对本单位人员显示" in form


def test_rule_B21_every_duty_officer_finds_every_units_duty_room(org):
    make_contact(
        org.sibling,
        "西山县人民政府值班室",
        kind=Contact.Kind.DUTY_OFFICE,
        numbers=(("duty", "0558-5519999", False), ("mobile", "13900000099", True)),
    )
    make_contact(org.sibling, "西山县县长", numbers=(("mobile", "13900000088", True),))
    response = org.client(org.officer).get("/org/contacts/?q=西山")
    names = set(listed_contacts(response).values())
    assert "西山县人民政府值班室" in names and "西山县县长" not in names
    body = response.content.decode()
    assert "0558-5519999" in body and "13900000099" not in body


def test_rule_A1_7_edit_form_of_an_outsider_never_shows_internal_numbers(org):
    contact = make_contact(
        org.county, "县长", numbers=[("office", "0558-6000001", False), ("mobile", "13900000001", True)]
    )
    text = org.client(org.city_admin).get(reverse("contact_edit", args=[contact.pk])).content.decode()
    assert "0558-6000001" in text and "13900000001" not in text
    assert (
        "13900000001"
        in org.client(org.county_admin).get(reverse("contact_edit", args=[contact.pk])).content.decode()
    )


def test_rule_A1_7_outsider_saving_a_contact_keeps_its_internal_numbers(org):
    contact = make_contact(
        org.county, "县长", numbers=[("office", "0558-6000001", False), ("mobile", "13900000001", True)]
    )
    office = contact.numbers.get(internal_only=False)
    response = org.client(org.city_admin).post(
        reverse("contact_edit", args=[contact.pk]),
        {
            "kind": "leader",
            "name": "县长",
            "unit": org.county.pk,
            "order": 0,
            "numbers-TOTAL_FORMS": 1,
            "numbers-INITIAL_FORMS": 1,
            "numbers-MIN_NUM_FORMS": 1,
            "numbers-MAX_NUM_FORMS": 9,
            "numbers-0-id": office.pk,
            "numbers-0-label": "office",
            "numbers-0-number": "0558-6000002",
        },
    )
    assert response.status_code == 302
    assert set(contact.numbers.values_list("number", flat=True)) == {"0558-6000002", "13900000001"}


def test_rule_A1_7_the_search_as_typed_gives_the_same_page_as_the_directory_rule(org, directory):
    """The list's search runs a statement compiled once per viewer scope and page (contacts.search_page):
    for every viewer and query, including the characters a pattern would read as wildcards, it must
    find exactly what visible_contacts finds, with the same numbers shown and hidden, page by page."""
    from zhiban.org.access import scope_for
    from zhiban.org.contacts import LIST_ORDER, search_page, visible_contacts, with_shown_numbers

    for n in range(25):  # more than a page of 20 for "zh"
        make_contact(
            org.county,
            f"张{'一二三四五六七八九十'[n % 10]}{n}",
            numbers=[("office", f"0558-61{n:05d}", n % 2)],
        )
    make_contact(org.county, "百分_号*[测试]", numbers=[])

    def shown(contacts):
        return [(c.pk, c.unit.label, [x.number for x in c.shown], c.hidden_count) for c in contacts]

    for person in (org.officer, org.sibling_officer, org.city_admin, org.inspector):
        scope = scope_for(person.user)
        for query in ("zh", "Zhang", "张", "0558", "%", "_", "*", "[", "百分_", "号*[", "", "nobody"):
            for number in (1, 2):
                page = search_page(scope, query, number, 20)
                rows = list(
                    visible_contacts(scope, query).order_by(*LIST_ORDER)[(number - 1) * 20 : number * 20 + 1]
                )
                assert shown(page.rows) == shown(with_shown_numbers(rows[:20], scope)), (
                    person,
                    query,
                    number,
                )
                assert page.has_next == (len(rows) > 20)
    assert search_page(scope_for(org.officer.user), "zh", 2, 20).rows  # the second page is not empty
    found = search_page(scope_for(org.officer.user), "百分_", 1, 20).rows
    assert [c.name for c in found] == ["百分_号*[测试]"]
