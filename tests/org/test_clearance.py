"""A2.7/B15: a classified record (秘密, 机密) is read only by people cleared for its level, granted by the
security administrator; a refused read is audited, and so is every granted one."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import make_person, make_system_user
from tests.helpers import sign_in
from tests.incidents.helpers import open_event
from zhiban.audit.models import AuditEntry
from zhiban.incidents.models import Event
from zhiban.intake.models import Document
from zhiban.lib.classification import Classification
from zhiban.org.models import Role

pytestmark = pytest.mark.django_db


def secret_document(org, level=Classification.SECRET, title="人事调整方案") -> Document:
    return Document.objects.create(
        unit=org.county, sender="县委办", title=title, classification=level, handler=org.officer
    )


def audited(action: str, model: str, pk) -> int:
    return AuditEntry.objects.filter(action=action, model__endswith=model, object_id=str(pk)).count()


@pytest.mark.usefixtures("on_the_day")
def test_rule_A2_7_a_duty_officer_without_clearance_gets_404_for_a_secret_record_and_it_is_audited(org):
    uncleared = make_person(org.county, "新值班员", roles=[Role.DUTY_STAFF])
    document = secret_document(org)
    public = secret_document(org, Classification.PUBLIC, title="防汛值班安排")
    event = open_event(org)
    Event.objects.filter(pk=event.pk).update(classification=Classification.SECRET)
    client = org.client(uncleared)
    assert client.get(f"/intake/documents/{document.pk}/").status_code == 404
    assert client.get(f"/incidents/{event.pk}/").status_code == 404
    assert audited("refused", "document", document.pk) == 1 and audited("refused", "event", event.pk) == 1
    assert "人事调整方案" not in client.get("/intake/documents/").text
    assert "山体滑坡" not in client.get("/incidents/").text

    # cleared for 秘密, the same person reads both, and each read is audited
    uncleared.clearance = Classification.SECRET
    uncleared.save()
    page = client.get(f"/intake/documents/{document.pk}/").text
    assert "人事调整方案" in page
    # the page carries a watermark with the reader's name and the time across it
    assert '<div class="watermark" aria-hidden="true"><span>新值班员 2026-03-05' in page
    assert "山体滑坡" in client.get(f"/incidents/{event.pk}/").text
    assert 'class="watermark"' not in org.client(org.officer).get(f"/intake/documents/{public.pk}/").text
    assert audited("read", "document", document.pk) >= 1 and audited("read", "event", event.pk) >= 1


@pytest.mark.usefixtures("on_the_day")
def test_rule_B15_clearance_for_secret_does_not_open_a_confidential_record(org):
    document = secret_document(org, Classification.CONFIDENTIAL)
    event = open_event(org)
    Event.objects.filter(pk=event.pk).update(classification=Classification.CONFIDENTIAL)
    # the county officer is cleared for 秘密 only (tests/conftest.py)
    assert org.client(org.officer).get(f"/intake/documents/{document.pk}/").status_code == 404
    assert org.client(org.officer).get(f"/incidents/{event.pk}/").status_code == 404
    # the office above reads the unit's events over the chain, a classified one with its clearance only
    Event.objects.filter(pk=event.pk).update(classification=Classification.SECRET)
    assert org.client(org.city_admin).get(f"/incidents/{event.pk}/").status_code == 200
    assert org.client(org.inspector).get(f"/incidents/{event.pk}/").status_code == 404


def test_rule_A2_7_only_the_security_administrator_grants_clearance_and_it_is_audited(org):
    security = sign_in(Client(), make_system_user("security_admin"))
    uncleared = make_person(org.county, "新值班员", roles=[Role.DUTY_STAFF])
    page = security.get("/org/security/")
    assert "涉密阅读权限" in page.text and org.officer.name in page.text
    response = security.post(
        "/org/security/clearance/", {"c-username": uncleared.user.username, "c-clearance": "confidential"}
    )
    assert response.status_code == 302
    uncleared.refresh_from_db()
    assert uncleared.clearance == "confidential" and uncleared.clearance_granted_at is not None
    entry = AuditEntry.objects.filter(model="org.person", object_id=str(uncleared.pk), action="update").last()
    assert entry.after["clearance"] == "confidential"
    bad = security.post(
        "/org/security/clearance/", {"c-username": "nobody", "c-clearance": "secret"}, follow=True
    )
    assert "没有这个登录名" in bad.text

    # a unit's duty administrator, the system administrator: not theirs
    for client in (org.client(org.city_admin), sign_in(Client(), make_system_user("system_admin"))):
        refused = client.post(
            "/org/security/clearance/", {"c-username": org.officer.user.username, "c-clearance": "public"}
        )
        assert refused.status_code == 403
    org.officer.refresh_from_db()
    assert org.officer.clearance == "secret"
