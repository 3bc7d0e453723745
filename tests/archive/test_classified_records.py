"""A2.7/B15 with A1.12: a classified call or instruction enters a volume and the day's brief by its mark,
its content kept in the record under its own access rule; volumes sealed before calls carried a
classification do not read as changed."""

from __future__ import annotations

import hashlib
import io
import json

import pytest
from docx import Document as WordDocument

from tests.shift_fixtures import DAY, at, travel
from zhiban.archive import briefs, documents, services, volumes
from zhiban.audit.trail import snapshot
from zhiban.intake import services as intake
from zhiban.intake.models import Call, Instruction
from zhiban.lib.classification import Classification

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_the_day")]


def test_rule_A2_7_B15_A1_12_a_secret_call_and_instruction_enter_a_volume_and_the_brief_by_their_mark(org):
    Call.objects.create(
        unit=org.county,
        at=at(9, 5),
        name="郑卫东",
        content="安保部署调整",
        important=True,
        classification=Classification.SECRET,
    )
    with travel(at(9, 10)):
        intake.instruction_relay(
            Instruction(
                unit=org.county,
                leader=org.county_leader,
                text="要害部位值守",
                classification=Classification.SECRET,
            ),
            [org.deputy],
            org.officer,
        )
    volume = services.compile_volume(org.county, "day", DAY, org.county_admin)
    titles = [i.title for i in volume.items.all()]
    assert titles == ["秘密电话记录（内容不予显示）", "秘密领导批示（内容不予显示）"]
    word = WordDocument(io.BytesIO(documents.volume_docx(volume)))
    text = "\n".join(p.text for p in word.paragraphs) + "".join(
        c.text for t in word.tables for row in t.rows for c in row.cells
    )
    assert "安保部署" not in text and "要害部位" not in text and "涉密记录的内容不编入档案卷" in text
    brief = briefs.compose_daily(org.county, *briefs.daily_period(org.county, DAY))
    assert "郑卫东来电：秘密电话记录（内容不予显示）" in brief and "秘密领导批示（内容不予显示）" in brief
    assert "安保部署" not in brief and "要害部位" not in brief


def test_A1_12_a_volume_sealed_before_calls_carried_a_classification_shows_no_break(org):
    call = Call.objects.create(unit=org.county, at=at(9), name="王建华", content="报告停电")
    kind = volumes.BY_CODE["call"]
    fields = {k: v for k, v in snapshot(call).items() if k != "classification"}
    before = json.dumps({"record": fields, "parts": {}}, sort_keys=True, ensure_ascii=False, default=str)
    # what a volume sealed before intake 0006 holds for the call: the digest of its fields of then
    assert volumes.digest(kind, call) == hashlib.sha256(before.encode()).hexdigest()
    volume = services.compile_volume(org.county, "day", DAY, org.county_admin)
    with travel(at(18)):
        volume = services.seal(volume, org.county_admin)
    assert volumes.breaks(volume) == []
    call.classification = Classification.SECRET  # marked afterwards: a change the volume names
    call.save()
    assert [b.item.object_id for b in volumes.breaks(volume)] == [str(call.pk)]
