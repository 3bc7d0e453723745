"""Person pickers (org.pickers): a field offering thousands of people sends none of them with the page;
the search finds them by name, pinyin, initials or position among those the field offers only, and a
person of another county never gets another county's people, whatever the request says."""

from __future__ import annotations

import re

import pytest
from django.core import signing
from playwright.sync_api import expect

from tests.factories import make_person
from zhiban.intake import services as intake
from zhiban.org.models import Role
from zhiban.org.pickers import People


def results(client, people: People, query: str):
    return client.get("/org/people/pick/", {"src": people.token(), "q": query})


def test_the_search_finds_by_name_pinyin_initials_and_position_among_the_offered_people(org):
    make_person(org.township, "张国华", position="镇长")
    make_person(org.sibling, "张国强", position="县长")  # another county: not offered
    client = org.client(org.officer)
    offered = People.within(org.county)
    for query in ("张国", "zhangguo", "zgh", "镇长"):
        page = results(client, offered, query).content.decode()
        assert "张国华（青石镇" in page, query
        assert "张国强" not in page
    assert "没有找到" in results(client, offered, "nosuchperson").content.decode()


def test_rule_B3_a_sibling_units_people_are_not_found_even_with_their_token(org):
    token_of_the_county = People.within(org.county)
    response = results(org.client(org.sibling_officer), token_of_the_county, "林")
    assert response.status_code == 404


def test_a_forged_or_empty_source_is_not_found(org):
    client = org.client(org.officer)
    forged = signing.dumps([[org.county.pk], True, [], None], salt="another salt")
    assert client.get("/org/people/pick/", {"src": forged, "q": "林"}).status_code == 404
    assert client.get("/org/people/pick/", {"q": "林"}).status_code == 404


def test_roles_and_exclusion_narrow_the_offer(org):
    swap_partners = People((org.county.pk,), roles=(Role.DUTY_STAFF,), exclude=org.officer.pk)
    page = results(org.client(org.officer), swap_partners, "单").content.decode()
    assert "单晓东" in page
    assert "林海燕" not in results(org.client(org.officer), swap_partners, "林").content.decode()
    assert "何丽娟" not in results(org.client(org.officer), swap_partners, "何").content.decode()


@pytest.mark.usefixtures("on_the_day")
def test_the_matter_page_sends_the_chosen_person_only_and_refuses_one_not_offered(org, duty):
    for i in range(30):
        make_person(org.township, f"青石镇干部{i}")
    matter = intake.matter_open(org.county, org.officer, "道路抢通")
    client = org.client(org.officer)
    page = client.get(f"/intake/matters/{matter.pk}/").content.decode()
    assert "青石镇干部" not in page  # nobody listed: a search box instead
    assert 'data-picker data-name="t-to"' in page
    refused = client.post(
        f"/intake/matters/{matter.pk}/transfer/", {"t-to": org.sibling_officer.pk, "t-reason": "转办"}
    )
    assert refused.status_code == 400 and "请从查找结果中选择人员" in refused.content.decode()
    matter.refresh_from_db()
    assert matter.owner == org.officer


@pytest.mark.usefixtures("on_the_day")
def test_officer_transfers_a_matter_by_typing_initials_and_choosing_with_the_keyboard(
    org, duty, page, login_as
):
    matter = intake.matter_open(org.county, org.officer, "道路抢通")
    login_as(org.officer)
    page.goto(f"/intake/matters/{matter.pk}/")
    search = page.locator('[data-name="t-to"] .picker-search')
    search.fill("sxd")  # 单晓东 by initials
    option = page.get_by_role("option", name=re.compile("单晓东"))
    expect(option).to_be_visible()
    search.press("Enter")  # chooses the first result, does not submit the form
    expect(page.locator('[data-name="t-to"] input[name="t-to"]:checked')).to_have_count(1)
    page.get_by_label("移交原因").fill("林海燕下班，单晓东接办")
    page.get_by_role("button", name="移交").click()
    expect(page.get_by_text("林海燕下班，单晓东接办")).to_be_visible()
    matter.refresh_from_db()
    assert matter.owner == org.deputy


@pytest.mark.usefixtures("on_the_day")
def test_enter_pressed_before_the_new_results_arrive_picks_from_them_not_the_old_ones(
    org, duty, page, login_as
):
    make_person(org.county, "汪建")
    make_person(org.county, "汪晓")
    matter = intake.matter_open(org.county, org.officer, "道路抢通")
    login_as(org.officer)
    page.goto(f"/intake/matters/{matter.pk}/")
    search = page.locator('[data-name="t-to"] .picker-search')
    search.fill("汪")
    expect(page.get_by_role("option", name=re.compile("汪建"))).to_be_visible()  # first, by pinyin
    search.press("End")
    page.keyboard.insert_text("晓")  # and Enter at once, while the list still shows 汪建 first
    search.press("Enter")
    chosen = page.locator('[data-name="t-to"] label.chip')
    expect(chosen).to_have_count(1)
    expect(chosen).to_contain_text("汪晓")


def test_the_owner_is_not_offered_as_the_one_to_transfer_to(org):
    matter = intake.matter_open(org.county, org.officer, "道路抢通")
    page = org.client(org.officer).get(f"/intake/matters/{matter.pk}/").content.decode()
    source = re.search(r'data-name="t-to" data-source="([^"]+)"', page).group(1).replace("&amp;", "&")
    offered = org.client(org.officer).get(source + "&q=林").content.decode()
    assert "林海燕" not in offered and "可查找东湖县及其下级单位的在职人员" in page
