"""A person's own account: their password, and their API tokens for integrations such as the phone
exchange."""

from django import forms
from django.contrib import messages
from django.contrib.auth import authenticate, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from zhiban.audit.models import AuditEntry
from zhiban.audit.trail import record
from zhiban.lib.forms import form_page
from zhiban.org.models import ApiToken


class OwnPasswordForm(PasswordChangeForm):
    """The current password is checked through the login's own path, so wrong guesses at an unattended
    signed-in PC count toward the account's lockout (django-axes) and are audited as failed logins."""

    def __init__(self, request, *args, **kwargs):
        self.request = request
        super().__init__(request.user, *args, **kwargs)

    def validate_password_for_user(self, user, *args, **kwargs):
        # what is wrong with the new password is said next to it, not next to its confirmation
        super().validate_password_for_user(user, "new_password1")

    def clean_old_password(self):
        old = self.cleaned_data["old_password"]
        if authenticate(self.request, username=self.user.get_username(), password=old) is None:
            raise forms.ValidationError("原密码不正确，请重新输入", code="password_incorrect")
        return old


@login_required
def password_change(request):  # reachable while a password change is due (org.middleware)
    """One's own password, given the current one (an account is handed over with a first password that
    its owner then changes). The audit trail records the change, never the password. Too many wrong
    current passwords lock the account and end this session."""
    form = OwnPasswordForm(request, request.POST or None)
    valid = request.method == "POST" and form.is_valid()
    if getattr(request, "axes_locked_out", False):
        logout(request)
        return render(request, "registration/locked_out.html", status=429)  # as the login answers
    if valid:
        with transaction.atomic():
            user = form.save()
            record(
                AuditEntry.Action.UPDATE,
                model="org.user",
                object_id=user.pk,
                object_repr=f"{user.username} 修改本人密码",
                after={"password": "（已修改）"},
            )
        update_session_auth_hash(request, user)  # this session stays signed in; others are ended
        messages.success(request, "密码已修改")
        return redirect("home")
    return form_page(request, form, "修改密码", "/")


password_change.password_change = True


class TokenForm(forms.Form):
    name = forms.CharField(label="用途", max_length=100, help_text="如：程控交换机来电推送")


@login_required
def token_list(request):
    form = TokenForm(request.POST or None)
    new_key = None
    if form.is_valid():
        _, new_key = ApiToken.issue(request.user, form.cleaned_data["name"])
        form = TokenForm()
    tokens = ApiToken.objects.filter(user=request.user)
    return render(request, "org/tokens.html", {"form": form, "tokens": tokens, "new_key": new_key})


@login_required
@require_POST
def token_revoke(request, pk):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save()
    messages.success(request, "已吊销")
    return redirect("token_list")
