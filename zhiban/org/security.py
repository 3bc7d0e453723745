"""The security policy in force and what reads it: passwords, lockout by account and by address,
session lifetime and one session per person (MLPS level 3; README “安全”)."""

from __future__ import annotations

import datetime as dt
import re
import secrets
import time

from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.contrib.auth import user_logged_in
from django.contrib.auth.hashers import check_password
from django.contrib.auth.password_validation import (
    CommonPasswordValidator,
    NumericPasswordValidator,
    UserAttributeSimilarityValidator,
)
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.db.models.signals import post_save
from django.utils import timezone

from zhiban.lib.pinyin import readings
from zhiban.org.models import (
    PASSWORD_CLASSES_FLOOR,
    PASSWORD_HISTORY,
    PASSWORD_MIN_LENGTH_FLOOR,
    Person,
    SecurityPolicy,
    User,
)

# Read on every request (session lifetime), so each process keeps it briefly; a change made in this
# process is seen at once, one made in another process within this many seconds.
POLICY_FRESH_SECONDS = 30
_cached: list = [None, 0.0]


def security_policy() -> SecurityPolicy:
    policy, read_at = _cached
    if policy is None or time.monotonic() - read_at > POLICY_FRESH_SECONDS:
        policy = SecurityPolicy.objects.filter(pk=1).first() or SecurityPolicy(pk=1)
        _cached[:] = [policy, time.monotonic()]
    return policy


def forget_policy(**kwargs) -> None:
    _cached[:] = [None, 0.0]


post_save.connect(forget_policy, sender=SecurityPolicy, dispatch_uid="security-policy-fresh")


# --- passwords -------------------------------------------------------------------------------------

CLASSES = (
    (re.compile(r"[A-Z]"), "大写字母"),
    (re.compile(r"[a-z]"), "小写字母"),
    (re.compile(r"[0-9]"), "数字"),
    (re.compile(r"[^A-Za-z0-9]"), "符号"),
)
MIN_PART = 4  # a pinyin or number shorter than this (li, 110) is too common to refuse inside a password
# The system's own name, the first guess at any site: 值班 (zhiban) and 政务 (zhengwu), in characters
# and in pinyin (zhiban2026 is the kind of password this stops).
SYSTEM_WORDS = ("值班", "政务")
# A unit's place name is its name up to the first division word: 东湖县人民政府 -> 东湖 (donghu).
_PLACE = re.compile(r"^(.+?)[省市县区州盟旗镇乡]")


def personal_parts(username: str, person: Person | None) -> list[tuple[str, str]]:
    """What a password must not contain, with how to say it: the username, the person's name in
    pinyin (every reading, the given name alone, family name last), the mobile and office numbers,
    the place name of the person's unit in pinyin."""
    parts = [(username.lower(), "本人的登录名")] if username else []
    if person is not None:
        name = re.sub(r"\s+", "", person.name)
        for text in {name, name[1:], name[1:] + name[:1]}:
            if text:
                parts += [(reading, "本人的姓名拼音") for reading in readings(text)]
        for phone in (person.mobile, person.office_phone):
            runs = re.findall(r"\d+", phone)  # 0558-2345678: the whole, the area code, the local number
            for number in {"".join(runs), *runs, "".join(runs)[-8:]}:
                parts.append((number, "本人的电话号码"))
        for text in {person.unit.name, person.unit.short_name}:
            place = _PLACE.match(text or "")
            if place:
                parts += [(reading, "本单位所在地的拼音") for reading in readings(place.group(1))]
    return [(p, why) for p, why in parts if len(p) >= MIN_PART]


def system_parts() -> list[tuple[str, str]]:
    """The system's name, in characters and in pinyin (these are refused whatever their length)."""
    parts = []
    for word in SYSTEM_WORDS:
        parts += [
            (word, f"系统名称“{word}”"),
            *((reading, f"系统名称“{word}”的拼音") for reading in readings(word)),
        ]
    return parts


def password_problems(password: str, username: str = "", person: Person | None = None) -> list[str]:
    """The policy's rules in words a person can act on; empty when the password is acceptable."""
    length, classes = required()
    problems = []
    if len(password) < length:
        problems.append(f"密码太短，至少需要{length}个字符")
    missing = [label for pattern, label in CLASSES if not pattern.search(password)]
    if len(CLASSES) - len(missing) < classes:
        problems.append(
            f"密码须包含大写字母、小写字母、数字、符号中的至少{classes}类（还缺：{'、'.join(missing)}）"
        )
    lowered = re.sub(r"[^a-z0-9]", "", password.lower())
    for part, why in [*personal_parts(username, person), *system_parts()]:
        if part in lowered or part in password.lower():
            problems.append(f"密码不能包含{why}")
            break
    return problems


def required() -> tuple[int, int]:
    """The length and the number of character classes a password needs: the policy's, never below the
    floor (a row set below it by hand in the database does not weaken the check)."""
    policy = security_policy()
    return (
        max(policy.password_min_length, PASSWORD_MIN_LENGTH_FLOOR),
        max(policy.password_classes, PASSWORD_CLASSES_FLOOR),
    )


