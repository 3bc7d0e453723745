"""The demo city's rosters: shift templates, a sensitive period, last month and this month published
(so 当前值班 shows someone), next month as a solved draft, an exemption in progress and a swap."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from zhiban.lib.dates import add_months
from zhiban.org.models import Person, Role, Unit, User
from zhiban.roster import planning, services
from zhiban.roster.jobs import DAY_BEFORE
from zhiban.roster.models import Assignment, DayKind, Exemption, Roster, SensitivePeriod, ShiftType, Swap

ROSTER_UNITS = ("city", "donghu", "xishan", "zone", "qingshi")
DEMO_SOLVER_SECONDS = 2  # a good roster, quickly: `make run` should not keep a newcomer waiting


def _shift(unit, kind, name, start, hours, **posts):
    ShiftType.objects.create(unit=unit, day_kind=kind, name=name, start=start, hours=hours, **posts)


def shift_templates(units: dict[str, Unit]) -> None:
    city = units["city"]
    # The city's duty office: day and night on workdays, a 24-hour shift otherwise, a leader leading
    # every shift (B8: 带班领导); every unit below inherits these unless it sets its own (the counties and
    # the zone do).
    _shift(city, DayKind.WORKDAY, "白班", dt.time(8, 30), 9, leaders=1, primaries=1, deputies=1, standbys=1)
    _shift(city, DayKind.WORKDAY, "夜班", dt.time(17, 30), 15, leaders=1, primaries=1, standbys=1, order=1)
    for kind in (DayKind.WEEKEND, DayKind.HOLIDAY):
        _shift(city, kind, "全天班", dt.time(8, 30), 24, leaders=1, primaries=1, deputies=1, standbys=1)
    for key in ("donghu", "xishan", "zone", "qingshi"):
        for kind in (DayKind.WORKDAY, DayKind.WEEKEND, DayKind.HOLIDAY):
            _shift(units[key], kind, "全天班", dt.time(8, 30), 24, leaders=1, primaries=1, standbys=1)


def build(units: dict[str, Unit], today: dt.date | None = None) -> list[Roster]:
    today = today or timezone.localdate()
    shift_templates(units)
    this_month = today.replace(day=1)
    SensitivePeriod.objects.create(
        unit=units["city"],
        name="全国两会期间",
        start=dt.date(today.year, 3, 4),
        end=dt.date(today.year, 3, 11),
        staff_factor=2,
    )
    admin = User.objects.filter(username="admin").first()
    rosters = []
    for months, publish in ((-1, True), (0, True), (1, False)):
        start = add_months(this_month, months)
        end = add_months(start, 1) - dt.timedelta(days=1)
        for key in ROSTER_UNITS:
            unit = units[key]
            roster = Roster.objects.create(
                unit=unit, title=f"{unit.label}{start.year}年{start.month}月值班表", start=start, end=end
            )
            planning.generate(roster, time_limit=DEMO_SOLVER_SECONDS)
            blocking = [v for v in planning.check(roster) if v.blocks_publishing]
            if publish and roster.assignments.exists() and not blocking:
                Roster.objects.filter(pk=roster.pk).update(
                    state=Roster.State.PUBLISHED, version=1, published_at=timezone.now(), published_by=admin
                )
                roster.assignments.filter(start__gt=timezone.now()).update(reminders_sent=0)
                for a in roster.assignments.filter(start__gt=timezone.now()):
                    Assignment.objects.filter(pk=a.pk).update(reminder_due_at=a.start - DAY_BEFORE)
            rosters.append(roster)
    _exemption_and_swap(units, today)
    return rosters


def _exemption_and_swap(units, today) -> None:
    """An exemption waiting for the supervising leader, one waiting for 东湖县's duty office to file it
    (donghu_admin's desk), a swap waiting for the partner and one waiting for the city's duty office
    (admin's desk)."""
    _exemption_to_file(units, today)
    _swap_for_the_office(units)
    staff = Person.objects.filter(roles__unit=units["donghu"], roles__role=Role.DUTY_STAFF).order_by("id")
    applicant = staff.first()
    if applicant is not None:
        from django.core.files.base import ContentFile

        exemption = Exemption(
            person=applicant,
            start=add_months(today, 1).replace(day=10),
            end=add_months(today, 1).replace(day=20),
            reason="腰椎手术后休养",
            hospital="示范市第一人民医院",
            state=Exemption.State.HEAD_APPROVED,
        )
        exemption.hospital_record.save("病历.pdf", ContentFile(b"%PDF-1.4 demo"), save=False)
        exemption.rest_note.save("休息证明.pdf", ContentFile(b"%PDF-1.4 demo"), save=False)
        exemption.save()
    mine = (
        Assignment.objects.filter(
            roster__unit=units["city"],
            roster__state=Roster.State.PUBLISHED,
            start__gt=timezone.now() + dt.timedelta(days=2),
            post="primary",
        )
        .select_related("person", "roster")
        .order_by("start")
        .first()
    )
    if mine is None:
        return
    theirs = (
        Assignment.objects.filter(
            roster=mine.roster, post="primary", start__gt=mine.start + dt.timedelta(days=3)
        )
        .exclude(person=mine.person)
        .select_related("person")
        .order_by("start")
    )
    for candidate in theirs[:10]:
        try:
            services.swap_apply(mine.person, candidate.person, mine, candidate, "孩子中考，需请假陪考")
            return
        except Exception:  # noqa: BLE001 - try the next partner whose shifts fit the rules
            continue


def _exemption_to_file(units, today) -> None:
    """Approved by the department head and the supervising leader: the duty office files it (A3.1)."""
    staff = Person.objects.filter(roles__unit=units["donghu"], roles__role=Role.DUTY_STAFF).order_by("id")
    applicant = staff[1] if staff.count() > 1 else None
    head = Person.objects.filter(roles__role=Role.APPROVER, unit=units["donghu"]).first()
    leader = Person.objects.filter(roles__role=Role.LEADER, roles__unit=units["donghu"]).first()
    if applicant is None:
        return
    from django.core.files.base import ContentFile

    approved = timezone.now() - dt.timedelta(hours=20)
    exemption = Exemption(
        person=applicant,
        start=add_months(today, 1).replace(day=22),
        end=add_months(today, 1).replace(day=26),
        reason="骨折术后复查，医嘱静养",
        hospital="示范市第一人民医院",
        state=Exemption.State.LEADER_APPROVED,
        head_by=head,
        head_at=approved - dt.timedelta(hours=3) if head else None,
        leader_by=leader,
        leader_at=approved if leader else None,
    )
    exemption.hospital_record.save("病历.pdf", ContentFile(b"%PDF-1.4 demo"), save=False)
    exemption.rest_note.save("休息证明.pdf", ContentFile(b"%PDF-1.4 demo"), save=False)
    exemption.save()


def _swap_for_the_office(units) -> None:
    """A stand-in the partner confirmed (and the department head approved, where the policy asks for
    it): the city's duty office approves it last (A3.2)."""
    later = timezone.now() + dt.timedelta(days=4)
    shifts = (
        Assignment.objects.filter(
            roster__unit=units["city"], roster__state=Roster.State.PUBLISHED, start__gt=later, post="deputy"
        )
        .select_related("person", "roster")
        .order_by("start")
    )
    staff = (  # not the administrator who approves it: no one approves their own swap
        Person.objects.filter(roles__unit=units["city"], roles__role=Role.DUTY_STAFF)
        .exclude(roles__role=Role.DUTY_ADMIN)
        .order_by("id")
    )
    for shift in shifts.exclude(person__roles__role=Role.DUTY_ADMIN)[:10]:
        for partner in staff.exclude(pk=shift.person_id)[:10]:
            try:
                swap = services.swap_apply(shift.person, partner, shift, None, "参加市里组织的防汛培训")
            except Exception:  # noqa: BLE001 - try the next partner whose shifts fit the rules
                continue
            services.swap_decide(swap, partner, approve=True)
            for head in list(swap.actors()) if swap.state == Swap.State.AWAITING_HEAD else []:
                services.swap_decide(swap, head, approve=True)
                break
            return


def load(demo: dict) -> str:
    """The demo command's entry point (lib/management/commands/demo.py)."""
    rosters = build(demo["units"])
    return f"demo rosters: {len(rosters)} (last month and this month published, next month a draft)"
