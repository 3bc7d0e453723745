"""Backups and restores of the whole database, and the drill that proves a backup restores.

- SQLite: the online backup API (sqlite3.Connection.backup) copies a consistent snapshot while the site
  runs; PostgreSQL: `pg_dump --format=custom` of a snapshot the counts were taken in, so the manifest
  says exactly what the file holds. pg_dump and pg_restore are found in PG_BIN if set, else on PATH
  (Debian's postgresql-client puts a wrapper there that picks the newest installed version).
- Each backup is written beside its final name and renamed when complete, with a manifest
  (`<file>.json`): the database kind, the row count of every table, where the audit chain stood, the
  file's SHA-256. A killed backup leaves a `.partial` file and no backup.
- A restore refuses a database that holds records unless told to overwrite, then checks what it
  restored: every table's count against the manifest, and the audit chain (keyed hashes, head, and
  the signed checkpoints written up to the backup's moment)."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess  # nosec B404: pg_dump/pg_restore with argument lists, never a shell
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection, connections
from django.utils import timezone

from zhiban.audit.models import AuditHead
from zhiban.audit.trail import verify_chain

MANIFEST_SUFFIX = ".json"


class BackupError(Exception):
    """What stops a backup or a restore, in words for the person who ran it."""


@dataclass
class Manifest:
    at: str
    vendor: str
    counts: dict[str, int]
    audit_count: int
    audit_last_hash: str
    sha256: str = ""
    size: int = 0
    name: str = ""

    @property
    def records(self) -> int:
        return sum(self.counts.values())

    def taken_at(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.at)


@dataclass
class Check:
    """What a restore found: each table whose count differs from the manifest, and the audit chain."""

    counts: dict[str, int]
    differences: dict[str, tuple[int, int]] = field(default_factory=dict)
    audit_count: int = 0
    chain_break: str = ""

    @property
    def counts_match(self) -> bool:
        return not self.differences

    @property
    def chain_holds(self) -> bool:
        return not self.chain_break

    @property
    def passed(self) -> bool:
        return self.counts_match and self.chain_holds

    def words(self) -> str:
        parts = [f"恢复记录{sum(self.counts.values())}条"]
        if self.differences:
            shown = "；".join(
                f"{t}：备份{a}条，恢复{b}条" for t, (a, b) in list(self.differences.items())[:5]
            )
            parts.append(f"{len(self.differences)}个表的记录数与备份清单不符（{shown}）")
        else:
            parts.append("各表记录数与备份清单一致")
        parts.append(
            f"审计链校验未通过：{self.chain_break}"
            if self.chain_break
            else f"审计链校验通过（{self.audit_count}条）"
        )
        return "，".join(parts)


# --- where -----------------------------------------------------------------------------------------


def backup_dir() -> Path:
    folder = Path(settings.BACKUP_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def default_name(at: dt.datetime | None = None, number: int | None = None) -> str:
    """zhiban-20260305-023000[-7].sqlite3 (or .pgdump): the moment, and the backup's number when it has one."""
    local = timezone.localtime(at or timezone.now())
    suffix = "sqlite3" if connection.vendor == "sqlite" else "pgdump"
    tail = f"-{number}" if number else ""
    return f"zhiban-{local:%Y%m%d-%H%M%S}{tail}.{suffix}"


def manifest_path(path: Path) -> Path:
    return path.with_name(path.name + MANIFEST_SUFFIX)


def read_manifest(path: Path) -> Manifest:
    """The manifest beside a backup file, with the file checked against its hash."""
    path = Path(path)
    if not path.exists():
        raise BackupError(f"找不到备份文件：{path}")
    try:
        manifest = Manifest(**json.loads(manifest_path(path).read_text()))
    except FileNotFoundError:
        raise BackupError(f"备份文件缺少清单（{manifest_path(path).name}），无法核对") from None
    except (ValueError, TypeError):
        raise BackupError(f"备份清单无法读取：{manifest_path(path).name}") from None
    if _sha256(path) != manifest.sha256:
        raise BackupError("备份文件与清单的校验值不符：文件已损坏或被改动")
    return manifest


# --- backup ----------------------------------------------------------------------------------------


