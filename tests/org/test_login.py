"""Login with Argon2 hashes, lockout after repeated failures, server-side idle timeout."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.test import Client

from tests.factories import make_person
from zhiban.audit.models import AuditEntry


def _person_with_password(org):
    person = make_person(org.county, "王登录", roles=["duty_staff"])
    person.user.username = "wangdl"
    person.user.set_password("Duty-Room-2026!")
    person.user.save()
    return person


def test_login_page_is_chinese(db):
    text = Client().get("/login/").content.decode()
    assert "登录" in text and 'lang="zh-CN"' in text


def test_login_with_the_right_password(org):
    _person_with_password(org)
    client = Client()
    response = client.post("/login/", {"username": "wangdl", "password": "Duty-Room-2026!"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert AuditEntry.objects.filter(action="login", object_repr="wangdl").exists()


def test_wrong_password_says_so_in_chinese(org):
    _person_with_password(org)
    response = Client().post("/login/", {"username": "wangdl", "password": "wrong"})
    assert "用户名或密码不正确" in response.content.decode()
    assert AuditEntry.objects.filter(action="login_failed", object_repr="wangdl").exists()


def test_account_locks_after_repeated_failures(org, settings):
    _person_with_password(org)
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/login/", {"username": "wangdl", "password": "wrong"})
    response = client.post("/login/", {"username": "wangdl", "password": "Duty-Room-2026!"})
    assert response.status_code == 429
    assert "账号已暂时锁定" in response.content.decode()


def test_pages_need_a_login(db):
    response = Client().get("/org/people/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_idle_session_ends_on_the_server(org, settings):
    start = dt.datetime(2026, 3, 5, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as traveller:
        client = org.client(org.officer)
        assert client.get("/").status_code == 200
        traveller.shift(dt.timedelta(seconds=settings.IDLE_TIMEOUT_SECONDS - 60))
        assert client.get("/").status_code == 200
        traveller.shift(dt.timedelta(seconds=settings.IDLE_TIMEOUT_SECONDS + 1))
        assert client.get("/").status_code == 302


def test_a_person_changes_their_own_password_given_the_current_one(org):
    person = _person_with_password(org)
    client, elsewhere = Client(), Client()
    for c in (client, elsewhere):
        c.post("/login/", {"username": "wangdl", "password": "Duty-Room-2026!"})
    wrong = client.post(
        "/password/",
        {"old_password": "not-it", "new_password1": "Night-Shift-77x", "new_password2": "Night-Shift-77x"},
    )
    assert "原密码不正确" in wrong.content.decode()
    weak = client.post(
        "/password/", {"old_password": "Duty-Room-2026!", "new_password1": "12345", "new_password2": "12345"}
    )
    assert "密码太短，至少需要10个字符" in weak.content.decode()
    person.user.refresh_from_db()
    assert person.user.check_password("Duty-Room-2026!")  # nothing changed by a refused form
    done = client.post(
        "/password/",
        {
            "old_password": "Duty-Room-2026!",
            "new_password1": "Night-Shift-77x",
            "new_password2": "Night-Shift-77x",
        },
    )
    assert done.status_code == 302 and client.get("/").status_code == 200  # this session stays
    assert elsewhere.get("/").status_code == 302  # another session of the old password ends
    assert Client().post("/login/", {"username": "wangdl", "password": "Night-Shift-77x"}).status_code == 302
    entry = AuditEntry.objects.get(object_repr="wangdl 修改本人密码")
    assert "Night-Shift" not in str(entry.after) and "argon2" not in str(entry.after)


def test_guessing_the_current_password_locks_the_account_like_failed_logins(org, settings):
    settings.AXES_FAILURE_LIMIT = 3
    _person_with_password(org)
    client = Client()
    client.post("/login/", {"username": "wangdl", "password": "Duty-Room-2026!"})
    guess = {"new_password1": "Night-Shift-77x", "new_password2": "Night-Shift-77x"}
    for attempt in range(2):
        refused = client.post("/password/", {"old_password": f"guess-{attempt}", **guess})
        assert "原密码不正确" in refused.content.decode()
    locked = client.post("/password/", {"old_password": "guess-2", **guess})
    assert locked.status_code == 429 and "账号已暂时锁定" in locked.content.decode()
    assert client.get("/").status_code == 302  # this session is over
    assert Client().post("/login/", {"username": "wangdl", "password": "Duty-Room-2026!"}).status_code != 302
    assert AuditEntry.objects.filter(action="login_failed", object_repr="wangdl").count() >= 3
