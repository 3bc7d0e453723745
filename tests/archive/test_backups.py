"""Backups, their retention and the restore drill (A1.12: what the office keeps must be there when it
is wanted). On SQLite and on PostgreSQL alike: the drill restores into a real scratch database of the
same kind (pg_restore into a database created for it) and checks it there."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections, transaction
from django.urls import reverse
from django.utils import timezone

from tests.clock import SHANGHAI, travel_to
from tests.factories import make_system_user
from tests.helpers import sign_in
from zhiban.archive import backups, jobs, services
from zhiban.archive.models import Backup, BackupPolicy, RestoreDrill
from zhiban.audit import anchor
from zhiban.audit.models import AuditEntry
from zhiban.audit.trail import Actor, record
from zhiban.org.models import Person, Unit

pytestmark = pytest.mark.django_db(transaction=True)


def audited_writes(n: int = 3) -> None:
    for i in range(n):
        with transaction.atomic():
            record("update", model="org.unit", object_id=str(i), actor=Actor(None, "测试"))


def run_jobs(nightly: bool = False) -> None:
    """What the job runner does: the archive's jobs until none has anything to do (the nightly
    schedule only where the test is about it: the tests' real clock is past 02:30 on most days)."""
    chosen = [job for job in jobs.JOBS if nightly or job is not jobs.try_nightly_backup_one]
    while any(job() for job in chosen):
        pass


def test_A1_12_a_backup_restores_in_a_drill_with_every_table_and_the_audit_chain(org):
    audited_writes()
    anchor.write_checkpoint()  # a signed checkpoint outside the database, older than the backup
    backup = services.request_backup(org.city_admin)
    run_jobs()
    backup.refresh_from_db()
    assert backup.state == Backup.State.DONE, backup.error
    path = services.file_of(backup)
    manifest = json.loads(backups.manifest_path(path).read_text())
    assert manifest["counts"]["org_unit"] == Unit.objects.count() == 6
    assert manifest["counts"]["org_person"] == Person.objects.count()
    assert (
        backup.records == sum(manifest["counts"].values()) and backup.audit_count == manifest["audit_count"]
    )
    assert backup.audit_count >= AuditEntry.objects.count() > 0

    drill = services.request_drill(backup, org.city_admin)
    run_jobs()
    drill.refresh_from_db()
    assert drill.state == RestoreDrill.State.PASSED, drill.detail
    assert drill.counts_match and drill.chain_holds
    assert drill.records == backup.records and drill.audit_count == backup.audit_count
    assert "各表记录数与备份清单一致" in drill.detail and "审计链校验通过" in drill.detail
    assert Unit.objects.count() == 6  # the live database untouched


def test_A1_12_a_restore_that_lost_audit_rows_or_records_fails_its_check(org):
    audited_writes()
    manifest = backups.take(backups.backup_dir() / "whole.bak")
    with backups.scratch_database() as (alias, _):
        _, found = backups.restore(backups.backup_dir() / "whole.bak", alias)
        assert found.passed
        newest = AuditEntry.objects.using(alias).order_by("-id").first()
        with connections[alias].cursor() as cursor:  # as someone with the database would
            cursor.execute(f"DELETE FROM {AuditEntry._meta.db_table} WHERE id = %s", [newest.pk])
            cursor.execute("DELETE FROM org_unit WHERE id = %s", [org.township.pk])
        again = backups.check(alias, manifest)
    assert not again.chain_holds and "被删除" in again.chain_break
    assert again.differences["org_unit"] == (6, 5)
    assert "org_unit：备份6条，恢复5条" in again.words()


def test_a_changed_backup_file_is_refused_and_the_drill_says_why(org):
    backup = services.request_backup(org.city_admin)
    run_jobs()
    backup.refresh_from_db()
    path = services.file_of(backup)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    drill = services.request_drill(backup)
    run_jobs()
    drill.refresh_from_db()
    assert drill.state == RestoreDrill.State.FAILED
    assert "校验值不符" in drill.detail


def test_restore_refuses_a_database_that_holds_records_unless_told(org):
    backups.take(backups.backup_dir() / "now.bak")
    with pytest.raises(backups.BackupError, match="已有记录"):
        backups.restore(backups.backup_dir() / "now.bak", "default")
    with pytest.raises(CommandError, match="已有记录"):
        call_command("restore", str(backups.backup_dir() / "now.bak"))


def test_the_commands_back_up_and_drill(org, capsys):
    call_command("backup", str(backups.backup_dir() / "cli.bak"))
    assert "已备份到" in capsys.readouterr().out
    with pytest.raises(CommandError, match="已存在"):
        call_command("backup", str(backups.backup_dir() / "cli.bak"))
    call_command("restore", str(backups.backup_dir() / "cli.bak"), "--drill")
    out = capsys.readouterr().out
    assert "临时" in out and "审计链校验通过" in out
    assert Backup.objects.get(name="cli.bak").by_name == "命令行"


