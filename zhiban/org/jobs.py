"""The organisation's upkeep in the job runner: the audit trail's retention, by the security policy."""

from __future__ import annotations

import datetime as dt
from time import monotonic

from django.conf import settings
from django.utils import timezone

from zhiban.audit.retention import purge_before
from zhiban.org.security import security_policy

PURGE_CHECK_SECONDS = 600  # nothing to purge: look again this much later
_last = [float("-inf")]


def try_purge_audit_one() -> bool:
    """Entries older than the policy's retention are exported and purged, a batch a turn; busy while
    there are more."""
    if monotonic() - _last[0] < PURGE_CHECK_SECONDS:
        return False
    cutoff = timezone.now() - dt.timedelta(days=security_policy().audit_retention_days)
    if purge_before(cutoff, settings.AUDIT_ARCHIVE_DIR) is not None:
        return True
    _last[0] = monotonic()
    return False


JOBS = [try_purge_audit_one]
