"""Approval chains (审批): an exemption (A3.1) and a swap (A3.2) pass through the same kind of chain,
one step per state, each step taken by the person it names or by the holders of a role.

Each application model lists its steps (`STEPS`, state -> Step) and mixes in `Approvable`, which says
who acts now, whether a person may, and what a decision writes; `roster.services` carries the decision
out (a conditional update, its audit row and the notices) in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from django.utils import timezone

from zhiban.org.models import Person, Unit
from zhiban.org.roles import OWN_UNIT_ROLES, holds_role, role_holders


class ApprovalRefused(Exception):
    """A decision that cannot be taken; the message says why, in words for the person deciding."""


class NotYourStep(ApprovalRefused):
    def __init__(self, message: str = "这一步不由您办理"):
        super().__init__(message)


class AlreadyDecided(ApprovalRefused):
    def __init__(self, message: str = "该申请已被他人处理"):
        super().__init__(message)


@dataclass(frozen=True)
class Step:
    """One step of a chain: who takes it, the state approval leads to, and the fields that record it."""

    role: str | None  # holders of this role for the unit act; None: the person the application names
    then: str  # the state after approval
    stamp: str  # the application's "<stamp>_at" (and "<stamp>_by" where it has one) record the approval
    note_on_approval: bool = False  # the approver's note is kept on approval too, not only on refusal


class Approvable:
    """Mixed into an application model that has `state`, the `STEPS` of its chain and a `REJECTED` state."""

    STEPS: ClassVar[dict[str, Step]]
    REJECTED: ClassVar[str]
    NOTE_FIELD: ClassVar[str]

    def approval_unit(self) -> Unit:
        """The unit whose business the application is (whose approvers and duty office decide)."""
        raise NotImplementedError

    def applicants(self) -> list[Person]:
        """Who asked: never an approver of their own application."""
        raise NotImplementedError

    def named_actor(self) -> Person | None:
        """The person a step with no role names (a swap's partner)."""
        return None

    def approvers(self) -> list[Person]:
        """Who approved a step so far: each step is signed by a different person (A3.1: the department
        head and the supervising leader are two people, and the duty office a third)."""
        found = []
        for step in self.STEPS.values():
            person = getattr(self, f"{step.stamp}_by", None) if step.role is not None else None
            if person is not None:
                found.append(person)
        return found

    def _excluded(self) -> list[Person]:
        return [*self.applicants(), *self.approvers()]

    @property
    def step(self) -> Step | None:
        return self.STEPS.get(self.state)

    def actors(self) -> list[Person]:
        """Who is asked to act now: the person named, or the holders of the step's role in the unit (or
        the nearest unit above that has them; an approver in the unit itself only)."""
        step = self.step
        if step is None:
            return []
        if step.role is None:
            return [p for p in [self.named_actor()] if p is not None]
        return role_holders(
            self.approval_unit(),
            [step.role],
            nearest_above=step.role not in OWN_UNIT_ROLES,
            exclude=self._excluded(),
        )

    def may_act(self, person: Person | None) -> bool:
        """Whether `person` may take the current step: the person named, or a holder of its role where
        it acts for the unit (its own unit or one above, an approver its own unit only)."""
        step = self.step
        if step is None or person is None:
            return False
        if step.role is None:
            named = self.named_actor()
            return named is not None and named.pk == person.pk
        if any(p.pk == person.pk for p in self._excluded()):
            return False
        return holds_role(person, [step.role], self.approval_unit())

    def next_state(self, step: Step) -> str:
        """The state approval leads to; a chain may skip a step its unit's policy does not ask for."""
        return step.then

    def decision(self, by: Person, approve: bool, note: str = "") -> dict:
        """The fields a decision at the current step writes. Raises NotYourStep if `by` may not take it."""
        step = self.step
        if step is None or not self.may_act(by):
            raise NotYourStep()
        if not approve:
            return {"state": self.REJECTED, self.NOTE_FIELD: note[:200]}
        changes = {"state": self.next_state(step), f"{step.stamp}_at": timezone.now()}
        if any(f.name == f"{step.stamp}_by" for f in self._meta.fields):
            changes[f"{step.stamp}_by"] = by
        if step.note_on_approval:
            changes[self.NOTE_FIELD] = note[:200]
        return changes
