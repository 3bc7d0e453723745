"""Emergency information in the demo city: a landslide in 东湖县 last week, reported on time, followed
up, forwarded to the city and closed; a flash flood in 青石镇 this morning whose phone report was late
and whose written report is still due (the board shows it); a verification request from the city."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from zhiban.incidents import services
from zhiban.org.models import Person, Role, Unit

ELEMENTS = {
    "happened_at_text": "",
    "place": "",
    "information_source": "镇政府电话报告",
    "cause_nature": "连日强降雨引发",
    "course": "",
    "consequences": "暂无人员伤亡",
    "scope": "周边两个村约300人",
    "trend": "降雨减弱，险情趋于稳定",
    "handling": "已转移群众、设置警戒",
    "measures": "组织机械抢通，持续监测",
    "suggestions": "请上级协调抢险机械",
}


def _staff(unit: Unit) -> Person | None:
    return Person.objects.filter(roles__unit=unit, roles__role=Role.DUTY_STAFF).order_by("id").first()


def build(units: dict[str, Unit], now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    county, township, city = units["donghu"], units["qingshi"], units["city"]
    officer, township_officer, city_officer = _staff(county), _staff(township) or _staff(county), _staff(city)
    known = now - dt.timedelta(days=6, hours=3)
    landslide = services.event_open(
        county,
        officer,
        title="东湖县S203线山体滑坡",
        category="natural",
        grade="IV",
        known_at=known,
        place="东湖县S203线K12处",
        summary="山体滑坡，道路中断约50米，暂无人员伤亡",
    )
    place = {"happened_at_text": f"{timezone.localtime(known):%m月%d日%H时%M分}", "place": landslide.place}
    first = services.report_make(
        landslide,
        officer,
        kind="first",
        channel="phone",
        at=known + dt.timedelta(minutes=9),
        recorded_at=known + dt.timedelta(minutes=10),  # six days ago: the demo writes history
        to_unit=city,
        phoned_whom=city_officer.name if city_officer else "市总值班室",
    )
    services.report_make(
        landslide,
        officer,
        kind="first",
        channel="written",
        at=known + dt.timedelta(minutes=26),
        recorded_at=known + dt.timedelta(minutes=41),  # entered after its deadline: marked backfilled
        to_unit=city,
        **{**ELEMENTS, **place, "course": "山体滑坡阻断道路"},
    )
    services.report_make(
        landslide,
        officer,
        kind="follow_up",
        channel="written",
        at=known + dt.timedelta(hours=3),
        recorded_at=known + dt.timedelta(hours=3),
        to_unit=city,
        **{**ELEMENTS, **place, "course": "道路已单向通行"},
    )
    services.report_make(
        landslide,
        officer,
        kind="final",
        channel="written",
        at=known + dt.timedelta(days=1),
        recorded_at=known + dt.timedelta(days=1),
        to_unit=city,
        **{**ELEMENTS, **place, "course": "道路已全线抢通", "trend": "险情解除"},
    )
    if city_officer:
        services.report_receive(first, city_officer)
    flood_known = now - dt.timedelta(minutes=40)
    flood = services.event_open(
        township,
        township_officer,
        title="青石镇山洪",
        category="natural",
        sensitive=True,
        known_at=flood_known,
        place="青石镇青石村",
        summary="山洪冲毁便桥一座，转移群众40人",
    )
    services.report_make(
        flood,
        township_officer,
        kind="first",
        channel="phone",
        at=flood_known + dt.timedelta(minutes=22),
        to_unit=county,
        phoned_whom=officer.name if officer else "县值班室",
    )
    if city_officer:
        services.verification_ask(
            city, county, city_officer, "核实青石镇山洪有无人员伤亡、转移群众安置情况", event=flood
        )
    return 2
