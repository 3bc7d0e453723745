"""Holes a review of the shift code found, each closed, each with its regression."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import make_contact, make_person
from tests.shift_fixtures import PASSWORD, at, call_data, prepare, sign, travel
from zhiban.intake import services as intake
from zhiban.intake.models import Call, Document, Matter
from zhiban.notify.models import Notice, OutboxMessage
from zhiban.org.models import ApiToken
from zhiban.shifts import services
from zhiban.shifts.jobs import try_watch_arrival_one
from zhiban.shifts.models import Handover, LogEntry

pytestmark = pytest.mark.usefixtures("on_the_day")


def word_text(content: bytes) -> str:
    from docx import Document as WordDocument

    word = WordDocument(io.BytesIO(content))
    return "\n".join(cell.text for table in word.tables for row in table.rows for cell in row.cells)


def register_secret_fax(client):
    return client.post(
        "/intake/documents/new/",
        {
            "kind": "fax",
            "sender": "县委组织部",
            "title": "人事调整方案",
            "classification": "secret",
            "urgency": "extra",
            "pages": 2,
            "received_at": "2026-03-05T10:00",
            "open_matter": "on",
        },
    )


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


def test_rule_A2_7_B15_someone_of_the_unit_without_a_duty_role_reads_no_duty_record(org, duty):
    clerk = make_person(org.county, "普通干部")
    call = Call.objects.create(unit=org.county, number="0558-1", name="张三")
    client = org.client(clerk)
    assert client.get("/intake/calls/").status_code == 403
    assert client.get("/duty/").status_code == 403
    assert client.get(f"/intake/calls/{call.pk}/").status_code == 404
    assert client.get(f"/duty/shifts/{duty.day.pk}/").status_code == 404


def test_rule_A1_7_the_lookup_never_names_the_holder_of_another_units_internal_number(org, duty):
    make_contact(org.city, "王市长", numbers=[("mobile", "13900001111", True)], kind="leader")
    page = org.client(org.officer).get("/intake/calls/lookup/", {"number": "13900001111"}).content.decode()
    assert "王市长" not in page


def test_rule_B12_only_the_owner_or_a_duty_admin_or_leader_moves_a_matter(org, duty):
    matter = intake.matter_open(org.county, org.officer, "道路抢通")
    refused = org.client(org.deputy).post(
        f"/intake/matters/{matter.pk}/transfer/", {"t-to": org.deputy.pk, "t-reason": "我来办"}
    )
    assert refused.status_code == 400 and "只有首接责任人" in refused.content.decode()
    matter.refresh_from_db()
    assert matter.owner == org.officer
    org.client(org.county_admin).post(
        f"/intake/matters/{matter.pk}/transfer/",
        {"t-to": org.deputy.pk, "t-reason": "林海燕休假，改由单晓东办理"},
    )
    matter.refresh_from_db()
    assert matter.owner == org.deputy


def test_rule_B14_a_handover_is_refused_when_a_matter_opened_after_it_was_prepared(org, duty):
    client = org.client(org.officer)
    with travel(at(17)):
        prepare(client, duty.day)
        intake.matter_open(org.county, org.officer, "17时新接的事项")
        response = sign(client, duty.day, org.officer, duty.night_primary)
    assert "请更新交接材料后再签字" in response.content.decode()
    assert Handover.objects.get().signed_at is None


def test_rule_B14_the_incoming_side_cannot_rewrite_the_outgoing_handover_nor_a_changed_one_be_signed(
    org, duty
):
    with travel(at(17)):
        night = org.client(duty.night_primary)
        assert prepare(night, duty.day).status_code == 400
        assert not Handover.objects.exists()
        officer = org.client(org.officer)
        prepare(officer, duty.day)
        seen = Handover.objects.get().version
    with travel(at(17, 5)):
        prepare(officer, duty.day, situation="改过的情况")
        response = officer.post(
            f"/duty/shifts/{duty.day.pk}/handover/sign/",
            {
                "outgoing_username": org.officer.user.username,
                "outgoing_password": PASSWORD,
                "incoming_username": duty.night_primary.user.username,
                "incoming_password": PASSWORD,
                "prepared": seen,
            },
            follow=True,
        )
    assert "交接材料已被修改" in response.content.decode()
    assert Handover.objects.get().signed_at is None


def test_rule_B7_check_in_opens_only_the_policys_minutes_before_it_is_due(org, duty):
    with pytest.raises(services.ShiftError, match="签到尚未开始"):
        services.check_in(duty.night, duty.night_primary, at(8, 5))
    assert services.check_in(duty.night, duty.night_primary, at(16, 25)).minutes_late == 0


def test_rule_A2_3_with_no_leader_post_the_units_leader_is_alerted(org, duty):
    duty.roster.assignments.filter(post="leader").delete()
    with travel(at(17, 40)):
        while try_watch_arrival_one():
            pass
    assert Notice.objects.filter(person=org.county_leader, text__contains="吴建平").exists()


def test_rule_B13_a_signed_shifts_log_takes_no_new_entries(org, duty):
    client = org.client(org.officer)
    with travel(at(17, 20)):
        prepare(client, duty.day)
        sign(client, duty.day, org.officer, duty.night_primary)
        client.post(f"/duty/shifts/{duty.day.pk}/entries/", {"text": "补记"})
    assert not LogEntry.objects.exists()


def test_rule_B13_the_log_follows_the_real_handover_not_the_rostered_hour(org, duty):
    """The night primary is late; the day shift stays on and takes a call at 17:40; the handover is
    signed at 17:50: the call is the day shift's."""
    client = org.client(org.officer)
    Call.objects.create(unit=org.county, at=at(17, 40), number="0558-1", name="张三", taken_by=org.officer)
    with travel(at(17, 45)):
        prepare(client, duty.day)
    with travel(at(17, 50)):
        sign(client, duty.day, org.officer, duty.night_primary)
    from zhiban.shifts.log import duty_log

    assert [c.name for c in duty_log(duty.day).calls] == ["张三"]
    assert duty_log(duty.night).calls == []


