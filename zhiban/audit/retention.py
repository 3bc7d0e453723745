"""Retention of the audit trail: entries older than the security policy's retention (at least 180
days, 网络安全法 §21) leave the database, exported first.

1. Take the oldest entries older than the cut-off, at most BATCH (a prefix of the chain).
2. Export them, every field and hash, to a JSON-lines file in AUDIT_ARCHIVE_DIR, flushed to the disk
   before anything is deleted; the chain can be verified offline from the files (`audit_verify
   --archive`).
3. In one transaction, holding the chain's head: delete them, set the head's purge marker (how many,
   through which id, the last hash: where the remaining chain starts) and append a purge entry that
   says the same and names the file and its SHA-256, so the purge is audited and vouches for the marker.
4. Append a signed line of kind "purge" to the checkpoint file (audit.anchor).
A runner killed between 2 and 3 exports the same entries again next time; nothing is half-deleted."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from zhiban.audit import anchor
from zhiban.audit.models import AuditEntry, AuditHead
from zhiban.audit.trail import _LOCK_HEAD, _LOCK_PARAMS, Actor, record
from zhiban.lib import sql

BATCH = 20_000
SYSTEM = Actor(None, "系统（审计日志保存期限）")
FIELDS = [f.attname for f in AuditEntry._meta.concrete_fields]


@dataclass(frozen=True)
class Purge:
    count: int
    through_id: int
    archive: Path
    sha256: str


def purge_before(cutoff: dt.datetime, archive_dir: Path) -> Purge | None:
    rows = list(AuditEntry.objects.filter(at__lt=cutoff).order_by("id").values(*FIELDS)[:BATCH])
    if not rows:
        return None
    first_id = AuditEntry.objects.order_by("id").values_list("id", flat=True).first()
    if rows[0]["id"] != first_id:
        return None  # the oldest entry is newer than the cut-off (times rise with ids): nothing to do
    archive, digest = _export(rows, archive_dir)
    last = rows[-1]
    with transaction.atomic():
        sql.execute(_LOCK_HEAD, _LOCK_PARAMS)
        head = AuditHead.objects.get(pk=1)
        sql.execute(f"DELETE FROM {AuditEntry._meta.db_table} WHERE id <= %s", [last["id"]])
        marker = {
            "count": head.purged_count + len(rows),
            "through_id": last["id"],
            "last_hash": last["hash"],
        }
        AuditHead.objects.filter(pk=1).update(
            purged_count=marker["count"], purged_last_id=last["id"], purged_last_hash=last["hash"]
        )
        record(
            AuditEntry.Action.PURGE,
            model="audit.auditentry",
            object_id=last["id"],
            object_repr=f"清除{len(rows)}条超过保存期限的审计记录（已导出到 {archive.name}）",
            after={**marker, "archive": archive.name, "sha256": digest, "cutoff": cutoff.isoformat()},
            actor=SYSTEM,
        )
    anchor.append({"kind": "purge", **marker, "archive": archive.name, "sha256": digest})
    return Purge(len(rows), last["id"], archive, digest)


def _export(rows: list[dict], archive_dir: Path) -> tuple[Path, str]:
    archive_dir.mkdir(parents=True, exist_ok=True)
    path = archive_dir / f"audit-{rows[0]['id']:012d}-{rows[-1]['id']:012d}.jsonl"
    data = "".join(
        json.dumps(row, sort_keys=True, ensure_ascii=False, cls=DjangoJSONEncoder) + "\n" for row in rows
    ).encode()
    temporary = path.with_suffix(".part")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temporary, path)
    return path, hashlib.sha256(data).hexdigest()
