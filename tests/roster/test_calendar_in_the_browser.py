"""The roster's month grid in Debian's chromium (issue 16): its cells at 1440×900, and the month printed
by chromium to a PDF on exactly one A4 landscape page, without the menus and the solver's line."""

from __future__ import annotations

import datetime as dt
import re

from playwright.sync_api import expect

from tests.factories import make_assignment, make_person, make_roster
from zhiban.org.models import Role
from zhiban.roster.models import Roster


def _full_month(org):
    """October 2026 at 东湖县, every day with a leader, a primary, a deputy and a standby: a full grid."""
    people = [make_person(org.county, f"值班员{i}", roles=[Role.DUTY_STAFF]) for i in range(8)]
    roster = make_roster(org.county, dt.date(2026, 10, 1), 31, state=Roster.State.PUBLISHED)
    Roster.objects.filter(pk=roster.pk).update(solver_note="求解完成，与最优的差距不超过1.0%")
    for i in range(31):
        day = dt.date(2026, 10, 1) + dt.timedelta(days=i)
        make_assignment(roster, org.county_leader, day, "leader")
        for j, post in enumerate(("primary", "deputy", "standby")):
            make_assignment(roster, people[(i + j * 3) % 8], day, post)
    return roster


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


def test_the_month_grid_shows_its_cells_and_prints_on_one_a4_landscape_page(org, page, login_as):
    roster = _full_month(org)
    page.set_viewport_size({"width": 1440, "height": 900})
    login_as(org.county_admin)
    page.goto(f"/roster/{roster.pk}/calendar/?month=2026-10")
    grid = page.get_by_role("table")
    expect(grid.get_by_role("columnheader")).to_have_count(7)
    first = grid.get_by_role("cell").filter(has_text=re.compile(r"^\s*1\s*10月")).first
    expect(first).to_contain_text("国庆")
    expect(first).to_contain_text(f"带班 {org.county_leader.name}")
    expect(grid.get_by_role("cell").filter(has_text="调休上班")).to_have_count(1)  # Saturday 10 October
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    assert _pages(pdf) == 1
    box = re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)", pdf)
    width, height = float(box.group(1)), float(box.group(2))
    assert width > height and abs(width - 841.9) < 2 and abs(height - 595.3) < 2  # A4 landscape in points
    page.emulate_media(media="print")
    expect(page.get_by_role("navigation")).to_have_count(0)  # no top bar, no buttons on paper
    expect(page.get_by_text("与最优的差距")).to_have_count(0)
