"""Swaps (A3.2): nothing changes until the last approval, each step by whom it belongs to, partners who keep duty, the Word form."""

from __future__ import annotations

import datetime as dt
import io

import docx
import pytest
import time_machine
from django.core.exceptions import ValidationError
from docx import Document as WordDocument

from tests.clock import SHANGHAI
from tests.factories import (
    make_assignment,
    make_person,
    make_roster,
    train,
)
from tests.helpers import official_layout
from zhiban.org.models import Role
from zhiban.roster import services
from zhiban.roster.models import (
    Assignment,
    Roster,
    RosterChange,
    Swap,
)


def test_rule_A3_2_the_swap_partners_offered_are_those_who_keep_duty_on_the_roster(org, october):
    roster = make_roster(org.county, dt.date(2026, 10, 12), 3)
    make_assignment(roster, october[0], dt.date(2026, 10, 12))
    Roster.objects.filter(pk=roster.pk).update(state=Roster.State.PUBLISHED)
    make_person(org.county, "县督查", roles=[Role.INSPECTOR])
    page = org.client(october[0]).get("/roster/swaps/new/")
    offered = {p.name for p in page.context["form"].fields["partner"].queryset}
    assert {"值班员1", "值班员5", org.officer.name, org.county_leader.name} <= offered
    assert "值班员0" not in offered and "县督查" not in offered and org.county_admin.name not in offered


def test_the_swap_form_has_signature_lines_page_numbers_and_no_rule_codes(org, october):
    from zhiban.roster import services
    from zhiban.roster.models import Assignment

    roster = make_roster(org.county, dt.date(2026, 10, 12), 2)
    mine = make_assignment(roster, october[0], dt.date(2026, 10, 12))
    theirs = make_assignment(roster, october[1], dt.date(2026, 10, 13))
    Roster.objects.filter(pk=roster.pk).update(state=Roster.State.PUBLISHED)
    swap = services.swap_apply(october[0], october[1], Assignment.objects.get(pk=mine.pk), theirs, "家中有事")
    response = org.client(october[0]).get(f"/roster/swaps/{swap.pk}/form.docx")
    from urllib.parse import unquote

    assert (
        unquote(response["Content-Disposition"].split("''")[1])
        == "值班换班申请报告-值班员0-10月12日全天班.docx"
    )
    word = docx.Document(io.BytesIO(response.content))
    assert official_layout(word) == (True, True, True)
    text = "\n".join(
        [p.text for p in word.paragraphs] + [c.text for t in word.tables for r in t.rows for c in r.cells]
    )
    for role in ("申请人", "换班人", "部门负责人", "值班室"):
        assert any(r.cells[0].text == role and "签字：" in r.cells[1].text for r in word.tables[1].rows), role
    assert "　　年　　月　　日" in text and "A3.2" not in text and "家中有事" in text


def test_swap_within_one_shift_is_refused_and_a_started_shift_cannot_be_swapped(org, county):
    roster = make_roster(org.county, dt.date(2026, 10, 12), 7, state=Roster.State.PUBLISHED, version=1)
    mine = make_assignment(roster, org.officer, dt.date(2026, 10, 12))
    same = make_assignment(roster, org.deputy, dt.date(2026, 10, 12), post="standby")
    with pytest.raises(ValidationError, match="同一班次"):
        services.swap_apply(org.officer, org.deputy, mine, same, "x")
    same.delete()
    theirs = make_assignment(roster, org.deputy, dt.date(2026, 10, 15))
    swap = services.swap_apply(org.officer, org.deputy, mine, theirs, "x")
    head = make_person(org.county, "部门负责人", roles=[Role.APPROVER])
    services.swap_decide(swap, org.deputy, approve=True)
    services.swap_decide(swap, head, approve=True)
    started = time_machine.travel(dt.datetime(2026, 10, 12, 9, 0, tzinfo=SHANGHAI), tick=False)
    with started, pytest.raises(ValidationError, match="班次已开始"):
        services.swap_decide(swap, org.county_admin, approve=True)
    swap.refresh_from_db()
    mine.refresh_from_db()
    assert swap.state == Swap.State.AWAITING_OFFICE and mine.person == org.officer


@pytest.fixture
def week(org):
    """A published county roster: the officer on 12 October, the deputy on 15 October; a department
    head; everyone trained. Today is 1 October."""
    for person in (org.officer, org.deputy):
        train(person, on=dt.date(2026, 9, 1))
    head = make_person(org.county, "部门负责人", roles=[Role.APPROVER])
    roster = make_roster(org.county, dt.date(2026, 10, 12), 7, state=Roster.State.PUBLISHED, version=1)
    mine = make_assignment(roster, org.officer, dt.date(2026, 10, 12))
    theirs = make_assignment(roster, org.deputy, dt.date(2026, 10, 15))
    with time_machine.travel(dt.datetime(2026, 10, 1, 9, 0, tzinfo=SHANGHAI), tick=False):
        yield {"roster": roster, "mine": mine, "theirs": theirs, "head": head}