def test_dates_out_of_range_are_refused_with_a_message_not_a_500(org, duty, client):
    officer = org.client(org.officer)
    response = officer.post("/intake/calls/new/", call_data(at="0001-01-01T00:00"))
    assert response.status_code == 200 and "时间应在2000年至2100年之间" in response.content.decode()
    late = officer.post(
        "/intake/instructions/new/",
        {
            "leader": org.county_leader.pk,
            "given_at": "9999-12-31T10:00",
            "text": "x",
            "targets": [org.deputy.pk],
        },
    )
    assert late.status_code == 200 and "时间应在2000年至2100年之间" in late.content.decode()
    headers = {"Authorization": f"Bearer {ApiToken.issue(org.officer.user, 'CTI')[1]}"}
    api = client.post(
        f"/api/v1/units/{org.county.pk}/calls",
        {"number": "0558-1", "rang_at": "9999-12-31T23:00:00Z"},
        content_type="application/json",
        headers=headers,
    )
    assert api.status_code == 400
    assert Call.objects.count() == 0 and officer.get("/intake/calls/").status_code == 200


def test_a_nul_in_a_multipart_form_is_refused_before_any_view(org, duty):
    response = org.client(org.officer).post(
        f"/duty/shifts/{duty.day.pk}/handover/",
        {"situation": "平稳\x00", "file": SimpleUploadedFile("a.txt", b"\x00binary is fine")},
    )
    assert response.status_code == 400 and not Handover.objects.exists()


@travel(at(14, 5))  # the times the test states have happened
def test_rule_A1_6_the_leader_a_visit_is_reported_to_is_told_once(org, duty):
    client = org.client(org.officer)
    data = {
        "name": "刘大伟",
        "identity": "村民",
        "people": 1,
        "purpose": "反映村道损毁",
        "arrived_at": "2026-03-05T14:00",
        "reported_to": org.county_leader.pk,
    }
    client.post("/intake/visits/new/", data)
    visit_pk = client.get("/intake/visits/").context["page"][0].pk
    client.post(f"/intake/visits/{visit_pk}/edit/", {**data, "arrangement": "请交通局接待"})
    assert Notice.objects.filter(person=org.county_leader, text__contains="来访报告").count() == 1


def test_a_closed_matter_takes_no_more_progress(org, duty):
    matter = intake.matter_open(org.county, org.officer, "道路抢通")
    intake.matter_close(matter, org.officer, "已抢通")
    response = org.client(org.officer).post(
        f"/intake/matters/{matter.pk}/progress/", {"p-text": "又一次进展"}
    )
    assert response.status_code == 400 and matter.steps.filter(kind="progress").count() == 0


