"""The second factor (MLPS level 3: two techniques, one cryptographic): enrolment forced at the first
login with a QR code drawn on the server, nothing else reachable before it, backup codes that open one
login each, codes never replayed, API tokens unaffected, the reset by the security administrator only."""

from __future__ import annotations

import base64
import datetime as dt
import re

import pytest
import time_machine
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import make_person, make_system_user
from tests.helpers import sign_in
from tests.org.test_login import PASSWORD, code_for
from zhiban.audit.models import AuditEntry
from zhiban.org.models import ApiToken, BackupCodes, User


@pytest.fixture
def clock():
    with time_machine.travel(dt.datetime(2026, 3, 5, 9, 0, tzinfo=dt.UTC), tick=False) as traveller:
        yield traveller


@pytest.fixture
def newcomer(org):
    person = make_person(org.county, "高燕华", roles=["duty_staff"])
    person.user.username = "gaoyh"
    person.user.set_password(PASSWORD)
    person.user.save()
    return person.user


def password_step(client, username="gaoyh"):
    return client.post("/login/", {"username": username, "password": PASSWORD})


def test_the_first_login_leads_to_enrolment_and_nothing_else_is_reachable_before_it(newcomer, clock):
    client = Client()
    password_step(client)
    for url in ("/", "/org/people/", "/intake/calls/", "/account/tokens/", "/password/", "/audit/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/enrol/"), url
    assert client.post("/intake/calls/new/", {}).status_code == 302
    assert client.get("/api/v1/units", HTTP_ACCEPT="application/json").status_code == 401
    htmx = client.get("/incidents/board/rows/", HTTP_HX_REQUEST="true")
    assert htmx["HX-Redirect"] == "/login/enrol/"
    page = client.get("/login/enrol/").content.decode()
    assert "<svg" in page and "<script" not in page.split("</head>")[1]  # the QR code, drawn on the server
    assert 'class="modules"' not in page  # no navigation before the second factor
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")
    device = TOTPDevice.objects.get(user=newcomer, confirmed=False)
    assert base64.b32decode(secret + "=" * (-len(secret) % 8)) == device.bin_key
    wrong = client.post("/login/enrol/", {"code": "000000"})
    assert "验证码不正确" in wrong.content.decode()
    clock.shift(dt.timedelta(seconds=2))  # django-otp waits a little longer after each failure
    done = client.post("/login/enrol/", {"code": f"{totp(device.bin_key):06d}"})
    assert done.status_code == 302
    codes = re.findall(r"<code>(\d{4}-\d{4})</code>", client.get(done["Location"]).content.decode())
    assert len(codes) == BackupCodes.COUNT
    assert client.get("/").status_code == 200
    assert "<code>" + codes[0] not in client.get("/account/second-factor/").content.decode()  # shown once
    assert AuditEntry.objects.filter(object_repr="gaoyh 启用手机验证器").exists()


def test_a_login_needs_the_current_code_and_a_used_code_never_opens_another(newcomer, clock):
    code = code_for(newcomer)
    first = Client()
    password_step(first)
    assert first.get("/")["Location"].startswith("/login/verify/")
    refused = first.post("/login/verify/", {"code": "123456"})
    assert "验证码不正确" in refused.content.decode()
    assert AuditEntry.objects.filter(action="login_failed", object_repr__contains="二次验证未通过").exists()
    clock.shift(dt.timedelta(seconds=2))  # django-otp waits a little longer after each failure
    assert first.post("/login/verify/", {"code": code}).status_code == 302
    assert first.get("/").status_code == 200
    second = Client()
    password_step(second)
    clock.shift(dt.timedelta(seconds=1))
    assert "验证码不正确" in second.post("/login/verify/", {"code": code}).content.decode()


def test_the_session_key_is_renewed_when_the_second_factor_passes(newcomer, clock):
    client = Client()
    password_step(client)
    before = client.cookies["sessionid"].value
    client.post("/login/verify/", {"code": code_for(newcomer)})
    assert client.cookies["sessionid"].value != before


def test_a_backup_code_opens_one_login_and_is_then_gone(newcomer, clock):
    code_for(newcomer)  # enrolled
    codes = BackupCodes.objects.create(user=newcomer, name="备用验证码", confirmed=True).renew()
    assert not BackupCodes.objects.filter(codes__code_hash=codes[0]).exists()  # only an HMAC is kept
    client = Client()
    password_step(client)
    page = client.get("/login/verify/?with=backup").content.decode()
    assert "备用验证码" in page
    assert client.post("/login/verify/?with=backup", {"code": codes[0]}).status_code == 302
    assert client.get("/").status_code == 200
    again = Client()
    password_step(again)
    clock.shift(dt.timedelta(seconds=5))
    assert "验证码不正确" in again.post("/login/verify/?with=backup", {"code": codes[0]}).content.decode()
    clock.shift(dt.timedelta(seconds=5))
    assert again.post("/login/verify/?with=backup", {"code": codes[1]}).status_code == 302


def test_api_bearer_tokens_are_a_credential_of_their_own_without_a_second_factor(org, newcomer):
    _, key = ApiToken.issue(newcomer, "程控交换机")
    response = Client().get(f"/api/v1/units/{org.county.pk}", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200


def test_only_the_security_administrator_resets_a_second_factor_which_ends_the_sessions_and_is_audited(
    org, newcomer, clock
):
    victim = sign_in(Client(), newcomer)
    assert victim.get("/").status_code == 200
    for role in ("system_admin", "audit_admin"):
        other = sign_in(Client(), make_system_user(role))
        assert other.post("/org/security/reset-second-factor/", {"username": "gaoyh"}).status_code == 403
    assert sign_in(Client(), org.county_admin.user).get("/org/security/").status_code == 403
    security = make_system_user("security_admin")
    admin = sign_in(Client(), security)
    response = admin.post("/org/security/reset-second-factor/", {"username": "gaoyh"})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=newcomer).exists()
    assert victim.get("/").status_code == 302  # the session of a lost phone ends at once
    entry = AuditEntry.objects.get(object_repr="gaoyh 的二次验证被重置")
    assert entry.actor_id == security.pk
    client = Client()
    password_step(client)
    assert client.get("/")["Location"].startswith("/login/enrol/")  # enrols anew
    own = admin.post("/org/security/reset-second-factor/", {"username": security.username})
    assert own.status_code == 302 and TOTPDevice.objects.filter(user=security).exists()


def test_the_security_administrator_unlocks_an_account_and_an_address_audited(org, newcomer):
    for n in range(5):
        Client().post("/login/", {"username": "gaoyh", "password": f"wrong{n}"}, REMOTE_ADDR="10.1.1.1")
    assert password_step(Client()).status_code == 429
    admin = sign_in(Client(), make_system_user("security_admin"))
    page = admin.get("/org/security/").content.decode()
    assert "gaoyh" in page and "解除锁定" in page
    admin.post("/org/security/unlock/", {"username": "gaoyh"})
    assert password_step(Client()).status_code == 302
    assert AuditEntry.objects.filter(object_repr="解除锁定：账号 gaoyh").exists()
    assert User.objects.get(username="gaoyh").is_active
