"""Fixtures for tests in a real browser: Debian's chromium (/usr/bin/chromium, installed by `make test`,
never downloaded) driven by Playwright's sync API against pytest-django's live server.

Registered for every test by `pytest_plugins` in tests/conftest.py. A browser test asks for `page` and
`login_as`, builds its data with the usual fixtures and factories, and asserts on what the user sees
with Playwright's auto-waiting `expect` (never a sleep):

    from playwright.sync_api import expect

    def test_something(org, page, login_as):
        make_contact(org.county, "张三")
        login_as(org.officer)
        page.goto("/org/contacts/")  # relative to the live server
        expect(page.get_by_role("link", name="张三")).to_be_visible()

The database: asking for `page` asks for `live_server`, and pytest-django then makes every database
fixture of that test transactional (`org` asks for `db`, which pytest-django turns into
`transactional_db` when `live_server` is among the test's fixtures). So rows the test makes are committed
and the server's thread sees them, on PostgreSQL as on SQLite, and all tables are emptied after the test.
Nothing to request by hand; `transactional_db` may be named too, it changes nothing.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tests.helpers import sign_in as sign_in_client

CHROMIUM = Path("/usr/bin/chromium")  # Debian's package; `make browser` (a step of `make test`) installs it


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """One headless chromium for a test module; each test gets a fresh context (cookies, storage) of it.

    Module scope, so a module of browser tests pays the start (about half a second) once, and the
    async-unsafe allowance below ends with the module's last test instead of lasting the whole run."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make browser` (part of `make test`) installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an asyncio loop in a greenlet and leaves it marked as this thread's
    # running loop between calls. Django then takes the test's own ORM calls (factories, force_login,
    # the flush after a transactional test) for calls from async code and raises
    # SynchronousOnlyOperation. They are plain sync code, so the check is switched off while
    # Playwright runs, and restored when it stops. The live server answers in threads of its own,
    # where no loop runs, so the check still guards the code under test.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser, live_server) -> Iterator:
    """A new tab in a fresh browser context whose relative URLs go to the live server. The live server
    serves /static/ (htmx, CSS) through django.contrib.staticfiles, as WhiteNoise does in production."""
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", timezone_id="Asia/Shanghai")
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def login_as(page, live_server) -> Callable:
    """login_as(person): the browser is signed in as that person (an Org persona or any Person with a
    user). The session is made on the server as the login form would make it (django.contrib.auth.login,
    through Client.force_login), and its cookie put into the browser; the login form itself has its
    own tests (test_login.py)."""

    def sign_in(person) -> None:
        client = Client()
        sign_in_client(client, person.user)
        name = settings.SESSION_COOKIE_NAME
        page.context.add_cookies(
            [{"name": name, "value": client.cookies[name].value, "url": live_server.url, "httpOnly": True}]
        )

    return sign_in
