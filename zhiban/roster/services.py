"""The roster's workflows, called from views, the API and jobs alike: publish, change a published roster,
file a holiday roster with the superior office, and the approval chains of exemptions (A3.1) and swaps
(A3.2). Each writes in one transaction and tells people through the outbox inside it."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from zhiban.audit.trail import record_update
from zhiban.notify.outbox import notify_people
from zhiban.org.caching import bump_unit_activity
from zhiban.org.models import Person, Role, Unit, User
from zhiban.org.policy import effective_policy
from zhiban.org.roles import role_holders
from zhiban.roster import background, planning
from zhiban.roster.approvals import AlreadyDecided, Approvable
from zhiban.roster.calendar import missing_holidays_warning, years_without_holidays
from zhiban.roster.jobs import DAY_BEFORE
from zhiban.roster.models import Assignment, Exemption, Roster, RosterChange, Swap


class PublishRefused(ValidationError):
    """The roster still has problems that block publishing (a gap, a rule broken)."""


class NeedsConfirmation(ValidationError):
    """The step may go ahead only on an explicit confirmation, which is recorded: the messages say what
    the person confirms."""


def publish_warnings(roster: Roster, violations: list[planning.Violation]) -> list[str]:
    """What a person must confirm before the roster is published: preferences not met, a solved roster
    far from its optimum (more than the policy allows), years whose holidays nobody has entered (B9/B10)."""
    policy = effective_policy(roster.unit)
    warnings = []
    preferences = [v for v in violations if v.preference]
    if preferences:
        warnings.append(
            f"{len(preferences)}处安排未满足“两次值班尽量间隔{policy.min_days_between_shifts}天”（已在表中标出）"
        )
    if roster.solver_gap is not None and roster.solver_gap * 100 > policy.max_solver_gap_percent:
        warnings.append(
            f"自动排班与最优的差距可能达{roster.solver_gap * 100:.1f}%，超过规则允许的"
            f"{policy.max_solver_gap_percent}%，可再次自动排班或逐项调整"
        )
    missing = years_without_holidays(roster.unit, roster.start, roster.end)
    if missing:
        warnings.append(missing_holidays_warning(missing))
    return warnings


def _confirmed(roster: Roster, warnings: list[str], confirmation: str, what: str) -> str:
    """The confirmation's words when warnings stand, recorded in the audit trail; NeedsConfirmation
    when there are warnings and no confirmation."""
    if not warnings:
        return ""
    if not confirmation.strip():
        raise NeedsConfirmation(warnings)
    reason = confirmation.strip()[:200]
    record_update(roster, {}, {f"{what}_confirmed": reason, "warnings": warnings})
    return reason


def roster_solve(roster: Roster, by: User, confirmation: str = ""):
    """Auto-solve a draft in the background (background.py): the run queued for the job runner, or
    AlreadySolving. A period with a year whose holidays are not entered is solved only once that is
    confirmed (B10): otherwise its holidays would quietly become workdays."""
    missing = years_without_holidays(roster.unit, roster.start, roster.end)
    with transaction.atomic():
        _confirmed(roster, [missing_holidays_warning(missing)] if missing else [], confirmation, "solve")
    return background.request_solve(roster, by)


def roster_publish(roster: Roster, by: User, confirmation: str = "") -> bool:
    """A1.1/B9: a roster with no blocking problem is published as version 1; everyone on it is told and
    will be reminded before each shift (A2.3). With warnings (publish_warnings) it is published only on
    a confirmation, kept with the version. False when it had been published already."""
    violations = planning.check(roster)
    blocking = [v for v in violations if v.blocks_publishing]
    if blocking:
        raise PublishRefused(
            f"还有{len(blocking)}个问题，不能发布：" + "；".join(v.message for v in blocking[:5])
        )
    warnings = publish_warnings(roster, violations)
    with transaction.atomic():
        reason = _confirmed(roster, warnings, confirmation, "publish")
        updated = Roster.objects.filter(pk=roster.pk, state=Roster.State.DRAFT).update(
            state=Roster.State.PUBLISHED, version=1, published_at=timezone.now(), published_by=by
        )
        if not updated:
            return False
        record_update(roster, {"state": Roster.State.DRAFT}, {"state": Roster.State.PUBLISHED, "version": 1})
        summary = f"发布（确认：{reason}。{'；'.join(warnings)}）" if reason else "发布"
        RosterChange.objects.create(roster=roster, version=1, by=by, summary=summary)
        bump_unit_activity(roster.unit_id)  # who is on duty changed: 一口清 and the shift pages
        roster.assignments.update(reminder_due_at=F("start") - DAY_BEFORE, reminders_sent=0)
        notify_people(
            {a.person for a in roster.assignments.select_related("person__user")},
            f"{roster.title}已发布，请查看您的值班安排",
            link=reverse("roster_detail", args=[roster.pk]),
            subject="值班表已发布",
            unit=roster.unit,
            group=False,
        )
    roster.refresh_from_db()
    return True


def roster_delete(roster: Roster) -> None:
    """A draft that is no longer wanted goes, with its assignments, so they block nobody elsewhere. A
    published roster binds people and is changed, never deleted."""
    with transaction.atomic():
        locked = Roster.objects.select_for_update().filter(pk=roster.pk, state=Roster.State.DRAFT).first()
        if locked is None:
            raise ValidationError("已发布的值班表不能删除，只能逐项调整")
        locked.delete()


def assignment_reassign(assignment: Assignment, person: Person, pinned: bool, by: User) -> None:
    """Put another person on a post (checked before, by planning.placement_problem). On a published
    roster it is a new version, the new person is reminded afresh and both people are told."""
    roster = assignment.roster
    before = assignment.person
    changed = roster.is_published and before.pk != person.pk
    with transaction.atomic():
        assignment.person, assignment.pinned = person, pinned
        if changed:  # the new person is reminded afresh (A2.3)
            assignment.reminder_due_at, assignment.reminders_sent = assignment.start - DAY_BEFORE, 0
        assignment.save(update_fields=["person", "pinned", "reminder_due_at", "reminders_sent"])
        if changed:
            roster.new_version(by, f"{assignment.label}：{before.name} → {person.name}")
            notify_people(
                [before, person],
                f"值班安排变更：{assignment.label}由{before.name}改为{person.name}",
                link=reverse("roster_detail", args=[roster.pk]),
                unit=roster.unit,
                group=False,
            )


def roster_file(roster: Roster) -> Unit | None:
    """报备: a published roster (covering holidays) is filed with the superior duty office, once; its
    administrators are told. The superior, or None for a unit with none."""
    if not roster.is_published:
        raise ValidationError("请先发布值班表再报备")
    superior = roster.unit.parent
    with transaction.atomic():
        filed = Roster.objects.filter(pk=roster.pk, filed_at=None).update(filed_at=timezone.now())
        if filed and superior:
            notify_people(
                role_holders(superior, [Role.DUTY_ADMIN]),
                f"{roster.unit.label}报备了{roster.title}",
                link=reverse("roster_detail", args=[roster.pk]),
                unit=superior,
                group=False,
            )
    return superior


# --- approval chains (roster.approvals) ------------------------------------------------------------


def _decide(application: Approvable, by: Person, approve: bool, note: str) -> str:
    """Take the current step: claim it with a conditional update (two approvers at once: one wins),
    audit it and reload. The state it was in."""
    changes = application.decision(by, approve, note)
    before = application.state
    if not type(application).objects.filter(pk=application.pk, state=before).update(**changes):
        raise AlreadyDecided()
    record_update(application, {"state": before}, {k: str(v) for k, v in changes.items()})
    application.refresh_from_db()
    return before


def _tell_actors(application: Approvable, text: str, link: str, subject: str) -> None:
    notify_people(application.actors(), text, link=link, subject=subject)


def exemption_submit(exemption: Exemption) -> Exemption:
    """A3.1: the applicant's exemption (validated by its form) is saved and its first approver told."""
    with transaction.atomic():
        exemption.save()
        _tell_exemption_actors(exemption)
    return exemption


