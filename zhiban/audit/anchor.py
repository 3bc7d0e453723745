"""The audit chain anchored outside the database: every few minutes the job runner appends a signed
checkpoint of the chain's head (how many entries, the newest id and hash) to an append-only file and,
where AUDIT_SYSLOG_ADDRESS is set, sends it to a syslog server. Someone who can write the database but
not the key cannot forge a checkpoint, so deleting the newest entries, or all of them, together with
the head row still shows: the chain no longer reaches the last checkpoint.

One line a checkpoint, JSON: {"kind": "checkpoint", "at": …, "count": …, "last_id": …, "last_hash": …,
"sig": HMAC-SHA256(AUDIT_HMAC_KEY, the line without "sig")}. A purge (audit.retention) appends a line of
kind "purge" naming the archive file and its SHA-256.

A deployment makes the file append-only (`chattr +a`) and ships the lines off the server (syslog to
the log server): whoever can truncate the file could hide a deletion newer than the checkpoint they
kept, but not one older."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import logging.handlers
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from zhiban.audit.models import AuditEntry, AuditHead

log = logging.getLogger("zhiban.audit.anchor")


@dataclass(frozen=True)
class Checkpoint:
    at: str
    count: int
    last_id: int
    last_hash: str


class ForgedCheckpoint(Exception):
    """A line of the checkpoint file whose signature does not hold: written without the key."""


def sign(fields: dict) -> str:
    text = json.dumps(fields, sort_keys=True, ensure_ascii=False).encode()
    return hmac.new(settings.AUDIT_HMAC_KEY, b"audit-checkpoint:" + text, hashlib.sha256).hexdigest()


def signed_line(fields: dict) -> str:
    return json.dumps({**fields, "sig": sign(fields)}, sort_keys=True, ensure_ascii=False)


def append(fields: dict) -> None:
    """One signed line to the file (opened for appending only, flushed to the disk) and to syslog."""
    line = signed_line(fields)
    path = Path(settings.AUDIT_CHECKPOINT_FILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (line + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    if settings.AUDIT_SYSLOG_ADDRESS:
        _syslog(line)


def _syslog(line: str) -> None:
    address = settings.AUDIT_SYSLOG_ADDRESS
    if ":" in address and not address.startswith("/"):
        host, port = address.rsplit(":", 1)
        target: str | tuple[str, int] = (host, int(port))
    else:
        target = address
    handler = logging.handlers.SysLogHandler(
        address=target, facility=logging.handlers.SysLogHandler.LOG_AUTHPRIV
    )
    try:
        handler.emit(logging.makeLogRecord({"msg": f"zhiban-audit {line}", "levelno": logging.INFO}))
    finally:
        handler.close()


def write_checkpoint() -> Checkpoint | None:
    """A checkpoint of the head as it stands, unless the newest one already says the same."""
    head = AuditHead.objects.filter(pk=1).first()
    if head is None or head.count == 0:
        return None
    newest = AuditEntry.objects.order_by("-id").values_list("id", "hash").first()
    if newest is None or newest[1] != head.last_hash:
        return None  # the head and its newest entry disagree: audit_verify reports it, nothing to vouch for
    last = latest()
    if last is not None and last.count == head.count and last.last_hash == head.last_hash:
        return None
    point = Checkpoint(timezone.now().isoformat(), head.count, newest[0], head.last_hash)
    append({"kind": "checkpoint", **point.__dict__})
    return point


def lines() -> list[dict]:
    """Every line of the file, each with its signature checked; ForgedCheckpoint at the first forged one."""
    path = Path(settings.AUDIT_CHECKPOINT_FILE)
    if not path.exists():
        return []
    found = []
    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            fields = json.loads(raw)
            signature = fields.pop("sig")
        except (ValueError, KeyError, AttributeError):
            raise ForgedCheckpoint(f"第 {number} 行不是有效的检查点") from None
        if not hmac.compare_digest(signature, sign(fields)):
            raise ForgedCheckpoint(f"第 {number} 行的签名不符：不是用本系统的密钥写下的")
        found.append(fields)
    return found


def latest(until: dt.datetime | None = None) -> Checkpoint | None:
    """The newest checkpoint (by count), or the newest written no later than `until`."""
    checkpoints = [
        f
        for f in lines()
        if f.get("kind") == "checkpoint" and (until is None or dt.datetime.fromisoformat(f["at"]) <= until)
    ]
    if not checkpoints:
        return None
    newest = max(checkpoints, key=lambda f: f["count"])
    return Checkpoint(newest["at"], newest["count"], newest["last_id"], newest["last_hash"])