@travel(at(9, 12))  # the times the test states have happened
def test_editing_a_call_does_not_tell_the_leader_again(org, duty):
    client = org.client(org.officer)
    client.post("/intake/calls/new/", call_data(asked_for=org.county_leader.pk, asked_intent="要求面谈"))
    call = Call.objects.get()
    client.post(
        f"/intake/calls/{call.pk}/edit/",
        call_data(asked_for=org.county_leader.pk, asked_intent="要求面谈", important="on"),
    )
    assert Notice.objects.filter(person=org.county_leader, text__contains="询问您的联系电话").count() == 1


def test_document_kept_secret_is_still_read_by_its_own_unit(org, duty):
    with travel(at(10, 5)):
        register_secret_fax(org.client(org.officer))
    document = Document.objects.get()
    assert org.client(org.officer).get(f"/intake/documents/{document.pk}/").status_code == 200
    assert org.client(org.city_admin).get(f"/intake/documents/{document.pk}/").status_code == 404


def test_the_cached_summary_page_carries_each_users_own_name(org, duty):
    """Two accounts with no person record (system roles) must not be served each other's page; since
    the three administrators read no duty records, the page each gets is the refusal (A2.7/B15)."""
    from django.test import Client

    from tests.factories import make_system_user

    pages = []
    for role in ("system_admin", "security_admin"):
        user = make_system_user(role)
        client = Client()
        client.force_login(user)
        with travel(at(9, 30)):
            response = client.get("/duty/")
        assert response.status_code == 403
        pages.append((user.username, response.content.decode()))
    (first, first_page), (second, second_page) = pages
    assert first in first_page and second not in first_page
    assert second in second_page and first not in second_page


def test_a_shift_made_when_someone_looks_is_the_systems_not_the_viewers(org, duty):
    """The runner opens shifts a day ahead; when it is behind, the first page to need the shift makes
    it. The audit trail must not name whoever happened to look (an inspector, who never writes)."""
    from zhiban.audit.models import AuditEntry
    from zhiban.audit.trail import acting_as, actor_for_user
    from zhiban.shifts.models import Shift

    Shift.objects.filter(pk=duty.night.pk).delete()
    with acting_as(actor_for_user(org.inspector.user)):
        night = services.shift_at(org.county, at(18))
    assert night.pk != duty.night.pk and night.start == duty.night.start
    assert not AuditEntry.objects.filter(actor=org.inspector.user).exists()


def test_a_person_no_longer_active_is_still_named_in_the_audit_trail(org):
    """The request's scope leaves an inactive person out; their writes still carry their name."""
    from zhiban.org.access import scope_for

    org.officer.active = False
    org.officer.save()
    user = org.officer.user
    assert scope_for(user).person is None
    assert user.display_name() == "林海燕"


def test_records_are_named_with_local_times_not_utc(org, duty):
    """The name of a call or a visit (the event form's "来自…" line, audit entries) is in Beijing time."""
    from zhiban.intake.models import Visit

    call = Call.objects.create(unit=org.county, direction="incoming", at=at(9, 10), number="0558-1")
    visit = Visit.objects.create(unit=org.county, name="赵大爷", purpose="反映问题", arrived_at=at(12, 39))
    assert str(call).endswith("2026-03-05 09:10") and str(visit) == "赵大爷 2026-03-05 12:39"


def test_recent_shifts_say_whether_they_have_begun_or_still_wait_for_a_handover(org, duty):
    with travel(at(9, 30)):
        page = org.client(org.officer).get("/duty/").content.decode()
    assert f"{duty.night.name}</a> 未开始" in page and f"{duty.day.name}</a> 值班中" in page
    with travel(at(18)):  # the day shift has ended, and no handover was signed
        page = org.client(org.officer).get("/duty/").content.decode()
    assert f'{duty.day.name}</a> <span class="badge bad">待交班</span>' in page


def test_a_superior_sees_a_classified_urgent_fax_on_the_desk_without_a_link_it_cannot_open(org, duty):
    with travel(at(10, 5)):
        register_secret_fax(org.client(org.officer))
        city = org.client(org.city_admin)
        city.post("/switch-unit/", {"unit": org.county.pk})
        page = city.get("/duty/").content.decode()
        own = org.client(org.officer).get("/duty/").content.decode()
    document = Document.objects.get()
    assert "秘密文件（标题不予显示）》（由本单位办理）" in page
    assert f"/intake/documents/{document.pk}/" not in page
    assert f"/intake/documents/{document.pk}/" in own
