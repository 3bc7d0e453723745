"""Statistics and the information score sheet (B26, B27, B28) for an office's subtree over any period.

Each figure is one query grouped by unit; the rows are the office itself and each unit directly below
it, each summed over its own subtree, so a city ranks its counties and departments. Late and missed
reports are counted from the accountability ledger, so an appeal upheld takes them off the score (the
decision kept on the entry). The score's weights are each unit's policy (B29)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, F, Q
from django.db.models.functions import ExtractMonth
from django.utils import timezone

from zhiban.incidents.models import ChaseUp, Deadline, EventInstruction, Report, VerificationRequest
from zhiban.intake.models import InstructionTarget
from zhiban.org.models import Unit
from zhiban.org.policy import effective_policies
from zhiban.supervision.models import LedgerEntry, Rectification, ReportMark, RollCallTarget, SpotCheck

COLUMNS = [
    ("reports", "报送条数"),
    ("adopted", "采用条数"),
    ("instructed", "领导批示"),
    ("on_time", "按时报送"),
    ("late", "迟报"),
    ("missed", "漏报"),
    ("chased", "被催报"),
    ("irregular", "报送不规范"),
    ("verifications", "核报"),
    ("verifications_on_time", "按时反馈"),
    ("roll_calls", "点名"),
    ("roll_calls_passed", "按时应答"),
    ("checks", "电话抽查"),
    ("checks_passed", "在岗"),
    ("instructions", "收到批示"),
    ("fed_back", "按时反馈批示"),
    ("rectifications", "整改"),
    ("rectified", "已验收"),
    ("absences", "脱岗漏岗"),
]


@dataclass
class Row:
    unit: Unit
    own: bool  # the office's own row (its subtree is the whole table)
    values: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    score: int = 0

    @property
    def cells(self) -> list[int]:
        return [self.values[name] for name, _ in COLUMNS]


def period_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tz),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tz),
    )


def statistics(office: Unit, start: dt.date, end: dt.date) -> list[Row]:
    """The office's own row, then a row per unit directly below it (its subtree summed)."""
    since, until = period_bounds(start, end)
    children = list(Unit.objects.filter(parent=office).order_by("order", "id"))
    rows = {office.pk: Row(office, True), **{c.pk: Row(c, False) for c in children}}
    paths = {u.pk: u.path for u in Unit.objects.filter(path__startswith=office.path).only("id", "path")}
    child_paths = [(c.path, c.pk) for c in children]

    def row_of(unit_id: int) -> Row:
        path = paths.get(unit_id, "")
        return next((rows[pk] for p, pk in child_paths if path.startswith(p)), rows[office.pk])

    def add(name: str, grouped) -> None:
        for unit_id, count in grouped:
            row_of(unit_id).values[name] += count

    within = Q(path__startswith=office.path)
    sent = Report.objects.filter(
        state=Report.State.SENT,
        forwarded_from=None,
        at__gte=since,
        at__lt=until,
        event__unit__in=Unit.objects.filter(within),
    )
    add("reports", _count(sent, "event__unit_id"))
    marks = ReportMark.objects.filter(report__in=sent)
    add("adopted", _count(marks.filter(kind=ReportMark.Kind.ADOPTED), "report__event__unit_id"))
    add("irregular", _count(marks.filter(kind=ReportMark.Kind.IRREGULAR), "report__event__unit_id"))
    add(
        "instructed",
        _count(
            EventInstruction.objects.filter(
                event__unit__path__startswith=office.path,
                instruction__given_at__gte=since,
                instruction__given_at__lt=until,
            ),
            "event__unit_id",
        ),
    )
    due = Deadline.objects.filter(
        due_at__gte=since, due_at__lt=until, event__unit__path__startswith=office.path
    )
    add("on_time", _count(due.filter(met_at__isnull=False, late_minutes=0), "event__unit_id"))
    ledger = LedgerEntry.objects.filter(
        at__gte=since, at__lt=until, unit__path__startswith=office.path
    ).exclude(state=LedgerEntry.State.REMOVED)
    add("late", _count(ledger.filter(kind=LedgerEntry.Kind.LATE_REPORT), "unit_id"))
    add("missed", _count(ledger.filter(kind=LedgerEntry.Kind.MISSED_REPORT), "unit_id"))
    add("absences", _count(ledger.filter(kind=LedgerEntry.Kind.ABSENCE), "unit_id"))
    # a superior had to press for a report or a verification reply (催报): shown, not scored
    chased = ChaseUp.objects.filter(at__gte=since, at__lt=until, to_unit__path__startswith=office.path)
    add("chased", _count(chased, "to_unit_id"))
    asked = VerificationRequest.objects.filter(
        asked_at__gte=since, asked_at__lt=until, to_unit__path__startswith=office.path
    )
    add("verifications", _count(asked, "to_unit_id"))
    add(
        "verifications_on_time",
        _count(
            asked.filter(
                phone_replied_at__isnull=False,
                phone_replied_at__lte=F("phone_due_at"),
                written_replied_at__isnull=False,
                written_replied_at__lte=F("written_due_at"),
            ),
            "to_unit_id",
        ),
    )
    called = RollCallTarget.objects.filter(
        roll_call__started_at__gte=since, roll_call__started_at__lt=until, unit__path__startswith=office.path
    )
    add("roll_calls", _count(called, "unit_id"))
    add(
        "roll_calls_passed",
        _count(called.filter(answered_at__isnull=False, answered_at__lte=F("roll_call__due_at")), "unit_id"),
    )
    checks = SpotCheck.objects.filter(at__gte=since, at__lt=until, to_unit__path__startswith=office.path)
    add("checks", _count(checks, "to_unit_id"))
    add("checks_passed", _count(checks.filter(absent=False), "to_unit_id"))
    targets = InstructionTarget.objects.filter(
        instruction__given_at__gte=since,
        instruction__given_at__lt=until,
        instruction__unit__path__startswith=office.path,
    )
    add("instructions", _count(targets, "instruction__unit_id"))
    add(
        "fed_back",
        _count(
            targets.filter(feedback_at__isnull=False, feedback_at__lte=F("instruction__feedback_due_at")),
            "instruction__unit_id",
        ),
    )
    fixes = Rectification.objects.filter(
        due_date__gte=start, due_date__lte=end, unit__path__startswith=office.path
    )
    add("rectifications", _count(fixes, "unit_id"))
    add("rectified", _count(fixes.filter(state=Rectification.State.ACCEPTED), "unit_id"))
    _score([*rows.values()])
    return [rows[office.pk], *(rows[c.pk] for c in children)]


