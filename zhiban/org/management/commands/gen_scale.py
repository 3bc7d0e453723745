"""Benchmark data: a city of N units and M people, with roles, training, duty lines and contacts.

Built with bulk inserts level by level (a unit's path needs its parent's id), so 500 units and 20,000
people take seconds, not minutes."""

from __future__ import annotations

import datetime as dt
import random

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from zhiban.org.caching import bump_data_generation
from zhiban.org.demo_data import DEMO_PASSWORD, GIVEN, SURNAMES
from zhiban.org.models import (
    Contact,
    ContactKey,
    ContactNumber,
    DutyLine,
    Person,
    Role,
    RoleAssignment,
    TrainingRecord,
    Unit,
    User,
)


class Command(BaseCommand):
    help = "Generates a large city for benchmarks: --units 500 --people 20000 (into an empty database)."

    def add_arguments(self, parser):
        parser.add_argument("--units", type=int, default=500)
        parser.add_argument("--people", type=int, default=20000)
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument(
            "--duty-county",
            type=int,
            default=0,
            help="give the first county this many more people on its duty roster (a tenth of them leaders), "
            "trained: the roster solver's bench",
        )

    def handle(self, *args, units: int, people: int, seed: int, duty_county: int = 0, **options):
        if Unit.objects.exists():
            raise CommandError("the database already has units; gen_scale fills an empty one")
        if units < 10 or people < units:
            raise CommandError("need at least 10 units and one person per unit")
        rng = random.Random(seed)
        with transaction.atomic():
            all_units = _units(units)
            people_rows = _people(all_units, people, rng)
            _roles_and_training(all_units, people_rows, rng)
            _lines_and_contacts(all_units, people_rows)
            if duty_county:
                _duty_county(all_units, duty_county, rng)
            admin = User.objects.create_user("admin", password=DEMO_PASSWORD)
            Person.objects.filter(pk=people_rows[0].pk).update(user=admin)
            bump_data_generation()  # bulk writes send no signals
        self.stdout.write(
            f"generated {Unit.objects.count()} units, {Person.objects.count()} people, "
            f"{Contact.objects.count()} contacts, {ContactKey.objects.count()} contact keys; "
            f"login admin / {DEMO_PASSWORD} (city duty-office administrator)"
        )


def _insert_level(rows: list[Unit]) -> list[Unit]:
    for unit in rows:  # bulk_create calls no save()
        unit.search_text = Unit.search_text_for(unit.name, unit.short_name)
    created = Unit.objects.bulk_create(rows)
    for unit in created:
        unit.path = f"{unit.parent.path if unit.parent else '/'}{unit.pk}/"
        unit.depth = unit.path.count("/") - 2
    Unit.objects.bulk_update(created, ["path", "depth"])
    return created


