"""值班大屏 on an unattended wall PC (issue 16): the unit's duty-office administrator registers a display and
gets a link with a long random key, shown once and kept only as a hash; the link shows that unit's wall
board and its poll without a session (so no idle timeout signs the screen out), read-only, and opens
nothing else; revoking it stops it at once; the security policy can turn the links off; every
registration and revocation is in the audit trail."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from playwright.sync_api import expect

from tests.factories import make_person
from tests.shift_fixtures import at, travel
from zhiban.audit.models import AuditEntry
from zhiban.incidents import services as incidents
from zhiban.org.models import Role, SecurityPolicy
from zhiban.shifts.models import WallDisplay

BY_THE_DAY = pytest.mark.usefixtures("on_the_day")


def register(org, name="值班室东墙大屏") -> tuple[WallDisplay, str]:
    """As the county's administrator does on the page: the link comes in the answer, once."""
    response = org.client(org.county_admin).post("/board/displays/", {"name": name})
    assert response.status_code == 200
    link = re.search(r"<code class=\"wrap\">http://testserver(/board/display/[^<]+/)</code>", response.text)
    return WallDisplay.objects.get(name=name), link.group(1)


def event(org, unit, title, **extra):
    with travel(at(8, 55)):
        return incidents.event_open(
            unit,
            org.officer,
            title=title,
            category="natural",
            known_at=at(8, 50),
            place="现场",
            summary="s",
            **extra,
        )


@BY_THE_DAY
def test_the_administrator_registers_a_display_and_the_link_shows_the_board_without_a_session(org):
    event(org, org.county, "青石镇S203线山体滑坡")
    with travel(at(9)):
        display, link = register(org)
        key = link.split("/")[-2]
        assert key.startswith("zbw_") and len(key) >= 40
        assert display.key_hash == WallDisplay.hash_key(key) and key not in str(display.__dict__)
        listed = org.client(org.county_admin).get("/board/displays/").text
        assert "值班室东墙大屏" in listed and key not in listed and "使用中" in listed  # shown once only
        screen = Client()
        page = screen.get(link)
        poll = screen.get(link + "poll/")
    assert page.status_code == 200 and "东湖县" in page.text and "青石镇S203线山体滑坡" in page.text
    assert f'hx-get="{link}poll/"' in page.text and "大屏链接" not in page.text  # no way anywhere else
    assert poll.status_code == 200 and "青石镇S203线山体滑坡" in poll.text
    assert not screen.cookies and "no-store" in poll["Cache-Control"]  # no session made, nothing kept
    assert (
        screen.post(link).status_code == 405 and screen.post(link + "poll/").status_code == 405
    )  # read-only
    created = AuditEntry.objects.get(model="shifts.walldisplay", action=AuditEntry.Action.CREATE)
    assert created.actor_name == org.county_admin.user.display_name() and "key_hash" not in created.after
    display.refresh_from_db()
    assert display.last_seen_at == at(9) and display.created_by == org.county_admin


@BY_THE_DAY
def test_the_key_opens_the_board_and_its_poll_and_nothing_else(org):
    with travel(at(9)):
        _, link = register(org)
    key = link.split("/")[-2]
    screen = Client()
    with travel(at(9, 1)):
        for url in ("/board/wall/", "/board/wall/poll/", "/duty/", "/incidents/", "/", f"/duty/?key={key}"):
            answer = screen.get(url)
            assert answer.status_code == 302 and answer["Location"].startswith("/login/"), url
        assert screen.get(f"/board/display/{key}/other/").status_code == 404
        assert screen.get(f"/board/display/{key[:-1]}/").status_code == 404  # one character less
        assert screen.get("/api/v1/units", headers={"Authorization": f"Bearer {key}"}).status_code == 401
        assert screen.get("/board/displays/").status_code == 302  # the links' page: a login first


@BY_THE_DAY
def test_a_revoked_key_is_refused_at_once_and_the_revocation_is_audited(org):
    with travel(at(9)):
        display, link = register(org)
        screen = Client()
        assert screen.get(link + "poll/").status_code == 200
        response = org.client(org.county_admin).post(f"/board/displays/{display.pk}/revoke/", follow=True)
        assert "已停用“值班室东墙大屏”" in response.text and "已停用（何丽娟" in response.text
        assert screen.get(link + "poll/").status_code == 404
        assert screen.get(link).status_code == 404
    revoked = AuditEntry.objects.get(model="shifts.walldisplay", action=AuditEntry.Action.UPDATE)
    assert revoked.before["revoked_at"] is None and revoked.after["revoked_at"]
    assert revoked.actor_name == org.county_admin.user.display_name()


