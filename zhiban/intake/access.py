"""Who reads and handles calls, phone notices, visits, documents, matters and instructions.

Duty records are read by the duty roles over their unit (org.access.duty_q, A2.7/B15) and handled by
the people of its duty office or one above it. A matter is also seen and handled by its owner wherever
the owner sits (B12); an instruction by its leader and by each person who must act on it. Classified
documents are read by the duty roles of their own unit only."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from zhiban.audit.trail import record_read, record_refusal
from zhiban.intake.models import Call, Document, DocumentAttachment, Instruction, Matter, PhoneNotice, Visit
from zhiban.org.access import REFUSED, Scope, check_act, classified_q, duty_q, fetch, fetch_exists, scope_for
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


def _get_record(user: User, model, pk, act: bool):
    scope = scope_for(user)
    record = fetch(model.objects.select_related("unit"), pk, duty_q(scope))
    _check_change(scope, record, act)
    return record


def get_call_for_user(user: User, pk, act: bool = False) -> Call:
    return _get_record(user, Call, pk, act)


def get_notice_for_user(user: User, pk, act: bool = False) -> PhoneNotice:
    return _get_record(user, PhoneNotice, pk, act)


def get_visit_for_user(user: User, pk, act: bool = False) -> Visit:
    return _get_record(user, Visit, pk, act)


def matter_q(scope: Scope) -> Q:
    q = duty_q(scope)
    if scope.person is not None:
        q |= Q(owner=scope.person)
    return q


def get_matter_for_user(user: User, pk, act: bool = False) -> Matter:
    """A matter is read over its unit and by its owner; its owner handles it wherever they sit."""
    scope = scope_for(user)
    matter = fetch(Matter.objects.select_related("unit"), pk, matter_q(scope))
    if scope.person is None or matter.owner_id != scope.person.pk:
        check_act(scope, matter.unit, act)
    return matter


def document_q(scope: Scope) -> Q:
    """Documents read by the duty roles over their unit; classified ones by their own unit's only."""
    return duty_q(scope) & classified_q(scope)


def get_document_for_user(user: User, pk, act: bool = False) -> Document:
    """A document over its unit; a classified one to its own unit's duty staff only, and an attempt by
    anyone else who reads the unit's records is audited as refused (A2.7)."""
    scope = scope_for(user)
    try:
        document = fetch(Document.objects.select_related("unit", "handler"), pk, document_q(scope), False)
    except Http404:
        if fetch_exists(Document.objects.all(), pk, duty_q(scope)):
            record_refusal(Document, pk, "打开涉密文件被拒绝")
        elif fetch_exists(Document.objects.all(), pk, Q()):
            record_refusal(Document, pk, REFUSED)
        raise
    _check_change(scope, document, act)
    if document.classified:
        record_read(document, f"查阅{document.get_classification_display()}文件")
    return document


def get_document_attachment_for_user(user: User, pk, act: bool = False) -> DocumentAttachment:
    """A scan of a document, read by whoever reads the document (a classified one's refusal audited)."""
    try:
        attachment = DocumentAttachment.objects.select_related("document").get(pk=pk)
    except (DocumentAttachment.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None
    get_document_for_user(user, attachment.document_id, act=act)
    return attachment


def instruction_q(scope: Scope) -> Q:
    q = duty_q(scope)
    if scope.person is not None:
        q |= Q(targets__person=scope.person) | Q(leader=scope.person)
    return q


def get_instruction_for_user(user: User, pk, act: bool = False) -> Instruction:
    """An instruction is seen by the duty roles over its unit, its leader and each person who must act."""
    scope = scope_for(user)
    instruction = fetch(
        Instruction.objects.select_related("unit", "leader").distinct(), pk, instruction_q(scope)
    )
    check_act(scope, instruction.unit, act)
    return instruction
