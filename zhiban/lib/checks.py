"""Start-up checks (Django's system check framework): what the platform needs of its database."""

from __future__ import annotations

import sqlite3

from django.core.checks import Error, register
from django.db import connections

# The audit chain (audit.trail) and the activity values (org.caching) write with INSERT … RETURNING and
# ON CONFLICT … DO UPDATE, which SQLite has from 3.35 (2021).
SQLITE_NEEDED = (3, 35, 0)


@register("database")
def sqlite_is_recent_enough(app_configs=None, databases=None, **kwargs):
    uses_sqlite = any(connections[alias].vendor == "sqlite" for alias in databases or ())
    if not uses_sqlite or sqlite3.sqlite_version_info >= SQLITE_NEEDED:
        return []
    return [
        Error(
            f"SQLite {sqlite3.sqlite_version} 太旧：需要 {'.'.join(map(str, SQLITE_NEEDED))} 或更新"
            "（Python 链接的 SQLite 库；或改用 PostgreSQL，设置 DATABASE_URL）",
            id="zhiban.E001",
        )
    ]
