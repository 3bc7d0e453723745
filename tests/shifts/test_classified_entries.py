"""A2.7/B15 in the shift: a duty log entry carries a classification as every duty record does; the duty
log, its Word file and 一口清 show a classified record in full only to the unit's own duty staff cleared
for it (their page watermarked, the read audited), and by its mark to everyone else who reads the log."""

from __future__ import annotations

import pytest

from tests.factories import make_person
from tests.helpers import word_text
from tests.shift_fixtures import at, travel
from zhiban.archive import search
from zhiban.audit.models import AuditEntry
from zhiban.intake import services as intake
from zhiban.intake.models import Call, Instruction, Visit
from zhiban.lib.classification import Classification
from zhiban.org.access import scope_for
from zhiban.org.models import Role
from zhiban.shifts.models import LogEntry

pytestmark = pytest.mark.usefixtures("on_the_day")

SECRET = Classification.SECRET
MARK = "秘密值班记事（内容不予显示）"


def secret_entry(org, duty) -> LogEntry:
    with travel(at(9, 40)):
        org.client(org.officer).post(
            f"/duty/shifts/{duty.day.pk}/entries/",
            {"text": "接市委通知：要害部位加强值守", "classification": "secret"},
        )
    return LogEntry.objects.get()


def audited(action: str, pk) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action, model="shifts.logentry", object_id=str(pk)))


def test_rule_A2_7_B15_a_secret_log_entry_is_404_to_the_uncleared_and_the_refusal_is_audited(org, duty):
    entry = secret_entry(org, duty)
    assert entry.classification == SECRET and entry.by == org.officer
    uncleared = make_person(org.county, "新值班员", roles=[Role.DUTY_STAFF])
    assert org.client(uncleared).get(f"/duty/entries/{entry.pk}/").status_code == 404
    refusal = audited("refused", entry.pk)
    assert len(refusal) == 1 and refusal[0].object_repr == "打开涉密值班记事被拒绝"
    assert org.client(org.city_admin).get(f"/duty/entries/{entry.pk}/").status_code == 404
    assert org.client(org.sibling_officer).get(f"/duty/entries/{entry.pk}/").status_code == 404


def test_rule_A2_7_B15_a_cleared_officer_reads_the_entry_with_a_watermark_and_the_read_is_audited(org, duty):
    entry = secret_entry(org, duty)
    with travel(at(10, 15)):
        page = org.client(org.deputy).get(f"/duty/entries/{entry.pk}/").content.decode()
        log = org.client(org.deputy).get(f"/duty/shifts/{duty.day.pk}/").content.decode()
    assert "要害部位加强值守" in page and '<span class="badge bad">秘密</span>' in page
    assert '<div class="watermark" aria-hidden="true"><span>单晓东 2026-03-05 10:15 涉密' in page
    # the duty log shows it in full to its cleared staff, watermarked, and that read is audited too
    assert "要害部位加强值守" in log and '<div class="watermark" aria-hidden="true"><span>单晓东' in log
    reads = sorted(e.object_repr for e in audited("read", entry.pk))
    assert reads == ["在值班日志中查阅秘密值班记事", "查阅秘密值班记事"]


def test_rule_A2_7_B15_the_duty_log_its_word_file_and_the_desk_show_classified_records_by_their_mark(
    org, duty
):
    """Who reads the county's log but not its secrets: its duty staff without clearance (吴建平, the
    night shift's primary) and the city's office above."""
    secret_entry(org, duty)
    with travel(at(9, 50)):
        Call.objects.create(
            unit=org.county,
            at=at(9, 45),
            name="郑卫东",
            content="安保部署调整",
            important=True,
            classification=SECRET,
        )
        Visit.objects.create(
            unit=org.county,
            arrived_at=at(9, 46),
            name="赵明",
            identity="干部",
            purpose="境外人员线索",
            classification=SECRET,
        )
        intake.matter_open(org.county, org.officer, "核查涉密载体", classification=SECRET)
        intake.instruction_relay(
            Instruction(
                unit=org.county, leader=org.county_leader, text="要害部位值守", classification=SECRET
            ),
            [org.deputy],
            org.officer,
        )
        uncleared = org.client(make_person(org.county, "新值班员", roles=[Role.DUTY_STAFF]))
        city = org.client(org.city_admin)
        city.post("/switch-unit/", {"unit": org.county.pk})
        for client in (uncleared, city):
            pages = [
                client.get(f"/duty/shifts/{duty.day.pk}/").content.decode(),
                word_text(client.get(f"/duty/shifts/{duty.day.pk}/log.docx").content),
            ]
            for page in pages:
                for words in ("加强值守", "安保部署", "境外人员", "涉密载体"):
                    assert words not in page, words
                for mark in (
                    MARK,
                    "秘密电话记录（内容不予显示）",
                    "秘密来访（内容不予显示）",
                    "秘密事项（内容不予显示）",
                ):
                    assert mark in page, mark
                assert "秘密领导批示（内容不予显示）" in page
            assert 'class="watermark"' not in pages[0]
            desk = client.get("/duty/").content.decode()
            assert "安保部署" not in desk and "涉密载体" not in desk and "要害部位值守" not in desk
            assert "秘密电话记录（内容不予显示）" in desk and "秘密事项（内容不予显示）" in desk
            assert "郑卫东" not in desk  # nor who called
            assert "郑卫东" not in pages[1] and "赵明" not in pages[1]  # the Word log: nor who came
        own_word = word_text(org.client(org.officer).get(f"/duty/shifts/{duty.day.pk}/log.docx").content)
        own_desk = org.client(org.officer).get("/duty/").content.decode()
    assert all(
        words in own_word for words in ("加强值守", "安保部署", "境外人员", "涉密载体", "要害部位值守")
    )
    assert "安保部署" in own_desk and "涉密载体" in own_desk
    assert own_desk.count('<span class="badge bad">秘密</span>') >= 2  # shown in full, and marked
    assert AuditEntry.objects.filter(action="read", object_repr="下载值班日志时查阅秘密电话记录").count() == 1
    assert not AuditEntry.objects.filter(action="read", actor_name="新值班员").exists()


def test_rule_A2_7_B15_B26_the_search_finds_a_secret_entry_for_its_cleared_staff_only(org, duty):
    entry = secret_entry(org, duty)
    uncleared = make_person(org.county, "新值班员", roles=[Role.DUTY_STAFF])
    for person in (uncleared, org.city_admin, org.sibling_officer):
        assert search.search(scope_for(person.user), "要害部位")[0] == [], person.name
    hits, _ = search.search(scope_for(org.officer.user), "要害部位")
    assert [(h.entry.title, h.url) for h in hits] == [(MARK, f"/duty/entries/{entry.pk}/")]


def test_rule_A2_7_B15_a_classified_event_on_the_desk_is_shown_by_its_mark_to_the_uncleared(org, duty):
    """一口清's emergencies list the unit's open events for whoever keeps its duty: the title of a 秘密
    event (and the text of an instruction on it) only to those cleared for it, its mark to the rest."""
    from tests.incidents.helpers import open_event

    event = open_event(org, known=(9, 30), classification=SECRET)
    with travel(at(9, 35)):
        uncleared = (
            org.client(make_person(org.county, "新值班员", roles=[Role.DUTY_STAFF])).get("/duty/").text
        )
        cleared = org.client(org.officer).get("/duty/").text
    assert event.title not in uncleared and event.hidden_label in uncleared
    assert f'/incidents/{event.pk}/"' not in uncleared  # no link to what the reader may not open
    assert event.title in cleared
