"""Passwords by the security policy (MLPS level 3: complexity and periodic change): length, character
classes, nothing of the person's own (username, name in pinyin, phone number), the common list, a
first password changed at the next login, expiry."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from tests.factories import make_person, make_system_user
from tests.helpers import sign_in
from tests.org.test_login import policy
from zhiban.audit.models import AuditEntry
from zhiban.org.models import PASSWORD_CLASSES_FLOOR, PASSWORD_MIN_LENGTH_FLOOR, User
from zhiban.org.security import password_problems


@pytest.fixture
def gao(org):
    person = make_person(org.county, "高燕华", mobile="13912345678", office_phone="0558-2345678")
    person.user.username = "gaoyh"
    person.user.save()
    return person


@pytest.mark.parametrize(
    "password, problem",
    [
        ("gaoyanhua1", "太短"),  # the three: too short, and too simple besides
        ("zhiban2026", "太短"),
        ("ab12cd34ef", "太短"),
        ("Gaoyanhua-2026", "姓名拼音"),
        ("Yanhua#Spring9", "姓名拼音"),  # the given name alone
        ("Duty-13912345678", "电话号码"),
        ("Office#23456789x", "电话号码"),  # the office number without its area code
        ("Gaoyh-Duty-2026", "登录名"),
        ("alllowercaseletters", "至少3类"),
    ],
)
def test_a_password_against_the_policy_is_refused_with_the_reason(gao, password, problem):
    with pytest.raises(ValidationError) as refused:
        validate_password(password, gao.user)
    assert any(problem in message for message in refused.value.messages), refused.value.messages


def test_a_long_mixed_password_of_nothing_personal_is_accepted_and_common_ones_are_not(gao):
    validate_password("Night-Shift-77x", gao.user)
    with pytest.raises(ValidationError, match="太常见"):
        validate_password("Qwerty123456", User(username="x"))  # 12 characters, 3 classes, yet on the list


def test_the_policy_sets_length_and_composition(gao):
    assert password_problems("Abcdefgh1!") != []
    policy(password_min_length=8, password_classes=3)
    assert password_problems("Abcdefgh1z") == []


@pytest.mark.parametrize(
    "password, problem",
    [
        ("zhiban2026", "至少3类"),  # the two, under the weakest policy the form allows
        ("ab12cd34ef", "至少3类"),
        ("Zhiban2026", "系统名称“值班”的拼音"),  # three classes, yet the system's own name
        ("Zhi-Ban.2026", "系统名称“值班”的拼音"),
        ("Zhengwu#2026", "系统名称“政务”的拼音"),
        ("值班Room2026", "系统名称“值班”"),
        ("Donghu#2026", "本单位所在地的拼音"),  # 高燕华 works for 东湖县人民政府
    ],
)
def test_under_the_weakest_policy_allowed_a_simple_or_guessable_password_is_still_refused(
    gao, password, problem
):
    policy(password_min_length=PASSWORD_MIN_LENGTH_FLOOR, password_classes=PASSWORD_CLASSES_FLOOR)
    with pytest.raises(ValidationError) as refused:
        validate_password(password, gao.user)
    assert any(problem in message for message in refused.value.messages), refused.value.messages


def test_the_policy_cannot_go_below_8_characters_and_3_classes_even_when_set_so_in_the_database(gao):
    from zhiban.org.views_security import SecurityPolicyForm

    initial = SecurityPolicyForm(instance=policy()).initial
    form = SecurityPolicyForm({**initial, "password_min_length": 7, "password_classes": 1})
    assert not form.is_valid()
    assert "不能少于8个字符" in str(form.errors["password_min_length"])
    assert "至少3类字符" in str(form.errors["password_classes"])
    policy(password_min_length=4, password_classes=1)  # written past the form
    assert "密码太短，至少需要8个字符" in password_problems("Ab1-x")
    assert any("至少3类" in p for p in password_problems("ab12cd34ef"))


def test_an_expired_password_cannot_be_changed_to_itself_nor_to_one_of_the_last_three(org, gao):
    passwords = ["Night-Shift-77x", "Early-Watch-58y", "Late-Watch-39z", "Noon-Duty-46w"]
    gao.user.set_password(passwords[0])
    gao.user.save()
    User.objects.filter(pk=gao.user.pk).update(password_changed_at=timezone.now() - dt.timedelta(days=400))
    client = sign_in(Client(), User.objects.get(pk=gao.user.pk))
    assert client.get("/")["Location"].startswith("/password/")

    def change(old: str, new: str):
        return client.post("/password/", {"old_password": old, "new_password1": new, "new_password2": new})

    refused = change(passwords[0], passwords[0])
    assert "不能与最近用过的3个密码" in str(refused.context["form"].errors["new_password1"])  # next to it
    assert "new_password2" not in refused.context["form"].errors
    assert change(passwords[0], passwords[1]).status_code == 302
    assert client.get("/").status_code == 200  # the change was what was due
    assert "不能与最近用过的3个密码" in change(passwords[1], passwords[0]).content.decode()
    assert change(passwords[1], passwords[2]).status_code == 302
    assert "不能与最近用过的3个密码" in change(passwords[2], passwords[0]).content.decode()
    assert change(passwords[2], passwords[3]).status_code == 302
    assert change(passwords[3], passwords[0]).status_code == 302  # four back: allowed again
    stored = User.objects.get(pk=gao.user.pk)
    assert len(stored.previous_passwords) == 2 and passwords[2] not in str(stored.previous_passwords)
    written = AuditEntry.objects.filter(model="org.user", object_id=str(gao.user.pk), action="update")
    assert written.exists() and all(
        "previous_passwords" not in (e.before or {}) and "previous_passwords" not in (e.after or {})
        for e in written
    )  # the audit keeps no password hash, old or new


def test_a_first_password_set_by_the_administrator_is_changed_at_the_next_login(org, gao):
    admin = sign_in(Client(), make_system_user("security_admin"))
    weak = admin.post(f"/org/people/{gao.pk}/account/", {"username": "gaoyh", "password": "gaoyanhua1"})
    assert "太短" in weak.content.decode()
    admin.post(f"/org/people/{gao.pk}/account/", {"username": "gaoyh", "password": "First-Pass-2026"})
    gao.user.refresh_from_db()
    assert gao.user.must_change_password
    client = sign_in(Client(), gao.user)
    assert client.get("/intake/calls/")["Location"].startswith("/password/")
    assert client.get("/password/").status_code == 200
    client.post(
        "/password/",
        {
            "old_password": "First-Pass-2026",
            "new_password1": "Night-Shift-77x",
            "new_password2": "Night-Shift-77x",
        },
    )
    assert client.get("/").status_code == 200


def test_a_password_past_the_policy_age_must_be_changed(org):
    days = policy().password_max_age_days
    start = dt.datetime(2026, 3, 5, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as traveller:
        org.officer.user.set_password("Night-Shift-77x")
        org.officer.user.save()
        traveller.shift(dt.timedelta(days=days - 1))
        assert org.client(org.officer).get("/").status_code == 200
        traveller.shift(dt.timedelta(days=2))
        assert org.client(org.officer).get("/")["Location"].startswith("/password/")
        policy(password_max_age_days=0)  # never expires
        assert org.client(org.officer).get("/").status_code == 200