def take(dest: Path, overwrite: bool = False) -> Manifest:
    """Backs up the default database into `dest` (and its manifest beside it)."""
    dest = Path(dest)
    if connection.in_atomic_block:
        # SQLite's online backup would wait forever on the caller's own open write transaction, and a
        # snapshot taken inside one would not be what others see: a backup runs on its own
        raise BackupError("备份不能在未提交的事务中进行")
    if dest.exists() and not overwrite:
        raise BackupError(f"{dest} 已存在；确要覆盖请加 --overwrite")
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".partial")
    partial.unlink(missing_ok=True)
    at = timezone.now()
    if connection.vendor == "sqlite":
        counts, audit = _sqlite_backup(partial)
    elif connection.vendor == "postgresql":
        counts, audit = _postgres_backup(partial)
    else:
        raise BackupError(f"不支持的数据库：{connection.vendor}")
    _fsync(partial)
    manifest = Manifest(
        at=at.isoformat(),
        vendor=connection.vendor,
        counts=counts,
        audit_count=audit[0],
        audit_last_hash=audit[1],
        sha256=_sha256(partial),
        size=partial.stat().st_size,
        name=dest.name,
    )
    _write_atomically(manifest_path(dest), json.dumps(asdict(manifest), ensure_ascii=False, indent=1))
    os.replace(partial, dest)  # the file appears whole or not at all
    return manifest


def _sqlite_backup(path: Path) -> tuple[dict[str, int], tuple[int, str]]:
    connection.ensure_connection()
    target = sqlite3.connect(path)
    try:
        connection.connection.backup(target)
    finally:
        target.close()
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as copy:
        return _counts(copy.cursor(), _tables(), _quote_sqlite), _audit_state(copy.cursor())


def _postgres_backup(path: Path) -> tuple[dict[str, int], tuple[int, str]]:
    """Counts taken in a repeatable-read transaction whose snapshot pg_dump then dumps: the manifest
    and the file describe the same moment however busy the site is."""
    import psycopg

    params = connection.settings_dict
    with psycopg.connect(_conninfo(params), autocommit=False) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        with conn.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            counts = _counts(cursor, _tables(), _quote_postgres)
            audit = _audit_state(cursor)
            _run_pg(
                "pg_dump",
                [
                    "--format=custom",
                    "--no-owner",
                    f"--snapshot={snapshot}",
                    "--file",
                    str(path),
                    params["NAME"],
                ],
                params,
            )
        conn.rollback()
    return counts, audit


# --- restore ---------------------------------------------------------------------------------------


def restore(source: Path, alias: str = "default", overwrite: bool = False) -> tuple[Manifest, Check]:
    """Restores `source` into the database `alias` and checks it. A database holding records is
    refused unless `overwrite`."""
    manifest = read_manifest(source)
    target = connections[alias]
    if manifest.vendor != target.vendor:
        raise BackupError(
            f"这是{_vendor_words(manifest.vendor)}的备份，不能恢复到{_vendor_words(target.vendor)}"
        )
    if not overwrite and holds_records(alias):
        raise BackupError("目标数据库中已有记录；确要用备份覆盖请加 --overwrite")
    target.close()
    if target.vendor == "sqlite":
        _sqlite_restore(Path(source), target.settings_dict["NAME"])
    else:
        _run_pg(
            "pg_restore",
            [
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                "--dbname",
                target.settings_dict["NAME"],
                str(source),
            ],
            target.settings_dict,
        )
    return manifest, check(alias, manifest)


def _sqlite_restore(source: Path, name: str) -> None:
    with (
        contextlib.closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as src,
        contextlib.closing(sqlite3.connect(name)) as dst,
    ):
        src.backup(dst)


def check(alias: str, manifest: Manifest) -> Check:
    """The restored database against the manifest: every table's count, then the audit chain, with the
    signed checkpoints outside the database that are no newer than the backup."""
    db = connections[alias]
    with db.cursor() as cursor:
        quote = _quote_sqlite if db.vendor == "sqlite" else _quote_postgres
        existing = set(db.introspection.table_names(cursor))
        counts = _counts(cursor, [t for t in manifest.counts if t in existing], quote)
    differences = {
        table: (expected, counts.get(table, 0))
        for table, expected in manifest.counts.items()
        if counts.get(table, 0) != expected
    }
    result = Check(counts=counts, differences=differences)
    result.audit_count, broken = verify_chain(using=alias, anchor_until=manifest.taken_at())
    if broken is not None:
        result.chain_break = broken.message
    elif result.audit_count != manifest.audit_count:
        result.chain_break = f"审计记录{result.audit_count}条，备份清单为{manifest.audit_count}条"
    return result


