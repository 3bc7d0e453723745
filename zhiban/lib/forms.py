"""Form helpers shared by every app's views."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render


def add_errors(form: forms.Form, error: ValidationError) -> None:
    """A workflow's refusal shown on the form: each message next to its field, the rest at the top;
    what the person typed stays in the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def form_page(request, form: forms.Form, title: str, cancel_url: str) -> HttpResponse:
    """A page that is one form (form_page.html): its title, the form with its errors, a way back."""
    return render(request, "form_page.html", {"form": form, "title": title, "cancel_url": cancel_url})
