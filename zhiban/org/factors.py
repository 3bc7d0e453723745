"""The second factor of a login (MLPS level 3: two or more techniques, one of them cryptographic).

A second factor is a kind of django-otp Device plus a `SecondFactor` that says how a person enrols
one and proves it at login. SECOND_FACTORS (settings) lists the kinds in force; today the TOTP
authenticator app (手机验证器), with backup codes (备用验证码) always beside it.

To add an SM2 USB key (国密 USB Key) later: a model `Sm2Key(ThrottlingMixin, Device)` holding the key's
public key and certificate serial; a `SecondFactor` whose `challenge()` puts a random challenge in the
session and the verify page's context, whose `verify()` checks the SM2 signature of that challenge (with
a national-cryptography library such as gmssl, since `cryptography` has no SM2) and whose enrolment
page registers the key's certificate; and its dotted path added to SECOND_FACTORS. The login, the
middleware that lets nothing else through before the second factor, the reset by the security
administrator and the audit need no change: they speak to this interface only.
"""

from __future__ import annotations

import base64
import functools
import io
import time

import django_otp
import segno
from django.conf import settings
from django.contrib.auth import user_logged_in
from django.db import transaction
from django.utils.module_loading import import_string
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice

from zhiban.audit.models import AuditEntry
from zhiban.audit.trail import Actor, actor_for_user, record
from zhiban.lib.addresses import client_ip
from zhiban.org.models import BackupCodes, User
from zhiban.org.security import claim_session, end_sessions


class SecondFactor:
    """One kind of second factor. `kind` names it in URLs, `label` on screen."""

    kind = ""
    label = ""
    device_model: type[Device] = Device
    input_label = "验证码"

    def devices(self, user: User):
        return self.device_model.objects.filter(user=user, confirmed=True)

    def challenge(self, request, device: Device) -> dict:
        """What the verify page shows for this device (an SM2 key's challenge); TOTP needs nothing."""
        return {}

    def verify(self, request, device: Device, answer: str) -> bool:
        return device.verify_token(answer.strip().replace(" ", ""))


class Authenticator(SecondFactor):
    """TOTP (RFC 6238) in any authenticator app: the secret reaches the phone as a QR code drawn on the
    server (segno), never through a service on the internet."""

    kind = "totp"
    label = "手机验证器"
    device_model = TOTPDevice
    input_label = "验证器上的6位数字"

    def pending(self, user: User) -> TOTPDevice:
        """The person's unconfirmed device, the same across reloads of the enrolment page."""
        device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
        return device or TOTPDevice.objects.create(user=user, name="手机验证器", confirmed=False)

    @staticmethod
    def secret(device: TOTPDevice) -> str:
        """The secret in base32, in groups of four, for typing into an app without a camera."""
        text = base64.b32encode(device.bin_key).decode().rstrip("=")
        return " ".join(text[i : i + 4] for i in range(0, len(text), 4))

    @staticmethod
    def qr_svg(device: TOTPDevice) -> str:
        out = io.BytesIO()
        segno.make(device.config_url, error="m").save(
            out, kind="svg", border=2, xmldecl=False, svgns=True, omitsize=True, title="扫描此二维码"
        )
        return out.getvalue().decode()


class Backup(SecondFactor):
    kind = "backup"
    label = "备用验证码"
    device_model = BackupCodes
    input_label = "备用验证码（如 1234-5678）"


@functools.cache
def factors() -> tuple[SecondFactor, ...]:
    return tuple(import_string(path)() for path in settings.SECOND_FACTORS)


def factor(kind: str) -> SecondFactor | None:
    return next((f for f in factors() if f.kind == kind), None)


def enrolled(user: User) -> bool:
    """Whether the person has a second factor other than backup codes."""
    return any(f.devices(user).exists() for f in factors() if f.kind != Backup.kind)


def mark_verified(session, device: Device) -> None:
    """The session's record of the second factor, as django-otp keeps it (OTPMiddleware reads it)."""
    session[django_otp.DEVICE_ID_SESSION_KEY] = device.persistent_id


def verified(request, device: Device, how: str) -> None:
    """The session has passed the second factor: marked, its key renewed (no session fixation across
    the step), the person's other sessions ended if the policy allows one, and the login's completion
    audited."""
    mark_verified(request.session, device)
    request.user.otp_device = device
    request.session.cycle_key()
    claim_session(request)
    record(
        AuditEntry.Action.LOGIN,
        model="org.user",
        object_id=request.user.pk,
        object_repr=f"{request.user.username} 通过二次验证（{how}）",
        actor=actor_for_user(request.user, client_ip(request)),
    )


def refused(request, how: str) -> None:
    record(
        AuditEntry.Action.LOGIN_FAILED,
        model="org.user",
        object_id=request.user.pk,
        object_repr=f"{request.user.username} 二次验证未通过（{how}）",
        actor=Actor(request.user.pk, request.user.display_name(), client_ip(request)),
    )


def reset(user: User, by: User) -> None:
    """The security administrator removes every second factor of a person (a lost phone): the person
    enrols anew at the next login, and every session of theirs ends now. Audited."""
    with transaction.atomic():
        removed = [str(d) for f in factors() for d in f.device_model.objects.filter(user=user)]
        for f in factors():
            f.device_model.objects.filter(user=user).delete()
        end_sessions(user)
        record(
            AuditEntry.Action.UPDATE,
            model="org.user",
            object_id=user.pk,
            object_repr=f"{user.username} 的二次验证被重置",
            before={"second_factor": removed},
            after={"second_factor": []},
            actor=actor_for_user(by),
        )


def authenticator_device(user: User) -> TOTPDevice:
    """The person's confirmed authenticator, made if they have none: for tools that sign in without a
    phone (the test helper `sign_in`, bench/) and for the demo's accounts."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="手机验证器", confirmed=True)


def session_for_tool(user: User) -> dict:
    """What a login and its second factor leave in a session, for tools that make sessions directly
    (bench/): the auth keys are the caller's, these are the session policy's and the second factor's."""
    if not user.session_mark:
        end_sessions(user)
        user.refresh_from_db(fields=["session_mark"])
    now = int(time.time())
    data = {"mark": user.session_mark, "started": now, "last_seen": now}
    data[django_otp.DEVICE_ID_SESSION_KEY] = authenticator_device(user).persistent_id
    return data


def _forget_verification_on_login(sender, request, user, **kwargs) -> None:
    """A new login starts unverified, whatever the session held before."""
    if request is not None and hasattr(request, "session"):
        request.session.pop(django_otp.DEVICE_ID_SESSION_KEY, None)


user_logged_in.connect(_forget_verification_on_login, dispatch_uid="second-factor-starts-anew")
