"""The append-only audit trail: every write a person makes, who, when, which record, before and after.

Each entry carries the hash of the one before it, keyed with AUDIT_HMAC_KEY (HMAC-SHA256, the key kept
outside the database), so an edited or deleted row breaks the chain and someone who can write the
database cannot rebuild it; `manage.py audit_verify` says where. The ORM refuses updates and deletes of
entries outright; the head (here) and the signed checkpoints outside the database (audit.anchor) show a
deleted tail or a deleted whole."""

from __future__ import annotations

import hashlib
import hmac
import json

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from zhiban.lib.dates import local_minute

# The one way an entry is hashed now (keyed). Migration 0005 re-hashed every older entry to it, so an
# entry of another version was re-hashed by someone who can write the database but lacks the key.
HASH_VERSION = 3


class AppendOnly(Exception):
    pass


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnly("审计记录只能追加，不能修改")

    def delete(self):
        raise AppendOnly("审计记录只能追加，不能删除")


class AuditEntry(models.Model):
    class Action(models.TextChoices):
        CREATE = "create", "新增"
        UPDATE = "update", "修改"
        DELETE = "delete", "删除"
        LOGIN = "login", "登录"
        LOGIN_FAILED = "login_failed", "登录失败"
        LOGOUT = "logout", "退出"
        READ = "read", "查阅"  # of what is read by a few only (another person's medical records)
        REFUSED = "refused", "拒绝访问"  # an attempt to open what the person may not (a classified record)
        PURGE = "purge", "按保存期限清除"  # entries past the retention, exported first (audit.retention)

    at = models.DateTimeField("时间", db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField("操作人", max_length=150)
    action = models.CharField("操作", max_length=20, choices=Action.choices)
    model = models.CharField("记录类型", max_length=100)
    object_id = models.CharField("记录编号", max_length=64, blank=True)
    object_repr = models.CharField("记录", max_length=200, blank=True)
    before = models.JSONField("修改前", null=True, encoder=DjangoJSONEncoder)
    after = models.JSONField("修改后", null=True, encoder=DjangoJSONEncoder)
    ip = models.GenericIPAddressField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    # 1: before every stored field was hashed (ip and object_repr were not); 2: every field, unkeyed;
    # 3: every field, HMAC-SHA256 with AUDIT_HMAC_KEY (migration 0005 re-hashed 1 and 2 as 3). Only
    # HASH_VERSION is accepted by audit_verify: an older one is what someone without the key would write.
    hash_version = models.PositiveSmallIntegerField(default=HASH_VERSION)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["model", "object_id"])]
        verbose_name = "审计记录"

    def __str__(self) -> str:
        return f"{local_minute(self.at)} {self.actor_name} {self.action} {self.model}#{self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnly("审计记录只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("审计记录只能追加，不能删除")

    def compute_hash(self) -> str:
        """The HMAC of every stored field and the hash before; computed by the entry's own version, which
        the chain's verification (trail.verify_chain) holds to HASH_VERSION."""
        return entry_hash(self)

    def changed_fields(self) -> list[tuple[str, object, object]]:
        """(the field's name as its form calls it, before, after) for each field the write changed."""
        before, after = self.before or {}, self.after or {}
        keys = sorted(set(before) | set(after))
        model = self._model()
        return [
            (_field_label(model, k), before.get(k), after.get(k))
            for k in keys
            if before.get(k) != after.get(k)
        ]

    def _model(self):
        try:
            return apps.get_model(self.model)
        except (LookupError, ValueError):
            return None

    @property
    def model_label(self) -> str:
        """The kind of record in words (人员, 电话记录), as its model names itself."""
        model = self._model()
        return str(model._meta.verbose_name) if model else self.model


def entry_hash(entry) -> str:
    """An entry's hash, from its fields by name (a migration's historical entry works alike), as its
    version computes it: migration 0005 needs the unkeyed versions to check the chain it re-hashes."""
    body = {
        "prev": entry.prev_hash,
        "at": entry.at.isoformat(),
        "actor": entry.actor_id,
        "actor_name": entry.actor_name,
        "action": entry.action,
        "model": entry.model,
        "object_id": entry.object_id,
        "before": entry.before,
        "after": entry.after,
    }
    if entry.hash_version >= 2:
        body.update(ip=entry.ip, object_repr=entry.object_repr, hash_version=entry.hash_version)
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, cls=DjangoJSONEncoder).encode()
    if entry.hash_version >= 3:
        return hmac.new(settings.AUDIT_HMAC_KEY, text, hashlib.sha256).hexdigest()
    return hashlib.sha256(text).hexdigest()


def _field_label(model, name: str) -> str:
    if model is None:
        return name
    try:
        return str(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:  # a field since removed keeps its stored name
        return name


class AuditHead(models.Model):
    """One row holding the newest hash and how many entries the chain has; locking it orders concurrent
    writers into one chain, and comparing it tells when the newest entries (or all) were deleted."""

    last_hash = models.CharField(max_length=64, default="0" * 64)
    count = models.BigIntegerField(default=0)  # every entry ever appended, purged ones included
    # Entries purged past the retention (exported first): how many, the last one's id and hash, where
    # the remaining chain starts. A purge is itself an entry of the chain, which vouches for these.
    purged_count = models.BigIntegerField(default=0)
    purged_last_id = models.BigIntegerField(default=0)
    purged_last_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = "审计链尾"

    def __str__(self) -> str:
        return self.last_hash
