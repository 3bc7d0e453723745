"""Start-up checks (Django's system check framework): what the platform needs of its database, and what a
production deployment must never be (DEBUG, a superuser)."""

from __future__ import annotations

import sqlite3

from django.conf import settings
from django.core.checks import Error, register
from django.db import DatabaseError, connections

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


@register("security", deploy=False)
def production_is_not_debug(app_configs=None, **kwargs):
    """A production deployment never runs with DEBUG: a traceback shows settings and data to anyone."""
    if settings.PRODUCTION and settings.DEBUG:
        return [Error("生产环境（ZHIBAN_PRODUCTION=1）不能开启 DEBUG", id="zhiban.E002")]
    return []


@register("security", "database")
def production_has_no_superuser(app_configs=None, databases=None, **kwargs):
    """三员分立: in production nobody holds every right at once, so no account may be a superuser; the
    system, security and audit administrators each hold their own role."""
    if not settings.PRODUCTION or not databases:
        return []
    from django.contrib.auth import get_user_model

    try:
        names = list(
            get_user_model().objects.filter(is_superuser=True).values_list("username", flat=True)[:5]
        )
    except DatabaseError:  # not migrated yet: `migrate` runs the checks before the table exists
        return []
    if not names:
        return []
    return [
        Error(
            f"生产环境不能有超级用户：{'、'.join(names)}（三员分立，请改为系统、安全或审计管理员之一）",
            hint="manage.py shell: User.objects.filter(is_superuser=True).update(is_superuser=False)",
            id="zhiban.E003",
        )
    ]


def refuse_to_start_unsafely() -> None:
    """Called as the web server loads the site (wsgi.py): in production, any error of the checks above
    (and Django's own) stops the start, as `manage.py` commands stop."""
    from django.core import checks
    from django.core.management.base import SystemCheckError

    if not settings.PRODUCTION:
        return
    found = checks.run_checks(include_deployment_checks=True, databases=["default"])
    errors = [m for m in found if m.level >= checks.ERROR and not m.is_silenced()]
    if errors:
        raise SystemCheckError("\n".join(f"{m.id}: {m.msg}" for m in errors))
