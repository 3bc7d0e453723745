"""The audit trail: every write by a person, who, before and after, one unbroken chain of hashes over every field, with its head kept apart, so that editing or deleting any entry, the newest or all, is found."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from tests.helpers import sign_in
from zhiban.audit.models import AppendOnly, AuditEntry
from zhiban.audit.trail import history, verify_chain
from zhiban.org.models import ApiToken, Person


def _edit_officer(org, name="林海燕（改）"):
    return org.client(org.county_admin).post(
        f"/org/people/{org.officer.pk}/edit/",
        {
            "name": name,
            "gender": "F",
            "unit": org.county.pk,
            "position": "值班员",
            "rank": "",
            "mobile": org.officer.mobile,
            "office_phone": "",
            "is_established": "on",
            "duty_eligible": "on",
            "active": "on",
            "order": 0,
        },
    )


def test_update_is_recorded_with_who_before_and_after(org):
    _edit_officer(org)
    entry = history(org.officer).get()
    assert entry.action == "update" and entry.actor_id == org.county_admin.user_id
    assert entry.actor_name == "何丽娟"
    assert entry.before["name"] == "林海燕" and entry.after["name"] == "林海燕（改）"
    assert ("姓名", "林海燕", "林海燕（改）") in entry.changed_fields()  # said as the form says it
    assert entry.model_label == "人员"


def test_the_audit_log_names_records_and_fields_in_words(org):
    from zhiban.org.models import User

    _edit_officer(org)
    auditor = User.objects.create_user("auditor", password="x", system_role=User.SystemRole.AUDIT_ADMIN)
    client = org.client(org.county_admin)
    sign_in(client, auditor)
    page = client.get("/audit/").content.decode()
    assert "人员 林海燕（改）" in page and "姓名：林海燕 → 林海燕（改）" in page
    assert "org.person" not in page and "<code>name</code>" not in page


def test_create_and_delete_are_recorded(org):
    client = org.client(org.county_admin)
    client.post(
        "/org/contacts/new/",
        {
            "kind": "department",
            "name": "县水利局",
            "unit": org.county.pk,
            "order": 0,
            "numbers-TOTAL_FORMS": 1,
            "numbers-INITIAL_FORMS": 0,
            "numbers-MIN_NUM_FORMS": 1,
            "numbers-MAX_NUM_FORMS": 9,
            "numbers-0-label": "office",
            "numbers-0-number": "0558-1",
        },
    )
    contact_entry = AuditEntry.objects.get(model="org.contact", action="create")
    client.post(f"/org/contacts/{contact_entry.object_id}/delete/")
    assert AuditEntry.objects.filter(
        model="org.contact", action="delete", object_id=contact_entry.object_id
    ).exists()
    assert AuditEntry.objects.filter(model="org.contactnumber", action="create").exists()


def test_record_page_shows_its_history(org):
    _edit_officer(org)
    text = org.client(org.county_admin).get(f"/org/people/{org.officer.pk}/").content.decode()
    assert "修改记录" in text and "林海燕（改）" in text and "何丽娟" in text


def test_passwords_never_reach_the_trail(org):
    org.client(org.county_admin).post(
        f"/org/people/{org.officer.pk}/account/", {"username": "linhaiyan", "password": "Duty-Room-2026!"}
    )
    entries = list(AuditEntry.objects.filter(model="org.user"))
    assert entries and any(e.after and e.after.get("username") == "linhaiyan" for e in entries)  # recorded
    for entry in entries:
        assert "password" not in (entry.after or {}) and "password" not in (entry.before or {})


def test_entries_cannot_be_changed_or_deleted_through_the_orm(org):
    _edit_officer(org)
    entry = AuditEntry.objects.first()
    with pytest.raises(AppendOnly):
        entry.save()
    with pytest.raises(AppendOnly):
        entry.delete()
    with pytest.raises(AppendOnly):
        AuditEntry.objects.all().delete()
    with pytest.raises(AppendOnly):
        AuditEntry.objects.update(actor_name="x")


def test_tampering_breaks_the_chain(org):
    _edit_officer(org)
    _edit_officer(org, "第三次")
    count, broken = verify_chain()
    assert broken is None and count == AuditEntry.objects.count() >= 2
    call_command("audit_verify")
    victim = AuditEntry.objects.order_by("id").first()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET actor_name = %s WHERE id = %s", ["别人", victim.pk])
    count, broken = verify_chain()
    assert broken.pk == victim.pk and count == 0
    with pytest.raises(CommandError):
        call_command("audit_verify")


def test_writes_without_a_person_are_not_attributed(org):
    Person.objects.create(name="后台任务", gender="M", unit=org.county)
    assert Person.objects.filter(name="后台任务").exists()
    assert not AuditEntry.objects.filter(object_repr="后台任务").exists()
    _edit_officer(org)  # the same kind of write by a person is recorded as theirs
    assert history(org.officer).filter(actor=org.county_admin.user).exists()


def test_api_writes_are_audited_as_the_tokens_owner(org, client):

    key = ApiToken.issue(org.county_admin.user, "t")[1]
    client.patch(
        f"/api/v1/people/{org.officer.pk}",
        {"position": "主班"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {key}"},
    )
    entry = history(org.officer).get()
    assert entry.actor_id == org.county_admin.user_id and entry.after["position"] == "主班"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises writers at BEGIN IMMEDIATE")
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_form_one_unbroken_chain():
    """Eight threads, each with its own connection, append at once: the head's row lock orders them."""
    import threading

    from django.db import connections, transaction

    from zhiban.audit.trail import Actor, record

    start = threading.Barrier(8)
    errors = []

    def writer(n: int) -> None:
        try:
            start.wait()
            for i in range(10):
                with transaction.atomic():
                    record(
                        "create", model="test.thing", object_id=f"{n}-{i}", actor=Actor(None, f"写入者{n}")
                    )
        except Exception as error:  # reported below: an assertion in a thread would be lost
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    count, broken = verify_chain()
    assert broken is None and count == AuditEntry.objects.count() == 80
    times = list(AuditEntry.objects.order_by("id").values_list("at", flat=True))
    assert times == sorted(times)  # each entry's time is taken once it holds the chain