def _count(queryset, by: str):
    return queryset.order_by().values_list(by).annotate(n=Count("pk")).values_list(by, "n")


def _score(rows: list[Row]) -> None:
    """得分 by each unit's own weights (B29): the reports, adoptions and instructions, less the lapses."""
    policies = effective_policies([r.unit for r in rows])
    for row in rows:
        p = policies[row.unit.pk]
        v = row.values
        row.score = (
            v["reports"] * p.score_per_report
            + v["adopted"] * p.score_per_adopted
            + v["instructed"] * p.score_per_instructed
            - v["late"] * p.deduct_per_late
            - v["missed"] * p.deduct_per_missed
            - v["irregular"] * p.deduct_per_irregular
        )


def monthly(office: Unit, year: int) -> dict[str, list[int]]:
    """Month by month over the office's subtree: reports sent, late and missed reports, absences; each
    counted by the database, month by month in local time."""
    since, until = period_bounds(dt.date(year, 1, 1), dt.date(year, 12, 31))
    series = {"reports": [0] * 12, "late": [0] * 12, "missed": [0] * 12, "absences": [0] * 12}
    sent = Report.objects.filter(
        state=Report.State.SENT,
        forwarded_from=None,
        at__gte=since,
        at__lt=until,
        event__unit__path__startswith=office.path,
    )
    for month, n in _by_month(sent, "at"):
        series["reports"][month - 1] = n
    ledger = LedgerEntry.objects.filter(
        at__gte=since, at__lt=until, unit__path__startswith=office.path
    ).exclude(state=LedgerEntry.State.REMOVED)
    for kind, name in (
        (LedgerEntry.Kind.LATE_REPORT, "late"),
        (LedgerEntry.Kind.MISSED_REPORT, "missed"),
        (LedgerEntry.Kind.ABSENCE, "absences"),
    ):
        for month, n in _by_month(ledger.filter(kind=kind), "at"):
            series[name][month - 1] = n
    return series


def _by_month(queryset, field: str):
    return (
        queryset.order_by()
        .annotate(month=ExtractMonth(field, tzinfo=timezone.get_current_timezone()))
        .values_list("month")
        .annotate(n=Count("pk"))
        .values_list("month", "n")
    )
