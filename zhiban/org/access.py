"""Who sees and writes what (DESIGN.md §Access).

A person reads their own unit. A duty role (duty-office administrator, leader on duty, duty staff,
inspector) in a unit reads that unit's whole subtree: it is the superior duty office of everything
below. Only duty-office administrators write, in their subtree; inspectors read and never write.
The three system roles are global: the system administrator runs the organisation, the security
administrator accounts and roles, the audit administrator reads the audit trail. Siblings never see
each other: every accessor raises 404 for an object outside the scope, 403 for a read-only one."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field, replace

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Q, QuerySet
from django.http import Http404

from zhiban.org.models import (
    Contact,
    DataGeneration,
    DutyLine,
    DutyNumberFiling,
    Person,
    Role,
    RoleAssignment,
    TrainingRecord,
    Unit,
    UnitActivity,
    User,
)

SUBTREE_READ_ROLES = {Role.DUTY_ADMIN, Role.LEADER, Role.DUTY_STAFF, Role.INSPECTOR}
WRITE_ROLES = {Role.DUTY_ADMIN}
# Roles that act for a duty office (take calls, acknowledge filings); inspectors only watch.
ACT_ROLES = {Role.DUTY_ADMIN, Role.LEADER, Role.DUTY_STAFF}


@dataclass
class Scope:
    user: User
    person: Person | None = None
    all_units: bool = False
    write_all: bool = False
    manage_accounts: bool = False
    read_audit: bool = False
    read_paths: set[str] = field(default_factory=set)
    read_unit_ids: set[int] = field(default_factory=set)
    write_paths: set[str] = field(default_factory=set)
    act_paths: set[str] = field(default_factory=set)
    member_unit_ids: set[int] = field(default_factory=set)
    member_paths: set[str] = field(default_factory=set)
    home_unit_id: int | None = None
    home_unit: Unit | None = None
    root_paths: set[str] = field(default_factory=set)  # the tops of what this person sees

    # --- queries -----------------------------------------------------------------------------------
    def unit_q(self, prefix: str = "", write: bool = False) -> Q:
        """A filter for rows whose unit is in scope; `prefix` is the path to the unit ("unit__")."""
        if self.write_all or (self.all_units and not write):
            return Q()
        paths = self.write_paths if write else self.read_paths
        q = Q(pk__in=[])
        for path in paths:
            q |= Q(**{f"{prefix}path__startswith": path})
        if not write and self.read_unit_ids:
            q |= Q(
                **{f"{prefix}pk__in": self.read_unit_ids}
                if prefix == ""
                else {f"{prefix[:-2]}_id__in": self.read_unit_ids}
            )
        return q

    def subtree_q(self, prefix: str = "") -> Q:
        """Rows whose unit lies in a subtree this person oversees (not a unit merely read on its own)."""
        if self.all_units:
            return Q()
        q = Q(pk__in=[])
        for path in self.read_paths:
            q |= Q(**{f"{prefix}path__startswith": path})
        return q

    def oversees(self, unit: Unit) -> bool:
        return self.all_units or any(unit.path.startswith(p) for p in self.read_paths)

    def units(self, write: bool = False) -> QuerySet[Unit]:
        return Unit.objects.filter(self.unit_q(write=write))

    def can_read_unit(self, unit: Unit) -> bool:
        return (
            self.all_units
            or self.write_all
            or unit.pk in self.read_unit_ids
            or any(unit.path.startswith(p) for p in self.read_paths)
        )

    def can_write_unit(self, unit: Unit) -> bool:
        return self.write_all or self.administers_duty_of(unit)

    def administers_duty_of(self, unit: Unit) -> bool:
        """Whether the person is a duty-office administrator of `unit` or a unit above it: duty content
        (the duty manual) is theirs; the system administrator runs the platform, not its content (三员)."""
        return any(unit.path.startswith(p) for p in self.write_paths)

    def acts_for_unit(self, unit: Unit) -> bool:
        """Whether the person works in the duty office of `unit` or of a unit above it."""
        return self.person is not None and any(unit.path.startswith(p) for p in self.act_paths)

    def acts_as(self, unit: Unit) -> bool:
        """Whether the person works in the duty office of `unit` itself: what only the unit may do in
        its own name (report its event, receive what was sent to it, answer what it was asked)."""
        return self.person is not None and unit.path in self.act_paths

    @property
    def can_write(self) -> bool:
        return self.write_all or bool(self.write_paths)

    def is_member_of(self, unit_id: int) -> bool:
        """A1.7: internal-only numbers are shown to people of the unit itself, no one else."""
        return unit_id in self.member_unit_ids

    def contact_q(self) -> Q:
        """Contacts of the units in scope, and of the units above one's own (their public numbers)."""
        ancestor_ids = {int(i) for p in self.member_paths for i in p.strip("/").split("/") if i}
        return self.unit_q("unit__") | Q(unit_id__in=ancestor_ids)


