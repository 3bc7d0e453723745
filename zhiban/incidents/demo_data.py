"""Emergency information in the demo city: a landslide in 东湖县 last week, reported on time, followed
up, forwarded to the city and closed; a flash flood in 青石镇 this morning whose phone report was late
and whose written report is still due (the board shows it); a verification request from the city. The
city's duty manual (B23/B25) has the duty rules and a procedure for each category; 东湖县 has its own
for natural disasters, the others it follows from the city."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from zhiban.incidents import services
from zhiban.incidents.models import Procedure
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


MANUAL = {
    "rules": "一、实行24小时值班和领导带班制度，值班人员提前10分钟到岗签到，不得擅自离岗、脱岗。\n"
    "二、值班电话响铃3声内接听，规范登记来电来访，做到首接负责、一口清。\n"
    "三、严格执行交接班制度，当面交接，未办结事项逐件交代办理意见。\n"
    "四、严守保密纪律，值班记录和涉密材料不得外传。",
    "natural": "一、接报后立即核实灾害种类、发生时间、地点、人员伤亡和财产损失。\n"
    "二、事发15分钟内电话报告、30分钟内书面报告市政府总值班室，边核实边报告。\n"
    "三、立即报告带班领导，通知应急管理、水利、自然资源、气象等部门。\n"
    "四、跟踪抢险救援和群众转移安置情况，及时续报，处置结束后终报。",
    "accident": "一、接报后立即核实事故类型、伤亡人数、被困人员和危险化学品情况。\n"
    "二、事发15分钟内电话报告、30分钟内书面报告，涉及人员伤亡的同时报告带班领导。\n"
    "三、通知应急管理、公安、消防救援、卫生健康等部门赶赴现场。\n"
    "四、跟踪救援进展和次生灾害风险，及时续报。",
    "health": "一、接报后立即核实发病人数、症状、死亡人数和涉及范围。\n"
    "二、按时限报告，同时通知卫生健康部门开展流行病学调查。\n"
    "三、涉及学校、集中用餐单位的，通知教育、市场监管部门。\n"
    "四、做好舆情关注，信息发布以卫生健康部门口径为准。",
    "security": "一、接报后立即核实事件性质、聚集人数、诉求和现场秩序。\n"
    "二、按时限报告，敏感事件先电话报告、后书面报告。\n"
    "三、通知公安、信访及属地政府做好现场处置和疏导。\n"
    "四、跟踪事态发展，防止事态扩大，及时续报。",
}
COUNTY_FLOOD = (
    "一、接报后立即通知东湖水库管理处核实水位和大坝安全情况。\n"
    "二、事发15分钟内电话报告、30分钟内书面报告市政府总值班室。\n"
    "三、水位超汛限时，通知下游青石镇等乡镇组织人员转移，并报告县防汛抗旱指挥部。\n"
    "四、每2小时续报一次水情和转移安置情况。"
)


def _manual(city: Unit, county: Unit) -> None:
    def admin(unit: Unit) -> Person | None:
        return Person.objects.filter(roles__unit=unit, roles__role=Role.DUTY_ADMIN).order_by("id").first()

    for section, text in MANUAL.items():
        Procedure.objects.create(unit=city, section=section, text=text, updated_by=admin(city))
    Procedure.objects.create(unit=county, section="natural", text=COUNTY_FLOOD, updated_by=admin(county))


def _staff(unit: Unit) -> Person | None:
    return Person.objects.filter(roles__unit=unit, roles__role=Role.DUTY_STAFF).order_by("id").first()


def build(units: dict[str, Unit], now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    county, township, city = units["donghu"], units["qingshi"], units["city"]
    officer, township_officer, city_officer = _staff(county), _staff(township) or _staff(county), _staff(city)
    _manual(city, county)
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


def load(demo: dict) -> str:
    """The demo command's entry point (lib/management/commands/demo.py)."""
    events = build(demo["units"])
    return f"demo events: {events} with their reports, deadlines and the duty manual"
