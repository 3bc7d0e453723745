"""Login: the password (Argon2, the security policy's rules), then the second factor; lockout by account
and by address; the session's idle timeout, absolute lifetime and one session per person."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client
from django_otp.oath import totp

from tests.factories import make_person, make_roster
from zhiban.audit.models import AuditEntry
from zhiban.org import factors
from zhiban.org.models import SecurityPolicy, User

PASSWORD = "Duty-Room-2026!"


def _person_with_password(org):
    person = make_person(org.county, "王登录", roles=["duty_staff"])
    person.user.username = "wangdl"
    person.user.set_password(PASSWORD)
    person.user.save()
    return person


def code_for(user, at_offset: int = 0) -> str:
    device = factors.authenticator_device(user)
    return f"{totp(device.bin_key, t0=device.t0, step=device.step, drift=at_offset):06d}"


def log_in(client, username="wangdl", password=PASSWORD, ip="10.0.0.8", **headers):
    """Both steps as a person takes them: the password, then the authenticator's current code.
    `headers` are what a proxy adds (HTTP_X_REAL_IP)."""
    response = client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip, **headers)
    if response.status_code != 302:
        return response
    return client.post(
        "/login/verify/",
        {"code": code_for(User.objects.get(username=username))},
        REMOTE_ADDR=ip,
        **headers,
    )


def behind_nginx(address: str) -> dict:
    """A request as the README's nginx passes it on: from the loopback, the client's address in X-Real-IP."""
    return {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_REAL_IP": address}


@pytest.fixture
def next_code():
    """Moves the clock to the authenticator's next code: a code once used never opens another login."""
    with time_machine.travel(dt.datetime(2026, 3, 5, 9, 0, tzinfo=dt.UTC), tick=False) as traveller:
        yield lambda: traveller.shift(dt.timedelta(seconds=30))


def policy(**values) -> SecurityPolicy:
    current, _ = SecurityPolicy.objects.get_or_create(pk=1)
    for name, value in values.items():
        setattr(current, name, value)
    current.save()
    return current


def test_login_page_is_chinese(db):
    text = Client().get("/login/").content.decode()
    assert "登录" in text and 'lang="zh-CN"' in text


def test_login_with_the_right_password_and_code(org):
    _person_with_password(org)
    client = Client()
    assert log_in(client).status_code == 302
    assert client.get("/").status_code == 200
    assert AuditEntry.objects.filter(action="login", object_repr="wangdl").exists()
    assert AuditEntry.objects.filter(action="login", object_repr__startswith="wangdl 通过二次验证").exists()


def test_wrong_password_says_so_in_chinese(org):
    _person_with_password(org)
    response = Client().post("/login/", {"username": "wangdl", "password": "wrong"})
    assert "用户名或密码不正确" in response.content.decode()
    assert AuditEntry.objects.filter(action="login_failed", object_repr="wangdl").exists()


def test_account_locks_after_repeated_failures(org):
    _person_with_password(org)
    client = Client()
    for _ in range(policy().account_failure_limit):
        client.post("/login/", {"username": "wangdl", "password": "wrong"})
    response = client.post("/login/", {"username": "wangdl", "password": PASSWORD})
    assert response.status_code == 429
    assert "账号已暂时锁定" in response.content.decode()


def test_one_address_guessing_many_accounts_is_locked_while_other_addresses_still_log_in(org):
    _person_with_password(org)
    limit = policy(address_failure_limit=20).address_failure_limit
    guesser = Client()
    for n in range(limit):  # one failure each on twenty accounts: no account reaches its own limit
        guesser.post("/login/", {"username": f"guess{n}", "password": "wrong"}, REMOTE_ADDR="10.9.9.9")
    refused = guesser.post("/login/", {"username": "wangdl", "password": PASSWORD}, REMOTE_ADDR="10.9.9.9")
    assert refused.status_code == 429
    assert log_in(Client(), ip="10.0.0.8").status_code == 302  # the duty room's own address is not locked


def test_behind_the_trusted_proxy_the_lockout_by_address_counts_each_clients_own_address(org):
    _person_with_password(org)
    limit = policy(address_failure_limit=5).address_failure_limit
    guesser = Client()
    for n in range(limit):
        guesser.post("/login/", {"username": f"guess{n}", "password": "wrong"}, **behind_nginx("203.0.113.7"))
    refused = guesser.post(
        "/login/", {"username": "wangdl", "password": PASSWORD}, **behind_nginx("203.0.113.7")
    )
    assert refused.status_code == 429  # the guesser's own address is locked
    # the duty room, reaching the server through the same nginx, is not: nginx's address is not counted
    assert log_in(Client(), ip="127.0.0.1", HTTP_X_REAL_IP="203.0.113.8").status_code == 302
    failed = AuditEntry.objects.filter(action="login_failed").values_list("ip", flat=True)
    assert set(failed) == {"203.0.113.7"}
    logged = AuditEntry.objects.filter(action="login", object_repr__startswith="wangdl")
    assert set(logged.values_list("ip", flat=True)) == {"203.0.113.8"}  # both steps of the login


