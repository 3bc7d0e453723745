"""The audit chain against someone who can write the database: keyed hashes, signed checkpoints
outside the database, the retention's export-then-purge, refused reads recorded (MLPS level 3)."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import json
import socket
from types import SimpleNamespace

import pytest
import time_machine
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection

from tests.org.test_login import policy
from zhiban.audit import anchor, jobs
from zhiban.audit.models import AuditEntry, AuditHead
from zhiban.audit.trail import Actor, record, verify_chain
from zhiban.org import jobs as org_jobs

TABLE = AuditEntry._meta.db_table


def write(n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        record("create", model="test.thing", object_id=i, actor=Actor(None, "写入者", "10.0.0.1"))


def sql(statement: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def assert_verify_fails(match: str) -> None:
    with pytest.raises(CommandError, match=match):
        call_command("audit_verify")


def test_rule_A2_7_audit_verify_exits_non_zero_after_a_deleted_newest_row_with_its_head_made_to_match(db):
    write(5)
    anchor.write_checkpoint()
    write(2, start=5)
    call_command("audit_verify")
    newest = AuditEntry.objects.order_by("-id")[:2]
    keep = AuditEntry.objects.order_by("-id")[2]
    sql(f"DELETE FROM {TABLE} WHERE id >= %s", [newest[1].pk])
    assert_verify_fails("最新的2条记录被删除")  # the head says so
    AuditHead.objects.filter(pk=1).update(last_hash=keep.hash, count=5)  # an attacker rewrites the head too
    call_command("audit_verify")  # entries newer than the last checkpoint: no anchor can prove them
    sql(f"DELETE FROM {TABLE} WHERE id = %s", [keep.pk])  # one the checkpoint vouched for
    previous = AuditEntry.objects.order_by("-id").first()
    AuditHead.objects.filter(pk=1).update(last_hash=previous.hash, count=4)
    assert_verify_fails("检查点.*少了1条")


def test_rule_A2_7_audit_verify_exits_non_zero_when_every_row_and_the_head_are_deleted(db):
    write(3)
    anchor.write_checkpoint()
    sql(f"DELETE FROM {TABLE}")
    sql(f"DELETE FROM {AuditHead._meta.db_table}")
    assert_verify_fails("全部记录")


def test_rule_A2_7_audit_verify_exits_non_zero_after_an_edited_ip_even_with_the_hash_rebuilt_unkeyed(db):
    write(3)
    entry = AuditEntry.objects.order_by("id")[1]
    sql(f"UPDATE {TABLE} SET ip = %s WHERE id = %s", ["192.168.1.99", entry.pk])
    assert_verify_fails(f"entry {entry.pk}")
    entry.refresh_from_db()
    entry.hash_version = 2  # what an attacker without the key can compute: the old unkeyed hash
    sql(f"UPDATE {TABLE} SET hash = %s WHERE id = %s", [entry.compute_hash(), entry.pk])
    assert_verify_fails(f"entry {entry.pk}")


def test_a_checkpoint_written_without_the_key_is_found(db, settings):
    write(2)
    anchor.write_checkpoint()
    line = json.loads(settings.AUDIT_CHECKPOINT_FILE.read_text().splitlines()[0])
    line.update(count=1, sig="0" * 64)  # an attacker shrinking the checkpoint to match a deletion
    settings.AUDIT_CHECKPOINT_FILE.write_text(json.dumps(line) + "\n")
    assert_verify_fails("签名不符")


def test_the_job_runner_appends_a_signed_checkpoint_and_sends_it_to_syslog(db, settings):
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(5)
    settings.AUDIT_SYSLOG_ADDRESS = f"127.0.0.1:{receiver.getsockname()[1]}"
    write(2)
    jobs._last[0] = float("-inf")
    assert jobs.try_checkpoint_audit_one() is False  # never busy
    [line] = anchor.lines()
    head = AuditHead.objects.get(pk=1)
    assert line["count"] == 2 and line["last_hash"] == head.last_hash
    assert json.loads(receiver.recv(4096).decode().rstrip("\x00").split("zhiban-audit ", 1)[1])["count"] == 2
    receiver.close()
    jobs._last[0] = float("-inf")
    jobs.try_checkpoint_audit_one()
    assert len(anchor.lines()) == 1  # nothing new: no new line


def test_entries_past_the_retention_are_exported_then_purged_and_the_purge_is_audited(db, settings):
    days = policy().audit_retention_days
    start = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as traveller:
        write(4)
        old_hashes = list(AuditEntry.objects.order_by("id").values_list("hash", flat=True))
        traveller.shift(dt.timedelta(days=days - 10))
        write(2, start=4)
        anchor.write_checkpoint()
        traveller.shift(dt.timedelta(days=11))
        org_jobs._last[0] = float("-inf")
        assert org_jobs.try_purge_audit_one() is True
        assert org_jobs.try_purge_audit_one() is False
    assert AuditEntry.objects.filter(model="test.thing").count() == 2
    [archive] = settings.AUDIT_ARCHIVE_DIR.glob("*.jsonl")
    exported = [json.loads(line) for line in archive.read_text().splitlines()]
    assert [e["hash"] for e in exported] == old_hashes and exported[0]["ip"] == "10.0.0.1"
    purge = AuditEntry.objects.get(action="purge")
    assert (
        purge.after["count"] == 4
        and purge.after["sha256"] == hashlib.sha256(archive.read_bytes()).hexdigest()
    )
    assert anchor.lines()[-1]["kind"] == "purge"
    call_command("audit_verify", archive=settings.AUDIT_ARCHIVE_DIR)
    oldest = AuditEntry.objects.order_by("id").first()  # deleting the oldest by hand is not a purge
    sql(f"DELETE FROM {TABLE} WHERE id = %s", [oldest.pk])
    AuditHead.objects.filter(pk=1).update(
        purged_count=5, purged_last_id=oldest.pk, purged_last_hash=oldest.hash
    )
    assert_verify_fails("清除标记")


def test_the_retention_is_at_least_180_days(db):
    from zhiban.org.views_security import SecurityPolicyForm

    form = SecurityPolicyForm({**SecurityPolicyForm(instance=policy()).initial, "audit_retention_days": 90})
    assert not form.is_valid() and "至少保存180天" in str(form.errors["audit_retention_days"])


def test_a_chain_written_unkeyed_is_rehashed_with_the_key_and_a_broken_one_is_refused(db):
    write(3)
    migration = importlib.import_module("zhiban.audit.migrations.0005_keyed_chain")
    rehash_unkeyed(list(AuditEntry.objects.order_by("id")))  # the chain as the previous release wrote it
    migration.rehash_with_the_key(apps, SimpleNamespace(connection=connection))
    assert set(AuditEntry.objects.values_list("hash_version", flat=True)) == {3}
    assert verify_chain() == (3, None)
    sql(f"UPDATE {TABLE} SET hash_version = 2, actor_name = '别人'")
    with pytest.raises(RuntimeError, match="broken at entry"):
        migration.rehash_with_the_key(apps, SimpleNamespace(connection=connection))


def test_a_refused_read_of_another_units_record_is_audited(org):
    from zhiban.intake.models import Call

    call = Call.objects.create(unit=org.county, number="0558-1000000", name="张三", taken_by=org.officer)
    assert org.client(org.sibling_officer).get(f"/intake/calls/{call.pk}/").status_code == 404
    refusal = AuditEntry.objects.get(action="refused", model="intake.call", object_id=str(call.pk))
    assert refusal.actor_id == org.sibling_officer.user_id and "张三" not in refusal.object_repr
    assert org.client(org.sibling_officer).get("/intake/calls/999999/").status_code == 404
    assert not AuditEntry.objects.filter(action="refused", object_id="999999").exists()  # no such record


def rehash_unkeyed(entries) -> None:
    """The chain from `entries` on hashed as the previous release did, unkeyed (version 2), the head
    moved to match: what that release wrote, and what someone who can write the database but lacks the
    key does after editing an entry."""
    first = entries[0]
    prev = AuditEntry.objects.filter(id__lt=first.pk).order_by("-id").values_list("hash", flat=True).first()
    prev = prev or "0" * 64
    for entry in entries:
        entry.prev_hash, entry.hash_version = prev, 2
        prev = entry.compute_hash()
        sql(
            f"UPDATE {TABLE} SET prev_hash = %s, hash = %s, hash_version = 2 WHERE id = %s",
            [entry.prev_hash, prev, entry.pk],
        )
    AuditHead.objects.filter(pk=1).update(last_hash=prev)


def test_audit_verify_exits_non_zero_when_the_chain_is_rehashed_unkeyed_and_no_checkpoint_exists(db):
    write(3)
    sql(f"UPDATE {TABLE} SET ip = %s", ["192.168.1.99"])
    rehash_unkeyed(list(AuditEntry.objects.order_by("id")))
    first = AuditEntry.objects.order_by("id").first()
    assert verify_chain()[1].message.startswith(f"第 {first.pk} 条记录的校验方式被改动")
    assert_verify_fails(f"entry {first.pk}.*校验方式被改动")


def test_audit_verify_exits_non_zero_when_entries_after_the_last_checkpoint_are_rehashed_unkeyed(db):
    write(3)
    anchor.write_checkpoint()
    write(2, start=3)
    newer = list(AuditEntry.objects.order_by("id"))[3:]
    sql(f"UPDATE {TABLE} SET actor_name = '别人' WHERE id = %s", [newer[0].pk])
    rehash_unkeyed(newer)  # the checkpoint vouches for the first three only, which are untouched
    assert_verify_fails(f"entry {newer[0].pk}.*校验方式被改动")


def test_audit_verify_of_the_archive_exits_non_zero_when_exported_entries_are_rehashed_unkeyed(db, settings):
    from zhiban.audit import retention

    start = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as traveller:
        write(3)
        traveller.shift(dt.timedelta(seconds=1))
        retention.purge_before(start + dt.timedelta(seconds=1), settings.AUDIT_ARCHIVE_DIR)
    call_command("audit_verify", archive=settings.AUDIT_ARCHIVE_DIR)
    [archive] = settings.AUDIT_ARCHIVE_DIR.glob("*.jsonl")
    rows = [json.loads(line) for line in archive.read_text().splitlines()]
    prev = "0" * 64
    for row in rows:  # the exported file edited and re-hashed unkeyed
        row.update(prev_hash=prev, hash_version=2, ip="192.168.1.99")
        entry = AuditEntry(**{**row, "at": dt.datetime.fromisoformat(row["at"])})
        row["hash"] = prev = entry.compute_hash()
    archive.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))
    with pytest.raises(CommandError, match=f"entry {rows[0]['id']}.*校验方式被改动"):
        call_command("audit_verify", archive=settings.AUDIT_ARCHIVE_DIR)
