"""Who reads and handles events, reports and verification requests (A2.1, B20).

An event is a duty record: read over its unit, handled by its duty office or one above. A report is read
over its event's unit and handled (received, forwarded) only by the office it went to; a verification
request by both the office that asked and the one asked."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from zhiban.incidents.models import Event, Report, VerificationRequest
from zhiban.org.access import Scope, check_act, duty_q, fetch, scope_for
from zhiban.org.models import User


def event_q(scope: Scope) -> Q:
    return duty_q(scope)


def get_event_for_user(user: User, pk, act: bool = False) -> Event:
    scope = scope_for(user)
    event = fetch(Event.objects.select_related("unit"), pk, event_q(scope))
    check_act(scope, event.unit, act)
    return event


def report_q(scope: Scope) -> Q:
    return duty_q(scope, "event__unit__")


def get_report_for_user(user: User, pk, act: bool = False) -> Report:
    """A report is read over its event's unit (its superiors included); handled by the office it went to."""
    scope = scope_for(user)
    report = fetch(Report.objects.select_related("event__unit", "to_unit"), pk, report_q(scope))
    if act and (report.to_unit is None or not scope.acts_as(report.to_unit)):
        raise PermissionDenied("只有接报单位的值班人员可以接收或转报")
    return report


def verification_q(scope: Scope) -> Q:
    return duty_q(scope, "to_unit__") | duty_q(scope, "from_unit__")


def get_verification_for_user(user: User, pk) -> VerificationRequest:
    return fetch(
        VerificationRequest.objects.select_related("from_unit", "to_unit"),
        pk,
        verification_q(scope_for(user)),
    )
