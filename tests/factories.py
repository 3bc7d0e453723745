"""Small factory functions; every test builds what it needs with these."""

from __future__ import annotations

import datetime as dt
import itertools
import re

from django.utils import timezone

from zhiban.org.models import (
    Contact,
    ContactNumber,
    DutyLine,
    Person,
    RoleAssignment,
    TrainingRecord,
    Unit,
    User,
)

_seq = itertools.count(1)


def make_unit(name: str, kind=Unit.Kind.DEPARTMENT, parent: Unit | None = None, **extra) -> Unit:
    return Unit.objects.create(name=name, kind=kind, parent=parent, **extra)


def make_person(
    unit: Unit,
    name: str | None = None,
    *,
    roles=(),
    role_unit: Unit | None = None,
    login: bool = True,
    system_role: str = "",
    **extra,
) -> Person:
    n = next(_seq)
    user = None
    if login:
        user = User.objects.create(username=f"user{n}", system_role=system_role)
        user.set_unusable_password()
        user.save()
    person = Person.objects.create(
        name=name or f"测试{n}",
        gender=extra.pop("gender", "M"),
        unit=unit,
        user=user,
        mobile=extra.pop("mobile", f"138{n:08d}"),
        **extra,
    )
    for role in roles:
        RoleAssignment.objects.create(person=person, unit=role_unit or unit, role=role)
    return person


def make_system_user(system_role: str) -> User:
    user = User.objects.create(username=f"sys{next(_seq)}", system_role=system_role)
    user.set_unusable_password()
    user.save()
    return user


def train(
    person: Person, kind=TrainingRecord.Kind.PRE_JOB, on: dt.date | None = None, result="passed"
) -> TrainingRecord:
    return TrainingRecord.objects.create(
        person=person, kind=kind, date=on or timezone.localdate(), content="值班业务培训", result=result
    )


def make_contact(unit: Unit, name: str, *, numbers=(("office", "0558-1234567", False),), **extra) -> Contact:
    contact = Contact.objects.create(
        unit=unit, kind=extra.pop("kind", Contact.Kind.LEADER), name=name, **extra
    )
    for label, number, internal in numbers:
        ContactNumber.objects.create(contact=contact, label=label, number=number, internal_only=internal)
    return contact


def make_line(unit: Unit, kind=DutyLine.Kind.FIXED, number: str | None = None) -> DutyLine:
    return DutyLine.objects.create(unit=unit, kind=kind, number=number or f"0558-{5000000 + next(_seq)}")


def listed_contacts(response) -> dict[int, str]:
    """Contact id -> name, as the directory page shows them (its rows are rendered HTML)."""
    return {
        int(pk): name
        for pk, name in re.findall(r'href="/org/contacts/(\d+)/">([^<]*)</a>', response.content.decode())
    }


def make_shift_types(unit: Unit, *, leader_on_holidays: bool = True) -> None:
    """The usual county pattern: a 24-hour shift from 08:30 with a primary, a deputy and a standby;
    on holidays and in sensitive periods also a leader on duty."""
    from zhiban.roster.models import DayKind, ShiftType

    for kind in DayKind.values:
        leaders = 1 if leader_on_holidays and kind in (DayKind.HOLIDAY, DayKind.SENSITIVE) else 0
        ShiftType.objects.create(
            unit=unit,
            day_kind=kind,
            name="全天班",
            start=dt.time(8, 30),
            hours=24,
            leaders=leaders,
            primaries=1,
            deputies=1,
            standbys=1,
        )


def make_roster(unit: Unit, start: dt.date, days: int, **extra):
    from zhiban.roster.models import Roster

    return Roster.objects.create(
        unit=unit, title=f"{unit.label}值班表", start=start, end=start + dt.timedelta(days=days - 1), **extra
    )


def make_assignment(
    roster, person: Person, day: dt.date, post: str = "primary", hours: int = 24, start=(8, 30)
):
    from zhiban.roster.models import Assignment

    begin = timezone.make_aware(dt.datetime.combine(day, dt.time(*start)))
    return Assignment.objects.create(
        roster=roster,
        person=person,
        day=day,
        shift_name="全天班",
        start=begin,
        end=begin + dt.timedelta(hours=hours),
        night=begin.hour + hours > 24,
        post=post,
    )


def make_exemption(person: Person, start: dt.date, end: dt.date, state: str = "applied"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from zhiban.roster.models import Exemption

    return Exemption.objects.create(
        person=person,
        start=start,
        end=end,
        reason="术后休养",
        hospital="示范市第一人民医院",
        state=state,
        hospital_record=SimpleUploadedFile("病历.pdf", b"%PDF-1.4 record"),
        rest_note=SimpleUploadedFile("休息证明.pdf", b"%PDF-1.4 note"),
    )
