"""工作台: the desk of one person, what they must do now (issue 16). It lives in supervision, the top app
that sees every record a desk shows; the apps below keep their own queries (incidents.desk for the
emergencies, shifts for the shift, roster for who is on duty).

A person may hold several roles; each role adds its part, in this order:

- emergencies first, for a unit the person works in: events in progress with their countdowns, reports
  waiting to be signed or sent, chase-ups and verification requests from above (incidents.desk);
- on duty (值班人员): my shift with the time to hand over, my next duty, the matters I own, phone notices
  still to be read back, leader's instructions I must give feedback on;
- leader (带班领导): reports waiting for my signature, events in progress not yet instructed, my
  instructions whose feedback is overdue, approvals waiting for me;
- administrator (值班室管理员): approvals (swaps, exemptions, number filings), the days ahead without a
  published roster, units below late with their reports or not answering a roll call;
- inspector (督查人员): what the supervision pages show today.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from zhiban.incidents.desk import Emergencies, emergencies_of
from zhiban.incidents.models import Deadline, Event, EventStep, Report, VerificationRequest
from zhiban.intake.models import Instruction, InstructionTarget, Matter, PhoneNotice
from zhiban.org.access import Scope
from zhiban.org.models import DutyNumberFiling, Role, RoleAssignment, Unit
from zhiban.org.policy import effective_policy
from zhiban.roster.access import exemption_q, swap_q
from zhiban.roster.models import Assignment, Exemption, Roster, Swap
from zhiban.shifts import services as shift_services
from zhiban.shifts.models import Shift
from zhiban.supervision.models import LedgerEntry, Rectification, RollCall, RollCallTarget, SpotCheck

LISTED = 10
AHEAD = 14  # days ahead an administrator is told of without a published roster


@dataclass
class Duty:
    shift: Shift | None = None
    post: str | None = None
    next_duty: Assignment | None = None
    matters: list[Matter] = field(default_factory=list)
    matter_count: int = 0
    notices: list[PhoneNotice] = field(default_factory=list)
    feedback: list[InstructionTarget] = field(default_factory=list)


@dataclass
class Leader:
    to_sign: list[Report] = field(default_factory=list)
    uninstructed: list[Event] = field(default_factory=list)
    overdue_feedback: list[InstructionTarget] = field(default_factory=list)


@dataclass
class Admin:
    days_without_roster: list[dt.date] = field(default_factory=list)
    drafts: list[Roster] = field(default_factory=list)
    filings: list[DutyNumberFiling] = field(default_factory=list)
    late_units: list[Deadline] = field(default_factory=list)
    silent_units: list[RollCallTarget] = field(default_factory=list)


@dataclass
class Inspector:
    checks_today: int = 0
    absent_today: int = 0
    open_roll_calls: list[RollCall] = field(default_factory=list)
    overdue_fixes: list[Rectification] = field(default_factory=list)
    entries_month: int = 0


@dataclass
class Desk:
    unit: Unit | None
    now: dt.datetime
    roles: set[str]
    emergencies: Emergencies | None = None
    duty: Duty | None = None
    leader: Leader | None = None
    admin: Admin | None = None
    inspector: Inspector | None = None
    approvals: list = field(default_factory=list)  # swaps and exemptions whose next step is mine

    @property
    def persona(self) -> str:
        """The heading's word for the person: the first of their roles in the desk's order."""
        for role, word in (
            (Role.LEADER, "带班领导"),
            (Role.DUTY_ADMIN, "值班室管理员"),
            (Role.DUTY_STAFF, "值班人员"),
            (Role.INSPECTOR, "督查人员"),
            (Role.APPROVER, "审批人"),
        ):
            if role in self.roles:
                return word
        return ""

    @property
    def nothing(self) -> bool:
        return not (
            self.emergencies or self.duty or self.leader or self.admin or self.inspector or self.approvals
        )


def roles_of(scope: Scope, unit: Unit) -> set[str]:
    """The roles the person holds where they bear on `unit`: in it or in a unit above it."""
    if scope.person is None:
        return set()
    ids = [*unit.ancestor_ids(), unit.pk]
    return set(
        RoleAssignment.objects.filter(person=scope.person, unit_id__in=ids).values_list("role", flat=True)
    )


def desk_of(scope: Scope, unit: Unit | None, now: dt.datetime | None = None) -> Desk:
    now = now or timezone.now()
    if unit is None or scope.person is None:
        return Desk(unit, now, set())
    person = scope.person
    roles = roles_of(scope, unit)
    desk = Desk(unit, now, roles)
    if scope.acts_for_unit(unit):
        desk.emergencies = emergencies_of(unit, now, signer=person)
    if Role.DUTY_STAFF in roles or Role.DUTY_ADMIN in roles:
        desk.duty = _duty(unit, person, now)
    if Role.LEADER in roles:
        desk.leader = _leader(unit, person, now)
    if Role.DUTY_ADMIN in roles:
        desk.admin = _admin(unit, now)
    if Role.INSPECTOR in roles or (Role.DUTY_ADMIN in roles and unit.depth == 0):
        desk.inspector = _inspector(unit, now)
    desk.approvals = _approvals(scope, roles)
    return desk


def _duty(unit: Unit, person, now: dt.datetime) -> Duty:
    shift = shift_services.shift_at(unit, now)
    post = shift_services.post_of(shift, person) if shift else None
    next_duty = (
        Assignment.objects.filter(person=person, roster__state=Roster.State.PUBLISHED, end__gt=now)
        .exclude(start__lte=now)
        .select_related("roster__unit")
        .order_by("start")
        .first()
    )
    matters = Matter.objects.filter(owner=person, state=Matter.State.OPEN)
    notices = PhoneNotice.objects.filter(unit=unit).unfinished().with_progress().order_by("-at", "-id")
    feedback = InstructionTarget.objects.filter(person=person, feedback_at=None).exclude(
        instruction__state=Instruction.State.REPORTED
    )
    return Duty(
        shift=shift,
        post=post,
        next_duty=next_duty,
        matters=list(matters.order_by("due_at", "opened_at")[:LISTED]),
        matter_count=matters.count(),
        notices=list(notices[:LISTED]),
        feedback=list(
            feedback.select_related("instruction__leader").order_by("instruction__feedback_due_at")[:LISTED]
        ),
    )


def _leader(unit: Unit, person, now: dt.datetime) -> Leader:
    to_sign = Report.objects.filter(signer=person, state=Report.State.PENDING).select_related("event__unit")
    instructed = EventStep.objects.filter(kind=EventStep.Kind.INSTRUCTION).values("event_id")
    uninstructed = (
        Event.objects.filter(unit__path__startswith=unit.path, state=Event.State.OPEN)
        .exclude(pk__in=instructed)
        .select_related("unit")
        .order_by("-known_at")
    )
    overdue = InstructionTarget.objects.filter(
        instruction__leader=person, feedback_at=None, instruction__feedback_due_at__lt=now
    ).select_related("person", "instruction")
    return Leader(
        to_sign=list(to_sign.order_by("id")[:LISTED]),
        uninstructed=list(uninstructed[:LISTED]),
        overdue_feedback=list(overdue.order_by("instruction__feedback_due_at")[:LISTED]),
    )


def _admin(unit: Unit, now: dt.datetime) -> Admin:
    today = timezone.localtime(now).date()
    last = today + dt.timedelta(days=AHEAD - 1)
    covered: set[dt.date] = set()
    for start, end in Roster.objects.filter(
        unit=unit, state=Roster.State.PUBLISHED, start__lte=last, end__gte=today
    ).values_list("start", "end"):
        day = max(start, today)
        while day <= min(end, last):
            covered.add(day)
            day += dt.timedelta(days=1)
    missing = [
        today + dt.timedelta(days=i) for i in range(AHEAD) if today + dt.timedelta(days=i) not in covered
    ]
    below = Q(event__unit__path__startswith=unit.path) & ~Q(event__unit=unit)
    late = (
        Deadline.objects.filter(
            below, met_at=None, missed=False, due_at__lt=now, event__state=Event.State.OPEN
        )
        .select_related("event__unit")
        .order_by("due_at")
    )
    silent = (
        RollCallTarget.objects.filter(roll_call__from_unit=unit, roll_call__closed_at=None, answered_at=None)
        .select_related("unit", "roll_call")
        .order_by("unit__path")
    )
    return Admin(
        days_without_roster=missing,
        drafts=list(
            Roster.objects.filter(unit=unit, state=Roster.State.DRAFT, end__gte=today).order_by("start")[:5]
        ),
        filings=list(
            DutyNumberFiling.objects.filter(superior=unit, acknowledged_at=None).select_related("unit")[
                :LISTED
            ]
        ),
        late_units=list(late[:LISTED]),
        silent_units=list(silent[:LISTED]),
    )


def _inspector(unit: Unit, now: dt.datetime) -> Inspector:
    local = timezone.localtime(now)
    day_start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    checks = SpotCheck.objects.filter(from_unit=unit, at__gte=day_start)
    below = Q(unit__path__startswith=unit.path)
    return Inspector(
        checks_today=checks.count(),
        absent_today=checks.filter(absent=True).count(),
        open_roll_calls=list(
            RollCall.objects.filter(from_unit=unit, closed_at=None).order_by("-started_at")[:5]
        ),
        overdue_fixes=list(
            Rectification.objects.filter(below, due_date__lt=local.date())
            .exclude(state=Rectification.State.ACCEPTED)
            .select_related("unit", "problem")
            .order_by("due_date")[:LISTED]
        ),
        entries_month=LedgerEntry.objects.filter(below, at__gte=day_start - dt.timedelta(days=30)).count(),
    )


def _approvals(scope: Scope, roles: set[str]) -> list:
    """Swaps and exemptions whose current step the person may take, oldest first."""
    person = scope.person
    found = []
    swaps = Swap.objects.filter(partner=person, state=Swap.State.AWAITING_PARTNER)
    if {Role.APPROVER, Role.DUTY_ADMIN, Role.LEADER} & roles:
        swaps = Swap.objects.filter(swap_q(scope)).filter(state__in=list(Swap.STEPS))
        exemptions = Exemption.objects.filter(exemption_q(scope), state__in=list(Exemption.STEPS))
        found += [
            e for e in exemptions.select_related("person__unit").order_by("id")[:50] if e.may_act(person)
        ]
    found += [
        s
        for s in swaps.select_related("applicant", "partner", "shift").order_by("id")[:50]
        if s.may_act(person)
    ]
    found.sort(key=lambda a: a.pk)
    return found[:LISTED]


@dataclass
class Alarm:
    """One line of the alarm strip: a deadline within its warning time (a countdown) or past it."""

    unit: Unit
    text: str
    due: dt.datetime
    url: str
    key: str

    def past(self, now: dt.datetime) -> bool:
        return self.due <= now


def alarms_of(scope: Scope, now: dt.datetime) -> list[Alarm]:
    """The deadlines of the units whose duty office the person works in that are within their warning
    time or past (reports owed, verification answers owed), soonest first. Missed reports are the
    ledger's and the desk's, no longer an alarm."""
    ids = scope.act_unit_ids
    if not ids:
        return []
    found: list[Alarm] = []
    horizon = now + dt.timedelta(days=1)
    rows = (
        Deadline.objects.filter(
            event__unit_id__in=ids,
            event__state=Event.State.OPEN,
            met_at=None,
            missed=False,
            due_at__lte=horizon,
        )
        .select_related("event__unit")
        .order_by("due_at")[:50]
    )
    for d in rows:
        if d.due_at - dt.timedelta(minutes=d.event.warning_minutes) <= now:
            found.append(
                Alarm(
                    d.event.unit,
                    f"{d.event.title} {d.get_kind_display()}",
                    d.due_at,
                    reverse("event_detail", args=[d.event_id]),
                    f"d{d.pk}-{int(d.due_at.timestamp())}",
                )
            )
    asked = (
        VerificationRequest.objects.filter(to_unit_id__in=ids)
        .filter(
            Q(phone_replied_at=None, phone_due_at__lte=horizon)
            | Q(written_replied_at=None, written_due_at__lte=horizon)
        )
        .select_related("to_unit", "from_unit")
        .order_by("phone_due_at")[:20]
    )
    warnings: dict[int, dt.timedelta] = {}
    for v in asked:
        if v.to_unit_id not in warnings:
            warnings[v.to_unit_id] = dt.timedelta(
                minutes=effective_policy(v.to_unit).deadline_warning_minutes
            )
        for due, done, what in (
            (v.phone_due_at, v.phone_replied_at, "电话反馈"),
            (v.written_due_at, v.written_replied_at, "书面反馈"),
        ):
            if done is None and due - warnings[v.to_unit_id] <= now:
                found.append(
                    Alarm(
                        v.to_unit,
                        f"{v.from_unit.label}核报{what}",
                        due,
                        reverse("verification_detail", args=[v.pk]),
                        f"v{v.pk}-{what}",
                    )
                )
    found.sort(key=lambda a: a.due)
    return found[:8]
