"""Unit pickers (org.pickers.Units): the units an event is told to, a roll call's units, a notice's and a
brief's recipients are searched by name, short name, pinyin or initials among the units the field offers,
each shown with the unit above it where its name does not say it; the page lists none of them; an id
not offered is refused next to the field with nothing saved; and a person of another county never
searches another county's units, whatever the request says."""

from __future__ import annotations

import re

import pytest
from django.core import signing

from tests.factories import make_unit
from tests.incidents.helpers import open_event, steps
from tests.shift_fixtures import DAY, at, travel
from zhiban.archive import services as archive
from zhiban.archive.models import Brief
from zhiban.incidents.models import EventStep
from zhiban.notify.models import Notice
from zhiban.org.models import Unit
from zhiban.org.pickers import Units
from zhiban.supervision.models import RollCall

LONG_LIST = re.compile(r"<select[^>]*multiple|type=\"checkbox\"[^>]*name=\"(u-)?units\"")


def results(client, units: Units, query: str):
    return client.get("/org/units/pick/", {"src": units.token(), "q": query})


def source_of(page: str, name: str) -> str:
    found = re.search(rf'data-name="{name}" data-multiple data-source="([^"]+)"', page)
    return found.group(1).replace("&amp;", "&")


def test_units_are_found_by_name_short_name_pinyin_and_initials_among_those_offered(org):
    client = org.client(org.officer)
    below = Units.below(org.county)  # 青石镇, 东湖县应急管理局; not the county itself
    for query in ("青石", "青石镇", "qingshi", "qsz"):
        page = results(client, below, query).content.decode()
        assert 'data-label="青石镇人民政府（东湖县）"' in page, query  # with the unit above it
    found = results(client, below, "应急").content.decode()
    assert 'data-label="东湖县应急管理局"' in found  # its name says where it is
    assert "示范市应急管理局" not in found  # the city's: not offered
    assert 'data-label="东湖县人民政府' not in results(client, below, "东湖").content.decode()
    assert "没有找到“西山”" in results(client, below, "西山").content.decode()


def test_rule_B3_a_sibling_county_cannot_search_the_countys_units_with_its_token(org):
    sibling = org.client(org.sibling_officer)
    assert results(sibling, Units.below(org.county), "青石").status_code == 404
    assert results(sibling, Units.under(org.county), "青石").status_code == 404
    forged = signing.dumps([[org.county.pk], [], [], []], salt="another salt")
    assert sibling.get("/org/units/pick/", {"src": forged, "q": "青石"}).status_code == 404
    assert org.client(org.officer).get("/org/units/pick/", {"q": "青石"}).status_code == 404


@pytest.mark.usefixtures("on_the_day")
def test_rule_B21_the_event_page_lists_no_units_and_refuses_a_unit_not_offered(org, duty):
    """The event's units to notify: found by search among the person's units and those around the
    event's own; a township of the sibling county is not among them, whatever is posted."""
    for i in range(30):
        make_unit(f"东湖县第{i}办公室", Unit.Kind.DEPARTMENT, org.county)
    far = make_unit("西山县石门镇人民政府", Unit.Kind.TOWNSHIP, org.sibling, short_name="石门镇")
    event = open_event(org)
    client = org.client(org.officer)
    with travel(at(9, 5)):
        page = client.get(f"/incidents/{event.pk}/").content.decode()
        assert not LONG_LIST.search(page) and "东湖县第1办公室" not in page
        source = source_of(page, "u-units")
        assert 'data-label="西山县人民政府（市政府）"' in client.get(source + "&q=xsx").content.decode()
        assert "没有找到" in client.get(source + "&q=石门").content.decode()
        refused = client.post(f"/incidents/{event.pk}/notify/", {"u-units": [far.pk], "u-text": "请绕行"})
    answer = refused.content.decode()
    assert refused.status_code == 400 and "请从查找结果中选择单位" in answer and "请绕行" in answer
    assert steps(event, EventStep.Kind.NOTE) == [] and not Notice.objects.filter(text__contains="请绕行")


@pytest.mark.usefixtures("on_the_day")
def test_rule_A2_8_a_roll_call_refuses_a_unit_outside_the_offices_subtree(org, duty):
    client = org.client(org.county_admin)
    page = client.get("/supervision/roll-calls/").content.decode()
    assert not LONG_LIST.search(page) and 'data-name="units"' in page
    refused = client.post("/supervision/roll-calls/", {"units": [org.sibling.pk]})
    assert refused.status_code == 400 and "请从查找结果中选择单位" in refused.content.decode()
    assert not RollCall.objects.exists()
    client.post("/supervision/roll-calls/", {"units": [org.township.pk]})
    assert list(RollCall.objects.get().targets.values_list("unit", flat=True)) == [org.township.pk]


@pytest.mark.usefixtures("on_the_day")
def test_A1_12_a_brief_goes_to_units_picked_below_and_not_to_a_sibling(org, duty):
    with travel(at(16, 5)):
        brief = archive.draft_brief(org.county, "daily", DAY)
    archive.check_brief(brief, org.county_admin)
    archive.sign_brief(brief, org.county_leader)
    client = org.client(org.officer)
    url = f"/archive/briefs/{brief.pk}/"
    assert not LONG_LIST.search(client.get(url).content.decode())
    refused = client.post(url, {"action": "send", "units": [org.sibling.pk]})
    assert refused.status_code == 400 and "请从查找结果中选择单位" in refused.content.decode()
    brief.refresh_from_db()
    assert brief.state == Brief.State.SIGNED
