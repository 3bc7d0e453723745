"""A1.7: a directory of the numbers duty staff must know, found by name, unit, position, pinyin and
initials; numbers marked internal-only are never shown outside the unit nor in exports for outside."""

import io

import pytest
from openpyxl import load_workbook

from tests.factories import listed_contacts, make_contact
from zhiban.org.models import Contact, ContactNumber


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
    from zhiban.org.models import ApiToken

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
