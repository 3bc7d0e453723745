"""A person's own API tokens, for integrations such as the phone exchange."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from zhiban.org.models import ApiToken


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
