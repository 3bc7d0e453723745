"""Who sees and writes what (DESIGN.md §Access): the scope every app's accessors are built on.

A person reads their own unit. A duty role (duty-office administrator, leader on duty, duty staff,
inspector) in a unit reads that unit's whole subtree: it is the superior duty office of everything
below. Only duty-office administrators write, in their subtree; inspectors read and never write.
The three system roles are global: the system administrator runs the organisation, the security
administrator accounts and roles, the audit administrator reads the audit trail. Siblings never see
each other: every accessor raises 404 for an object outside the scope, 403 for a read-only one.

This module holds the scope, the unit-level checks (read, write, act for a duty office, read duty
records) and org's own accessors. Each app above has its own `access.py` with the accessors of its
models (`get_<thing>_for_user`) and their filters (`<thing>_q(scope)`), built from `fetch`, `duty_q`,
`check_write` and `check_act` here."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from zhiban.audit.trail import record_read, record_refusal
from zhiban.lib.classification import CLASSIFIED, Classification, ClassifiedRecord, cleared_for, may_read
from zhiban.org.caching import GenerationCache
from zhiban.org.models import (
    Contact,
    DutyLine,
    DutyNumberFiling,
    Person,
    Role,
    RoleAssignment,
    TrainingRecord,
    Unit,
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
    keep_security: bool = False  # the security administrator (安全管理员): policy, unlocks, resets
    read_paths: set[str] = field(default_factory=set)
    read_unit_ids: set[int] = field(default_factory=set)
    write_paths: set[str] = field(default_factory=set)
    act_paths: set[str] = field(default_factory=set)
    act_unit_ids: set[int] = field(default_factory=set)  # the units whose duty office one works in itself
    member_unit_ids: set[int] = field(default_factory=set)
    member_paths: set[str] = field(default_factory=set)
    home_unit_id: int | None = None
    home_unit: Unit | None = None
    root_paths: set[str] = field(default_factory=set)  # the tops of what this person sees
    clearance: str = Classification.INTERNAL  # A2.7/B15: the highest classification this person may read

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

    def reads(self, record: ClassifiedRecord) -> bool:
        """classified_q's rule on a row in hand (A2.7/B15), for a list that shows a classified record it
        may list but not open by its stand-in: unclassified, or the reader works in its unit's duty
        office (or has a part of their own in it) and is cleared for its level."""
        level = record.classification
        if level not in CLASSIFIED:
            return True
        if self.all_units or self.person is None or not may_read(self.clearance, level):
            return False
        return record.unit_id in self.act_unit_ids or record.read_by(self.person.pk)

    def is_member_of(self, unit_id: int) -> bool:
        """A1.7: internal-only numbers are shown to people of the unit itself, no one else."""
        return unit_id in self.member_unit_ids

    def contact_q(self) -> Q:
        """Contacts of the units in scope, and of the units above one's own (their public numbers). A duty
        officer also finds every unit's duty office, so that an area an event may reach can be called
        (B21); the personal numbers of other units stay out of reach."""
        ancestor_ids = {int(i) for p in self.member_paths for i in p.strip("/").split("/") if i}
        q = self.unit_q("unit__") | Q(unit_id__in=ancestor_ids)
        if self.read_paths:
            q |= Q(kind=Contact.Kind.DUTY_OFFICE)
        return q


def scope_for(user: User) -> Scope:
    """Kept on the user object for the request, and per process for the current access generation."""
    cached = getattr(user, "_zhiban_scope", None)
    if cached is not None:
        return cached
    scope = _cached_scope(user) if user.is_authenticated and user.is_active else Scope(user=user)
    user._zhiban_scope = scope
    return scope


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
    scope.read_audit = user.reads_audit
    scope.keep_security = role == User.SystemRole.SECURITY_ADMIN
    person = Person.objects.select_related("unit").filter(user=user, active=True).first()
    scope.person = person
    if person is None:
        return
    scope.clearance = person.clearance
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
            scope.act_unit_ids.add(unit.pk)
    scope.home_unit_id, scope.home_unit = home.pk, home
    paths = scope.read_paths | {person.unit.path}
    scope.root_paths = {p for p in paths if not any(p != q and p.startswith(q) for q in paths)}


REFUSED = "打开不在其范围内的记录被拒绝"


def fetch(queryset: QuerySet, pk, read_q: Q, audit_refusal: bool = True) -> Model:
    """The row `pk` of `queryset` if `read_q` admits it, else 404 (a bad id is a 404, never a 500). A
    row that exists but that the person may not read is an attempt the audit trail records (MLPS level
    3: access-control failures are audited), by type and id only, never its content."""
    try:
        return queryset.filter(read_q).get(pk=pk)
    except (ValueError, TypeError, OverflowError):
        raise Http404 from None
    except queryset.model.DoesNotExist:
        if audit_refusal and queryset.filter(pk=pk).exists():
            record_refusal(queryset.model, pk, REFUSED)
        raise Http404 from None


def fetch_classified(queryset: QuerySet, pk, read_q: Q, level_q: Q) -> ClassifiedRecord:
    """`fetch` for a record that carries a classification (A2.7/B15): `read_q` says who reads the
    record's kind, `level_q` who of them reads its level (classified_q or cleared_q). 404 otherwise, and
    the attempt audited: as a classified read refused when the person reads the kind, as any other
    refusal when not. A granted read of a classified record is audited too."""
    model = queryset.model
    try:
        record = fetch(queryset, pk, read_q & level_q, audit_refusal=False)
    except Http404:
        if fetch_exists(model.objects.all(), pk, read_q):
            record_refusal(model, pk, f"打开涉密{model.hidden_noun}被拒绝")
        elif fetch_exists(model.objects.all(), pk, Q()):
            record_refusal(model, pk, REFUSED)
        raise
    if record.classified:
        record_read(record, f"查阅{record.get_classification_display()}{record.hidden_noun}")
    return record


def fetch_exists(queryset: QuerySet, pk, read_q: Q) -> bool:
    try:
        return queryset.filter(read_q, pk=pk).exists()
    except (ValueError, TypeError, OverflowError):
        return False


def check_write(scope: Scope, unit: Unit, write: bool = True) -> None:
    """403 when `write` is asked for and the person may not write `unit`'s records."""
    if write and not scope.can_write_unit(unit):
        raise PermissionDenied("只读权限，不能修改")