def test_a_backup_killed_midway_leaves_no_backup_and_its_row_fails(org, monkeypatch):
    def killed(path):
        raise OSError("磁盘已满")

    monkeypatch.setattr(backups, "_fsync", killed)
    backup = services.request_backup(org.city_admin)
    run_jobs()
    backup.refresh_from_db()
    assert backup.state == Backup.State.FAILED and "磁盘已满" in backup.error
    assert not [p for p in backups.backup_dir().iterdir() if not p.name.endswith(".partial")]

    # a runner killed while "running": the next runner fails the row after STALE_AFTER, once
    stuck = Backup.objects.create(
        kind=Backup.Kind.MANUAL,
        state=Backup.State.RUNNING,
        requested_at=dt.datetime(2026, 3, 5, tzinfo=SHANGHAI),
        started_at=dt.datetime(2026, 3, 5, tzinfo=SHANGHAI),
    )
    assert services.fail_stale() == 1 and services.fail_stale() == 0
    stuck.refresh_from_db()
    assert stuck.state == Backup.State.FAILED and "中断" in stuck.error


def test_the_nightly_backup_fires_once_when_the_runner_comes_back_and_old_files_go(org):
    policy = BackupPolicy.current()
    policy.keep = 2
    policy.save()
    with travel_to(2026, 3, 5, 9, 0):  # the runner was down at 02:30
        run_jobs(nightly=True)
        run_jobs(nightly=True)
        first = Backup.objects.get(kind=Backup.Kind.NIGHTLY)
        assert first.state == Backup.State.DONE
        assert first.scheduled_for == dt.datetime(2026, 3, 5, 2, 30, tzinfo=SHANGHAI)
    with travel_to(2026, 3, 6, 2, 29):
        run_jobs(nightly=True)
        assert Backup.objects.filter(kind=Backup.Kind.NIGHTLY).count() == 1
    manual = services.request_backup(org.city_admin)
    for day in (6, 7):
        with travel_to(2026, 3, day, 2, 31):
            run_jobs(nightly=True)
    with travel_to(2026, 3, 10, 10, 0):  # down for three nights: one backup on its return, not three
        run_jobs(nightly=True)
        run_jobs(nightly=True)
    nightly = list(Backup.objects.filter(kind=Backup.Kind.NIGHTLY).order_by("scheduled_for"))
    assert [timezone.localtime(b.scheduled_for).day for b in nightly] == [5, 6, 7, 10]
    kept = [b for b in nightly if b.removed_at is None]
    assert [timezone.localtime(b.scheduled_for).day for b in kept] == [7, 10]
    for b in nightly:
        assert services.file_of(b).exists() == (b in kept)
    manual.refresh_from_db()
    assert manual.removed_at is None and services.file_of(manual).exists()


def test_the_backup_page_is_the_system_administrators(org, client):
    admin = make_system_user("system_admin")
    sign_in(client, admin)
    page = client.get(reverse("backup_list"))
    assert page.status_code == 200 and "立即备份" in page.text
    client.post(reverse("backup_request"))
    assert Backup.objects.get().state == Backup.State.QUEUED
    assert "备份进行中" in client.get(reverse("backup_list")).text

    bad = client.post(reverse("backup_list"), {"active": "on", "at": "25:00", "keep": "0"})
    assert bad.status_code == 400
    assert 'value="25:00"' in bad.text and "输入一个有效的时间" in bad.text and "不能小于1" in bad.text
    assert BackupPolicy.current().keep == 14

    # a unit's duty administrator, a security administrator: the page is not theirs
    assert org.client(org.city_admin).get(reverse("backup_list")).status_code == 404
    security = make_system_user("security_admin")
    other = client_for(security)
    assert other.get(reverse("backup_list")).status_code == 404
    assert other.post(reverse("backup_request")).status_code == 404
    assert Backup.objects.count() == 1
    done = Backup.objects.create(
        kind=Backup.Kind.MANUAL, state=Backup.State.DONE, requested_at=timezone.now()
    )
    assert other.post(reverse("drill_request", args=[done.pk])).status_code == 404
    assert org.client(org.city_admin).post(reverse("drill_request", args=[done.pk])).status_code == 404
    assert not RestoreDrill.objects.exists()
    client.post(reverse("drill_request", args=[done.pk]))
    assert RestoreDrill.objects.get().backup == done


def client_for(user):
    from django.test import Client

    return sign_in(Client(), user)


def test_a_backup_is_never_taken_inside_an_open_transaction(org):
    """SQLite's online backup would wait forever on its own caller's write lock: refused at once instead."""
    with pytest.raises(backups.BackupError, match="事务"), transaction.atomic():
        backups.take(backups.backup_dir() / "inside.bak")
    assert not (backups.backup_dir() / "inside.bak").exists()