def _tell_exemption_actors(exemption: Exemption) -> None:
    _tell_actors(
        exemption,
        f"{exemption.person.name}的免值班申请（{exemption.start}至"
        f"{exemption.end}）待您办理：{exemption.get_state_display()}",
        reverse("exemption_detail", args=[exemption.pk]),
        "免值班申请待办理",
    )


def exemption_decide(exemption: Exemption, by: Person, approve: bool, note: str = "") -> int:
    """Approve or refuse at the current step: department head, supervising leader, then the duty office
    archives it, which is when it takes effect. The applicant hears the outcome. Returns how many of the
    person's published, not yet started shifts fall in an exemption that took effect (shown on the
    roster with replacements proposed)."""
    with transaction.atomic():
        _decide(exemption, by, approve, note)
        _tell_exemption_actors(exemption)
        if exemption.decided:
            notify_people(
                [exemption.person],
                f"您的免值班申请：{exemption.get_state_display()}",
                link=reverse("exemption_detail", args=[exemption.pk]),
                unit=exemption.person.unit,
                group=False,
            )
    if exemption.state == Exemption.State.ARCHIVED:
        return planning.flag_published_shifts(exemption)
    return 0


def swap_validate(
    applicant: Person, partner: Person, shift: Assignment, partner_shift: Assignment | None
) -> None:
    """Raises ValidationError with the field's message; nothing is saved on bad input."""
    if partner.pk == applicant.pk:
        raise ValidationError({"partner": "不能与自己换班"})
    if shift.person_id != applicant.pk:
        raise ValidationError({"shift": "只能申请调换自己的班次"})
    if shift.roster.state != Roster.State.PUBLISHED:
        raise ValidationError({"shift": "值班表尚未发布，请直接联系值班室调整"})
    if shift.start <= timezone.now():
        raise ValidationError({"shift": "该班次已开始，不能再换班"})
    if Swap.objects.filter(shift=shift, state__in=Swap.OPEN_STATES).exists():
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


