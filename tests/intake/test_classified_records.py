"""A2.7/B15: every duty record carries a classification, as documents do. A 秘密 call, visit, matter or
leader instruction is opened only by its own unit's duty staff cleared for it: anyone else gets 404 and
the attempt is audited, a granted read is audited and the page carries the reader's watermark; a list
shows it by its mark to those who may list but not read it, and the search does not return it to them."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.exceptions import ValidationError

from tests.factories import make_person
from tests.shift_fixtures import at, call_data, travel
from zhiban.archive import search
from zhiban.audit.models import AuditEntry
from zhiban.intake import services
from zhiban.intake.models import Call, Instruction, Matter, Visit
from zhiban.lib.classification import Classification
from zhiban.notify.models import Notice, OutboxMessage
from zhiban.org.access import scope_for
from zhiban.org.models import Role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_the_day")]

SECRET = Classification.SECRET


@dataclass
class Kind:
    name: str
    make: callable  # (org) -> the 秘密 record, its words (the secret) in it
    detail: str  # its page, {pk}
    listing: str  # the list of its unit
    mark: str  # what stands for it where it may not be read
    words: str


def _call(org):
    return Call.objects.create(
        unit=org.county,
        at=at(9, 5),
        name="郑卫东",
        organisation="县公安局",
        content="重要目标安保部署调整，增派警力驻守",
        classification=SECRET,
        taken_by=org.officer,
    )


def _visit(org):
    return Visit.objects.create(
        unit=org.county,
        arrived_at=at(9, 5),
        name="赵明",
        identity="县国安局干部",
        purpose="通报境外人员活动线索",
        classification=SECRET,
        received_by=org.officer,
    )


def _matter(org):
    with travel(at(9, 5)):
        return services.matter_open(
            org.county, org.officer, "核查涉密载体外泄线索", detail="核查", classification=SECRET
        )


def _instruction(org):
    with travel(at(9, 5)):
        return services.instruction_relay(
            Instruction(
                unit=org.county,
                leader=org.county_leader,
                text="督促落实要害部位值守方案",
                classification=SECRET,
                feedback_due_at=None,
            ),
            [org.deputy],
            org.officer,
        )


KINDS = [
    Kind("call", _call, "/intake/calls/{}/", "/intake/calls/", "秘密电话记录（内容不予显示）", "安保部署"),
    Kind("visit", _visit, "/intake/visits/{}/", "/intake/visits/", "秘密来访（内容不予显示）", "境外人员"),
    Kind(
        "matter",
        _matter,
        "/intake/matters/{}/",
        "/intake/matters/?state=all",
        "秘密事项（内容不予显示）",
        "涉密载体",
    ),
    Kind(
        "instruction",
        _instruction,
        "/intake/instructions/{}/",
        "/intake/instructions/",
        "秘密领导批示（内容不予显示）",
        "要害部位",
    ),
]


WHO = {"call": "郑卫东", "visit": "赵明"}


def audited(action: str, kind: str, pk) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action, model=f"intake.{kind}", object_id=str(pk)))


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_rule_A2_7_B15_a_secret_record_is_404_to_the_uncleared_and_the_refusal_is_audited(org, kind):
    record = kind.make(org)
    uncleared = make_person(org.county, "新值班员", roles=[Role.DUTY_STAFF])
    client = org.client(uncleared)
    assert client.get(kind.detail.format(record.pk)).status_code == 404
    refusals = audited("refused", kind.name, record.pk)
    assert len(refusals) == 1 and refusals[0].actor_name == "新值班员"
    assert refusals[0].object_repr.startswith("打开涉密") and kind.words not in refusals[0].object_repr
    # the office above reads the county's records over the chain, never its classified ones
    assert org.client(org.city_admin).get(kind.detail.format(record.pk)).status_code == 404
    assert org.client(org.inspector).get(kind.detail.format(record.pk)).status_code == 404
    # a sibling county's duty staff, cleared as they are, get 404 as for any record not theirs
    assert org.client(org.sibling_officer).get(kind.detail.format(record.pk)).status_code == 404


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_rule_A2_7_B15_a_cleared_duty_officer_reads_it_with_a_watermark_and_the_read_is_audited(org, kind):
    record = kind.make(org)
    with travel(at(10, 15)):
        page = org.client(org.officer).get(kind.detail.format(record.pk)).content.decode()
    assert kind.words in page and '<span class="badge bad">秘密</span>' in page
    assert '<div class="watermark" aria-hidden="true"><span>林海燕 2026-03-05 10:15 涉密' in page
    reads = audited("read", kind.name, record.pk)
    assert len(reads) == 1 and reads[0].actor_name == "林海燕" and reads[0].object_repr.startswith("查阅秘密")


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_rule_A2_7_B15_the_list_shows_it_by_its_mark_to_who_may_list_but_not_read_it(org, kind):
    record = kind.make(org)
    uncleared = make_person(org.county, "新值班员", roles=[Role.DUTY_STAFF])
    city = org.client(org.city_admin)
    city.post("/switch-unit/", {"unit": org.county.pk})
    for client in (org.client(uncleared), city):
        listing = client.get(kind.listing).content.decode()
        assert kind.mark in listing and kind.words not in listing
        assert kind.detail.format(record.pk) not in listing  # no link to what it cannot open
        assert kind.name not in WHO or WHO[kind.name] not in listing  # nor who called or came
    if kind.name == "call":  # nor is it found by who called
        assert "秘密电话记录" not in org.client(uncleared).get(kind.listing, {"q": "郑卫东"}).text
    own = org.client(org.officer).get(kind.listing).content.decode()
    assert kind.words in own and kind.detail.format(record.pk) in own
    assert '<span class="badge bad">秘密</span>' in own  # read in full, and marked


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_rule_A2_7_B15_B26_the_search_does_not_return_it_to_the_uncleared(org, kind):
    record = kind.make(org)
    uncleared = make_person(org.county, "新值班员", roles=[Role.DUTY_STAFF])
    for person in (uncleared, org.city_admin, org.inspector, org.sibling_officer):
        hits, total = search.search(scope_for(person.user), kind.words)
        assert hits == [] and total == 0, person.name
    hits, _ = search.search(scope_for(org.officer.user), kind.words)
    assert [h.entry.title for h in hits] == [kind.mark]  # its own cleared staff find it, by its mark
    assert hits[0].entry.classification == SECRET and hits[0].entry.excerpt == ""
    assert hits[0].url == kind.detail.format(record.pk)


def test_rule_A2_7_B15_a_call_is_classified_on_its_form_and_its_matter_follows_it(org):
    client = org.client(org.officer)
    with travel(at(9, 20)):
        client.post("/intake/calls/new/", call_data(classification="secret", open_matter="on"))
        client.post("/intake/calls/new/", call_data(number="0558-1", content="例行询问"))
    secret, plain = Call.objects.get(classification=SECRET), Call.objects.get(number="0558-1")
    assert plain.classification == Classification.PUBLIC  # one left unset is 公开
    assert Matter.objects.get(call=secret).classification == SECRET
    form = client.get("/intake/calls/new/").content.decode()
    assert '<select name="classification"' in form and "机密" in form


def test_rule_A2_7_B15_nobody_is_given_a_secret_record_to_act_on_who_may_not_read_it(org):
    uncleared = make_person(org.county, "新值班员", roles=[Role.DUTY_STAFF])
    matter = _matter(org)
    with pytest.raises(services.MatterError) as refused:
        services.matter_transfer(matter, uncleared, org.officer, "轮休")
    assert "新值班员没有阅读秘密件的权限" in str(refused.value)
    with pytest.raises(ValidationError) as refused:
        services.instruction_relay(
            Instruction(unit=org.county, leader=org.county_leader, text="核查", classification=SECRET),
            [uncleared],
            org.officer,
        )
    assert "新值班员没有阅读秘密件的权限" in str(refused.value)


def test_rule_A2_7_B15_a_secret_records_words_go_into_no_notice(org):
    _instruction(org)
    matter = _matter(org)
    services.matter_transfer(matter, org.deputy, org.officer, "由副班跟进")
    assert Notice.objects.filter(person=org.deputy, text__contains="秘密领导批示（内容不予显示）").exists()
    assert Notice.objects.filter(person=org.deputy, text__contains="秘密事项（内容不予显示）").exists()
    for words in ("要害部位", "涉密载体"):
        assert not Notice.objects.filter(text__contains=words).exists()
        assert not OutboxMessage.objects.filter(body__contains=words).exists()


def test_rule_A2_7_B15_a_confidential_call_is_not_opened_with_a_clearance_for_secret(org):
    call = _call(org)
    Call.objects.filter(pk=call.pk).update(classification=Classification.CONFIDENTIAL)
    assert org.client(org.officer).get(f"/intake/calls/{call.pk}/").status_code == 404  # cleared for 秘密
    listing = org.client(org.officer).get("/intake/calls/").content.decode()
    assert "机密电话记录（内容不予显示）" in listing and "安保部署" not in listing
    # nor is its content found by the list's search box
    found = org.client(org.officer).get("/intake/calls/?q=安保部署").content.decode()
    assert "机密电话记录" not in found
