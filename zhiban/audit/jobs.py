"""The audit trail's upkeep in the job runner: a signed checkpoint of the chain's head outside the
database every AUDIT_CHECKPOINT_SECONDS (audit.anchor). The purge past the retention is org's job, which
knows the security policy (org.jobs)."""

from __future__ import annotations

from time import monotonic

from django.conf import settings

from zhiban.audit import anchor

_last = [float("-inf")]


def try_checkpoint_audit_one() -> bool:
    """Never 'busy': one checkpoint per interval, whatever happened in between."""
    if monotonic() - _last[0] >= settings.AUDIT_CHECKPOINT_SECONDS:
        _last[0] = monotonic()
        anchor.write_checkpoint()
    return False


JOBS = [try_checkpoint_audit_one]
