"""Recording writes: models opt in with `track(Model)`; the acting person comes from a context
variable that the middleware (web), the API auth and management commands set."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.utils import timezone

from zhiban.audit.models import HASH_VERSION, AuditEntry, AuditHead
from zhiban.lib import sql

# secrets (a password's hash, the earlier ones', a token's), and the search keys worked out from a name
# already in the record (a unit's run to a kilobyte)
HIDDEN_FIELDS = {"password", "previous_passwords", "key_hash", "search_text"}


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    name: str
    ip: str | None = None


class LazyActor:
    """The signed-in user as actor, resolved only when something is written: most requests only read."""

    def __init__(self, user, ip: str | None):
        self._user, self._ip = user, ip
        self._resolved: Actor | None = None

    def resolve(self) -> Actor | None:
        """Once per request: a save's pre- and post-signal, and every later write, share the answer."""
        if self._resolved is None:
            self._resolved = actor_for_user(self._user, self._ip)
        return self._resolved


_actor: contextvars.ContextVar[Actor | LazyActor | None] = contextvars.ContextVar("audit_actor", default=None)


def current_actor() -> Actor | None:
    actor = _actor.get()
    return actor.resolve() if isinstance(actor, LazyActor) else actor


@contextlib.contextmanager
def acting_as(actor: Actor | None) -> Iterator[None]:
    token = _actor.set(actor)
    try:
        yield
    finally:
        _actor.reset(token)


def actor_for_user(user, ip: str | None = None) -> Actor | None:
    if user is None or not user.is_authenticated:
        return None
    return Actor(user.pk, user.display_name(), ip)


def snapshot(instance: models.Model) -> dict:
    data = {}
    for field in instance._meta.concrete_fields:
        if field.name in HIDDEN_FIELDS:
            continue
        value = field.value_from_object(instance)
        if isinstance(field, models.FileField):
            value = value.name or ""  # the stored file's name, not its contents
        data[field.attname] = DjangoJSONEncoder().default(value) if _needs_encoding(value) else value
    return data


def _needs_encoding(value) -> bool:
    return value is not None and not isinstance(value, str | int | float | bool | list | dict)


def record(
    action: str,
    *,
    model: str,
    object_id="",
    object_repr="",
    before=None,
    after=None,
    actor: Actor | None = None,
) -> AuditEntry | None:
    actor = actor or current_actor()
    if actor is None:
        return None
    entry = AuditEntry(
        actor_id=actor.user_id,
        actor_name=actor.name,
        action=action,
        model=model,
        object_id=str(object_id),
        object_repr=str(object_repr)[:200],
        before=before,
        after=after,
        ip=actor.ip,
    )
    # No savepoint of its own: an entry that cannot be written fails the write it records.
    if connection.in_atomic_block:
        _chain(entry)
    else:
        with transaction.atomic():
            _chain(entry)
    return entry


# The chain is written with three plain statements straight to the driver (lib.sql), not the ORM:
# every write of every person passes through here, and the ORM's insert costs several times the work
# of the statement (bench/writes.py).
_HEAD = AuditHead._meta.db_table
_ENTRY_FIELDS = [f for f in AuditEntry._meta.concrete_fields if not f.primary_key]
_INSERT = (
    f"INSERT INTO {AuditEntry._meta.db_table} "
    f"({', '.join(connection.ops.quote_name(f.column) for f in _ENTRY_FIELDS)}) "
    f"VALUES ({', '.join(['%s'] * len(_ENTRY_FIELDS))}) RETURNING id"
)
# The newest hash, with the head row locked until the transaction ends (PostgreSQL: the upsert's row
# lock; SQLite: the IMMEDIATE transaction's write lock), so concurrent writers form one chain. The
# row is made on first use (and again after a test database is flushed).
_LOCK_HEAD = (
    f"INSERT INTO {_HEAD} (id, last_hash, count, purged_count, purged_last_id, purged_last_hash) "
    "VALUES (1, %s, 0, 0, 0, %s) "
    "ON CONFLICT (id) DO UPDATE SET id = excluded.id RETURNING last_hash"
)
_LOCK_PARAMS = ["0" * 64, "0" * 64]
_MOVE_HEAD = f"UPDATE {_HEAD} SET last_hash = %s, count = count + 1 WHERE id = 1"


def _chain(entry: AuditEntry) -> None:
    entry.prev_hash = sql.execute(_LOCK_HEAD, _LOCK_PARAMS).fetchone()[0]
    entry.at = timezone.now()  # after the lock: times rise with the chain, however long the wait
    entry.hash = entry.compute_hash()
    values = [f.get_db_prep_save(getattr(entry, f.attname), connection) for f in _ENTRY_FIELDS]
    entry.pk = sql.execute(_INSERT, values).fetchone()[0]
    entry._state.adding, entry._state.db = False, connection.alias
    sql.execute(_MOVE_HEAD, [entry.hash])


@dataclass(frozen=True)
class ChainBreak:
    """Where the chain does not hold: an entry edited or one before it removed (`pk`), or the newest
    entries (or all) deleted, which no entry shows but the head does (`pk` None)."""

    pk: int | None
    message: str


