"""B16: who is cleared for duty on a given day."""

from __future__ import annotations

import datetime as dt

from zhiban.lib.dates import add_months
from zhiban.org.models import Person, TrainingRecord
from zhiban.org.policy import effective_policy


def clearance_problem(person: Person, day: dt.date, valid_months: int | None = None) -> str | None:
    """None when the person is cleared for duty on `day`, else the reason in Chinese."""
    if not person.may_keep_duty:
        return f"{person.name}未被列为可值班人员（须为在职、正式在编且经单位认可）"
    if valid_months is None:
        valid_months = effective_policy(person.unit).training_valid_months
    # Read through person.trainings so a list page (or the roster) can prefetch them: no query per person.
    passed = [t for t in person.trainings.all() if t.result == TrainingRecord.Result.PASSED and t.date <= day]
    if not any(t.kind == TrainingRecord.Kind.PRE_JOB for t in passed):
        return f"{person.name}尚未通过岗前培训"
    since = add_months(day, -valid_months)
    if not any(t.date > since for t in passed):
        return f"{person.name}最近{valid_months}个月内没有合格的值班业务培训"
    return None


def is_cleared_for_duty(person: Person, day: dt.date) -> bool:
    """The roster's question (B16): a passed pre-job training, and a passed training within the
    unit policy's validity (default 12 months) before `day`."""
    return clearance_problem(person, day) is None