@BY_THE_DAY
def test_rule_B3_only_the_units_administrators_keep_its_displays(org):
    """The sibling county's administrator gets 404 on the display; the county's officer and the city's
    inspector, who read the county's duty, may not stop it (403); the city's administrator may."""
    with travel(at(9)):
        display, link = register(org)
        revoke = f"/board/displays/{display.pk}/revoke/"
        assert org.client(org.sibling_officer).post(revoke).status_code == 404
        assert org.client(org.officer).post(revoke).status_code == 403
        assert org.client(org.inspector).post(revoke).status_code == 403
        assert org.client(org.officer).get("/board/displays/").status_code == 403
        assert Client().get(link).status_code == 200  # none of them stopped it
        assert "尚未登记大屏" in org.client(org.sibling_officer).get("/board/displays/").text
        assert org.client(org.city_admin).post(revoke).status_code == 302
    display.refresh_from_db()
    assert display.revoked_by == org.city_admin


@BY_THE_DAY
def test_rule_B3_a_key_of_one_unit_never_shows_another(org):
    """Nor a classified event of its own unit (A2.7/B15): nobody is cleared at a screen on the wall."""
    event(org, org.county, "东湖县的滑坡")
    event(org, org.county, "东湖县的涉密事件", classification="secret")
    event(org, org.sibling, "西山县的火灾")
    with travel(at(9)):
        _, link = register(org)
        browser_of_the_sibling = org.client(org.sibling_officer)  # signed in on the same PC: no matter
        for screen in (Client(), browser_of_the_sibling):
            for answer in (
                screen.get(link),
                screen.get(link + "poll/"),
                screen.get(link + f"?unit={org.sibling.pk}"),
            ):
                assert "东湖县的滑坡" in answer.text
                assert "西山县的火灾" not in answer.text and "涉密" not in answer.text


@BY_THE_DAY
def test_the_link_outlives_the_idle_timeout_and_the_session_lifetime(org):
    SecurityPolicy.objects.filter(pk=1).update(idle_timeout_minutes=30, session_max_hours=12)
    with travel(at(9)):
        display, link = register(org)
    screen = Client()
    for days in (0, 1, 3):
        with travel(at(9) + dt.timedelta(days=days, hours=2)):
            assert screen.get(link + "poll/").status_code == 200
    display.refresh_from_db()
    assert display.last_seen_at == at(11) + dt.timedelta(days=3)


@BY_THE_DAY
def test_the_security_policy_turns_the_links_off(org):
    with travel(at(9)):
        display, link = register(org)
        policy = SecurityPolicy.objects.get(pk=1)
        policy.wall_display_links = False
        policy.save()  # forgets the cached policy
        assert Client().get(link + "poll/").status_code == 404
        admin = org.client(org.county_admin)
        assert "安全管理员已在安全策略中关闭大屏专用链接" in admin.get("/board/displays/").text
        assert admin.post("/board/displays/", {"name": "又一块屏"}).status_code == 403
        assert WallDisplay.objects.count() == 1
        policy.wall_display_links = True
        policy.save()
        assert Client().get(link + "poll/").status_code == 200


@BY_THE_DAY
def test_the_wall_board_offers_the_links_to_the_administrator_only(org):
    clerk = make_person(org.county, "值班员乙", roles=[Role.DUTY_STAFF])
    assert "大屏链接" in org.client(org.county_admin).get("/board/wall/").text
    assert "大屏链接" not in org.client(clerk).get("/board/wall/").text
    bad = org.client(org.county_admin).post("/board/displays/", {"name": ""})
    assert bad.status_code == 400 and "这个字段是必填项" in bad.text and not WallDisplay.objects.exists()


def test_the_wall_pc_shows_the_board_by_its_link_in_the_browser_without_signing_in(org, page):
    """In Debian's chromium at 1920×1080, real time running: the clock, the unit's events, the poll
    answering; no cookie is ever set."""
    from tests.incidents.test_board_in_the_browser import reservoir_event
    from tests.shifts.test_wall_board import WALL

    reservoir_event(org, known_ago=dt.timedelta(minutes=3))
    display, key = WallDisplay.issue(org.county, "值班室大屏", org.county_admin)
    page.set_viewport_size(WALL)
    page.goto(f"/board/display/{key}/")
    expect(page.locator("#wall-time")).to_have_text(re.compile(r"^\d\d:\d\d:\d\d$"))
    expect(page.locator(".wall-events")).to_contain_text("东湖水库超汛限")
    with page.expect_response(re.compile(r"/poll/$")) as polled:
        page.evaluate(f"htmx.ajax('GET', '/board/display/{key}/poll/', {{target: '#wall-body'}})")
    assert polled.value.status == 200
    expect(page.locator("#wall-link")).to_have_text("在线")
    assert page.context.cookies() == [] and page.get_by_role("link").count() == 0