def verify_chain(using: str = "default", anchor_until=None) -> tuple[int, ChainBreak | None]:
    """Walks the chain oldest first; returns how many entries hold and where it breaks, if it does: an
    entry whose keyed hash or link is wrong, or whose hash is not keyed at all; a chain whose end is not
    the head's (newest rows deleted); a purge marker no purge entry vouches for; a chain that falls short
    of the last signed checkpoint outside the database (the newest rows deleted with the head, or every
    row).

    `using` checks another database (a restored backup); `anchor_until` then holds it only to the
    checkpoints written up to the backup's moment, since later ones describe rows it cannot have."""
    head = AuditHead.objects.using(using).filter(pk=1).first()
    prev = head.purged_last_hash if head is not None and head.purged_count else "0" * 64
    count, last_purge = 0, None
    for entry in AuditEntry.objects.using(using).order_by("id").iterator():
        problem = entry_problem(entry, prev)
        if problem:
            return count, ChainBreak(entry.pk, problem)
        if entry.action == AuditEntry.Action.PURGE:
            last_purge = entry
        prev = entry.hash
        count += 1
    broken = (
        _head_break(head, prev, count)
        or _purge_break(head, last_purge)
        or _anchor_break(head, using, anchor_until)
    )
    return count, broken


def entry_problem(entry: AuditEntry, prev: str) -> str | None:
    """What is wrong with one entry of the chain after the hash `prev`, in words; None when it holds.
    Its hash must be the keyed one (HASH_VERSION): every entry was re-hashed so (migration 0005), and an
    unkeyed version that checks out is exactly what someone with the database but not the key can make."""
    if entry.hash_version != HASH_VERSION:
        return f"第 {entry.pk} 条记录的校验方式被改动（不是用审计密钥计算的），记录可能被人改过后重算"
    if entry.prev_hash != prev or entry.compute_hash() != entry.hash:
        return f"第 {entry.pk} 条记录被改动，或它之前的记录被删除"
    return None


def _head_break(head: AuditHead | None, prev: str, count: int) -> ChainBreak | None:
    if head is None:
        return ChainBreak(None, "审计链的末端记录被删除") if count else None
    kept = head.count - head.purged_count
    if head.last_hash == prev and kept == count:
        return None
    missing = kept - count if kept > count else None
    return ChainBreak(
        None, f"最新的{missing}条记录被删除" if missing else "审计链的末端与记录不符：最新的记录被删除或改动"
    )


def _purge_break(head: AuditHead | None, last_purge: AuditEntry | None) -> ChainBreak | None:
    """Entries may leave the chain only by a purge, which is an entry itself: the head's marker must be
    the one the newest purge entry wrote, or the oldest rows were deleted by hand."""
    if head is None or not head.purged_count:
        return None
    vouched = (last_purge.after or {}) if last_purge else {}
    marker = {
        "count": head.purged_count,
        "through_id": head.purged_last_id,
        "last_hash": head.purged_last_hash,
    }
    if all(vouched.get(k) == v for k, v in marker.items()):
        return None
    return ChainBreak(None, "最早的记录被删除：清除标记没有相应的清除记录")


def _anchor_break(head: AuditHead | None, using: str = "default", until=None) -> ChainBreak | None:
    from zhiban.audit import anchor

    try:
        point = anchor.latest(until=until)
    except anchor.ForgedCheckpoint as error:
        return ChainBreak(None, f"检查点文件被改动：{error}")
    if point is None:
        return None
    if head is None or head.count < point.count:
        have = head.count if head is not None else 0
        return ChainBreak(
            None, f"比{point.at[:16]}的检查点少了{point.count - have}条：最新的记录（或全部记录）被删除"
        )
    if point.last_id > head.purged_last_id:
        entry = (
            AuditEntry.objects.using(using).filter(pk=point.last_id).values_list("hash", flat=True).first()
        )
        if entry != point.last_hash:
            return ChainBreak(point.last_id, f"检查点所记的第 {point.last_id} 条记录被删除或改动")
    return None


def label(model: type[models.Model]) -> str:
    return model._meta.label_lower


def history(instance: models.Model):
    return AuditEntry.objects.filter(model=label(type(instance)), object_id=str(instance.pk))


def _pre_save(sender, instance, **kwargs):
    if current_actor() is None or instance.pk is None:
        instance._audit_before = None
        return
    old = sender._default_manager.filter(pk=instance.pk).first()
    instance._audit_before = snapshot(old) if old else None


def _post_save(sender, instance, created, **kwargs):
    before = getattr(instance, "_audit_before", None)
    after = snapshot(instance)
    if not created and before == after:
        return
    action = AuditEntry.Action.CREATE if created or before is None else AuditEntry.Action.UPDATE
    record(
        action,
        model=label(sender),
        object_id=instance.pk,
        object_repr=instance,
        before=None if action == AuditEntry.Action.CREATE else before,
        after=after,
    )


def _post_delete(sender, instance, **kwargs):
    record(
        AuditEntry.Action.DELETE,
        model=label(sender),
        object_id=instance.pk,
        object_repr=instance,
        before=snapshot(instance),
        after=None,
    )


def track(*model_classes: type[models.Model]) -> None:
    for model in model_classes:
        uid = f"audit-{label(model)}"
        pre_save.connect(_pre_save, sender=model, dispatch_uid=uid)
        post_save.connect(_post_save, sender=model, dispatch_uid=uid)
        post_delete.connect(_post_delete, sender=model, dispatch_uid=uid)


def record_read(instance: models.Model, what: str) -> None:
    """A read of something few may read (another person's medical record), by whom and when."""
    record(AuditEntry.Action.READ, model=label(type(instance)), object_id=instance.pk, object_repr=what[:200])


def record_refusal(model: type[models.Model], object_id, why: str) -> None:
    """An attempt to open a record the person may not read (A2.7): the record's type and id, never its
    content (its title may be what is kept secret)."""
    record(
        AuditEntry.Action.REFUSED, model=label(model), object_id=str(object_id)[:64], object_repr=why[:200]
    )


def record_update(instance: models.Model, before: dict, after: dict, action: str = "update") -> None:
    """For writes made with .update() or bulk_create, which send no signals: the fields that changed."""
    record(
        action,
        model=label(type(instance)),
        object_id=instance.pk,
        object_repr=str(instance),
        before=before,
        after=after,
    )