def scope_for(user: User) -> Scope:
    """Kept on the user object for the request, and per process for the current access generation."""
    cached = getattr(user, "_zhiban_scope", None)
    if cached is not None:
        return cached
    scope = _cached_scope(user) if user.is_authenticated and user.is_active else Scope(user=user)
    user._zhiban_scope = scope
    return scope


class GenerationCache:
    """A per-process cache valid for one data generation. Each request reads the generation once
    (check()); entries are keyed by the generation their request read, so a fragment built from data
    read just before a change can never be served after it, even with several threads; a new generation
    empties every cache."""

    _all: list[GenerationCache] = []
    _seen: int | None = None
    _request = threading.local()  # the generation this thread's current request read

    def __init__(self, size: int):
        self.size = size
        self.entries: dict = {}
        GenerationCache._all.append(self)

    def get_or_build(self, key, build):
        generation = getattr(self._request, "generation", None)
        if generation is None:  # no generation read in this request: nothing to trust
            return build()
        value = self.entries.get((generation, key))
        if value is None:
            value = build()
            if len(self.entries) >= self.size:
                self.entries.clear()
            self.entries[generation, key] = value
        return value

    @classmethod
    def forget(cls) -> None:
        cls._seen = None
        cls._request.generation = None
        for cache in cls._all:
            cache.entries.clear()

    @classmethod
    def check(cls) -> None:
        """Read the generation (one indexed row) and drop every cache made for another one."""
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT value FROM {DataGeneration._meta.db_table} WHERE id = 1")
            row = cursor.fetchone()
        generation = row[0] if row else 0
        if generation != cls._seen:
            cls.forget()
            cls._seen = generation
        cls._request.generation = generation


def bump_data_generation() -> None:
    """Call in the transaction that changes a unit, person, role or contact (signals do it for saves).
    A new random value, not an increment: a generation seen inside a transaction that was rolled back
    can then never come back as the number of a later, different state."""
    value = secrets.randbits(62) + 1
    if not DataGeneration.objects.filter(pk=1).update(value=value):
        DataGeneration.objects.update_or_create(pk=1, defaults={"value": value})


def bump_unit_activity(unit_id: int | None) -> None:
    """Call in the transaction that changes a unit's duty records (signals do it for saves); a random
    value for the same reason as bump_data_generation."""
    if unit_id is None:
        return
    with connection.cursor() as cursor:  # one statement: it runs with every save of a duty record
        cursor.execute(
            f"INSERT INTO {UnitActivity._meta.db_table} (unit_id, value) VALUES (%s, %s) "
            "ON CONFLICT (unit_id) DO UPDATE SET value = excluded.value",
            [unit_id, secrets.randbits(62) + 1],
        )


