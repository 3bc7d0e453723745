"""Per-process caches that every web process can trust (DESIGN.md §Access, README "生产部署").

Two values in the database say when a cache is stale: the data generation (units, people, roles,
contacts: what scopes and directory fragments are made of) and each unit's activity value (its duty
records and published roster: what 一口清 and the call list are made of). Both are rewritten in the
transaction of the change, so every process sees a change on its next request, and a rolled-back change
leaves nothing stale behind."""

from __future__ import annotations

import secrets
import threading

from django.db import connection
from django.db.models.signals import post_delete, post_save

from zhiban.lib import sql
from zhiban.org.models import DataGeneration, UnitActivity


class GenerationCache:
    """A per-process cache valid for one data generation. Each request reads the generation once
    (check()); entries are keyed by the generation their request read, so a fragment built from data
    read just before a change can never be served after it, even with several threads; a new generation
    empties every cache."""

    _all: list[GenerationCache] = []
    _seen: int | None = None
    _request = threading.local()  # the generation this thread's current request read

    def __init__(self, size: int):
        self.size = size
        self.entries: dict = {}
        GenerationCache._all.append(self)

    def get_or_build(self, key, build):
        generation = getattr(self._request, "generation", None)
        if generation is None:  # no generation read in this request: nothing to trust
            return build()
        value = self.entries.get((generation, key))
        if value is None:
            value = build()
            if len(self.entries) >= self.size:
                self.entries.clear()
            self.entries[generation, key] = value
        return value

    @classmethod
    def forget(cls) -> None:
        cls._seen = None
        cls._request.generation = None
        for cache in cls._all:
            cache.entries.clear()

    @classmethod
    def check(cls) -> None:
        """Read the generation (one indexed row) and drop every cache made for another one."""
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT value FROM {DataGeneration._meta.db_table} WHERE id = 1")
            row = cursor.fetchone()
        generation = row[0] if row else 0
        if generation != cls._seen:
            cls.forget()
            cls._seen = generation
        cls._request.generation = generation


def request_generation() -> int | None:
    """The data generation this request read (None before it read one): what a cache kept outside
    GenerationCache puts in its keys."""
    return getattr(GenerationCache._request, "generation", None)


def bump_data_generation() -> None:
    """Call in the transaction that changes a unit, person, role or contact (signals do it for saves).
    A new random value, not an increment: a generation seen inside a transaction that was rolled back
    can then never come back as the number of a later, different state."""
    value = secrets.randbits(62) + 1
    if not DataGeneration.objects.filter(pk=1).update(value=value):
        DataGeneration.objects.update_or_create(pk=1, defaults={"value": value})


def bump_unit_activity(unit_id: int | None) -> None:
    """Call in the transaction that changes a unit's duty records (signals do it for saves); a random
    value for the same reason as bump_data_generation."""
    if unit_id is None:
        return
    # one statement, straight to the driver (lib.sql): it runs with every save of a duty record
    sql.execute(_BUMP_ACTIVITY, [unit_id, secrets.randbits(62) + 1])


_BUMP_ACTIVITY = (
    f"INSERT INTO {UnitActivity._meta.db_table} (unit_id, value) VALUES (%s, %s) "
    "ON CONFLICT (unit_id) DO UPDATE SET value = excluded.value"
)


def unit_activity(unit_id: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT value FROM {UnitActivity._meta.db_table} WHERE unit_id = %s", [unit_id])
        row = cursor.fetchone()
    return row[0] if row else 0


def watch_activity(unit_of: dict) -> None:
    """Every save or delete of these models raises its unit's activity value, in the same transaction;
    `unit_of` says where each model's unit id is ("shift.unit_id"). Each app that keeps duty records
    calls it from its AppConfig.ready()."""

    def bump(sender, instance, **kwargs) -> None:
        value = instance
        for part in unit_of[sender].split("."):
            value = getattr(value, part, None)
        bump_unit_activity(value)

    for model in unit_of:
        post_save.connect(bump, sender=model, dispatch_uid=f"activity-{model.__name__}-save", weak=False)
        post_delete.connect(bump, sender=model, dispatch_uid=f"activity-{model.__name__}-delete", weak=False)


def forget_request_generation(**kwargs) -> None:
    """A request trusts only the generation it read itself: one left on the thread by an earlier
    request is forgotten as each request starts (request_started)."""
    GenerationCache._request.generation = None
