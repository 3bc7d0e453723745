"""Inspections, circulars and rectification (B17): a checklist the records fill first, a circular drafted
from the period's findings, checks and roll calls, signed off and published, and each problem rectified
by its unit, accepted or sent back by the superior, reminded when overdue."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from docx import Document as WordDocument

from tests.factories import make_line
from tests.shift_fixtures import at, travel
from zhiban.notify.models import Notice
from zhiban.supervision import services
from zhiban.supervision.jobs import try_rectification_reminder_one
from zhiban.supervision.models import Circular, Inspection, Rectification, SpotCheck


def finished_inspection(org, note="两个夜班未当面签字交接"):
    inspection = services.inspection_start(org.city, org.county, org.inspector)
    for item in inspection.items.all():
        item.ok = item.key != "handover"
        item.note = note if item.key == "handover" else ""
        item.save()
    services.inspection_finish(inspection, "个别环节需整改")
    return inspection


@pytest.mark.usefixtures("on_the_day")
def test_rule_B17_an_inspection_starts_from_what_the_records_show(org, duty):
    make_line(org.county)  # one fixed line of the two the policy asks for
    inspection = services.inspection_start(org.city, org.county, org.inspector)
    items = {i.key: i for i in inspection.items.all()}
    assert items["roster"].ok and "已发布" in items["roster"].found
    assert items["lines"].ok is False and "值班专用固定电话1部（应不少于2部）" in items["lines"].found
    assert items["room"].ok is None and items["room"].found == "须现场查看"
    with pytest.raises(ValidationError, match="还有检查项目未作结论"):
        services.inspection_finish(inspection, "x")
    client = org.client(org.inspector)
    room = items["room"]
    refused = client.post(
        f"/supervision/inspections/{inspection.pk}/items/", {"item": room.pk, f"i{room.pk}-ok": "0"}
    )
    assert refused.status_code == 302
    room.refresh_from_db()
    assert room.ok is None  # "不符合" without what was found is not saved
    assert (
        org.client(org.sibling_officer).get(f"/supervision/inspections/{inspection.pk}/").status_code == 404
    )
    assert org.client(org.county_admin).get(f"/supervision/inspections/{inspection.pk}/").status_code == 200
    assert (
        org.client(org.county_admin)
        .post(f"/supervision/inspections/{inspection.pk}/items/", {"item": room.pk})
        .status_code
        == 403
    )  # the inspected unit reads its inspection, does not fill it in


@pytest.mark.usefixtures("on_the_day")
def test_rule_B17_a_circular_is_drafted_from_findings_checks_and_roll_calls_and_published(org, duty):
    finished_inspection(org)
    with travel(at(10)):
        services.spot_check_record(
            SpotCheck(from_unit=org.city, to_unit=org.sibling, at=at(9, 50), number="1", answered=False),
            org.city_admin,
        )
        circular = services.circular_draft(
            org.city, org.city_admin, at(0).date(), at(0).date(), at(0).date() + dt.timedelta(days=10)
        )
    texts = sorted(circular.problems.values_list("unit__short_name", "text"))
    assert texts == [
        ("东湖县", "交接班当面签字，未办结事项逐项交接：两个夜班未当面签字交接"),
        ("西山县", "03月05日09:50电话抽查无人接听，视为脱岗"),
    ]
    assert "电话抽查1次（1次视为脱岗）" in circular.body
    assert set(circular.units.all()) == {org.county, org.sibling}
    with pytest.raises(ValidationError, match="通报须由本单位领导签发"):
        services.circular_publish(circular, org.city_admin)
    leader = _city_leader(org)
    with travel(at(10, 30)):
        services.circular_publish(circular, leader)
    circular.refresh_from_db()
    assert circular.state == Circular.State.PUBLISHED and circular.signed_by == leader
    fix = Rectification.objects.get(unit=org.county)
    assert fix.owner == org.county_admin and fix.due_date == at(0).date() + dt.timedelta(days=10)
    assert Notice.objects.filter(person=org.officer, text__contains=circular.title).exists()
    desk = org.client(org.officer).get("/supervision/desk/").content.decode()
    assert circular.title in desk and "交接班当面签字" in desk  # on the county's desk
    word = WordDocument(
        io.BytesIO(
            org.client(org.county_admin).get(f"/supervision/circulars/{circular.pk}/circular.docx").content
        )
    )
    texts = [p.text for p in word.paragraphs]
    assert circular.title in texts and any(t.startswith(org.city.duty_office) for t in texts)
    assert word.paragraphs[0].runs[0].font.size.pt == 22
    # the sibling sees only its own; an unpublished draft is the office's alone
    assert org.client(org.sibling_officer).get(f"/supervision/circulars/{circular.pk}/").status_code == 200
    # a later circular of the same period names only what the first did not
    with travel(at(11)):
        services.spot_check_record(
            SpotCheck(from_unit=org.city, to_unit=org.county, at=at(10, 50), number="1", answered=False),
            org.city_admin,
        )
        draft = services.circular_draft(
            org.city, org.city_admin, at(0).date(), at(0).date(), at(0).date() + dt.timedelta(days=3)
        )
    assert list(draft.problems.values_list("text", flat=True)) == ["03月05日10:50电话抽查无人接听，视为脱岗"]
    assert org.client(org.county_admin).get(f"/supervision/circulars/{draft.pk}/").status_code == 404


def _city_leader(org):
    from tests.factories import make_person
    from zhiban.org.models import Role

    return make_person(org.city, "市领导", roles=[Role.LEADER])


@pytest.mark.usefixtures("on_the_day")
def test_bad_circulars_and_rectifications_are_refused_with_a_reason(org, duty):
    client = org.client(org.city_admin)
    nothing = client.post(
        "/supervision/circulars/",
        {"period_start": "2026-03-01", "period_end": "2026-03-05", "due_date": "2026-03-20"},
    )
    assert nothing.status_code == 400 and "无可通报的问题" in nothing.content.decode()
    finished_inspection(org)
    past = client.post(
        "/supervision/circulars/",
        {"period_start": "2026-03-01", "period_end": "2026-03-05", "due_date": "2026-03-04"},
    )
    assert past.status_code == 400 and "整改期限须在今天之后" in past.content.decode()
    assert not Circular.objects.exists()
    circular = services.circular_draft(
        org.city, org.city_admin, at(0).date(), at(0).date(), at(0).date() + dt.timedelta(days=3)
    )
    problem = circular.problems.get()
    client.post(
        f"/supervision/circulars/{circular.pk}/problems/",
        {"problem": problem.pk, "text": "x", "due_date": "2026-03-01"},
    )
    problem.refresh_from_db()
    assert problem.due_date == at(0).date() + dt.timedelta(days=3)  # a due date in the past is not kept


@pytest.mark.usefixtures("on_the_day")
def test_rule_B17_a_rectification_is_reported_with_evidence_sent_back_accepted_and_reminded(org, duty):
    finished_inspection(org)
    circular = services.circular_draft(
        org.city, org.city_admin, at(0).date(), at(0).date(), at(0).date() + dt.timedelta(days=3)
    )
    services.circular_publish(circular, _city_leader(org))
    fix = Rectification.objects.get()
    county, city = org.client(org.county_admin), org.client(org.city_admin)
    empty = county.post(f"/supervision/rectifications/{fix.pk}/", {"action": "report", "report": " "})
    assert empty.status_code == 400 and "请写明整改情况" in empty.content.decode()
    county.post(
        f"/supervision/rectifications/{fix.pk}/", {"action": "report", "report": "已重新明确交接签字要求"}
    )
    fix.refresh_from_db()
    assert fix.state == Rectification.State.REPORTED
    back = city.post(
        f"/supervision/rectifications/{fix.pk}/", {"action": "decide", "accept": "0", "decision": ""}
    )
    assert back.status_code == 400 and "退回须写明还需整改的内容" in back.content.decode()
    city.post(
        f"/supervision/rectifications/{fix.pk}/",
        {"action": "decide", "accept": "0", "decision": "请附签字记录"},
    )
    fix.refresh_from_db()
    assert (
        fix.state == Rectification.State.OPEN
        and Notice.objects.filter(text__contains="请附签字记录").exists()
    )
    assert (
        county.post(f"/supervision/rectifications/{fix.pk}/", {"action": "decide", "accept": "1"}).status_code
        == 403
    )
    with travel(at(9) + dt.timedelta(days=4)):  # overdue: the owner is reminded, once a day
        assert try_rectification_reminder_one()
        while try_rectification_reminder_one():
            pass
    reminders = Notice.objects.filter(person=org.county_admin, text__startswith="整改提醒")
    assert reminders.filter(text__contains="已超过整改期限").exists()
    overdue = city.get("/supervision/rectifications/?state=overdue").content.decode()
    assert "已逾期" in overdue
    assert org.client(org.sibling_officer).get(f"/supervision/rectifications/{fix.pk}/").status_code == 404
    assert Inspection.objects.count() == 1
