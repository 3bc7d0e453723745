"""The settings helpers refuse bad values, and the zh-hans date formats accept Chinese dates."""

from __future__ import annotations

import datetime as dt

import pytest
from django import forms
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from zhiban.lib.env import database, env_bool, env_int, env_list, env_networks, secret_key


def test_env_bool_refuses_unknown_words(monkeypatch):
    monkeypatch.setenv("DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="DEBUG"):
        env_bool("DEBUG", False)
    monkeypatch.setenv("DEBUG", "yes")
    assert env_bool("DEBUG", False) is True


def test_env_int_and_list(monkeypatch):
    monkeypatch.setenv("N", "x")
    with pytest.raises(ImproperlyConfigured):
        env_int("N", 1)
    monkeypatch.setenv("HOSTS", " , ")
    with pytest.raises(ImproperlyConfigured):
        env_list("HOSTS", [])
    monkeypatch.setenv("HOSTS", "a.gov.cn, b.gov.cn")
    assert env_list("HOSTS", []) == ["a.gov.cn", "b.gov.cn"]


def test_trusted_proxies_default_to_the_loopback_and_a_typo_stops_the_start(monkeypatch):
    assert env_networks("TRUSTED_PROXIES", ["127.0.0.1", "::1"]) == ["127.0.0.1", "::1"]
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.5, 10.1.0.0/16")
    assert env_networks("TRUSTED_PROXIES", []) == ["10.0.0.5", "10.1.0.0/16"]
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.5,nginx")
    with pytest.raises(ImproperlyConfigured, match="'nginx' is not an IP address"):
        env_networks("TRUSTED_PROXIES", [])


def test_secret_key_too_short_is_refused(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "short")
    with pytest.raises(ImproperlyConfigured):
        secret_key(tmp_path)
    monkeypatch.delenv("SECRET_KEY")
    key = secret_key(tmp_path)
    assert len(key) >= 50 and secret_key(tmp_path) == key


@pytest.mark.parametrize("url", ["mysql://x/y", "postgres://host/", "postgres://h:port/db", "sqlite://"])
def test_bad_database_urls_are_refused(url, tmp_path):
    with pytest.raises(ImproperlyConfigured):
        database(url, tmp_path / "db")


def test_database_urls(tmp_path):
    pg = database("postgres://duty:p%40ss@db.example:5433/zhiban", tmp_path / "db")
    assert (pg["NAME"], pg["USER"], pg["PASSWORD"], pg["HOST"], pg["PORT"]) == (
        "zhiban",
        "duty",
        "p@ss",
        "db.example",
        "5433",
    )
    sqlite = database(None, tmp_path / "db")
    assert sqlite["OPTIONS"]["transaction_mode"] == "IMMEDIATE" and "WAL" in sqlite["OPTIONS"]["init_command"]
    assert database("sqlite:////srv/zhiban.db", tmp_path)["NAME"] == "/srv/zhiban.db"


def test_sqlite_runs_in_wal_mode(db):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        mode = cursor.fetchone()[0]
    assert mode in ("wal", "memory")  # the test database is in memory; var/zhiban.sqlite3 is WAL


def test_language_zone_and_hashing():
    assert settings.LANGUAGE_CODE == "zh-hans" and settings.TIME_ZONE == "Asia/Shanghai" and settings.USE_TZ
    assert settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


@pytest.mark.parametrize("text", ["2026年3月5日", "2026年03月05日", "2026-03-05", "2026/3/5"])
def test_chinese_and_iso_dates_are_both_accepted(text):
    field = forms.DateField()
    assert field.clean(text) == dt.date(2026, 3, 5)


def test_impossible_date_is_refused():
    with pytest.raises(forms.ValidationError):
        forms.DateField().clean("2026年2月30日")


def test_no_asset_comes_from_the_internet():
    import pathlib
    import re

    pattern = re.compile(r"(src|href)=\"(https?:)?//", re.I)
    templates = list(pathlib.Path(__file__).resolve().parents[2].joinpath("templates").rglob("*.html"))
    assert len(templates) > 50 and any(
        "/static/" in p.read_text() or "static" in p.read_text() for p in templates
    )
    for path in templates:
        assert not pattern.search(path.read_text(encoding="utf-8")), path


def test_every_page_has_the_top_bar_with_the_person_and_logout(org):
    """The header is drawn by a tag from the context processor; a page without it strands the user."""
    client = org.client(org.officer)
    for url in ("/", "/org/units/", "/org/contacts/", "/roster/", "/notices/"):
        page = client.get(url).content.decode()
        assert '<header class="topbar' in page and org.officer.name in page and "退出" in page, url
        assert 'href="/roster/">排班</a>' in page, url


def test_requests_leave_the_wal_to_the_runner_which_checkpoints_it(tmp_path, django_db_blocker):
    """A web request never waits for a checkpoint's fsync: the WAL grows until lib.jobs copies it back."""
    from django.db.utils import ConnectionHandler

    from zhiban.lib.env import database
    from zhiban.lib.jobs import checkpoint

    handler = ConnectionHandler({"default": database(None, tmp_path / "db.sqlite3")})
    conn = handler["default"]
    with django_db_blocker.unblock():
        with conn.cursor() as cursor:
            cursor.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)")
            for _ in range(1500):  # more pages than SQLite's default autocheckpoint (1000)
                cursor.execute("INSERT INTO t (body) VALUES (%s)", ["x" * 4000])
        pages, copied = checkpoint(conn)
        assert pages > 1000 and copied == pages  # none had been checkpointed by the writes
        with conn.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM t")
            assert cursor.fetchone()[0] == 1500
        handler.close_all()


def test_an_sqlite_without_returning_and_upserts_is_refused_at_start(monkeypatch):
    import sqlite3

    from zhiban.lib import checks

    assert checks.sqlite_is_recent_enough(databases=["default"]) == []
    monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 34, 1))
    monkeypatch.setattr(sqlite3, "sqlite_version", "3.34.1")
    errors = checks.sqlite_is_recent_enough(databases=["default"])
    if checks.connections["default"].vendor == "sqlite":
        assert [e.id for e in errors] == ["zhiban.E001"] and "SQLite 3.34.1 太旧" in errors[0].msg
    else:
        assert errors == []  # PostgreSQL: SQLite's age does not matter


def test_the_runner_checkpoints_every_few_seconds_and_never_counts_as_busy(monkeypatch):
    from zhiban.lib import jobs
    from zhiban.lib.management.commands.runjobs import all_jobs

    assert jobs.try_checkpoint_one in all_jobs()
    clock, made = [1000.0], []
    monkeypatch.setattr(jobs, "monotonic", lambda: clock[0])
    monkeypatch.setattr(jobs, "checkpoint", made.append)
    monkeypatch.setattr(jobs, "_last", [0.0])
    assert jobs.try_checkpoint_one() is False and len(made) == 1
    clock[0] += jobs.CHECKPOINT_EVERY_SECONDS - 1
    jobs.try_checkpoint_one()
    assert len(made) == 1  # not yet
    clock[0] += 1
    jobs.try_checkpoint_one()
    assert len(made) == 2
