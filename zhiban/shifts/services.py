"""The shift's workflows: open from the published roster, check in (B7), leave the room (A2.2),
prepare and sign the handover (B14/A2.4)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from zhiban.audit.trail import acting_as
from zhiban.intake.models import Matter, MatterStep
from zhiban.intake.services import updated
from zhiban.org.models import Person, Unit
from zhiban.org.policy import effective_policy
from zhiban.roster.models import Assignment, Post, Roster
from zhiban.shifts.models import CheckIn, Equipment, EquipmentCheck, Handover, HandoverItem, Leave, Shift


class ShiftError(ValidationError):
    pass


def published(unit: Unit):
    return Assignment.objects.filter(roster__unit=unit, roster__state=Roster.State.PUBLISHED)


def shift_open(assignment: Assignment) -> Shift:
    """The live shift of a published assignment's shift, made once (unique on unit, start, end). The
    system makes it (the runner, a day ahead; a page when the runner is behind), not whoever looked."""
    unit = assignment.roster.unit
    fields = {"day": assignment.day, "name": assignment.shift_name, "arrival_check_at": assignment.start}
    try:
        with transaction.atomic(), acting_as(None):
            shift, _ = Shift.objects.get_or_create(
                unit=unit, start=assignment.start, end=assignment.end, defaults=fields
            )
    except IntegrityError:  # made meanwhile by another process
        shift = Shift.objects.get(unit=unit, start=assignment.start, end=assignment.end)
    return shift


def shift_at(unit: Unit, at: dt.datetime | None = None) -> Shift | None:
    """The unit's shift at a moment: the one whose published shift covers it (the later one where two
    overlap at handover)."""
    at = at or timezone.now()
    assignment = published(unit).filter(start__lte=at, end__gt=at).order_by("-start").first()
    if assignment is None:
        return None
    made = Shift.objects.filter(unit=unit, start=assignment.start, end=assignment.end).first()
    return made or shift_open(assignment)  # a read on every page; a write only the first time


def shift_after(shift: Shift) -> Shift | None:
    assignment = published(shift.unit).filter(start__gte=shift.end).order_by("start").first()
    if assignment is None or assignment.start - shift.end > dt.timedelta(hours=1):
        return None
    return shift_open(assignment)


def shift_before(shift: Shift) -> Shift | None:
    return Shift.objects.filter(unit=shift.unit, end__lte=shift.start).order_by("-end").first()


def unopened_assignments(until: dt.datetime):
    """Published assignments up to `until` whose shift has no live row yet (read by shifts.jobs)."""
    made = Shift.objects.filter(unit=OuterRef("roster__unit"), start=OuterRef("start"), end=OuterRef("end"))
    return (
        Assignment.objects.filter(
            roster__state=Roster.State.PUBLISHED, start__lte=until, end__gt=timezone.now()
        )
        .filter(~Exists(made))
        .select_related("roster__unit")
    )


def people_of(shift: Shift) -> list[Assignment]:
    """Who holds which post in the shift, as the roster stands now (after approved swaps)."""
    order = {post: i for i, post in enumerate(Post.values)}
    rows = published(shift.unit).filter(start=shift.start, end=shift.end).select_related("person__user")
    return sorted(rows, key=lambda a: (order[a.post], a.person.name))


def post_of(shift: Shift, person: Person) -> str | None:
    return next((a.post for a in people_of(shift) if a.person_id == person.pk), None)


def check_in(shift: Shift, person: Person, at: dt.datetime | None = None) -> CheckIn:
    """B7: the primary is due the policy's minutes before the start, the others at the start; lateness
    is recorded, not refused."""
    at = at or timezone.now()
    post = post_of(shift, person)
    if post is None:
        raise ShiftError("您不在本班次的值班安排中，不能签到")
    if at >= shift.end:
        raise ShiftError("本班次已结束")
    policy = effective_policy(shift.unit)
    early = policy.primary_early_minutes if post == Post.PRIMARY else 0
    due = shift.start - dt.timedelta(minutes=early)
    opens = due - dt.timedelta(minutes=policy.handover_reminder_minutes)
    if at < opens:
        local = timezone.localtime(opens)
        raise ShiftError(f"签到尚未开始：本班次{local.month}月{local.day}日{local:%H:%M}起可签到")
    late = max(0, int((at - due).total_seconds() // 60))
    try:
        with transaction.atomic():
            return CheckIn.objects.create(
                shift=shift, person=person, post=post, at=at, due_at=due, minutes_late=late
            )
    except IntegrityError:
        raise ShiftError("您已签到") from None


def present(shift: Shift) -> list[Person]:
    """Checked in and not out on leave."""
    away = set(shift.leaves.filter(back_at=None).values_list("person_id", flat=True))
    return [c.person for c in shift.check_ins.select_related("person") if c.person_id not in away]


def leave_ask(shift: Shift, person: Person, approver: Person, reason: str) -> Leave:
    """A2.2: a deputy asks the primary; the last person in the room cannot leave."""
    if not reason.strip():
        raise ShiftError({"reason": "请填写离岗事由"})
    if post_of(shift, approver) != Post.PRIMARY:
        raise ShiftError("离岗须经本班主班同意")
    if approver.pk == person.pk:
        raise ShiftError("主班本人不能离岗；如确需离开，须由带班领导安排他人接替")
    with transaction.atomic():
        Shift.objects.select_for_update().filter(pk=shift.pk).first()  # one leave decided at a time
        here = {p.pk for p in present(shift)}
        if person.pk not in here:
            raise ShiftError("该人员未签到或已离岗")
        if len(here) <= 1:
            raise ShiftError("值班室至少须有一人在岗，最后一人不能离岗")
        return Leave.objects.create(shift=shift, person=person, approved_by=approver, reason=reason.strip())


def leave_back(leave: Leave) -> None:
    if leave.back_at is None:
        leave.back_at = timezone.now()
        leave.save(update_fields=["back_at"])


def handover_prepare(
    shift: Shift,
    by: Person,
    situation: str,
    equipment: dict[int, tuple[bool, str]],
    suggestions: dict[int, str],
) -> Handover:
    """B14: the situation, each piece of equipment working or faulty (with a note), and every open
    matter of the unit with a suggestion for how to continue: none may be left out."""
    if post_of(shift, by) is None:
        raise ShiftError("交接材料由交班班次的值班人员准备")
    if not shift.is_open:
        raise ShiftError("本班次已交班")
    errors = {}
    if not situation.strip():
        errors["situation"] = "请填写本班值班情况"
    items = list(Equipment.objects.filter(unit=shift.unit, active=True))
    faulty_without_note = [
        e.name for e in items if not equipment.get(e.pk, (True, ""))[0] and not equipment[e.pk][1].strip()
    ]
    if faulty_without_note:
        errors["equipment"] = f"故障设备须说明情况：{'、'.join(faulty_without_note)}"
    open_matters = list(Matter.objects.filter(unit=shift.unit, state=Matter.State.OPEN))
    missing = [m.kept(m.title) for m in open_matters if not suggestions.get(m.pk, "").strip()]
    if missing:
        errors["suggestions"] = f"每项未办结事项都须写明后续办理建议：{'、'.join(missing)}"
    if errors:
        raise ShiftError(errors)
    with transaction.atomic():
        handover, _ = Handover.objects.update_or_create(
            shift=shift,
            defaults={"situation": situation.strip(), "prepared_by": by, "prepared_at": timezone.now()},
        )
        if handover.signed:
            raise ShiftError("交接班已签字，不能修改")
        handover.equipment_checks.all().delete()
        EquipmentCheck.objects.bulk_create(
            EquipmentCheck(
                handover=handover,
                equipment=e,
                working=equipment.get(e.pk, (True, ""))[0],
                note=equipment.get(e.pk, (True, ""))[1].strip(),
            )
            for e in items
        )
        handover.items.all().delete()
        HandoverItem.objects.bulk_create(
            HandoverItem(handover=handover, matter=m, suggestion=suggestions[m.pk].strip())
            for m in open_matters
        )
    return handover


def _signer(request, shift: Shift | None, username: str, password: str, side: str) -> Person:
    user = authenticate(request, username=username, password=password)  # lockout applies (django-axes)
    person = getattr(user, "person", None) if user else None
    if person is None:
        raise ShiftError({f"{side}_password": "用户名或密码不正确"})
    if shift is None or post_of(shift, person) is None:
        raise ShiftError(
            {f"{side}_username": f"{person.name}不在{'交' if side == 'outgoing' else '接'}班班次的值班安排中"}
        )
    return person


def _covers_everything(handover: Handover) -> None:
    """Nothing open may be lost between shifts: a matter opened since the handover was prepared (or
    equipment added) makes it stale, and it must be updated before signing."""
    unit = handover.shift.unit
    open_ids = set(Matter.objects.filter(unit=unit, state=Matter.State.OPEN).values_list("id", flat=True))
    carried = set(handover.items.values_list("matter_id", flat=True))
    equipment = set(Equipment.objects.filter(unit=unit, active=True).values_list("id", flat=True))
    checked = set(handover.equipment_checks.values_list("equipment_id", flat=True))
    if not open_ids <= carried or not equipment <= checked:
        raise ShiftError("交接材料准备后又有新的未办结事项或设备，请更新交接材料后再签字")


def handover_sign(
    request, handover: Handover, outgoing: tuple[str, str], incoming: tuple[str, str], prepared: str = ""
) -> Handover:
    """A2.4: both sides sign in person, each with their own password on the same screen; two different
    people. Signing closes the outgoing shift; the incoming shift sees every carried matter. Not before
    the incoming shift is reminded of the handover (A2.3): a shift signed away hours early would leave
    the room to the next shift before its time."""
    shift = handover.shift
    if handover.signed:
        raise ShiftError("交接班已签字")
    opens = shift.end - dt.timedelta(minutes=effective_policy(shift.unit).handover_reminder_minutes)
    if timezone.now() < opens:
        raise ShiftError(
            f"本班次{timezone.localtime(shift.end):%m月%d日%H:%M}交班，"
            f"{timezone.localtime(opens):%H:%M}起方可签字交接"
        )
    if prepared and prepared != handover.version:
        raise ShiftError("交接材料已被修改，请核对后再签字")
    following = shift_after(shift)
    out_person = _signer(request, shift, *outgoing, side="outgoing")
    in_person = _signer(request, following, *incoming, side="incoming")
    if out_person.pk == in_person.pk:
        raise ShiftError("交班人和接班人须为两个不同的人，各自输入本人密码")
    now = timezone.now()
    with transaction.atomic():
        signed = Handover.objects.filter(pk=handover.pk, signed_at=None).update(
            outgoing_signer=out_person, incoming_signer=in_person, incoming=following, signed_at=now
        )
        if not signed:
            raise ShiftError("交接班已签字")
        _covers_everything(handover)
        updated(
            handover,
            shift.unit_id,
            outgoing_signer_id=out_person.pk,
            incoming_signer_id=in_person.pk,
            incoming_id=following.pk,
            signed_at=now,
        )
        Shift.objects.filter(pk=shift.pk).update(state=Shift.State.CLOSED)
        updated(shift, shift.unit_id, state=Shift.State.CLOSED)
        MatterStep.objects.bulk_create(
            MatterStep(
                matter=item.matter,
                kind=MatterStep.Kind.CARRIED,
                by=out_person,
                to=in_person,
                at=now,
                text=item.suggestion,
            )
            for item in handover.items.select_related("matter")
        )
    handover.refresh_from_db()
    return handover
