"""Settings helpers that fail loudly: a typo in the environment stops the start, it is never guessed."""

from __future__ import annotations

import base64
import binascii
import ipaddress
import os
import secrets
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r}: expected one of 1/0, true/false, yes/no, on/off")


def env_int(name: str, default: int, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r}: expected a whole number") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name}={raw!r}: must be at least {minimum}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    items = [item.strip() for item in raw.split(",") if item.strip()]
    if not items:
        raise ImproperlyConfigured(f"{name} is set but empty")
    return items


def env_networks(name: str, default: list[str]) -> list[str]:
    """A list of IP addresses or networks (10.0.0.0/8); a typo stops the start rather than leaving an
    address out of it."""
    items = env_list(name, default)
    for item in items:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise ImproperlyConfigured(f"{name}: {item!r} is not an IP address or network") from None
    return items


def secret_key(var_dir: Path, production: bool = False) -> str:
    """SECRET_KEY from the environment; for a local start, a random key kept under var/."""
    raw = os.environ.get("SECRET_KEY")
    if raw is not None:
        if len(raw) < 32:
            raise ImproperlyConfigured("SECRET_KEY must be at least 32 characters")
        return raw
    if production:
        raise ImproperlyConfigured("SECRET_KEY must be set in production (ZHIBAN_PRODUCTION=1)")
    return _local_secret(var_dir / "secret_key", lambda: secrets.token_urlsafe(50))


def key_bytes(name: str, var_dir: Path, production: bool) -> bytes:
    """A 32-byte key, base64 in the environment variable `name` (make one with
    `python -c "import base64,secrets; print(base64.b64encode(secrets.token_bytes(32)).decode())"`).
    In production it must come from the environment, kept outside the database and its backups; for a
    local start (`make run`, tests) a random key is made once under var/."""
    raw = os.environ.get(name)
    if raw is None:
        if production:
            raise ImproperlyConfigured(
                f"{name} must be set in production (ZHIBAN_PRODUCTION=1): 32 bytes, base64"
            )
        raw = _local_secret(
            var_dir / name.lower(), lambda: base64.b64encode(secrets.token_bytes(32)).decode()
        )
    return _decode_key(name, raw)


def key_list(name: str) -> list[bytes]:
    """Older keys, comma-separated, still accepted for reading what they sealed (key rotation)."""
    raw = os.environ.get(name, "")
    return [_decode_key(name, part.strip()) for part in raw.split(",") if part.strip()]


def _decode_key(name: str, raw: str) -> bytes:
    try:
        key = base64.b64decode(raw.strip(), validate=True)
    except (ValueError, binascii.Error):
        raise ImproperlyConfigured(f"{name}: not base64") from None
    if len(key) != 32:
        raise ImproperlyConfigured(f"{name}: must be 32 bytes (base64 of 32 random bytes), got {len(key)}")
    return key


def _local_secret(path: Path, make) -> str:
    """A secret kept in a file of its own (mode 600), made on first use. Written aside and linked into
    place, so two processes starting together read the same complete value."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f"{path.name}.{os.getpid()}.part")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(make())
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # the other process won; its value stands
        finally:
            os.unlink(temporary)
    return path.read_text().strip()


def database(url: str | None, sqlite_path: Path) -> dict:
    """A Django DATABASES entry from DATABASE_URL (postgres://…, sqlite:///…), or the embedded SQLite."""
    if not url:
        return _sqlite(sqlite_path)
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        path = unquote(parts.path)
        if not path or path == "/":
            raise ImproperlyConfigured(
                f"DATABASE_URL={url!r}: a SQLite URL needs a path, sqlite:///var/db.sqlite3"
            )
        # sqlite:///var/db.sqlite3 is relative to the working directory, sqlite:////srv/db.sqlite3 absolute.
        return _sqlite(Path(path[1:]))
    if parts.scheme in ("postgres", "postgresql", "pgsql"):
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise ImproperlyConfigured(f"DATABASE_URL={url!r}: no database name")
        try:
            port = parts.port
        except ValueError:
            raise ImproperlyConfigured(f"DATABASE_URL={url!r}: bad port") from None
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(port or ""),
            # Persistent connections: half the throughput without them (DESIGN.md).
            "CONN_MAX_AGE": 600,
            "CONN_HEALTH_CHECKS": True,
        }
    raise ImproperlyConfigured(f"DATABASE_URL={url!r}: scheme must be postgres:// or sqlite:///")


def _sqlite(path: Path) -> dict:
    return {
        "ENGINE": "zhiban.lib.sqlite",  # django.db.backends.sqlite3 with queued writers
        "NAME": str(path),
        "CONN_MAX_AGE": 600,
        "OPTIONS": {
            # IMMEDIATE: a read-then-write transaction takes the write lock at BEGIN, so two of them
            # wait for each other (busy timeout) instead of failing with "database is locked".
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            # The runner checkpoints the WAL every few seconds (lib.jobs), so no request waits for one;
            # 20,000 pages (80 MB) is the bound when no runner is running.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
            "PRAGMA wal_autocheckpoint=20000;",
        },
    }
