"""The login's second factor, one's own backup codes, and the security administrator's pages: the
security policy, unlocking accounts and addresses, resetting a person's second factor."""

from __future__ import annotations

from urllib.parse import urlencode

from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max, Sum
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from zhiban.audit.models import AuditEntry
from zhiban.audit.trail import record
from zhiban.lib.classification import CLASSIFIED, Classification
from zhiban.lib.forms import form_page
from zhiban.lib.polling import before_second_factor
from zhiban.org import factors
from zhiban.org.forms import LoginForm
from zhiban.org.middleware import LOGOUT_REASON
from zhiban.org.models import BackupCodes, Person, SecurityPolicy, User
from zhiban.org.security import cool_off, security_policy


class LoginView(auth_views.LoginView):
    """The password step; it says why a session ended when it was ended for the person."""

    authentication_form = LoginForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["logout_reason"] = self.request.session.pop(LOGOUT_REASON, "")
        return context


class CodeForm(forms.Form):
    code = forms.CharField(
        label="验证码",
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def __init__(self, *args, label: str = "验证码", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].label = label


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return "/"


@before_second_factor
@login_required
def second_factor_verify(request):
    """The second step of every login: a code of the person's authenticator, or one backup code."""
    user = request.user
    if user.is_verified():
        return redirect(_next(request))
    if not factors.enrolled(user):
        return redirect("second_factor_enrol")
    kinds = [f for f in factors.factors() if f.devices(user).exists()]
    factor = factors.factor(request.GET.get("with", "")) or kinds[0]
    if factor not in kinds:
        factor = kinds[0]
    form = CodeForm(request.POST or None, label=factor.input_label)
    if form.is_valid():
        devices = list(factor.devices(user))
        throttled = all(not d.verify_is_allowed()[0] for d in devices)
        device = next((d for d in devices if factor.verify(request, d, form.cleaned_data["code"])), None)
        if device is not None:
            factors.verified(request, device, factor.label)
            return redirect(_next(request))
        factors.refused(request, factor.label)
        form.add_error(
            "code",
            "尝试过于频繁，请稍候几秒再试"
            if throttled
            else "验证码不正确或已使用过，请输入验证器上当前显示的数字",
        )
    context = {
        "form": form,
        "factor": factor,
        "others": [f for f in kinds if f is not factor],
        "next": _next(request),
    }
    return render(request, "registration/verify.html", context)


@before_second_factor
@login_required
def second_factor_enrol(request):
    """First login: the person adds the platform to an authenticator app (QR code or the secret typed
    in) and proves it with a code; backup codes are then shown once."""
    user = request.user
    if factors.enrolled(user):
        return redirect("second_factor_verify" if not user.is_verified() else "second_factor")
    authenticator = factors.factor("totp")
    device = authenticator.pending(user)
    form = CodeForm(request.POST or None, label=authenticator.input_label)
    if form.is_valid():
        if device.verify_token(form.cleaned_data["code"].strip()):
            with transaction.atomic():
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                codes = _renew_backup_codes(user)
                record(
                    AuditEntry.Action.UPDATE,
                    model="org.user",
                    object_id=user.pk,
                    object_repr=f"{user.username} 启用手机验证器",
                    after={"second_factor": [str(device)]},
                )
            factors.verified(request, device, authenticator.label)
            request.session["new_backup_codes"] = codes
            return redirect(reverse("second_factor") + "?" + urlencode({"next": _next(request)}))
        factors.refused(request, "启用手机验证器")
        form.add_error("code", "验证码不正确：请确认手机时间准确，输入验证器上当前显示的6位数字")
    context = {
        "form": form,
        "qr": authenticator.qr_svg(device),
        "secret": authenticator.secret(device),
        "next": _next(request),
    }
    return render(request, "registration/enrol.html", context)


def _renew_backup_codes(user: User) -> list[str]:
    device, _ = BackupCodes.objects.get_or_create(
        user=user, defaults={"name": "备用验证码", "confirmed": True}
    )
    return device.renew()


@login_required
def second_factor(request):
    """One's own second factor: what is enrolled, how many backup codes remain, new codes (the old ones
    then stop working). New codes are shown once."""
    user = request.user
    if request.method == "POST":
        with transaction.atomic():
            request.session["new_backup_codes"] = _renew_backup_codes(user)
            record(
                AuditEntry.Action.UPDATE,
                model="org.user",
                object_id=user.pk,
                object_repr=f"{user.username} 重新生成备用验证码",
            )
        return redirect("second_factor")
    backup = BackupCodes.objects.filter(user=user).first()
    context = {
        "new_codes": request.session.pop("new_backup_codes", None),
        "remaining": backup.codes.count() if backup else 0,
        "factors": [(f, f.devices(user).first()) for f in factors.factors() if f.kind != "backup"],
        "next": _next(request),
    }
    return render(request, "org/second_factor.html", context)


# --- the security administrator (安全管理员) --------------------------------------------------------


def _require_security_admin(user: User) -> None:
    if user.system_role != User.SystemRole.SECURITY_ADMIN:
        raise PermissionDenied("只有安全管理员可以进行此操作")


class SecurityPolicyForm(forms.ModelForm):
    class Meta:
        model = SecurityPolicy
        exclude: list[str] = []


class ResetForm(forms.Form):
    username = forms.CharField(label="登录名", max_length=150)

    def clean_username(self):
        user = User.objects.filter(username__iexact=self.cleaned_data["username"].strip()).first()
        if user is None:
            raise forms.ValidationError("没有这个登录名")
        return user


class ClearanceForm(ResetForm):
    """A2.7/B15: the highest classification a person may read, granted by the security administrator."""

    clearance = forms.ChoiceField(label="涉密阅读权限", choices=Classification.choices)

    def clean_username(self):
        user = super().clean_username()
        person = Person.objects.filter(user=user, active=True).first()
        if person is None:
            raise forms.ValidationError("这个登录名不属于在职人员")
        return person


@login_required
def security(request):
    """The security administrator's page: locked accounts and addresses, the second factor's reset, and
    a link to the policy."""
    _require_security_admin(request.user)
    since = timezone.now() - cool_off()
    recent = AccessAttempt.objects.filter(attempt_time__gte=since)
    policy = security_policy()
    accounts = (
        recent.values("username")
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(failures__gte=policy.account_failure_limit)
        .order_by("-last")
    )
    addresses = (
        recent.values("ip_address")
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(failures__gte=policy.address_failure_limit)
        .order_by("-last")
    )
    cleared = (
        Person.objects.filter(active=True, clearance__in=CLASSIFIED)
        .select_related("unit", "user")
        .order_by("unit__path")
    )
    context = {
        "accounts": accounts,
        "addresses": addresses,
        "policy": policy,
        "reset_form": ResetForm(),
        "clearance_form": ClearanceForm(prefix="c"),
        "cleared": cleared,
    }
    return render(request, "org/security.html", context)


@login_required
@require_POST
def security_unlock(request):
    """Unlocks one account or one address before its lockout ends; audited."""
    _require_security_admin(request.user)
    username, ip = request.POST.get("username", "")[:150], request.POST.get("ip", "")[:45]
    if not (username or ip):
        return redirect("security")
    with transaction.atomic():
        removed = axes_reset(username=username) if username else axes_reset(ip=ip)
        record(
            AuditEntry.Action.UPDATE,
            model="axes.accessattempt",
            object_repr=f"解除锁定：{'账号 ' + username if username else '地址 ' + ip}",
            before={"failures_records": removed},
            after={"failures_records": 0},
        )
    messages.success(request, f"已解除锁定：{username or ip}")
    return redirect("security")


@login_required
@require_POST
def security_reset_second_factor(request):
    """Removes a person's second factor (a lost phone); they enrol anew at their next login."""
    _require_security_admin(request.user)
    form = ResetForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(form.errors.get("username", ["请填写登录名"])))
        return redirect("security")
    user = form.cleaned_data["username"]
    if user.pk == request.user.pk:
        messages.error(request, "不能重置自己的二次验证，请由另一位安全管理员重置")
        return redirect("security")
    factors.reset(user, by=request.user)
    messages.success(request, f"已重置 {user.username} 的二次验证：其下次登录时重新绑定手机验证器")
    return redirect("security")


@login_required
@require_POST
def security_clearance(request):
    """Grants or withdraws a person's clearance for classified records; audited (Person is tracked),
    with who granted it and when kept on the person."""
    _require_security_admin(request.user)
    form = ClearanceForm(request.POST, prefix="c")
    if not form.is_valid():
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
        return redirect("security")
    person = form.cleaned_data["username"]
    person.clearance = form.cleaned_data["clearance"]
    person.clearance_granted_by = request.user.get_full_name() or request.user.get_username()
    person.clearance_granted_at = timezone.now()
    with transaction.atomic():
        person.save(update_fields=["clearance", "clearance_granted_by", "clearance_granted_at"])
    messages.success(request, f"{person.name}的涉密阅读权限已设为“{person.get_clearance_display()}”")
    return redirect("security")


@login_required
def security_policy_edit(request):
    _require_security_admin(request.user)
    policy, _ = SecurityPolicy.objects.get_or_create(pk=1)
    form = SecurityPolicyForm(request.POST or None, instance=policy)
    if form.is_valid():
        form.save()  # audited (the model is tracked)
        messages.success(request, "安全策略已保存")
        return redirect("security")
    return form_page(request, form, "安全策略", "/org/security/")
