"""What a lower app learns from the apps above it, through what those apps fill in (DESIGN.md §Layout):
a lower app never imports a higher one.

- Modules by name: `app_modules("jobs")` is every app's `jobs.py`, in the order of INSTALLED_APPS, which
  is the order the apps depend on each other (lib, audit, org, notify, roster, intake, incidents,
  shifts, …). `runjobs` walks the apps' jobs this way, `demo` their demo data.
- Counts in the top bar: an app registers what a person has waiting there (its unread notices, say),
  from its AppConfig.ready()."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

from django.apps import apps


def app_modules(name: str) -> list[ModuleType]:
    """Each Zhiban app's module `name`, lowest app first; apps without one are skipped."""
    found = []
    for config in apps.get_app_configs():
        if not config.name.startswith("zhiban."):
            continue
        try:
            found.append(importlib.import_module(f"{config.name}.{name}"))
        except ModuleNotFoundError as error:
            if error.name != f"{config.name}.{name}":
                raise
    return found


@dataclass(frozen=True)
class TopbarCount:
    """A link in the top bar with what a person has waiting behind it ("通知 3")."""

    label: str
    url_name: str
    count: Callable[[int], int]  # a person's id -> how many; one indexed query, it runs on every page


TOPBAR_COUNTS: list[TopbarCount] = []


def register_topbar_count(label: str, url_name: str, count: Callable[[int], int]) -> None:
    if not any(c.url_name == url_name for c in TOPBAR_COUNTS):  # ready() may run twice in tests
        TOPBAR_COUNTS.append(TopbarCount(label, url_name, count))


def topbar_counts(person_id: int | None) -> tuple[int, ...]:
    """The person's count behind each registered link, in registration order (0 without a person)."""
    return tuple(c.count(person_id) if person_id else 0 for c in TOPBAR_COUNTS)