def test_an_address_header_from_a_client_that_is_not_a_trusted_proxy_is_ignored(org):
    _person_with_password(org)
    limit = policy(address_failure_limit=5).address_failure_limit
    guesser = Client()
    for n in range(limit):  # a new made-up address in each request: the lockout still sees 10.9.9.9
        guesser.post(
            "/login/",
            {"username": f"guess{n}", "password": "wrong"},
            REMOTE_ADDR="10.9.9.9",
            HTTP_X_REAL_IP=f"203.0.113.{n}",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        )
    refused = guesser.post(
        "/login/",
        {"username": "wangdl", "password": PASSWORD},
        REMOTE_ADDR="10.9.9.9",
        HTTP_X_REAL_IP="203.0.113.99",
    )
    assert refused.status_code == 429
    assert set(AuditEntry.objects.filter(action="login_failed").values_list("ip", flat=True)) == {"10.9.9.9"}


def test_the_client_address_is_read_from_the_right_of_x_forwarded_for_past_trusted_proxies(settings):
    from django.test import RequestFactory

    from zhiban.lib.addresses import client_ip

    settings.TRUSTED_PROXIES = ["127.0.0.1", "10.1.0.0/16"]
    forwarded = "6.6.6.6, 203.0.113.5, 10.1.2.3"  # made up by the client, the client, a balancer
    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == "203.0.113.5"
    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="not an address")
    assert client_ip(request) == "127.0.0.1"  # never a text the audit's address field would refuse
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert client_ip(request) == "192.0.2.1"


