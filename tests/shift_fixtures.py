"""What the shift tests share: the day (5 March 2026 at 东湖县), its two published shifts, and small
helpers to travel, record a call, prepare and sign a handover. Registered in tests/conftest.py."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
import time_machine

from tests.clock import SHANGHAI
from tests.factories import make_assignment, make_person, make_roster
from zhiban.org.models import Role, SecurityPolicy
from zhiban.roster.models import Roster
from zhiban.shifts import services
from zhiban.shifts.models import Equipment

DAY = dt.date(2026, 3, 5)
PASSWORD = "Duty-2026-pass"


def at(hour: int, minute: int = 0, day: dt.date = DAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), SHANGHAI)


def travel(moment: dt.datetime):
    return time_machine.travel(moment, tick=False)


def with_password(*people):
    for person in people:
        person.user.set_password(PASSWORD)
        person.user.save()


@pytest.fixture
def on_the_day(db):
    """Each test lives on 5 March 2026 from 08:00 (and travels on from there, a day or two), so sessions
    made in it stay valid: the security policy gives them a day's idle time and a month's lifetime (the
    idle timeout and the lifetime are tested in test_login.py)."""
    SecurityPolicy.objects.update_or_create(
        pk=1, defaults={"idle_timeout_minutes": 1440, "session_max_hours": 720}
    )
    with travel(at(8)):
        yield


@pytest.fixture
def duty(org):
    """5 March 2026 at 东湖县: a day shift 08:30-17:30 (leader 曾志强, primary 林海燕, deputy 单晓东) and a
    night shift 17:30-08:30 (leader 曾志强, primary 吴建平, deputy 郑小红), published; a phone, a fax."""
    night_primary = make_person(org.county, "吴建平", roles=[Role.DUTY_STAFF])
    night_deputy = make_person(org.county, "郑小红", roles=[Role.DUTY_STAFF])
    with_password(org.officer, org.deputy, night_primary, night_deputy)
    roster = make_roster(org.county, DAY, 2, state=Roster.State.PUBLISHED)
    for person, post in ((org.county_leader, "leader"), (org.officer, "primary"), (org.deputy, "deputy")):
        make_assignment(roster, person, DAY, post, hours=9)
    for person, post in ((org.county_leader, "leader"), (night_primary, "primary"), (night_deputy, "deputy")):
        make_assignment(roster, person, DAY, post, hours=15, start=(17, 30))
    Equipment.objects.create(unit=org.county, kind="phone", name="值班电话一", order=1)
    Equipment.objects.create(unit=org.county, kind="fax", name="传真机", order=2)
    day_shift = services.shift_at(org.county, at(9))
    night_shift = services.shift_at(org.county, at(18))
    return SimpleNamespace(
        roster=roster,
        day=day_shift,
        night=night_shift,
        night_primary=night_primary,
        night_deputy=night_deputy,
    )


def call_data(**extra) -> dict:
    data = {
        "direction": "incoming",
        "at": "2026-03-05T09:10",
        "number": "0558-2222333",
        "name": "王建华",
        "organisation": "青石镇政府",
        "position": "党政办主任",
        "content": "青石镇S203线K12处山体滑坡，道路中断，暂无人员伤亡",
        "content_when": "今日8时50分",
        "content_where": "S203线K12处",
        "content_who": "过往车辆",
        "content_what": "山体滑坡，道路中断",
        "content_why": "连日降雨",
        "handling": "recorded",
    }
    data.update(extra)
    return data


def prepare(client, shift, matters=(), equipment=None, situation="本班平稳"):
    data = {"situation": situation}
    for matter, suggestion in matters:
        data[f"m-{matter.pk}"] = suggestion
    for item, (state, note) in (equipment or {}).items():
        data[f"eq-{item.pk}"], data[f"eq-note-{item.pk}"] = state, note
    return client.post(f"/duty/shifts/{shift.pk}/handover/", data)


def sign(client, shift, outgoing, incoming, out_pw=PASSWORD, in_pw=PASSWORD):
    return client.post(
        f"/duty/shifts/{shift.pk}/handover/sign/",
        {
            "outgoing_username": outgoing.user.username,
            "outgoing_password": out_pw,
            "incoming_username": incoming.user.username,
            "incoming_password": in_pw,
        },
        follow=True,
    )