def unit_activity(unit_id: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT value FROM {UnitActivity._meta.db_table} WHERE unit_id = %s", [unit_id])
        row = cursor.fetchone()
    return row[0] if row else 0


_scopes = GenerationCache(size=5000)  # (user id, system role) -> scope without its user


def _cached_scope(user: User) -> Scope:
    """The two queries and path sets of a scope are built once per user and generation."""
    GenerationCache.check()

    def build() -> Scope:
        scope = Scope(user=user)
        _fill(scope, user)
        return replace(scope, user=None)

    return replace(_scopes.get_or_build((user.pk, user.system_role), build), user=user)


def scope_key(scope: Scope) -> tuple:
    """What a scope-dependent fragment depends on: everything the person may read, and where they belong."""
    return (
        scope.all_units,
        frozenset(scope.read_paths),
        frozenset(scope.read_unit_ids),
        frozenset(scope.member_unit_ids),
        frozenset(scope.member_paths),
        scope.can_write,
    )


def _fill(scope: Scope, user: User) -> None:
    role = user.system_role
    scope.all_units = bool(role)
    scope.write_all = role == User.SystemRole.SYSTEM_ADMIN
    scope.manage_accounts = role in (User.SystemRole.SYSTEM_ADMIN, User.SystemRole.SECURITY_ADMIN)
    scope.read_audit = role == User.SystemRole.AUDIT_ADMIN
    person = Person.objects.select_related("unit").filter(user=user, active=True).first()
    scope.person = person
    if person is None:
        return
    scope.read_unit_ids.add(person.unit_id)
    scope.member_unit_ids.add(person.unit_id)
    scope.member_paths.add(person.unit.path)
    home = person.unit
    for assignment in RoleAssignment.objects.filter(person=person).select_related("unit"):
        unit = assignment.unit
        scope.member_unit_ids.add(unit.pk)
        scope.member_paths.add(unit.path)
        if assignment.role in SUBTREE_READ_ROLES:
            scope.read_paths.add(unit.path)
            if unit.depth < home.depth:
                home = unit
        else:
            scope.read_unit_ids.add(unit.pk)
        if assignment.role in WRITE_ROLES:
            scope.write_paths.add(unit.path)
        if assignment.role in ACT_ROLES:
            scope.act_paths.add(unit.path)
    scope.home_unit_id, scope.home_unit = home.pk, home
    paths = scope.read_paths | {person.unit.path}
    scope.root_paths = {p for p in paths if not any(p != q and p.startswith(q) for q in paths)}


def _fetch(queryset: QuerySet, pk, read_q: Q):
    try:
        return queryset.filter(read_q).get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def _check_write(scope: Scope, unit: Unit, write: bool) -> None:
    if write and not scope.can_write_unit(unit):
        raise PermissionDenied("只读权限，不能修改")


def get_unit_for_user(user: User, pk, write: bool = False) -> Unit:
    scope = scope_for(user)
    unit = _fetch(Unit.objects.select_related("parent"), pk, scope.unit_q())
    _check_write(scope, unit, write)
    return unit


def get_person_for_user(user: User, pk, write: bool = False) -> Person:
    scope = scope_for(user)
    person = _fetch(Person.objects.select_related("unit", "user"), pk, scope.unit_q("unit__"))
    _check_write(scope, person.unit, write)
    return person


def get_contact_for_user(user: User, pk, write: bool = False) -> Contact:
    scope = scope_for(user)
    contact = _fetch(Contact.objects.select_related("unit"), pk, scope.contact_q())
    _check_write(scope, contact.unit, write)
    return contact


def get_duty_line_for_user(user: User, pk, write: bool = False) -> DutyLine:
    scope = scope_for(user)
    line = _fetch(DutyLine.objects.select_related("unit"), pk, scope.unit_q("unit__"))
    _check_write(scope, line.unit, write)
    return line


def get_training_for_user(user: User, pk, write: bool = False) -> TrainingRecord:
    scope = scope_for(user)
    record = _fetch(TrainingRecord.objects.select_related("person__unit"), pk, scope.unit_q("person__unit__"))
    _check_write(scope, record.person.unit, write)
    return record


def get_filing_for_user(user: User, pk) -> DutyNumberFiling:
    """A filing is seen by its unit and by the superior it was filed with (and that one's superiors)."""
    scope = scope_for(user)
    return _fetch(
        DutyNumberFiling.objects.select_related("unit", "superior"),
        pk,
        scope.unit_q("unit__") | scope.subtree_q("superior__"),
    )


def current_unit(request) -> Unit | None:
    """The unit the person is working as: their home unit, or one of its subtree they switched to."""
    scope = scope_for(request.user)
    unit_id = request.session.get("unit_id") or scope.home_unit_id
    if unit_id and unit_id == scope.home_unit_id:
        return scope.home_unit
    unit = None
    if unit_id:
        unit = Unit.objects.filter(scope.unit_q(), pk=unit_id).first()
    if unit is None and scope.all_units:
        unit = Unit.objects.filter(parent=None).order_by("order", "id").first()
    return unit


# --- roster ----------------------------------------------------------------------------------------
# (here with the others, so every accessor reads the same Scope; the models are imported late because
# the roster app depends on this one)


def get_roster_for_user(user: User, pk, write: bool = False):
    from zhiban.roster.models import Roster

    scope = scope_for(user)
    roster = _fetch(Roster.objects.select_related("unit"), pk, scope.unit_q("unit__"))
    _check_write(scope, roster.unit, write)
    return roster


def get_assignment_for_user(user: User, pk, write: bool = False):
    from zhiban.roster.models import Assignment

    scope = scope_for(user)
    assignment = _fetch(
        Assignment.objects.select_related("roster__unit", "person"), pk, scope.unit_q("roster__unit__")
    )
    _check_write(scope, assignment.roster.unit, write)
    return assignment


def get_exemption_for_user(user: User, pk):
    """An exemption is seen by the applicant and by whoever reads the applicant's unit."""
    from zhiban.roster.models import Exemption

    scope = scope_for(user)
    q = scope.unit_q("person__unit__")
    if scope.person is not None:
        q |= Q(person=scope.person)
    return _fetch(Exemption.objects.select_related("person__unit"), pk, q)


def get_swap_for_user(user: User, pk):
    """A swap is seen by the applicant, the partner, and whoever reads the roster's unit."""
    from zhiban.roster.models import Swap

    scope = scope_for(user)
    q = scope.unit_q("shift__roster__unit__")
    if scope.person is not None:
        q |= Q(applicant=scope.person) | Q(partner=scope.person)
    return _fetch(
        Swap.objects.select_related("shift__roster__unit", "partner_shift", "applicant", "partner"), pk, q
    )


def get_roster_setting_for_user(user: User, model, pk, write: bool = False):
    """A shift type, holiday entry or sensitive period (roster settings, each owned by a unit). A national
    holiday entry (no unit) is read by all and written only by the system administrator."""
    scope = scope_for(user)
    q = scope.unit_q("unit__")
    if model._meta.get_field("unit").null:
        q |= Q(unit=None)
    obj = _fetch(model.objects.select_related("unit"), pk, q)
    if write:
        if obj.unit is None and not scope.write_all:
            raise PermissionDenied("全国性节假日安排只能由系统管理员修改")
        if obj.unit is not None:
            _check_write(scope, obj.unit, True)
    return obj


# --- intake and shifts -----------------------------------------------------------------------------
SECRET_CLASSES = ("secret", "confidential")


def duty_q(scope: Scope, prefix: str = "unit__") -> Q:
    """A2.7/B15: duty records (calls, visits, documents, matters, the duty log) are read by the duty
    roles of the unit and of the offices above it, never by others who merely work in the unit. The
    three system administrators (三员) run the platform and see every unit, not its duty records."""
    q = Q(pk__in=[])
    for path in scope.read_paths:
        q |= Q(**{f"{prefix}path__startswith": path})
    return q


def reads_duty_of(scope: Scope, unit: Unit) -> bool:
    return any(unit.path.startswith(p) for p in scope.read_paths)


def reveals_secrets(scope: Scope, unit: Unit) -> bool:
    """Classified documents (秘密 and above) are read by the duty roles of their own unit only."""
    return unit.pk in scope.member_unit_ids and scope.oversees(unit) and not scope.all_units


def _check_act(scope: Scope, unit: Unit, act: bool) -> None:
    """Recording and handling are for the people of the unit's duty office or one above it."""
    if act and not scope.acts_for_unit(unit):
        raise PermissionDenied("只有本单位或上级值班人员可以办理")


def get_record_for_user(user: User, model, pk, act: bool = False):
    """A call, phone notice, visit or matter: read by the duty roles over its unit, handled by its duty
    office. A matter is also seen, and handled, by its owner, wherever the owner sits."""
    scope = scope_for(user)
    q = duty_q(scope)
    owns = model.__name__ == "Matter" and scope.person is not None
    if owns:
        q |= Q(owner=scope.person)
    record = _fetch(model.objects.select_related("unit"), pk, q)
    if not (owns and record.owner_id == scope.person.pk):
        _check_act(scope, record.unit, act)
    return record


def document_q(scope: Scope) -> Q:
    """Documents read by the duty roles over their unit; classified ones by their own unit's only."""
    q = duty_q(scope)
    if scope.all_units:
        return q & ~Q(classification__in=SECRET_CLASSES)
    return q & (~Q(classification__in=SECRET_CLASSES) | Q(unit_id__in=scope.member_unit_ids))


def get_document_for_user(user: User, pk, act: bool = False):
    from zhiban.intake.models import Document

    scope = scope_for(user)
    document = _fetch(Document.objects.select_related("unit", "handler"), pk, document_q(scope))
    _check_act(scope, document.unit, act)
    return document


def get_instruction_for_user(user: User, pk, act: bool = False):
    """An instruction is seen by the duty roles over its unit, its leader and each person who must act."""
    from zhiban.intake.models import Instruction

    scope = scope_for(user)
    q = duty_q(scope)
    if scope.person is not None:
        q |= Q(targets__person=scope.person) | Q(leader=scope.person)
    instruction = _fetch(Instruction.objects.select_related("unit", "leader").distinct(), pk, q)
    _check_act(scope, instruction.unit, act)
    return instruction


def get_shift_for_user(user: User, pk, act: bool = False):
    from zhiban.shifts.models import Shift

    scope = scope_for(user)
    shift = _fetch(Shift.objects.select_related("unit"), pk, duty_q(scope))
    _check_act(scope, shift.unit, act)
    return shift


def get_event_for_user(user: User, pk, act: bool = False):
    from zhiban.incidents.models import Event

    scope = scope_for(user)
    event = _fetch(Event.objects.select_related("unit"), pk, duty_q(scope))
    _check_act(scope, event.unit, act)
    return event


def get_report_for_user(user: User, pk, act: bool = False):
    """A report is read over its event's unit (its superiors included); handled by the office it went to."""
    from zhiban.incidents.models import Report

    scope = scope_for(user)
    report = _fetch(
        Report.objects.select_related("event__unit", "to_unit"), pk, duty_q(scope, "event__unit__")
    )
    if act and not scope.acts_as(report.to_unit):
        raise PermissionDenied("只有接报单位的值班人员可以接收或转报")
    return report


def get_verification_for_user(user: User, pk):
    from zhiban.incidents.models import VerificationRequest

    scope = scope_for(user)
    return _fetch(
        VerificationRequest.objects.select_related("from_unit", "to_unit"),
        pk,
        duty_q(scope, "to_unit__") | duty_q(scope, "from_unit__"),
    )


def get_channel_route_for_user(user: User, pk, write: bool = False):
    from zhiban.notify.models import ChannelRoute

    scope = scope_for(user)
    route = _fetch(ChannelRoute.objects.select_related("unit"), pk, scope.unit_q("unit__"))
    _check_write(scope, route.unit, write)
    return route
