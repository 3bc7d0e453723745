"""Documents and faxes (A1.10, A2.7/B15): urgent ones to the leader at once, collection recorded, classified titles kept from those who may not read them."""

from __future__ import annotations

import pytest

from tests.helpers import word_text
from tests.intake.helpers import register_secret_fax
from tests.shift_fixtures import at, travel
from zhiban.audit.models import AuditEntry
from zhiban.intake.models import Document, Matter
from zhiban.notify.models import Notice, OutboxMessage


@pytest.mark.usefixtures("on_the_day")
def test_rule_A2_7_B15_a_secret_document_is_read_by_its_own_units_duty_staff_only_and_refusals_are_audited(
    org, duty
):
    with travel(at(9, 30)):
        secret = Document.objects.create(
            unit=org.city,
            sender="省政府办公厅",
            title="涉密部署事项",
            classification="secret",
            handler=org.city_admin,
        )
    assert (
        "涉密部署事项" in org.client(org.city_admin).get(f"/intake/documents/{secret.pk}/").content.decode()
    )
    inspector = org.client(org.inspector)  # reads the city's duty records, not its classified ones
    assert inspector.get(f"/intake/documents/{secret.pk}/").status_code == 404
    listing = inspector.get("/intake/documents/").content.decode()
    assert "涉密部署事项" not in listing and "收文" in listing
    refusal = AuditEntry.objects.get(action="refused", model="intake.document")
    assert refusal.object_id == str(secret.pk) and refusal.actor_name == org.inspector.name
    assert "涉密部署事项" not in refusal.object_repr


@pytest.mark.usefixtures("on_the_day")
def test_rule_A2_7_B15_a_classified_title_stays_out_of_the_superiors_log_desk_matters_and_email(org, duty):
    org.county_leader.user.email = "leader@dh.example.gov.cn"
    org.county_leader.user.save()
    with travel(at(10, 5)):
        register_secret_fax(org.client(org.officer))
        city = org.client(org.city_admin)
        pages = [
            city.get(f"/duty/shifts/{duty.day.pk}/").content.decode(),
            city.get("/intake/matters/?state=all").content.decode(),
            city.get(f"/intake/matters/{Matter.objects.get().pk}/").content.decode(),
            word_text(city.get(f"/duty/shifts/{duty.day.pk}/log.docx").content),
        ]
        own = org.client(org.officer).get(f"/duty/shifts/{duty.day.pk}/").content.decode()
    assert all("人事调整方案" not in page for page in pages)
    assert "秘密文件（标题不予显示）" in pages[0] and "秘密文件（标题不予显示）" in pages[3]
    assert "人事调整方案" in own  # the unit's own duty staff read it
    assert not OutboxMessage.objects.filter(body__contains="人事调整方案").exists()
    assert not OutboxMessage.objects.filter(subject__contains="人事调整方案").exists()
    assert Notice.objects.filter(person=org.county_leader, text__contains="秘密文件").exists()


@pytest.mark.usefixtures("on_the_day")
def test_document_kept_secret_is_still_read_by_its_own_unit(org, duty):
    with travel(at(10, 5)):
        register_secret_fax(org.client(org.officer))
    document = Document.objects.get()
    assert org.client(org.officer).get(f"/intake/documents/{document.pk}/").status_code == 200
    assert org.client(org.city_admin).get(f"/intake/documents/{document.pk}/").status_code == 404


@pytest.mark.usefixtures("on_the_day")
def test_rule_A1_10_an_urgent_fax_goes_to_the_leader_at_once_and_collection_is_recorded(org, duty):
    client = org.client(org.officer)
    with travel(at(11)):
        client.post(
            "/intake/documents/new/",
            {
                "kind": "fax",
                "sender": "市政府办公室",
                "number": "示政办传〔2026〕8号",
                "title": "关于做好强降雨防范工作的紧急通知",
                "classification": "public",
                "urgency": "extra",
                "pages": 3,
                "received_at": "2026-03-05T10:58",
            },
        )
    document = Document.objects.get()
    assert document.handler == org.officer and document.forwarded_at == at(11)
    assert Notice.objects.filter(person=org.county_leader, text__contains="强降雨防范").exists()
    client.post(f"/intake/documents/{document.pk}/collections/", {"c-department": "县应急管理局"})
    collection = document.collections.get()
    client.post(f"/intake/documents/{document.pk}/collections/{collection.pk}/", {"collected_by": "陈刚"})
    collection.refresh_from_db()
    assert collection.collected_by == "陈刚" and collection.collected_at is not None
    client.post(
        f"/intake/documents/{document.pk}/", {"h-handling": "已转县应急局落实", "h-reported_back": "on"}
    )
    document.refresh_from_db()
    assert document.reported_back_at is not None and document.handling == "已转县应急局落实"


@pytest.mark.usefixtures("on_the_day")
def test_rule_A2_7_B15_a_secret_document_is_not_shown_to_the_superior_office(org, duty):
    document = Document.objects.create(
        unit=org.county, sender="县委办", title="内部敏感事项", classification="secret", handler=org.officer
    )
    assert org.client(org.officer).get(f"/intake/documents/{document.pk}/").status_code == 200
    assert org.client(org.city_admin).get(f"/intake/documents/{document.pk}/").status_code == 404