def test_pages_need_a_login(db):
    response = Client().get("/org/people/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_idle_session_ends_on_the_server_and_the_login_page_says_why(org):
    minutes = policy().idle_timeout_minutes
    start = dt.datetime(2026, 3, 5, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as traveller:
        client = org.client(org.officer)
        assert client.get("/").status_code == 200
        traveller.shift(dt.timedelta(minutes=minutes - 1))
        assert client.get("/").status_code == 200
        traveller.shift(dt.timedelta(minutes=minutes, seconds=1))
        assert client.get("/").status_code == 302
        assert f"超过{minutes}分钟无操作" in client.get("/login/").content.decode()


def test_background_polling_of_the_board_does_not_keep_a_session_alive(org):
    minutes = policy().idle_timeout_minutes
    start = dt.datetime(2026, 3, 5, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as traveller:
        client = org.client(org.officer)
        for _ in range(minutes + 1):  # the board's screen polls; nobody touches anything
            traveller.shift(dt.timedelta(minutes=1))
            rows = client.get("/incidents/board/rows/")
        assert rows.status_code == 302 and rows["Location"].startswith("/login/")
        polled = client.get("/incidents/board/rows/", HTTP_HX_REQUEST="true")
        assert polled.status_code == 204 and polled["HX-Redirect"].startswith(
            "/login/"
        )  # the whole page goes


def test_the_roster_solvers_progress_poll_does_not_keep_a_session_alive(org):
    roster = make_roster(org.county, dt.date(2026, 3, 1), 7)
    minutes = policy().idle_timeout_minutes
    start = dt.datetime(2026, 3, 5, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as traveller:
        client = org.client(org.county_admin)
        assert client.get(f"/roster/{roster.pk}/solving/").status_code == 200
        for _ in range(minutes + 1):  # the roster's page polls the solver; nobody touches anything
            traveller.shift(dt.timedelta(minutes=1))
            polled = client.get(f"/roster/{roster.pk}/solving/")
        assert polled.status_code == 302 and polled["Location"].startswith("/login/")


def test_every_view_a_template_polls_on_a_timer_is_marked_as_a_background_poll():
    from pathlib import Path

    from django.conf import settings
    from django.urls import URLPattern, URLResolver, get_resolver

    from zhiban.lib.polling import is_background_poll

    views = {}

    def walk(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns)
            elif isinstance(pattern, URLPattern) and pattern.name:
                views[pattern.name] = pattern.callback

    walk(get_resolver().url_patterns)
    timed = re.compile(r"""<[^>]*hx-get="\{% url '(\w+)'[^>]*hx-trigger="[^"]*every""")
    polled = {
        name
        for path in Path(settings.BASE_DIR, "templates").rglob("*.html")
        for name in timed.findall(path.read_text())
    }
    assert {"incident_board_rows", "roster_solving", "roll_call_rows"} <= polled
    assert [name for name in sorted(polled) if not is_background_poll(views[name])] == []


def test_a_session_ends_at_its_absolute_lifetime_however_busy(org):
    hours = policy().session_max_hours
    start = dt.datetime(2026, 3, 5, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as traveller:
        client = org.client(org.officer)
        for _ in range(hours * 3):  # a page every twenty minutes, all day
            traveller.shift(dt.timedelta(minutes=20))
            assert client.get("/").status_code == 200
        traveller.shift(dt.timedelta(minutes=20))
        assert client.get("/").status_code == 302
        assert f"登录已超过{hours}小时" in client.get("/login/").content.decode()


def test_logging_in_again_ends_the_other_session_when_the_policy_says_one_session(org, next_code):
    _person_with_password(org)
    first, second = Client(), Client()
    log_in(first)
    next_code()
    log_in(second)
    assert second.get("/").status_code == 200
    assert first.get("/").status_code == 302
    assert "已在别处登录" in first.get("/login/").content.decode()
    policy(one_session_per_person=False)
    next_code()
    log_in(first)
    assert first.get("/").status_code == 200 and second.get("/").status_code == 200


def test_a_password_alone_does_not_end_the_owners_session_but_a_login_with_both_factors_does(org, next_code):
    _person_with_password(org)
    owner, other = Client(), Client()
    log_in(owner)
    password_only = other.post("/login/", {"username": "wangdl", "password": PASSWORD})
    assert password_only.status_code == 302
    assert owner.get("/").status_code == 200  # whoever has only the password cannot sign the owner out
    assert other.get("/")["Location"].startswith("/login/verify/")
    next_code()
    other.post("/login/verify/", {"code": code_for(User.objects.get(username="wangdl"))})
    assert other.get("/").status_code == 200
    assert owner.get("/").status_code == 302
    assert "已在别处登录" in owner.get("/login/").content.decode()


def test_a_person_changes_their_own_password_given_the_current_one(org, next_code):
    person = _person_with_password(org)
    policy(one_session_per_person=False)
    client, elsewhere = Client(), Client()
    for c in (client, elsewhere):
        next_code()
        log_in(c)
    wrong = client.post(
        "/password/",
        {"old_password": "not-it", "new_password1": "Night-Shift-77x", "new_password2": "Night-Shift-77x"},
    )
    assert "原密码不正确" in wrong.content.decode()
    weak = client.post(
        "/password/", {"old_password": PASSWORD, "new_password1": "12345", "new_password2": "12345"}
    )
    assert "密码太短，至少需要12个字符" in weak.content.decode()
    person.user.refresh_from_db()
    assert person.user.check_password(PASSWORD)  # nothing changed by a refused form
    done = client.post(
        "/password/",
        {"old_password": PASSWORD, "new_password1": "Night-Shift-77x", "new_password2": "Night-Shift-77x"},
    )
    assert done.status_code == 302 and client.get("/").status_code == 200  # this session stays
    assert elsewhere.get("/").status_code == 302  # another session of the old password ends
    assert Client().post("/login/", {"username": "wangdl", "password": "Night-Shift-77x"}).status_code == 302
    entry = AuditEntry.objects.get(object_repr="wangdl 修改本人密码")
    assert "Night-Shift" not in str(entry.after) and "argon2" not in str(entry.after)


def test_guessing_the_current_password_locks_the_account_like_failed_logins(org):
    policy(account_failure_limit=3)
    _person_with_password(org)
    client = Client()
    log_in(client)
    guess = {"new_password1": "Night-Shift-77x", "new_password2": "Night-Shift-77x"}
    for attempt in range(2):
        refused = client.post("/password/", {"old_password": f"guess-{attempt}", **guess})
        assert "原密码不正确" in refused.content.decode()
    locked = client.post("/password/", {"old_password": "guess-2", **guess})
    assert locked.status_code == 429 and "账号已暂时锁定" in locked.content.decode()
    assert client.get("/").status_code == 302  # this session is over
    assert Client().post("/login/", {"username": "wangdl", "password": PASSWORD}).status_code != 302
    assert AuditEntry.objects.filter(action="login_failed", object_repr="wangdl").count() >= 3