def test_rule_A2_7_the_audit_chain_breaks_when_its_newest_rows_or_all_are_deleted_or_ip_edited(org):
    from django.core.management import CommandError, call_command
    from django.db import connection

    admin = org.client(org.county_admin)
    for name in ("改名一", "改名二", "改名三"):
        admin.post(f"/org/people/{org.officer.pk}/edit/", {**_person_data(org), "name": name})
    count, broken = verify_chain()
    assert broken is None and count == AuditEntry.objects.count() >= 3
    table = AuditEntry._meta.db_table
    newest = AuditEntry.objects.order_by("-id").first()
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET ip = %s WHERE id = %s", ["10.0.0.9", newest.pk])
    assert verify_chain()[1].pk == newest.pk
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [newest.pk])
    count, broken = verify_chain()
    assert broken.pk is None and "最新的1条记录被删除" in broken.message
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")
    assert verify_chain()[1] is not None
    with pytest.raises(CommandError, match="newest entries"):
        call_command("audit_verify")


def _person_data(org):
    p = org.officer
    return {
        "name": p.name,
        "gender": p.gender,
        "unit": p.unit_id,
        "mobile": p.mobile,
        "order": 0,
        "is_established": "on",
        "duty_eligible": "on",
        "active": "on",
    }


@pytest.mark.usefixtures("on_the_day")
def test_a_person_no_longer_active_is_still_named_in_the_audit_trail(org):
    """The request's scope leaves an inactive person out; their writes still carry their name."""
    from zhiban.org.access import scope_for

    org.officer.active = False
    org.officer.save()
    user = org.officer.user
    assert scope_for(user).person is None
    assert user.display_name() == "林海燕"