def swap_apply(
    applicant: Person, partner: Person, shift: Assignment, partner_shift: Assignment | None, reason: str
) -> Swap:
    """A3.2: the 《值班换班申请报告》 names the partner who agreed; the partner is asked to confirm."""
    swap_validate(applicant, partner, shift, partner_shift)
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
            f"{applicant.name}申请与您{swap.get_kind_display()}：{shift.label_with_start}，请确认",
            link=reverse("swap_detail", args=[swap.pk]),
            subject="换班申请待确认",
            unit=shift.roster.unit,
            group=False,
        )
    return swap


def swap_decide(swap: Swap, by: Person, approve: bool, note: str = "") -> Swap:
    """The partner confirms, the head approves (if the policy asks for it), the office approves last,
    which is when the roster changes. A refusal at any step ends it with nothing changed. Raises
    NotYourStep for a person the step is not for, AlreadyDecided when someone else took it first."""
    with transaction.atomic():
        _decide(swap, by, approve, note)
        if swap.state == Swap.State.APPROVED:
            _carry_out(swap, by)
        elif swap.state == Swap.State.REJECTED:
            notify_people(
                [swap.applicant, swap.partner],
                f"换班申请未获同意：{swap.shift.label_with_start}",
                link=reverse("swap_detail", args=[swap.pk]),
                unit=swap.shift.roster.unit,
                group=False,
            )
        else:
            _tell_actors(
                swap,
                f"{swap.applicant.name}与{swap.partner.name}的换班申请待您审批",
                reverse("swap_detail", args=[swap.pk]),
                "换班申请待审批",
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
    summary = (
        f"{swap.get_kind_display()}：{shift.label_with_start} {swap.applicant.name} → {swap.partner.name}"
    )
    if partner_shift:
        summary += f"；{partner_shift.label_with_start} {swap.partner.name} → {swap.applicant.name}"
    shift.roster.new_version(by.user, summary)
    notify_people(
        [swap.applicant, swap.partner],
        f"换班已批准生效：{shift.label_with_start}由{swap.partner.name}值班",
        link=reverse("roster_detail", args=[shift.roster_id]),
        subject="换班已生效",
        unit=shift.roster.unit,
        group=False,
    )
