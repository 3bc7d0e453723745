"""值班要情: drafted from the day's records at the unit's cut-off, edited, checked, signed off by a leader,
then sent to the office above and the units chosen, as a GB/T 9704 bulletin with its masthead and 签发人."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from docx import Document as WordDocument

from tests.factories import make_person
from tests.incidents.helpers import open_event, township_event
from tests.shift_fixtures import DAY, at, travel
from zhiban.archive import jobs, services
from zhiban.archive.models import Brief
from zhiban.intake.models import Call
from zhiban.notify.models import Notice
from zhiban.org.models import DutyPolicy, Role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_the_day")]


@pytest.fixture
def day_before_event(org):
    """An event of 东湖县 known on 4 March at 10:00, before the period of 5 March's brief."""
    from zhiban.incidents import services as incidents

    moment = at(10, 0, DAY - dt.timedelta(days=1))
    with travel(moment):
        return incidents.event_open(
            org.county,
            org.officer,
            title="东湖水库超汛限",
            category="natural",
            known_at=moment,
            place="东湖水库",
            summary="水位超汛限",
        )


def test_A1_12_the_brief_holds_the_event_of_the_day_and_not_the_one_of_the_day_before(
    org, duty, day_before_event
):
    event = open_event(org)  # 5 March 09:00
    below, _ = township_event(org, known=(11, 0))
    Call.objects.create(
        unit=org.county, at=at(9, 30), name="王建华", important=True, content="S203线道路中断"
    )
    with travel(at(15, 59)):
        assert jobs.try_brief_one() is False  # before the cut-off (16:00 by default)
    with travel(at(16, 1)):
        assert jobs.try_brief_one() is True
        assert jobs.try_brief_one() is False  # once
    brief = Brief.objects.get(unit=org.county)
    assert (brief.year, brief.number) == (2026, 1)
    assert brief.since == at(16, 0, DAY - dt.timedelta(days=1)) and brief.until == at(16)
    assert event.title in brief.body and "青石镇民房倒塌" in brief.body  # the units below too
    assert "东湖水库超汛限" not in brief.body
    assert "S203线道路中断" in brief.body
    assert "带班领导曾志强" in brief.body and "林海燕" in brief.body
    assert brief.body.startswith("一、突发事件")


def test_A1_12_the_cut_off_is_the_units_policy(org, duty):
    DutyPolicy.objects.create(unit=org.county, brief_cutoff_hour=8)
    with travel(at(7, 55, DAY + dt.timedelta(days=1))):
        assert jobs.try_brief_one() is False
    with travel(at(8, 5, DAY + dt.timedelta(days=1))):
        assert jobs.try_brief_one() is True
    brief = Brief.objects.get(unit=org.county)
    assert brief.since == at(8) and brief.until == at(8, 0, DAY + dt.timedelta(days=1))


def test_A1_12_a_brief_is_checked_signed_off_by_a_leader_and_sent_up(org, duty):
    open_event(org)
    with travel(at(16, 5)):
        brief = services.draft_brief(org.county, "daily", DAY)
    city_officer = make_person(org.city, "市值班员", roles=[Role.DUTY_STAFF])
    township_officer = make_person(org.township, "镇值班员", roles=[Role.DUTY_STAFF])
    officer, admin, leader = (org.client(p) for p in (org.officer, org.county_admin, org.county_leader))
    url = f"/archive/briefs/{brief.pk}/"

    # the office above does not see a draft; the officer edits it; an empty body is refused, kept
    assert org.client(city_officer).get(url).status_code == 404
    bad = officer.post(url, {"action": "edit", "body": "  "})
    assert bad.status_code == 400 and "这个字段是必填项" in bad.text
    officer.post(url, {"action": "edit", "body": brief.body + "\n五、其他\n无。"})
    officer.post(url, {"action": "sign"})  # not checked yet, and not a leader: nothing happens
    brief.refresh_from_db()
    assert brief.state == Brief.State.DRAFT and brief.body.endswith("无。")

    page = admin.get(url).text
    assert 'value="check"' in page and 'value="sign"' not in page
    admin.post(url, {"action": "check"})
    assert 'value="sign"' not in officer.get(url).text
    assert 'value="sign"' in leader.get(url).text
    leader.post(url, {"action": "sign"})
    officer.post(url, {"action": "send", "units": [org.township.pk]})
    brief.refresh_from_db()
    assert brief.state == Brief.State.SENT and brief.signed_by == org.county_leader
    assert Notice.objects.filter(person=city_officer, text__contains="值班要情").exists()
    assert Notice.objects.filter(person=township_officer, text__contains="值班要情").exists()
    assert "东湖县" in org.client(city_officer).get("/archive/briefs/").text
    assert org.client(township_officer).get(url).status_code == 200
    assert org.client(org.sibling_officer).get(url).status_code == 404

    word = WordDocument(io.BytesIO(officer.get(f"{url}brief.docx").content))
    texts = [p.text for p in word.paragraphs]
    assert "签发人：曾志强" in texts and "值班要情" in texts and "2026年第1期" in texts
    masthead = next(p for p in word.paragraphs if p.text == "值班要情")
    assert str(masthead.runs[0].font.color.rgb) == "C00000" and masthead.runs[0].font.size.pt == 42
    assert "一、突发事件" in texts


def test_the_issue_numbers_run_per_year(org, duty):
    first = services.draft_brief(org.county, "daily", DAY)
    second = services.draft_brief(org.county, "daily", DAY + dt.timedelta(days=1))
    assert (first.number, second.number) == (1, 2)
    assert services.draft_brief(org.county, "daily", DAY) is None
    january = services.draft_brief(org.county, "daily", dt.date(2027, 1, 2))
    assert (january.year, january.number) == (2027, 1)
    monthly = services.draft_brief(org.county, "monthly", DAY)
    assert monthly.number == 1 and "本月共接报突发事件" in monthly.body
