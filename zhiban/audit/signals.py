from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from zhiban.audit.models import AuditEntry
from zhiban.audit.trail import Actor, actor_for_user, record
from zhiban.lib.addresses import client_ip


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    record(
        AuditEntry.Action.LOGIN,
        model="org.user",
        object_id=user.pk,
        object_repr=user.username,
        actor=actor_for_user(user, client_ip(request) if request else None),
    )


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        record(
            AuditEntry.Action.LOGOUT,
            model="org.user",
            object_id=user.pk,
            object_repr=user.username,
            actor=actor_for_user(user, client_ip(request) if request else None),
        )


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    name = str(credentials.get("username", ""))[:150]
    record(
        AuditEntry.Action.LOGIN_FAILED,
        model="org.user",
        object_repr=name,
        actor=Actor(None, name or "（未知）", client_ip(request) if request else None),
    )
