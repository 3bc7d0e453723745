"""A3.2: swaps and stand-ins. Nothing on the roster moves until the last approval; then both
placements are checked by the roster's rules, the roster gets a new version and everyone is told."""

from __future__ import annotations

import io

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from zhiban.audit.trail import record_update
from zhiban.lib.docx import new_document, set_cell
from zhiban.notify.outbox import notify_people
from zhiban.org.access import bump_unit_activity
from zhiban.org.models import Person, Role
from zhiban.org.policy import effective_policy
from zhiban.roster import planning
from zhiban.roster.jobs import DAY_BEFORE
from zhiban.roster.models import Assignment, Roster, RosterChange, Swap


def describe(a: Assignment) -> str:
    local = timezone.localtime(a.start)
    return f"{a.day.month}月{a.day.day}日{a.shift_name}{a.get_post_display()}（{local:%H:%M}起）"


def validate(applicant: Person, partner: Person, shift: Assignment, partner_shift: Assignment | None) -> None:
    """Raises ValidationError with the field's message; nothing is saved on bad input."""
    if partner.pk == applicant.pk:
        raise ValidationError({"partner": "不能与自己换班"})
    if shift.person_id != applicant.pk:
        raise ValidationError({"shift": "只能申请调换自己的班次"})
    if shift.roster.state != Roster.State.PUBLISHED:
        raise ValidationError({"shift": "值班表尚未发布，请直接联系值班室调整"})
    if shift.start <= timezone.now():
        raise ValidationError({"shift": "该班次已开始，不能再换班"})
    if Swap.objects.filter(shift=shift, state__in=OPEN_STATES).exists():
        raise ValidationError({"shift": "该班次已有待审批的换班申请"})
    if partner_shift is not None:
        if partner_shift.start == shift.start:
            raise ValidationError({"partner_shift": "同一班次内的岗位对调请联系值班室直接调整"})
        if partner_shift.person_id != partner.pk:
            raise ValidationError({"partner_shift": "所选班次不是对方的班次"})
        if partner_shift.roster.unit_id != shift.roster.unit_id or partner_shift.start <= timezone.now():
            raise ValidationError({"partner_shift": "只能与本单位尚未开始的班次互换"})
    # the roster's rules for the new placements: by hand exactly as by the solver
    for who, where, skip in _placements(applicant, partner, shift, partner_shift):
        problem = planning.placement_problem(where, who, ignore=skip)
        if problem:
            raise ValidationError({"partner": problem})


def _placements(applicant, partner, shift, partner_shift):
    """(person, assignment they would take, assignments they would leave) for each move."""
    moves = [(partner, shift, [partner_shift] if partner_shift else [])]
    if partner_shift is not None:
        moves.append((applicant, partner_shift, [shift]))
    return moves


OPEN_STATES = (Swap.State.AWAITING_PARTNER, Swap.State.AWAITING_HEAD, Swap.State.AWAITING_OFFICE)


def apply(
    applicant: Person, partner: Person, shift: Assignment, partner_shift: Assignment | None, reason: str
) -> Swap:
    validate(applicant, partner, shift, partner_shift)
    with transaction.atomic():
        swap = Swap.objects.create(
            kind=Swap.Kind.SWAP if partner_shift else Swap.Kind.STAND_IN,
            applicant=applicant,
            partner=partner,
            shift=shift,
            partner_shift=partner_shift,
            reason=reason,
        )
        notify_people(
            [partner],
            f"{applicant.name}申请与您{swap.get_kind_display()}：{describe(shift)}，请确认",
            link=reverse("swap_detail", args=[swap.pk]),
            subject="换班申请待确认",
        )
    return swap


def role_units(role: str, unit) -> list[int]:
    """Where a role must be held to act on `unit`'s business: an approver (department head) in the unit
    itself, since that role reads only its own unit; the duty roles in the unit or any unit above."""
    return [unit.pk] if role == Role.APPROVER else [*unit.ancestor_ids(), unit.pk]


def next_actors(swap: Swap) -> list[Person]:
    """Who must act now: the partner, the department head(s) of the unit, or its duty-office admins."""
    unit = swap.shift.roster.unit
    if swap.state == Swap.State.AWAITING_PARTNER:
        return [swap.partner]
    role = {Swap.State.AWAITING_HEAD: Role.APPROVER, Swap.State.AWAITING_OFFICE: Role.DUTY_ADMIN}.get(
        swap.state
    )
    if role is None:
        return []
    people = Person.objects.filter(roles__role=role, roles__unit_id__in=role_units(role, unit), active=True)
    people = people.distinct()
    return [p for p in people if p.pk not in (swap.applicant_id, swap.partner_id)]


def may_act(person: Person | None, swap: Swap) -> bool:
    return person is not None and any(p.pk == person.pk for p in next_actors(swap))


