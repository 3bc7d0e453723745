"""A leader signs a written report off from a phone (390 px wide), in Debian's chromium (B19/B21): the
notice's link opens the report with its time left and one button that signs and sends it."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from playwright.sync_api import expect

from tests.incidents.helpers import ELEMENTS_FILLED
from zhiban.incidents import reporting, services
from zhiban.incidents.models import Report
from zhiban.notify.models import Notice


def test_rule_B19_B21_the_leader_signs_off_from_a_phone_and_the_report_goes_up(org, page, login_as):
    known = timezone.now() - dt.timedelta(minutes=12)
    event = services.event_open(
        org.county,
        org.officer,
        title="东湖水库超汛限",
        category="natural",
        known_at=known,
        place="东湖水库",
        summary="超汛限",
    )
    report = reporting.report_draft(
        event,
        org.officer,
        kind="first",
        channel="written",
        to_unit=org.city,
        signer=org.county_leader,
        **ELEMENTS_FILLED,
    )
    link = Notice.objects.get(person=org.county_leader, text__startswith="请签发").link
    page.set_viewport_size({"width": 390, "height": 844})
    login_as(org.county_leader)
    page.goto(link)
    expect(page.get_by_role("heading", name="待签发：")).to_contain_text(
        "剩余 17 分"
    )  # 30 minutes from known
    sign = page.get_by_role("button", name="签发并报出")
    expect(sign).to_be_visible()
    box = sign.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390 and box["height"] >= 40  # a thumb's target
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing off the side
    sign.click()
    expect(page.get_by_role("status")).to_contain_text("已签发，书面首报已报市政府")
    report.refresh_from_db()
    assert report.state == Report.State.SENT and report.signed_by == org.county_leader
