"""The few statements every write runs (the record, its audit entry, its unit's activity value), sent
straight to the database driver.

Django's cursor costs about 20 µs a statement over the driver's own (placeholder rewriting, wrappers,
the query log), its ORM insert about 300 µs over the statement (the query compiled per call), and a
nested `atomic` about 45 µs: together more than the database takes to write the rows
(bench/writes.py). These helpers keep what matters of Django's — the same connection and transaction,
database errors raised as django.db errors, a failed statement marking the transaction for rollback,
the model's signals (the audit entry, the activity value) — and drop the rest. They do not appear in
Django's query log (`CaptureQueriesContext`)."""

from __future__ import annotations

import functools

from django.db import connection, models, transaction
from django.db.models.signals import post_save, pre_save


@functools.cache
def _for_driver(sql: str, vendor: str) -> str:
    """SQLite's driver takes `?` where Django's statements have `%s`; psycopg takes `%s` itself."""
    return sql.replace("%s", "?") if vendor == "sqlite" else sql


def execute(sql: str, params=()):
    """Run one statement (with `%s` placeholders) in the current transaction; returns the cursor."""
    connection.ensure_connection()
    cursor = connection.connection.cursor()
    with transaction.mark_for_rollback_on_error(), connection.wrap_database_errors:
        cursor.execute(_for_driver(sql, connection.vendor), params)
    return cursor


class Inserter:
    """`Inserter(Model)(instance)` saves a new instance as `instance.save()` would for a model with no
    save() of its own and no parents: pre_save, field defaults (auto_now_add…), the insert, the primary
    key set, post_save; with the statement built once per model instead of compiled on every save."""

    def __init__(self, model: type[models.Model]):
        if model.save is not models.Model.save or model._meta.parents:
            raise TypeError(f"{model} saves itself or has parents: Inserter would skip that")
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        quote = connection.ops.quote_name
        self.sql = (
            f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in self.fields)}) "
            f"VALUES ({', '.join(['%s'] * len(self.fields))}) RETURNING {quote(model._meta.pk.column)}"
        )

    def __call__(self, instance: models.Model) -> models.Model:
        if instance.pk is not None or type(instance) is not self.model:
            raise TypeError(f"Inserter({self.model.__name__}) inserts new {self.model.__name__} rows only")
        alias = connection.alias
        instance._prepare_related_fields_for_save(operation_name="save")  # as Model.save: no unsaved FKs
        pre_save.send(sender=self.model, instance=instance, raw=False, using=alias, update_fields=None)
        values = [f.get_db_prep_save(f.pre_save(instance, True), connection) for f in self.fields]
        instance.pk = execute(self.sql, values).fetchone()[0]
        instance._state.adding, instance._state.db = False, alias
        post_save.send(
            sender=self.model, instance=instance, created=True, update_fields=None, raw=False, using=alias
        )
        return instance