def step(swap: Swap, person: Person, approve: bool, note: str = "") -> Swap:
    """The partner confirms, the head approves (if the policy asks for it), the office approves last,
    which is when the roster changes. A refusal at any step ends it with nothing changed."""
    if not may_act(person, swap):
        raise PermissionError("这一步不由您办理")
    now = timezone.now()
    before_state = swap.state
    policy = effective_policy(swap.shift.roster.unit)
    if not approve:
        changes = {"state": Swap.State.REJECTED, "decision_note": note[:200]}
    elif swap.state == Swap.State.AWAITING_PARTNER:
        after = Swap.State.AWAITING_HEAD if policy.swap_needs_department_head else Swap.State.AWAITING_OFFICE
        changes = {"state": after, "partner_confirmed_at": now}
    elif swap.state == Swap.State.AWAITING_HEAD:
        changes = {"state": Swap.State.AWAITING_OFFICE, "head_by": person, "head_at": now}
    else:
        changes = {
            "state": Swap.State.APPROVED,
            "office_by": person,
            "office_at": now,
            "decision_note": note[:200],
        }
    with transaction.atomic():
        if not Swap.objects.filter(pk=swap.pk, state=swap.state).update(**changes):
            raise PermissionError("该申请已被他人处理")
        record_update(swap, {"state": before_state}, {"state": str(changes["state"])})
        swap.refresh_from_db()
        if swap.state == Swap.State.APPROVED:
            _carry_out(swap, person)
        elif swap.state == Swap.State.REJECTED:
            notify_people(
                [swap.applicant, swap.partner],
                f"换班申请未获同意：{describe(swap.shift)}",
                link=reverse("swap_detail", args=[swap.pk]),
            )
        else:
            notify_people(
                next_actors(swap),
                f"{swap.applicant.name}与{swap.partner.name}的换班申请待您审批",
                link=reverse("swap_detail", args=[swap.pk]),
                subject="换班申请待审批",
            )
    return swap


def _carry_out(swap: Swap, by: Person) -> None:
    """Inside the approving transaction: check again (things may have moved), then exchange."""
    shift = Assignment.objects.select_for_update().get(pk=swap.shift_id)
    partner_shift = (
        Assignment.objects.select_for_update().get(pk=swap.partner_shift_id)
        if swap.partner_shift_id
        else None
    )
    if shift.person_id != swap.applicant_id or (partner_shift and partner_shift.person_id != swap.partner_id):
        raise ValidationError("班次已被调整，本申请不能生效，请重新申请")
    now = timezone.now()
    if shift.start <= now or (partner_shift and partner_shift.start <= now):
        raise ValidationError("班次已开始，换班不能再生效；值班责任仍由原排班人员承担")
    for who, where, skip in _placements(swap.applicant, swap.partner, shift, partner_shift):
        problem = planning.placement_problem(where, who, ignore=skip)
        if problem:
            raise ValidationError(problem)
    moved = [(shift, swap.partner)] + ([(partner_shift, swap.applicant)] if partner_shift else [])
    # the unique (roster, start, person) would clash mid-exchange if both shifts start together; they never
    # do (a person holds one post at a time), so the two updates are safe in either order
    for assignment, person in moved:
        record_update(
            assignment, {"person_id": assignment.person_id}, {"person_id": person.pk, "swap": swap.pk}
        )
        Assignment.objects.filter(pk=assignment.pk).update(
            person=person, reminder_due_at=assignment.start - DAY_BEFORE, reminders_sent=0
        )
    roster = shift.roster
    Roster.objects.filter(pk=roster.pk).update(version=F("version") + 1)
    bump_unit_activity(roster.unit_id)
    version = Roster.objects.values_list("version", flat=True).get(pk=roster.pk)
    record_update(roster, {"version": version - 1}, {"version": version})
    RosterChange.objects.create(
        roster=roster,
        version=version,
        by=by.user,
        summary=f"{swap.get_kind_display()}：{describe(shift)} {swap.applicant.name} → "
        f"{swap.partner.name}"
        + (
            f"；{describe(partner_shift)} {swap.partner.name} → {swap.applicant.name}"
            if partner_shift
            else ""
        ),
    )
    notify_people(
        [swap.applicant, swap.partner],
        f"换班已批准生效：{describe(shift)}由{swap.partner.name}值班",
        link=reverse("roster_detail", args=[roster.pk]),
        subject="换班已生效",
    )


def application_docx(swap: Swap) -> bytes:
    """The 《值班换班申请报告》 as a Word form, filled in, with the approvals so far."""
    document = new_document()
    document.add_heading("值班换班申请报告", level=0)
    unit = swap.shift.roster.unit
    rows = [
        ("单位", unit.name),
        ("申请人", f"{swap.applicant.name}　{swap.applicant.position}"),
        ("原值班班次", describe(swap.shift)),
        ("换班人", f"{swap.partner.name}　{swap.partner.position}"),
        ("对方班次", describe(swap.partner_shift) if swap.partner_shift else "（替班，无对方班次）"),
        ("类型", swap.get_kind_display()),
        ("换班理由", swap.reason),
        ("对方确认", _stamp(swap.partner_confirmed_at, swap.partner.name)),
        ("部门负责人意见", _stamp(swap.head_at, swap.head_by.name if swap.head_by else "")),
        ("值班室意见", _stamp(swap.office_at, swap.office_by.name if swap.office_by else "")),
        ("状态", swap.get_state_display()),
    ]
    table = document.add_table(rows=len(rows), cols=2)
    table.style = "Table Grid"
    for i, (label, value) in enumerate(rows):
        set_cell(table.cell(i, 0), label, bold=True)
        set_cell(table.cell(i, 1), value)
    document.add_paragraph("说明：换班申请经批准前，值班责任仍由原排班人员承担（A3.2）。")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _stamp(at, name: str) -> str:
    if not at:
        return "（待办理）"
    local = timezone.localtime(at)
    return f"{name}　{local.year}年{local.month}月{local.day}日 {local:%H:%M}"