def check_act(scope: Scope, unit: Unit, act: bool = True) -> None:
    """Recording and handling are for the people of the unit's duty office or one above it."""
    if act and not scope.acts_for_unit(unit):
        raise PermissionDenied("只有本单位或上级值班人员可以办理")


def duty_q(scope: Scope, prefix: str = "unit__") -> Q:
    """A2.7/B15: duty records (calls, visits, documents, matters, events, the duty log) are read by the
    duty roles of the unit and of the offices above it, never by others who merely work in the unit. The
    three system administrators (三员) run the platform and see every unit, not its duty records."""
    q = Q(pk__in=[])
    for path in scope.read_paths:
        q |= Q(**{f"{prefix}path__startswith": path})
    return q


def reads_duty_of(scope: Scope, unit: Unit) -> bool:
    return reads_duty_path(scope, unit.path)


def reads_duty_path(scope: Scope, path: str) -> bool:
    """duty_q for one unit's path, in Python."""
    return any(path.startswith(p) for p in scope.read_paths)


def classified_q(scope: Scope, prefix: str = "", own: Q | None = None, unit: str = "unit_id") -> Q:
    """A2.7/B15: classified records (秘密 and above) are read by the duty staff of their own unit only:
    its duty-office administrators, leaders on duty and duty staff; not by an inspector, not by the
    office above, not by the three system administrators; and of them only by those cleared for the
    record's level (Person.clearance, granted by the security administrator). `own` admits, cleared
    alike, those with a part of their own in the record (a matter's owner); `unit` is the path from the
    record to its unit's id."""
    unclassified = ~Q(**{f"{prefix}classification__in": CLASSIFIED})
    if scope.all_units:
        return unclassified
    cleared = Q(**{f"{prefix}classification__in": cleared_for(scope.clearance)})
    readers = Q(**{f"{prefix}{unit}__in": scope.act_unit_ids})
    if own is not None:
        readers |= own
    return unclassified | (cleared & readers)


