"""The office above the top (B21, A2.1): a unit with no superior in the system keeps its external superior
offices (省政府总值班室); its reports to them are recorded with how they went and count for the deadlines;
their Word files are what would be faxed."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from docx import Document as WordDocument

from tests.clock import SHANGHAI
from tests.incidents.helpers import ELEMENTS_FILLED, deadline, leader_of
from zhiban.incidents import reporting, services
from zhiban.incidents.models import ExternalOffice, Report

OCTOBER = dt.datetime(2026, 10, 5, 9, 0, tzinfo=SHANGHAI)


def at(minute: int) -> dt.datetime:
    return OCTOBER + dt.timedelta(minutes=minute)


@pytest.fixture
def province(org):
    return ExternalOffice.objects.create(
        unit=org.city,
        name="省政府总值班室",
        phone="0551-62600000",
        fax="0551-62601111",
        platform="省报送系统",
    )


def city_fire(org):
    return services.event_open(
        org.city,
        org.city_admin,
        title="化工园区火灾",
        category="accident",
        known_at=at(0),
        place="化工园区",
        summary="厂房起火",
    )


def test_rule_B21_A2_1_the_citys_written_report_to_the_province_is_signed_faxed_and_counts(org, province):
    leader = leader_of(org.city)
    with time_machine.travel(at(10), tick=False):
        event = city_fire(org)
        report = reporting.report_draft(
            event,
            org.city_admin,
            kind="first",
            channel="written",
            to_external=province,
            signer=leader,
            **ELEMENTS_FILLED,
        )
        reporting.report_sign(report, leader)
    report.refresh_from_db()
    assert report.state == Report.State.SIGNED and deadline(event, "written").met_at is None  # not out yet
    client = org.client(org.city_admin)
    page = client.get(f"/incidents/reports/{report.pk}/").content.decode()
    assert "已签发，请报出省政府总值班室并登记" in page and "传真" in page
    with time_machine.travel(at(30), tick=False):
        refused = client.post(f"/incidents/reports/{report.pk}/send/", {"at": "2026-10-05T09:25"})
        assert refused.status_code == 400 and "报出方式" in refused.content.decode()
        client.post(f"/incidents/reports/{report.pk}/send/", {"at": "2026-10-05T09:25", "means": "fax"})
    report.refresh_from_db()
    assert (report.state, report.at, report.means, report.to_office) == (
        "sent",
        at(25),
        "fax",
        "省政府总值班室",
    )
    assert deadline(event, "written").met_at == at(25) and deadline(event, "phone").met_at == at(25)
    word = WordDocument(io.BytesIO(client.get(f"/incidents/reports/{report.pk}/report.docx").content))
    texts = [p.text for p in word.paragraphs]
    assert "省政府总值班室：" in texts and f"签发人：{leader.name}" in texts


def test_rule_A2_1_the_city_forwards_a_countys_report_to_the_province_saying_how(org, province):
    from tests.incidents.helpers import written

    with time_machine.travel(at(10), tick=False):
        event = services.event_open(
            org.county,
            org.officer,
            title="山洪",
            category="natural",
            known_at=at(0),
            place="某村",
            summary="山洪",
        )
        report = written(event, org.officer, "first", org.city)
        client = org.client(org.city_admin)
        page = client.get(f"/incidents/reports/{report.pk}/").content.decode()
        assert "转报系统外上级" in page and "省政府总值班室" in page
        client.post(
            f"/incidents/reports/{report.pk}/forward/", {"to_external": province.pk, "means": "platform"}
        )
    forward = Report.objects.get(forwarded_from=report)
    assert (forward.to_external, forward.means, forward.to_office) == (province, "platform", "省政府总值班室")


def test_the_offices_are_kept_by_the_top_units_administrator_and_read_by_nobody_outside_it(org, province):
    admin = org.client(org.city_admin)
    assert "0551-62601111" in admin.get("/incidents/offices/").content.decode()
    created = admin.post(
        "/incidents/offices/new/", {"name": "省应急管理厅值班室", "fax": "0551-1", "order": "1"}
    )
    assert created.status_code == 302 and ExternalOffice.objects.count() == 2
    twice = admin.post("/incidents/offices/new/", {"name": "省应急管理厅值班室", "order": "1"})
    assert "已登记同名的上级值班机构" in twice.content.decode() and ExternalOffice.objects.count() == 2
    for person in (org.sibling_officer, org.officer):  # below the city: not theirs to read
        assert org.client(person).get(f"/incidents/offices/{province.pk}/edit/").status_code == 404
        assert org.client(person).post(f"/incidents/offices/{province.pk}/delete/").status_code == 404
    assert org.client(org.county_admin).post("/incidents/offices/new/", {"name": "x"}).status_code == 403
    assert org.client(org.inspector).post(f"/incidents/offices/{province.pk}/delete/").status_code == 403
    with time_machine.travel(at(10), tick=False):
        reporting.report_make(
            city_fire(org),
            org.city_admin,
            kind="first",
            channel="phone",
            at=at(9),
            to_external=province,
            phoned_whom="王",
        )
    admin.post(f"/incidents/offices/{province.pk}/delete/")
    assert ExternalOffice.objects.filter(pk=province.pk).exists()  # a report went there: kept
