"""The duty manual (B23/B25): the duty rules and a handling procedure per category of event, each a
unit's own or its superior's (B29), shown on the event's page and on the duty-room board."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import make_system_user
from tests.helpers import sign_in
from tests.incidents.helpers import open_event
from zhiban.audit.models import AuditEntry
from zhiban.incidents.manual import procedure_for
from zhiban.incidents.models import Procedure

CITY_FLOOD = "一、接报后立即核实灾情\n二、15分钟内电话报告市政府总值班室\n三、通知水利、应急部门"


COUNTY_FLOOD = "一、接报后立即通知东湖水库管理处\n二、15分钟内电话报告县政府总值班室"


def write(client, unit, section: str, text: str):
    return client.post(f"/incidents/manual/{unit.pk}/{section}/edit/", {"text": text})


@pytest.mark.usefixtures("on_the_day")
def test_rule_B25_the_event_page_shows_the_procedure_for_its_category_from_the_superior(org, duty):
    assert write(org.client(org.city_admin), org.city, "natural", CITY_FLOOD).status_code == 302
    event = open_event(org)  # 东湖县, 自然灾害
    page = org.client(org.officer).get(f"/incidents/{event.pk}/").content.decode()
    procedure = page[page.index('id="procedure"') : page.index("<h2>报告</h2>")]
    assert "自然灾害处置规程" in procedure and f"沿用{org.city.label}" in procedure
    assert "15分钟内电话报告市政府总值班室" in procedure
    board = org.client(org.officer).get("/incidents/board/rows/").content.decode()
    assert f"/incidents/manual/{org.county.pk}/#natural" in board  # the duty-room board links it


@pytest.mark.usefixtures("on_the_day")
def test_rule_B25_B29_a_unit_writes_its_own_section_and_returns_to_the_superiors_by_leaving_it_blank(
    org, duty
):
    write(org.client(org.city_admin), org.city, "natural", CITY_FLOOD)
    county = org.client(org.county_admin)
    assert write(county, org.county, "natural", COUNTY_FLOOD).status_code == 302
    manual = county.get(f"/incidents/manual/{org.county.pk}/").content.decode()
    assert "本单位规定" in manual and "通知东湖水库管理处" in manual
    assert "15分钟内电话报告市政府总值班室" not in manual
    # the township below the county follows the county's section, the nearest superior's
    assert procedure_for(org.township, "natural").procedure.unit == org.county
    township = org.client(org.city_admin).get(f"/incidents/manual/{org.township.pk}/").content.decode()
    assert f"沿用{org.county.label}" in township and "通知东湖水库管理处" in township
    event = open_event(org)
    page = org.client(org.officer).get(f"/incidents/{event.pk}/").content.decode()
    assert "通知东湖水库管理处" in page and "沿用" not in page[page.index('id="procedure"') :][:200]

    write(county, org.county, "natural", "   ")  # blank: the county follows the city again
    assert not Procedure.objects.filter(unit=org.county).exists()
    assert (
        "15分钟内电话报告市政府总值班室"
        in org.client(org.officer).get(f"/incidents/{event.pk}/").content.decode()
    )
    actions = list(
        AuditEntry.objects.filter(model="incidents.procedure").order_by("id").values_list("action", flat=True)
    )
    assert actions == ["create", "create", "delete"]  # city's, county's, county's withdrawn


@pytest.mark.usefixtures("on_the_day")
def test_rule_B25_saving_the_superiors_text_unchanged_keeps_following_its_revisions(org, duty):
    city = org.client(org.city_admin)
    write(city, org.city, "rules", "值班人员须提前10分钟到岗")
    county = org.client(org.county_admin)
    form = county.get(f"/incidents/manual/{org.county.pk}/rules/edit/").content.decode()
    assert "值班人员须提前10分钟到岗" in form  # the form starts from the text that applies
    write(county, org.county, "rules", "值班人员须提前10分钟到岗\n")
    assert not Procedure.objects.filter(unit=org.county).exists()
    write(city, org.city, "natural", CITY_FLOOD)
    write(county, org.county, "natural", CITY_FLOOD.replace("\n", "\r\n"))  # as a browser sends a textarea
    assert not Procedure.objects.filter(unit=org.county).exists()
    write(city, org.city, "rules", "值班人员须提前15分钟到岗")
    manual = org.client(org.officer).get("/incidents/manual/").content.decode()
    assert "值班人员须提前15分钟到岗" in manual


@pytest.mark.usefixtures("on_the_day")
def test_rule_B25_only_a_writer_of_the_unit_edits_its_manual_and_an_unknown_section_is_404(org, duty):
    officer = org.client(org.officer)  # a duty officer reads the manual, the duty-office admin writes it
    assert officer.get("/incidents/manual/").status_code == 200
    assert write(officer, org.county, "natural", COUNTY_FLOOD).status_code == 403
    assert write(org.client(org.county_admin), org.city, "natural", COUNTY_FLOOD).status_code == 404
    assert write(org.client(org.county_admin), org.county, "weather", COUNTY_FLOOD).status_code == 404
    sysadmin = Client()
    sign_in(sysadmin, make_system_user("system_admin"))  # runs the platform, not the duty content (三员)
    assert write(sysadmin, org.county, "natural", COUNTY_FLOOD).status_code == 403
    write(org.client(org.city_admin), org.city, "natural", CITY_FLOOD)
    page = sysadmin.get(f"/incidents/manual/{org.county.pk}/").content.decode()
    assert f"沿用{org.city.label}" in page and "/edit/" not in page  # the section shows, no edit button
    admin_page = org.client(org.county_admin).get(f"/incidents/manual/{org.county.pk}/").content.decode()
    assert f"/incidents/manual/{org.county.pk}/natural/edit/" in admin_page
    assert not Procedure.objects.filter(unit=org.county).exists()


@pytest.mark.usefixtures("on_the_day")
def test_rule_B25_a_section_too_long_is_refused_with_the_text_kept(org, duty):
    response = write(org.client(org.county_admin), org.county, "natural", "处置" * 10_001)
    assert response.status_code == 200 and "最多20000个字" in response.content.decode()
    assert "处置处置处置" in response.content.decode() and not Procedure.objects.exists()


@pytest.mark.usefixtures("on_the_day")
def test_rule_B25_a_section_no_superior_has_cannot_be_left_blank(org, duty):
    city = org.client(org.city_admin)
    write(city, org.city, "natural", CITY_FLOOD)
    refused = write(
        city, org.city, "natural", ""
    )  # the city's blank would leave every unit below without one
    assert (
        refused.status_code == 200 and "上级单位没有这一篇目可以沿用，请填写内容" in refused.content.decode()
    )
    assert Procedure.objects.get(unit=org.city).text == CITY_FLOOD
    blank = write(org.client(org.county_admin), org.county, "health", "")
    assert "上级单位没有这一篇目可以沿用" in blank.content.decode() and not Procedure.objects.filter(
        section="health"
    )
