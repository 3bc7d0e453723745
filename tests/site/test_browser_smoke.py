"""The contacts directory in a real browser: the duty officer searches as she types, by keyboard only,
and the list updates in place (htmx, served from static/ by the live server)."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.factories import make_contact


def test_officer_finds_a_contact_by_typing_initials(org, page, login_as):
    make_contact(org.county, "张三", position="县长", numbers=(("office", "0558-1234567", False),))
    make_contact(org.county, "曾国藩", position="办公室主任")
    login_as(org.officer)

    page.goto("/org/contacts/")
    expect(page).to_have_title(re.compile("^通讯录"))
    assert page.evaluate("typeof window.htmx") == "object"  # htmx came from /static/
    rows = page.locator("#rows tbody")
    expect(rows.get_by_role("link", name="张三")).to_be_visible()
    expect(rows.get_by_role("link", name="曾国藩")).to_be_visible()

    search = page.get_by_role("searchbox", name="搜索通讯录")
    expect(search).to_be_focused()  # autofocus: the officer types at once
    page.evaluate("window.notReloaded = true")
    page.keyboard.type("zs")

    expect(rows.get_by_role("link", name="曾国藩")).to_have_count(0)
    expect(rows.get_by_role("link", name="张三")).to_be_visible()
    expect(rows).to_contain_text("0558-1234567")
    expect(page).to_have_url(re.compile(r"/org/contacts/\?q=zs$"))  # hx-push-url: the search can be linked
    assert page.evaluate("window.notReloaded") is True  # updated in place, not a new page


def test_a_page_asks_only_its_own_server_and_gets_no_404(org, page, login_as, live_server):
    """Intranet pages: every request, the browser's own icon request included, goes to the site and
    succeeds."""
    seen = []
    page.on("response", lambda response: seen.append((response.url, response.status)))
    login_as(org.officer)
    page.goto("/org/contacts/")
    expect(page).to_have_title(re.compile("^通讯录"))
    page.wait_for_load_state("networkidle")
    assert seen and all(url.startswith(live_server.url) for url, _ in seen), seen
    assert [(url, status) for url, status in seen if status >= 400] == []
    icon = page.locator("link[rel=icon]").get_attribute("href")  # the site's own, not /favicon.ico
    assert page.request.get(icon).ok