class PolicyPasswordValidator:
    """AUTH_PASSWORD_VALIDATORS entry: the security policy's length, composition and personal parts."""

    def validate(self, password: str, user: User | None = None) -> None:
        person = getattr(user, "person", None) if user is not None and user.pk else None
        problems = password_problems(password, getattr(user, "username", "") or "", person)
        if problems:
            raise ValidationError([ValidationError(p, code="password_policy") for p in problems])

    def get_help_text(self) -> str:
        length, classes = required()
        return (
            f"至少{length}个字符，含大写字母、小写字母、数字、符号中的至少{classes}类，"
            "不能含登录名、姓名拼音、电话号码、单位所在地的拼音，也不能含系统名称“值班”“政务”及其拼音"
        )


class SimilarToAccountValidator(UserAttributeSimilarityValidator):
    """Django's check against the account's own details, in the words the rest of the page uses."""

    def get_error_message(self) -> str:
        return "密码与您的%(verbose_name)s太相似"

    def get_help_text(self) -> str:
        return "不能与您的登录名、姓名、电子邮箱太相似"


class CommonPasswordListValidator(CommonPasswordValidator):
    """Django's list of common passwords, in the words the rest of the page uses."""

    def get_error_message(self) -> str:
        return "这个密码太常见，容易被猜中，请换一个"

    def get_help_text(self) -> str:
        return "不能是常见密码"


class NotOnlyDigitsValidator(NumericPasswordValidator):
    """Django's refusal of a password of digits only, in the words the rest of the page uses."""

    def get_error_message(self) -> str:
        return "密码不能全是数字"

    def get_help_text(self) -> str:
        return "不能全是数字"


class PasswordReuseValidator:
    """AUTH_PASSWORD_VALIDATORS entry: a new password is none of the person's last PASSWORD_HISTORY
    (the current one and the hashes User.set_password kept), so an expired password cannot be
    "changed" to itself."""

    def validate(self, password: str, user: User | None = None) -> None:
        if user is None or not user.pk:
            return
        for encoded in [user.password, *user.previous_passwords]:
            if encoded and check_password(password, encoded):
                raise ValidationError(
                    f"新密码不能与最近用过的{PASSWORD_HISTORY}个密码（含当前密码）相同",
                    code="password_reused",
                )

    def get_help_text(self) -> str:
        return f"不能与最近用过的{PASSWORD_HISTORY}个密码相同"


def password_expired(user: User) -> bool:
    days = security_policy().password_max_age_days
    return bool(days) and timezone.now() - user.password_changed_at > dt.timedelta(days=days)


# --- sessions --------------------------------------------------------------------------------------


def end_sessions(user: User) -> None:
    """Every session of the person ends at its next request (a reset second factor, a disabled account)."""
    User.objects.filter(pk=user.pk).update(session_mark=secrets.token_hex(16))


def _new_mark(user: User) -> str:
    mark = secrets.token_hex(16)
    User.objects.filter(pk=user.pk).update(session_mark=mark)  # no signal: the login is audited itself
    user.session_mark = mark
    return mark


def _mark_session(sender, request, user, **kwargs) -> None:
    """The password step starts the session's absolute lifetime and carries the person's current
    session mark. It does not end the person's other sessions: a password alone must not sign the
    owner out (claim_session does that, once the second factor is passed)."""
    if request is None or not hasattr(request, "session"):
        return
    request.session["mark"] = user.session_mark or _new_mark(user)
    request.session["started"] = int(time.time())
    request.session["last_seen"] = int(time.time())
    # the stored session and its cookie live as long as the policy's absolute lifetime, no longer
    request.session.set_expiry(security_policy().session_max_hours * 3600)


user_logged_in.connect(_mark_session, dispatch_uid="session-mark")


def claim_session(request) -> None:
    """The login is complete (the second factor passed): with one session per person, a new mark for
    this session, so the person's other sessions end at their next request."""
    if security_policy().one_session_per_person:
        request.session["mark"] = _new_mark(request.user)


# --- lockout by account and by address (django-axes) ---------------------------------------------


def failure_limit(request, credentials) -> int:
    return security_policy().account_failure_limit


def cool_off(request=None) -> dt.timedelta:
    return dt.timedelta(minutes=security_policy().lockout_minutes)


def address_failures(ip: str | None) -> int:
    if not ip:
        return 0
    since = timezone.now() - cool_off()
    found = AccessAttempt.objects.filter(ip_address=ip, attempt_time__gte=since)
    return found.aggregate(n=Sum("failures_since_start"))["n"] or 0


class AccountAndAddressHandler(AxesDatabaseHandler):
    """django-axes counts failures per account (AXES_LOCKOUT_PARAMETERS); this adds a limit per address
    over all accounts, higher than the account's, since a duty room often reaches the server through one
    address. One guesser trying thirty accounts from one address is stopped at the policy's number."""

    def is_locked(self, request, credentials=None) -> bool:
        if super().is_locked(request, credentials):
            return True
        ip = getattr(request, "axes_ip_address", None)
        return address_failures(ip) >= security_policy().address_failure_limit

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or getattr(request, "axes_locked_out", False):
            return
        ip = getattr(request, "axes_ip_address", None)
        if address_failures(ip) >= security_policy().address_failure_limit:
            request.axes_locked_out = True
            user_locked_out.send("axes", request=request, username=credentials.get("username"), ip_address=ip)
