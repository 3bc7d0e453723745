"""The information base kept in step with the records (B26): a new record's entry is owed in the
transaction that saves it and written in a batch soon after (search.drain: by the job runner, or by the
next search first); a changed record's entry is rewritten, and a deleted one's removed, in the
transaction that changes or deletes it. A search never finds a record that was rolled back, nor misses
one that was saved."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save


def _saved(sender, instance, created=False, raw=False, **kwargs):
    if raw:  # fixtures and restores load rows as they were; `search_index` rebuilds after
        return
    from zhiban.archive import search

    if created:
        search.queue(instance)
    else:
        search.index(instance)


def _deleted(sender, instance, **kwargs):
    from zhiban.archive import search

    search.unindex(sender, instance.pk)


def connect() -> None:
    from zhiban.archive.search import KINDS

    for kind in KINDS:
        post_save.connect(_saved, sender=kind.model, dispatch_uid=f"search-save-{kind.code}")
        post_delete.connect(_deleted, sender=kind.model, dispatch_uid=f"search-delete-{kind.code}")
