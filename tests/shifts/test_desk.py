"""一口清 (B7): the day at once, cached yet always current and each person's own."""

from __future__ import annotations

import pytest

from tests.helpers import sign_in
from tests.intake.helpers import register_secret_fax
from tests.shift_fixtures import at, call_data, travel
from zhiban.intake import services as intake
from zhiban.intake.models import Document
from zhiban.shifts import services
from zhiban.shifts.models import Shift


@pytest.mark.usefixtures("on_the_day")
def test_the_cached_summary_page_carries_each_users_own_name(org, duty):
    """Two accounts with no person record (system roles) must not be served each other's page; since
    the three administrators read no duty records, the page each gets is the refusal (A2.7/B15)."""
    from django.test import Client

    from tests.factories import make_system_user

    pages = []
    for role in ("system_admin", "security_admin"):
        user = make_system_user(role)
        client = Client()
        sign_in(client, user)
        with travel(at(9, 30)):
            response = client.get("/duty/")
        assert response.status_code == 403
        pages.append((user.username, response.content.decode()))
    (first, first_page), (second, second_page) = pages
    assert first in first_page and second not in first_page
    assert second in second_page and first not in second_page


@pytest.mark.usefixtures("on_the_day")
def test_a_shift_made_when_someone_looks_is_the_systems_not_the_viewers(org, duty):
    """The runner opens shifts a day ahead; when it is behind, the first page to need the shift makes
    it. The audit trail must not name whoever happened to look (an inspector, who never writes)."""
    from zhiban.audit.models import AuditEntry
    from zhiban.audit.trail import acting_as, actor_for_user

    Shift.objects.filter(pk=duty.night.pk).delete()
    with acting_as(actor_for_user(org.inspector.user)):
        night = services.shift_at(org.county, at(18))
    assert night.pk != duty.night.pk and night.start == duty.night.start
    assert not AuditEntry.objects.filter(actor=org.inspector.user).exists()


@pytest.mark.usefixtures("on_the_day")
def test_recent_shifts_say_whether_they_have_begun_or_still_wait_for_a_handover(org, duty):
    with travel(at(9, 30)):
        page = org.client(org.officer).get("/duty/").content.decode()
    assert f"{duty.night.name}</a> 未开始" in page and f"{duty.day.name}</a> 值班中" in page
    with travel(at(18)):  # the day shift has ended, and no handover was signed
        page = org.client(org.officer).get("/duty/").content.decode()
    assert f'{duty.day.name}</a> <span class="badge bad">待交班</span>' in page


@pytest.mark.usefixtures("on_the_day")
def test_a_superior_sees_a_classified_urgent_fax_on_the_desk_without_a_link_it_cannot_open(org, duty):
    with travel(at(10, 5)):
        register_secret_fax(org.client(org.officer))
        city = org.client(org.city_admin)
        city.post("/switch-unit/", {"unit": org.county.pk})
        page = city.get("/duty/").content.decode()
        own = org.client(org.officer).get("/duty/").content.decode()
    document = Document.objects.get()
    assert "秘密文件（标题不予显示）》（由本单位办理）" in page
    assert f"/intake/documents/{document.pk}/" not in page
    assert f"/intake/documents/{document.pk}/" in own


@pytest.mark.usefixtures("on_the_day")
def test_rule_B7_the_shift_summary_states_the_day_and_shows_every_change_at_once(org, duty):
    """一口清: people on duty, counts, important calls, open matters, pending instructions, equipment;
    cached per minute, yet a new record or a check-in shows on the very next request."""
    officer = org.client(org.officer)
    with travel(at(9, 30)):
        first = officer.get("/duty/").content.decode()
        assert "到岗签到" in first and "带班领导：曾志强" in first and "主班：林海燕" in first
        assert "未检查" in first  # no handover has checked the equipment yet
        checked = officer.post(f"/duty/shifts/{duty.day.pk}/check-in/", follow=True).content.decode()
        assert "已签到" in checked  # the flash message shows, cached page or not
        assert "已签到" not in officer.get("/duty/").content.decode()  # and only once
        officer.post("/intake/calls/new/", call_data(important="on", at="2026-03-05T09:29"))
        intake.matter_open(org.county, org.officer, "S203线道路抢通")
        page = officer.get("/duty/").content.decode()
    assert "到岗签到" not in page and "在岗：林海燕" in page
    assert "青石镇政府王建华：青石镇S203线K12处山体滑坡" in page and "S203线道路抢通" in page
    assert '<div class="num">1</div>来电' in page
    with travel(at(9, 31)):
        deputy_view = org.client(org.deputy).get("/duty/").content.decode()
    assert "到岗签到" in deputy_view  # the deputy has not checked in: their own page says so
    assert 'name="csrfmiddlewaretoken" value="\x00' not in page


@pytest.mark.usefixtures("on_the_day")
def test_rule_B7_the_summary_counts_every_open_matter_not_only_those_it_lists(org, duty):
    from zhiban.shifts.log import LISTED

    for i in range(LISTED + 7):
        intake.matter_open(org.county, org.officer, f"事项{i}")
    with travel(at(9, 30)):
        page = org.client(org.officer).get("/duty/").content.decode()
    assert f'<div class="num">{LISTED + 7}</div>未办结事项' in page
    assert "另有7项未列出" in page


@pytest.mark.usefixtures("on_the_day")
def test_rule_B7_a_person_late_with_two_feedbacks_is_named_once_on_the_desk(org, duty):
    from zhiban.intake.models import Instruction

    with travel(at(8, 40)):
        for text in ("抓紧抢通道路", "做好群众转移"):
            intake.instruction_relay(
                Instruction(unit=org.county, leader=org.county_leader, text=text, feedback_due_at=at(9)),
                [org.deputy],
                org.officer,
            )
    with travel(at(10)):
        page = org.client(org.officer).get("/duty/").content.decode()
    assert "反馈超时（2人次）" in page and f"{org.deputy.name}（2项）" in page
    assert page.count(org.deputy.name + "、" + org.deputy.name) == 0
