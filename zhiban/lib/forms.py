"""Form helpers shared by every app's views."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Hashable

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render

from zhiban.lib.classification import Classification


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


class ManyChoice(forms.ModelMultipleChoiceField):
    """A multiple choice whose ids out of the database's integer range are refused as invalid, not
    passed to the database (SQLite raises OverflowError on them: a 500)."""

    def _check_values(self, value):
        try:
            if any(abs(int(v)) >= 2**63 for v in value):
                raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        except (TypeError, ValueError):
            pass  # not numbers at all: the parent says so in its own words
        return super()._check_values(value)


class _SharedFields(dict):
    """A form's fields made once and handed out as they are: Django deep-copies `base_fields` for
    every form it makes; a copy of this is the same field objects in a new dict."""

    def __deepcopy__(self, memo):
        return dict(self)


class SharedFields:
    """For a form made on every save (the call entry): its fields, with what depends on the unit
    (the leaders to choose from, the date checks), are built once per form class and key and shared
    by every form made for that key, instead of 21 fields deep-copied per request (a fifth of the
    save). Call `share_fields(key, prepare)` before the form's own __init__; `prepare(fields)` makes
    the per-key changes once, on a copy of its own. The fields are then read-only: a form that
    changes one of its fields per request (a queryset, a help text) must not share them.

    Shared between threads, which is safe for Django's fields: cleaning and rendering read a field and
    write only to the form (a ModelChoiceField queries a clone of its queryset each time)."""

    _built: dict = {}
    _lock = threading.Lock()
    LIMIT = 5000  # keys kept (units × form classes); past it the dict starts again

    def share_fields(self, key: Hashable | None, prepare: Callable[[dict], None]) -> None:
        """`key` says what the fields depend on, the data generation included (org.caching); None
        when nothing can be trusted, and the fields are then this form's own."""
        cls = type(self)
        fields = self._built.get((cls, key)) if key is not None else None
        if fields is None:
            fields = copy.deepcopy(cls.base_fields)
            prepare(fields)
            fields = _SharedFields(fields)
        if key is not None and (cls, key) not in self._built:
            with self._lock:
                if len(self._built) >= self.LIMIT:
                    self._built.clear()
                self._built[cls, key] = fields
        self.base_fields = fields  # read by BaseForm.__init__ before the class's own


def classification_field() -> forms.TypedChoiceField:
    """密级, one select on the form of every duty record that carries one (A2.7/B15); most carry no
    mark, and one left unset (an integration, an older form) is 公开."""
    return forms.TypedChoiceField(
        label="密级",
        choices=Classification.choices,
        initial=Classification.PUBLIC,
        required=False,
        empty_value=Classification.PUBLIC,
        help_text="秘密、机密的只有具有相应涉密阅读权限的人员可以查阅",
    )
