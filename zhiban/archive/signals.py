"""The information base kept in step with the records (B26): each duty record's search entry is written
or removed in the transaction that saves or deletes the record, so a search never finds a record that
was rolled back, nor misses one that was saved."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save


def _saved(sender, instance, created=False, raw=False, **kwargs):
    if raw:  # fixtures and restores load rows as they were; `search_index` rebuilds after
        return
    from zhiban.archive import search

    search.index(instance, created=created)


def _deleted(sender, instance, **kwargs):
    from zhiban.archive import search

    search.unindex(sender, instance.pk)


def connect() -> None:
    from zhiban.archive.search import KINDS

    for kind in KINDS:
        post_save.connect(_saved, sender=kind.model, dispatch_uid=f"search-save-{kind.code}")
        post_delete.connect(_deleted, sender=kind.model, dispatch_uid=f"search-delete-{kind.code}")
