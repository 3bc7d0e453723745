"""Headers and start-up (MLPS level 3): a strict Content Security Policy with no inline script or style
anywhere, no-store behind the login, HTTPS and HSTS in production, `check --deploy` clean, and a
production that refuses to start with DEBUG or a superuser."""

from __future__ import annotations

import base64
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management.base import SystemCheckError
from playwright.sync_api import expect

from tests.factories import make_contact
from zhiban.lib import checks

ROOT = Path(__file__).resolve().parents[2]
INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(?!\s*</script>)", re.I), "an inline <script>"),
    (re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I), "an inline <script>"),
    (re.compile(r"""\sstyle\s*=\s*["']""", re.I), "a style= attribute"),
    (re.compile(r"""\son[a-z]+\s*=\s*["'\\]""", re.I), "an on…= handler"),
    (re.compile(r"<style", re.I), "a <style> element"),
]


def test_no_template_or_python_fragment_has_inline_script_or_style():
    sources = [*ROOT.glob("templates/**/*.html"), *ROOT.glob("zhiban/**/*.py")]
    found = [
        f"{path.relative_to(ROOT)}: {what}"
        for path in sources
        if "migrations" not in path.parts
        for pattern, what in INLINE
        if pattern.search(path.read_text())
    ]
    assert found == []


def test_every_page_carries_the_strict_policy_and_no_store(org):
    client = org.client(org.officer)
    for url in ("/", "/org/contacts/", "/login/", "/intake/calls/", "/account/second-factor/"):
        response = client.get(url)
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "style-src 'self'" in policy and "unsafe" not in policy, url
        assert "frame-ancestors 'none'" in policy and response["X-Frame-Options"] == "DENY"
        assert response["Cache-Control"] == "no-store", url


def test_the_pages_work_under_the_policy_in_a_real_browser(org, page, login_as):
    """No violation reported while the directory searches, the tree opens and a print button is there."""
    violations = []
    page.on(
        "console",
        lambda message: "Content Security Policy" in message.text and violations.append(message.text),
    )
    make_contact(org.county, "张三", position="县长")
    login_as(org.county_admin)
    page.goto("/org/contacts/")
    page.get_by_role("searchbox", name="搜索通讯录").type("zs")
    expect(page.locator("#rows tbody").get_by_role("link", name="张三")).to_be_visible()
    page.goto("/org/units/")
    toggle = page.locator("button.toggle").first
    toggle.click()
    expect(toggle).to_have_text("▾")
    page.goto("/roster/on-duty/")
    expect(page.locator("[data-print]")).to_be_visible()
    assert violations == []


def production_env(tmp_path, **extra) -> dict:
    key = lambda: base64.b64encode(secrets.token_bytes(32)).decode()  # noqa: E731
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    env.update(
        ZHIBAN_PRODUCTION="1",
        ZHIBAN_VAR_DIR=str(tmp_path),
        SECRET_KEY=secrets.token_urlsafe(50),
        AUDIT_HMAC_KEY=key(),
        FILE_ENCRYPTION_KEY=key(),
        ALLOWED_HOSTS="zhiban.example.gov.cn",
        CSRF_TRUSTED_ORIGINS="https://zhiban.example.gov.cn",
        **extra,
    )
    return env


def manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_at_warning_level_with_the_production_environment(tmp_path):
    done = manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert done.returncode == 0, done.stderr
    shown = manage(
        production_env(tmp_path),
        "shell",
        "-c",
        "from django.conf import settings as s; print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE)",
    )
    assert shown.stdout.splitlines()[-1].split() == ["True", "31536000", "True"]


@pytest.mark.parametrize("missing", ["SECRET_KEY", "AUDIT_HMAC_KEY", "FILE_ENCRYPTION_KEY"])
def test_production_refuses_to_start_without_each_key(tmp_path, missing):
    env = production_env(tmp_path)
    del env[missing]
    done = manage(env, "check")
    assert done.returncode != 0 and f"{missing} must be set in production" in done.stderr


def test_production_refuses_debug(tmp_path):
    done = manage(production_env(tmp_path, DEBUG="1"), "check")
    assert done.returncode != 0 and "zhiban.E002" in done.stderr


def test_production_refuses_to_start_with_a_superuser(db, settings):
    from zhiban.org.models import User

    settings.PRODUCTION = True
    assert checks.production_has_no_superuser(databases=["default"]) == []
    User.objects.create_superuser("root", password="x")
    assert [e.id for e in checks.production_has_no_superuser(databases=["default"])] == ["zhiban.E003"]
    with pytest.raises(SystemCheckError, match="zhiban.E003"):
        checks.refuse_to_start_unsafely()
    settings.PRODUCTION = False
    checks.refuse_to_start_unsafely()  # development: nothing refused