def persons(*assignments):
    return [Assignment.objects.get(pk=a.pk).person_id for a in assignments]


def test_rule_A3_2_swap_changes_nothing_until_the_last_approval(org, week):
    swap = services.swap_apply(org.officer, org.deputy, week["mine"], week["theirs"], "家中老人住院")
    assert org.deputy.notices.filter(text__contains="请确认").exists()
    services.swap_decide(swap, org.deputy, approve=True)
    services.swap_decide(swap, week["head"], approve=True)
    swap.refresh_from_db()
    assert swap.state == Swap.State.AWAITING_OFFICE
    assert persons(week["mine"], week["theirs"]) == [
        org.officer.pk,
        org.deputy.pk,
    ]  # still the officer's shift
    services.swap_decide(swap, org.county_admin, approve=True)
    assert persons(week["mine"], week["theirs"]) == [org.deputy.pk, org.officer.pk]
    week["roster"].refresh_from_db()
    assert week["roster"].version == 2
    assert RosterChange.objects.filter(roster=week["roster"], version=2, summary__startswith="换班").exists()
    assert org.officer.notices.filter(text__contains="换班已批准生效").exists()


def test_rule_A3_2_each_step_is_taken_only_by_whom_it_belongs_to(org, week):
    swap = services.swap_apply(org.officer, org.deputy, week["mine"], week["theirs"], "培训")
    for outsider in (org.officer, org.county_admin, week["head"], org.sibling_officer):
        assert not swap.may_act(outsider)  # it is the partner's turn
    client = org.client(org.county_admin)
    assert client.post(f"/roster/swaps/{swap.pk}/step/", {"decision": "approve"}).status_code == 403
    assert (
        org.client(org.deputy).post(f"/roster/swaps/{swap.pk}/step/", {"decision": "approve"}).status_code
        == 302
    )
    swap.refresh_from_db()
    assert swap.state == Swap.State.AWAITING_HEAD and swap.may_act(week["head"])


def test_rule_A3_2_refusal_ends_it_and_the_roster_stands(org, week):
    swap = services.swap_apply(org.officer, org.deputy, week["mine"], week["theirs"], "出差")
    services.swap_decide(swap, org.deputy, approve=False, note="当天有会")
    swap.refresh_from_db()
    assert swap.state == Swap.State.REJECTED and not swap.may_act(week["head"])
    assert persons(week["mine"], week["theirs"]) == [org.officer.pk, org.deputy.pk]


def test_rule_A3_2_stand_in_has_no_partner_shift(org, week):
    swap = services.swap_apply(org.officer, org.deputy, week["mine"], None, "探亲")
    assert swap.kind == Swap.Kind.STAND_IN
    for person in (org.deputy, week["head"], org.county_admin):
        services.swap_decide(swap, person, approve=True)
    assert persons(week["mine"], week["theirs"]) == [org.deputy.pk, org.deputy.pk]


def test_swap_with_oneself_is_refused_next_to_the_field(org, week):
    response = org.client(org.officer).post(
        "/roster/swaps/new/", {"shift": week["mine"].pk, "partner": org.officer.pk, "reason": "x"}
    )
    assert "不能与自己换班" in response.content.decode()
    assert not Swap.objects.exists()


def test_swap_that_breaks_the_rest_rule_is_refused(org, week):
    next_day = make_assignment(week["roster"], org.deputy, dt.date(2026, 10, 13))
    with pytest.raises(ValidationError, match="须休息"):
        services.swap_apply(
            org.officer, org.deputy, week["mine"], None, "x"
        )  # the deputy would work 12th and 13th
    assert not Swap.objects.exists() and next_day.person_id == org.deputy.pk


def test_untrained_partner_is_refused(org, week):
    novice = make_person(org.county, "新同志", roles=[Role.DUTY_STAFF])
    with pytest.raises(ValidationError, match="岗前培训"):
        services.swap_apply(org.officer, novice, week["mine"], None, "x")


def test_swap_application_prints_as_a_word_form(org, week):
    swap = services.swap_apply(org.officer, org.deputy, week["mine"], week["theirs"], "家中老人住院")
    response = org.client(org.officer).get(f"/roster/swaps/{swap.pk}/form.docx")
    document = WordDocument(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs) + "\n".join(
        c.text for row in document.tables[0].rows for c in row.cells
    )
    assert "值班换班申请报告" in text and org.officer.name in text and "家中老人住院" in text
    fonts = document.styles["Normal"].element.rPr.rFonts
    assert (
        fonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == "仿宋_GB2312"
    )