def _units(total: int) -> list[Unit]:
    city = _insert_level([Unit(name="规模市人民政府", short_name="规模市", kind=Unit.Kind.CITY)])[0]
    n_counties = max(2, total // 30)
    counties = _insert_level(
        [
            Unit(
                name=f"第{i + 1}县人民政府" if i % 6 else f"第{i + 1}开发区管委会",
                short_name=f"{i + 1}县",
                kind=Unit.Kind.COUNTY if i % 6 else Unit.Kind.ZONE,
                parent=city,
                order=i,
            )
            for i in range(n_counties)
        ]
    )
    townships = _insert_level(
        [
            Unit(
                name=f"{c.short_name}第{j + 1}镇",
                short_name=f"{c.short_name}{j + 1}镇",
                kind=Unit.Kind.TOWNSHIP,
                parent=c,
                order=j,
            )
            for c in counties
            for j in range(5)
        ]
    )
    governments = [city, *counties]
    remaining = total - 1 - len(counties) - len(townships)
    departments = _insert_level(
        [
            Unit(
                name=f"{governments[i % len(governments)].short_name}第{i // len(governments) + 1}局",
                kind=Unit.Kind.DEPARTMENT,
                parent=governments[i % len(governments)],
                order=100 + i,
            )
            for i in range(max(0, remaining))
        ]
    )
    return [city, *counties, *townships, *departments]


def _people(units: list[Unit], total: int, rng: random.Random) -> list[Person]:
    rows = []
    for i in range(total):
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        unit = units[i % len(units)]
        rows.append(
            Person(
                name=name,
                gender=rng.choice("MF"),
                unit=unit,
                position="值班员" if i % 7 else "科长",
                mobile=f"13{i:09d}",
                office_phone=f"0558-{6000000 + i}",
                order=i,
                search_text=Person.search_text_for(name),
            )
        )
    return Person.objects.bulk_create(rows, batch_size=2000)


def _roles_and_training(units, people, rng) -> None:
    roles, trainings = [], []
    today = timezone.localdate()
    for index, person in enumerate(people[: len(units) * 10]):
        unit = person.unit
        role = [Role.DUTY_ADMIN, Role.LEADER, Role.LEADER] + [Role.DUTY_STAFF] * 7
        roles.append(RoleAssignment(person=person, unit=unit, role=role[index // len(units) % 10]))
        trainings.append(
            TrainingRecord(
                person=person,
                kind="pre_job",
                date=today - dt.timedelta(days=900),
                content="岗前培训",
                result="passed",
            )
        )
        trainings.append(
            TrainingRecord(
                person=person,
                kind="annual",
                date=today - dt.timedelta(days=rng.randint(10, 300)),
                content="年度培训",
                result="passed",
            )
        )
    RoleAssignment.objects.bulk_create(roles, batch_size=2000)
    TrainingRecord.objects.bulk_create(trainings, batch_size=2000)


def _duty_county(units: list[Unit], size: int, rng: random.Random) -> None:
    """The first county's duty roster grown to `size` people: one in ten a leader on duty, the rest duty
    staff, all trained; its own people go first."""
    county = next(u for u in units if u.kind == Unit.Kind.COUNTY)
    have = set(RoleAssignment.objects.filter(unit=county).values_list("person_id", flat=True))
    extra = Person.objects.bulk_create(
        [
            Person(
                name=(name := rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)),
                gender=rng.choice("MF"),
                unit=county,
                position="值班员",
                mobile=f"15{i:09d}",
                order=10_000 + i,
                search_text=Person.search_text_for(name),
            )
            for i in range(max(0, size - len(have)))
        ]
    )
    today = timezone.localdate()
    RoleAssignment.objects.bulk_create(
        RoleAssignment(person=p, unit=county, role=Role.LEADER if i % 10 == 0 else Role.DUTY_STAFF)
        for i, p in enumerate(extra)
    )
    TrainingRecord.objects.bulk_create(
        TrainingRecord(
            person=p, kind=kind, date=today - dt.timedelta(days=days), content="培训", result="passed"
        )
        for p in extra
        for kind, days in (("pre_job", 900), ("annual", 300))
    )


def _lines_and_contacts(units, people) -> None:
    lines, contacts = [], []
    for index, unit in enumerate(units):
        base = 5000000 + index * 10
        lines += [
            DutyLine(unit=unit, kind="24h", number=f"0558-{base}"),
            DutyLine(unit=unit, kind="fixed", number=f"0558-{base + 1}"),
            DutyLine(unit=unit, kind="fixed", number=f"0558-{base + 2}"),
            DutyLine(unit=unit, kind="fax", number=f"0558-{base + 9}"),
        ]
        contacts.append(Contact(unit=unit, kind="duty_office", name=unit.duty_office, organisation=unit.name))
    DutyLine.objects.bulk_create(lines, batch_size=2000)
    # Leaders and office heads of every unit are in the directory: a fifth of everyone.
    for person in people[::5]:
        contacts.append(
            Contact(
                unit=person.unit,
                kind="leader",
                name=person.name,
                organisation=person.unit.name,
                position=person.position,
                person=person,
            )
        )
    contacts = Contact.objects.bulk_create(contacts, batch_size=2000)
    numbers, keys = [], []
    for contact in contacts:
        phone = contact.person.office_phone if contact.person else f"0558-{7000000 + contact.pk}"
        numbers.append(ContactNumber(contact=contact, label="office", number=phone))
        if contact.person:
            numbers.append(
                ContactNumber(
                    contact=contact, label="mobile", number=contact.person.mobile, internal_only=True
                )
            )
        keys.extend(ContactKey(contact=contact, key=key) for key in contact.search_keys())
    ContactNumber.objects.bulk_create(numbers, batch_size=5000)
    ContactKey.objects.bulk_create(keys, batch_size=5000)
