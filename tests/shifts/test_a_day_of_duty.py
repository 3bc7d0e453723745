"""A whole day of duty, from check-in to the matter closed the next day."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.shift_fixtures import DAY, at, call_data, prepare, sign, travel
from zhiban.intake.models import Matter, MatterStep
from zhiban.shifts.log import duty_log
from zhiban.shifts.models import CheckIn


@pytest.mark.usefixtures("on_the_day")
def test_a_whole_day_of_duty_from_check_in_to_the_matter_closed_next_day(org, duty):
    """Two shifts: calls, a visitor, a fax and a matter taken in the day, carried over the handover and
    closed by its owner the next morning; each shift's duty log holds all of its part."""
    officer, night = org.client(org.officer), org.client(duty.night_primary)
    with travel(at(8, 18)):
        officer.post(f"/duty/shifts/{duty.day.pk}/check-in/")
    with travel(at(9, 12)):
        officer.post("/intake/calls/new/", call_data(open_matter="on", important="on"))
    with travel(at(10, 30)):
        officer.post(
            "/intake/calls/new/",
            call_data(
                direction="outgoing",
                at="2026-03-05T10:30",
                number="0558-1110000",
                name="交通局值班室",
                content="通知交通局赴现场",
            ),
        )
    with travel(at(14, 5)):
        officer.post(
            "/intake/visits/new/",
            {
                "name": "刘大伟",
                "identity": "东湖村村民",
                "people": 1,
                "purpose": "反映村道损毁",
                "arrived_at": "2026-03-05T14:00",
            },
        )
    with travel(at(15)):
        officer.post(
            "/intake/documents/new/",
            {
                "kind": "fax",
                "sender": "市应急局",
                "title": "关于滑坡处置的通知",
                "classification": "public",
                "urgency": "urgent",
                "pages": 2,
                "received_at": "2026-03-05T14:58",
            },
        )
    matter = Matter.objects.get()
    with travel(at(17, 10)):
        night.post(f"/duty/shifts/{duty.night.pk}/check-in/")
        prepare(
            officer,
            duty.day,
            [(matter, "跟进抢通进度，明早回访青石镇")],
            situation="发生山体滑坡一起，已处置",
        )
        sign(officer, duty.day, org.officer, duty.night_primary)
    # the night shift sees the carried matter on its desk
    with travel(at(18)):
        desk = night.get("/duty/").content.decode()
    assert "山体滑坡，道路中断" in desk
    with travel(at(22)):
        night.post(
            "/intake/calls/new/",
            call_data(at="2026-03-05T22:00", number="0558-2222333", content="道路已抢通单向通行"),
        )
    with travel(at(8, 40, DAY + dt.timedelta(days=1))):
        officer = org.client(org.officer)  # back the next morning, signed in afresh
        officer.post(f"/intake/matters/{matter.pk}/close/", {"x-result": "道路已全线抢通，已回访青石镇"})
    matter.refresh_from_db()
    assert not matter.is_open and matter.owner == org.officer

    day_log, night_log = duty_log(duty.day), duty_log(duty.night)
    assert [c.at for c in day_log.calls] == [at(9, 10), at(10, 30)]
    assert [v.name for v in day_log.visits] == ["刘大伟"] and [d.title for d in day_log.documents] == [
        "关于滑坡处置的通知"
    ]
    assert day_log.matters_opened == [matter]
    assert day_log.handover.signed and day_log.handover.items.get().matter == matter
    assert [c.at for c in night_log.calls] == [at(22)]
    assert night_log.received == day_log.handover
    assert CheckIn.objects.get(shift=duty.night).minutes_late == 0
    # the closing next morning is in the log of the shift it happened in, not the night's
    assert not [s for s in night_log.matter_steps if s.kind == MatterStep.Kind.CLOSED]
    # the handover was signed early, at 17:10: from then on the duty, and the carried matter, are the night's
    carried = [s for s in night_log.matter_steps if s.kind == MatterStep.Kind.CARRIED]
    assert [s.to for s in carried] == [duty.night_primary]
    assert not [s for s in day_log.matter_steps if s.kind == MatterStep.Kind.CARRIED]
    page = org.client(org.officer).get(f"/duty/shifts/{duty.day.pk}/").content.decode()
    for expected in ("王建华", "交通局值班室", "刘大伟", "关于滑坡处置的通知", "跟进抢通进度", "吴建平"):
        assert expected in page
