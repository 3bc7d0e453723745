"""Who reads and handles calls, phone notices, visits, documents, matters and instructions.

Duty records are read by the duty roles over their unit (org.access.duty_q, A2.7/B15) and handled by
the people of its duty office or one above it. A matter is also seen and handled by its owner wherever
the owner sits (B12); an instruction by its leader and by each person who must act on it. Classified
calls, visits, documents, matters and instructions (秘密, 机密) are read by the duty roles of their own
unit only (and by the matter's owner, the instruction's leader and targets), each cleared for the
level (org.access.classified_q); a refused attempt and every granted read are audited."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from zhiban.intake.models import Call, Document, DocumentAttachment, Instruction, Matter, PhoneNotice, Visit
from zhiban.org.access import Scope, check_act, classified_q, duty_q, fetch, fetch_classified, scope_for
from zhiban.org.models import User

# who took a record down: that person may always complete it, wherever they work from
TAKER = {"Call": "taken_by_id", "PhoneNotice": "by_id", "Visit": "received_by_id", "Document": "handler_id"}


def may_change(scope: Scope, record) -> bool:
    """A call, notice, visit or document is changed by the duty office that holds it (its own unit's
    duty staff) or by the person who took it down; the offices above read it, they do not rewrite it."""
    taker = getattr(record, TAKER[type(record).__name__], None)
    return scope.acts_as(record.unit) or (scope.person is not None and taker == scope.person.pk)


def _check_change(scope: Scope, record, act: bool) -> None:
    if act and not may_change(scope, record):
        raise PermissionDenied("值班记录由本单位值班室或原登记人修改；上级值班机构可以查看")


def _read_q(scope: Scope, *own_fields: str) -> tuple[Q, Q | None]:
    """Who reads a kind of record: the duty roles over its unit, and those with a part of their own in
    it (`own_fields`: a matter's owner); with the latter's filter, None when there are none."""
    if scope.person is None or not own_fields:
        return duty_q(scope), None
    own = Q(pk__in=[])
    for name in own_fields:
        own |= Q(**{name: scope.person})
    return duty_q(scope) | own, own


def _q(scope: Scope, *own_fields: str) -> Q:
    """The records of a kind this person opens: read, and cleared for the level (A2.7/B15)."""
    read_q, own = _read_q(scope, *own_fields)
    return read_q & classified_q(scope, own=own)


def _fetch(scope: Scope, queryset, pk, *own_fields: str):
    read_q, own = _read_q(scope, *own_fields)
    return fetch_classified(queryset, pk, read_q, classified_q(scope, own=own))


def _get_record(user: User, model, pk, act: bool, related: tuple[str, ...] = ()):
    scope = scope_for(user)
    record = _fetch(scope, model.objects.select_related("unit", *related), pk)
    _check_change(scope, record, act)
    return record


def get_call_for_user(user: User, pk, act: bool = False) -> Call:
    return _get_record(user, Call, pk, act)


def get_notice_for_user(user: User, pk, act: bool = False) -> PhoneNotice:
    scope = scope_for(user)
    notice = fetch(PhoneNotice.objects.select_related("unit"), pk, duty_q(scope))
    _check_change(scope, notice, act)
    return notice


def get_visit_for_user(user: User, pk, act: bool = False) -> Visit:
    return _get_record(user, Visit, pk, act)


MATTER_OWN = ("owner",)
INSTRUCTION_OWN = ("targets__person", "leader")


def matter_q(scope: Scope) -> Q:
    return _q(scope, *MATTER_OWN)


def get_matter_for_user(user: User, pk, act: bool = False) -> Matter:
    """A matter is read over its unit and by its owner; its owner handles it wherever they sit."""
    scope = scope_for(user)
    matter = _fetch(scope, Matter.objects.select_related("unit"), pk, *MATTER_OWN)
    if scope.person is None or matter.owner_id != scope.person.pk:
        check_act(scope, matter.unit, act)
    return matter


def get_document_for_user(user: User, pk, act: bool = False) -> Document:
    """A document over its unit; a classified one to its own unit's duty staff only, and an attempt by
    anyone else who reads the unit's records is audited as refused (A2.7)."""
    return _get_record(user, Document, pk, act, ("handler",))


def get_document_attachment_for_user(user: User, pk, act: bool = False) -> DocumentAttachment:
    """A scan of a document, read by whoever reads the document (a classified one's refusal audited)."""
    try:
        attachment = DocumentAttachment.objects.select_related("document").get(pk=pk)
    except (DocumentAttachment.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None
    get_document_for_user(user, attachment.document_id, act=act)
    return attachment


def instruction_q(scope: Scope) -> Q:
    return _q(scope, *INSTRUCTION_OWN)


def get_instruction_for_user(user: User, pk, act: bool = False) -> Instruction:
    """An instruction is seen by the duty roles over its unit, its leader and each person who must act."""
    scope = scope_for(user)
    queryset = Instruction.objects.select_related("unit", "leader").distinct()
    instruction = _fetch(scope, queryset, pk, *INSTRUCTION_OWN)
    check_act(scope, instruction.unit, act)
    return instruction