def cleared_q(scope: Scope, prefix: str = "") -> Q:
    """A2.7/B15 for records that travel up the chain (events and their reports): whoever reads the unit's
    duty records reads a classified one only with the clearance for its level."""
    if scope.all_units:
        return ~Q(**{f"{prefix}classification__in": CLASSIFIED})
    return Q(**{f"{prefix}classification__in": cleared_for(scope.clearance)})


def may_manage_person(scope: Scope, person: Person) -> bool:
    """A unit admin manages a person only if every role the person holds is within the admin's own
    write scope, and the person's login carries no system role: nobody takes over a stronger account."""
    if scope.write_all or scope.manage_accounts:
        return True
    if not scope.can_write_unit(person.unit):
        return False
    if person.user_id and person.user.system_role:
        return False
    return all(scope.can_write_unit(r.unit) for r in person.roles.select_related("unit"))


def get_unit_for_user(user: User, pk, write: bool = False) -> Unit:
    scope = scope_for(user)
    unit = fetch(Unit.objects.select_related("parent"), pk, scope.unit_q())
    check_write(scope, unit, write)
    return unit


def get_person_for_user(user: User, pk, write: bool = False) -> Person:
    scope = scope_for(user)
    person = fetch(Person.objects.select_related("unit", "user"), pk, scope.unit_q("unit__"))
    check_write(scope, person.unit, write)
    return person


def get_contact_for_user(user: User, pk, write: bool = False) -> Contact:
    scope = scope_for(user)
    contact = fetch(Contact.objects.select_related("unit"), pk, scope.contact_q())
    check_write(scope, contact.unit, write)
    return contact


def get_duty_line_for_user(user: User, pk, write: bool = False) -> DutyLine:
    scope = scope_for(user)
    line = fetch(DutyLine.objects.select_related("unit"), pk, scope.unit_q("unit__"))
    check_write(scope, line.unit, write)
    return line


def get_training_for_user(user: User, pk, write: bool = False) -> TrainingRecord:
    scope = scope_for(user)
    record = fetch(TrainingRecord.objects.select_related("person__unit"), pk, scope.unit_q("person__unit__"))
    check_write(scope, record.person.unit, write)
    return record


def get_filing_for_user(user: User, pk) -> DutyNumberFiling:
    """A filing is seen by its unit and by the superior it was filed with (and that one's superiors)."""
    scope = scope_for(user)
    return fetch(
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


def acting_unit(request) -> tuple[Unit, Person | None]:
    """The unit the person works as, for recording: they must act for its duty office."""
    unit = current_unit(request)
    scope = scope_for(request.user)
    if unit is None or not scope.acts_for_unit(unit):
        raise PermissionDenied("只有本单位值班人员可以登记")
    return unit, scope.person


def duty_unit(request) -> Unit:
    """The unit the person works as, whose duty records they may read (A2.7/B15: duty roles only)."""
    unit = current_unit(request)
    if unit is None or not reads_duty_of(scope_for(request.user), unit):
        raise PermissionDenied("只有值班人员和带班领导可以查看值班记录")
    return unit


def writable_unit(request, message: str = "只读权限，不能修改") -> Unit:
    """The unit the person works as, where they must be a duty-office administrator (or the system's)."""
    unit = current_unit(request)
    if unit is None or not scope_for(request.user).can_write_unit(unit):
        raise PermissionDenied(message)
    return unit
