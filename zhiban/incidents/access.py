"""Who reads and handles events, reports and verification requests (A2.1, B20).

An event is a duty record: read over its unit, handled by its duty office or one above. A sent report is
read over its event's unit and handled (received, forwarded) only by the office it went to; one not yet
sent (a draft, one waiting for sign-off) only by the event unit's own duty office and the leader asked to
sign it. A verification request is read by both the office that asked and the one asked. Reporting rules
and the offices outside the system are read over the unit, like its duty policy."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from zhiban.audit.trail import record_read
from zhiban.incidents.models import (
    ChaseUp,
    Deadline,
    Event,
    ExternalOffice,
    Report,
    ReportAttachment,
    ReportingRule,
    VerificationRequest,
)
from zhiban.lib.classification import is_classified
from zhiban.org.access import (
    Scope,
    check_act,
    check_write,
    cleared_q,
    duty_q,
    fetch,
    fetch_classified,
    scope_for,
)
from zhiban.org.models import User


def event_q(scope: Scope, prefix: str = "") -> Q:
    """Read over its unit; a classified one (秘密, 机密) only by those cleared for its level (A2.7/B15)."""
    return duty_q(scope, f"{prefix}unit__") & cleared_q(scope, prefix)


def get_event_for_user(user: User, pk, act: bool = False) -> Event:
    scope = scope_for(user)
    queryset = Event.objects.select_related("unit", "same_as__unit")
    event = fetch_classified(queryset, pk, duty_q(scope), cleared_q(scope))
    check_act(scope, event.unit, act)
    return event


def report_q(scope: Scope, prefix: str = "") -> Q:
    """Sent reports are read over the event's unit; one not yet sent only by the unit's own duty
    office and the leader asked to sign it."""
    unsent = Q(**{f"{prefix}event__unit_id__in": scope.act_unit_ids})
    if scope.person is not None:
        unsent |= Q(**{f"{prefix}signer": scope.person})
    sent_or_own = Q(**{f"{prefix}state": Report.State.SENT}) | unsent
    return duty_q(scope, f"{prefix}event__unit__") & sent_or_own & cleared_q(scope, f"{prefix}event__")


def get_report_for_user(user: User, pk, act: bool = False) -> Report:
    """A report is read over its event's unit (its superiors included); handled by the office it went to."""
    scope = scope_for(user)
    report = fetch(
        Report.objects.select_related("event__unit", "to_unit", "to_external", "by", "signer"),
        pk,
        report_q(scope),
    )
    if act and (report.to_unit is None or not scope.acts_as(report.to_unit)):
        raise PermissionDenied("只有接报单位的值班人员可以接收或转报")
    if is_classified(report.event.classification):
        record_read(report, f"查阅{report.event.get_classification_display()}事件的报告")
    return report


def get_attachment_for_user(user: User, pk) -> ReportAttachment:
    """An attachment is read by whoever may read its report."""
    return fetch(
        ReportAttachment.objects.select_related("report__event__unit"),
        pk,
        report_q(scope_for(user), "report__"),
    )


def get_deadline_for_user(user: User, pk) -> Deadline:
    """A deadline is read with its event."""
    return fetch(Deadline.objects.select_related("event__unit"), pk, event_q(scope_for(user), "event__"))


def verification_q(scope: Scope) -> Q:
    return duty_q(scope, "to_unit__") | duty_q(scope, "from_unit__")


def get_verification_for_user(user: User, pk) -> VerificationRequest:
    return fetch(
        VerificationRequest.objects.select_related("from_unit", "to_unit"),
        pk,
        verification_q(scope_for(user)),
    )


def chase_q(scope: Scope) -> Q:
    return duty_q(scope, "to_unit__")


def chase_ups_of(scope: Scope):
    return ChaseUp.objects.filter(chase_q(scope))


def get_rule_for_user(user: User, pk, write: bool = False) -> ReportingRule:
    scope = scope_for(user)
    rule = fetch(ReportingRule.objects.select_related("unit"), pk, scope.unit_q("unit__"))
    check_write(scope, rule.unit, write)
    return rule


def get_office_for_user(user: User, pk, write: bool = False) -> ExternalOffice:
    scope = scope_for(user)
    office = fetch(ExternalOffice.objects.select_related("unit"), pk, scope.unit_q("unit__"))
    check_write(scope, office.unit, write)
    return office