def holds_records(alias: str = "default") -> bool:
    """Whether any of the system's tables in `alias` has a row (an empty, migrated database has none
    of the records; Django's own bookkeeping tables don't count)."""
    db = connections[alias]
    with db.cursor() as cursor:
        existing = set(db.introspection.table_names(cursor))
        quote = _quote_sqlite if db.vendor == "sqlite" else _quote_postgres
        for table in _tables(zhiban_only=True):
            if table in existing:
                cursor.execute(f"SELECT 1 FROM {quote(table)} LIMIT 1")  # nosec B608: a table name of our own
                if cursor.fetchone():
                    return True
    return False


# --- a scratch database for a drill ----------------------------------------------------------------


@contextlib.contextmanager
def scratch_database() -> Iterator[tuple[str, str]]:
    """A new empty database of the same kind as the default, under a connection alias of its own;
    dropped afterwards. Yields (alias, its description)."""
    alias = f"drill_{uuid.uuid4().hex[:8]}"
    base = dict(connections["default"].settings_dict)
    folder = None
    if connection.vendor == "sqlite":
        folder = tempfile.mkdtemp(prefix="zhiban-drill-")
        name = str(Path(folder) / "drill.sqlite3")
        described = "临时SQLite数据库"
    else:
        name = f"{base['NAME']}_{alias}"
        _create_postgres_database(name)
        described = f"临时PostgreSQL数据库 {name}"
    connections.settings[alias] = {**base, "NAME": name, "CONN_MAX_AGE": 0, "TEST": {}}
    try:
        yield alias, described
    finally:
        connections[alias].close()
        del connections[alias]
        del connections.settings[alias]
        if folder:
            shutil.rmtree(folder, ignore_errors=True)
        else:
            _drop_postgres_database(name)


def _create_postgres_database(name: str) -> None:
    with connection._nodb_cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {_quote_postgres(name)}")


def _drop_postgres_database(name: str) -> None:
    with connection._nodb_cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {_quote_postgres(name)} WITH (FORCE)")


# --- helpers ---------------------------------------------------------------------------------------


def _tables(zhiban_only: bool = False) -> list[str]:
    """Every table of the installed models (their many-to-many tables too), or only the system's own."""
    from django.apps import apps

    tables = set()
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if not meta.managed or meta.proxy:
            continue
        if zhiban_only and not (meta.app_config.name.startswith("zhiban.") or meta.label_lower == "org.user"):
            continue
        tables.add(meta.db_table)
    return sorted(tables)


def _counts(cursor, tables: list[str], quote) -> dict[str, int]:
    counts = {}
    for table in tables:
        cursor.execute(f"SELECT count(*) FROM {quote(table)}")  # nosec B608: a table name of our own
        counts[table] = cursor.fetchone()[0]
    return counts


def _audit_state(cursor) -> tuple[int, str]:
    table = AuditHead._meta.db_table
    cursor.execute(f"SELECT count, last_hash FROM {table} WHERE id = 1")  # nosec B608: our table
    row = cursor.fetchone()
    return (int(row[0]), row[1]) if row else (0, "")


def _quote_sqlite(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


_quote_postgres = _quote_sqlite


def _conninfo(params: dict) -> str:
    from psycopg.conninfo import make_conninfo

    parts = {
        "dbname": params["NAME"],
        "user": params.get("USER") or None,
        "password": params.get("PASSWORD") or None,
        "host": params.get("HOST") or None,
        "port": params.get("PORT") or None,
    }
    return make_conninfo(**{k: v for k, v in parts.items() if v})


def pg_tool(name: str) -> str:
    folder = os.environ.get("PG_BIN")
    found = str(Path(folder) / name) if folder else shutil.which(name)
    if not found or not Path(found).exists():
        raise BackupError(
            f"找不到 {name}：请安装 postgresql-client（与服务器同一大版本或更新），或以 PG_BIN 指明其目录"
        )
    return found


def _run_pg(tool: str, args: list[str], params: dict) -> None:
    env = {**os.environ, "PGPASSWORD": params.get("PASSWORD") or ""}
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if params.get(key):
            env[var] = str(params[key])
    done = subprocess.run(  # nosec B603: a fixed tool with an argument list
        [pg_tool(tool), *args], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BackupError(f"{tool} 失败：{done.stderr.strip()[-500:]}")


def _vendor_words(vendor: str) -> str:
    return {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(vendor, vendor)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _write_atomically(path: Path, text: str) -> None:
    partial = path.with_name(path.name + ".partial")
    with open(partial, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)
