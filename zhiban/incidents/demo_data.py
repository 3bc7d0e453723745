"""Emergency information in the demo city, as a city runs it:

- the city's reporting rules by category and grade (and a law's own for work-safety accidents), 东湖县's
  own for floods, and the offices above the city outside the system (省政府总值班室);
- last week, 东湖县's landslide: reported, followed up, closed; its phone report entered late;
- this morning, 青石镇's flash flood: sensitive, its phone report late, its written report still due;
  a verification request from the city;
- today, a fire in the zone's chemical park, 较大 upgraded to 重大 with its casualty figures rising,
  reported twice (the zone and 市应急管理局) and linked by the city, forwarded to the province by fax;
- today, a bus accident in 西山县 whose written report is overdue: the city chased it;
- now, the city's own waterlogging: phoned to the province, the written report waiting for 曾志强's
  sign-off.
The city's duty manual (B23/B25) has the duty rules and a procedure for each category; 东湖县 has its
own for natural disasters, the others it follows from the city."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from zhiban.incidents import reporting, services
from zhiban.incidents.models import Event, ExternalOffice, Procedure, Report, ReportingRule
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
    "二、按报告时限规定的时限电话报告、书面报告市政府总值班室，情况紧急时边核实边报告。\n"
    "三、立即报告带班领导，通知应急管理、水利、自然资源、气象等部门。\n"
    "四、跟踪抢险救援和群众转移安置情况，及时续报，处置结束后终报。",
    "accident": "一、接报后立即核实事故类型、伤亡人数、被困人员和危险化学品情况。\n"
    "二、按报告时限规定的时限电话报告、书面报告，涉及人员伤亡的同时报告带班领导。\n"
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


def _leader(unit: Unit) -> Person | None:
    return Person.objects.filter(roles__unit=unit, roles__role=Role.LEADER).order_by("id").first()


# The city's reporting rules, as a city publishes its table (B21/B29): the regulation's 15 and 30 minutes
# for the gravest, more time for 一般; follow-ups twice a day for 较大 and above; a law's own deadlines
# for work-safety accidents.
CITY_RULES = [
    # category, sub-kind, grade, phone, written, required, follow-up times, follow-up hours, basis
    *[
        (category, "", grade, phone, written, True, times, None, "市政府突发事件信息报告办法")
        for category in ("natural", "accident", "health", "security")
        for grade, phone, written, times in (
            ("I", 15, 30, "08:00 17:00"),
            ("II", 15, 30, "08:00 17:00"),
            ("III", 30, 60, "08:00 17:00"),
            ("IV", 120, 240, ""),
        )
        if (category, grade) != ("security", "IV")
    ],
    ("accident", "生产安全事故", "IV", 60, 120, True, "", None, "《生产安全事故报告和调查处理条例》第九条"),
    ("accident", "生产安全事故", "III", 30, 60, True, "", 4, "《生产安全事故报告和调查处理条例》第十条"),
    (
        "security",
        "",
        "IV",
        120,
        240,
        False,
        "",
        None,
        "市政府突发事件信息报告办法：一般社会安全事件由属地处置",
    ),
]


def _rules(city: Unit, county: Unit) -> None:
    by = Person.objects.filter(roles__unit=city, roles__role=Role.DUTY_ADMIN).order_by("id").first()
    for category, subkind, grade, phone, written, required, times, hours, basis in CITY_RULES:
        ReportingRule.objects.create(
            unit=city,
            category=category,
            subkind=subkind,
            grade=grade,
            phone_minutes=phone,
            written_minutes=written,
            required=required,
            followup_times=times,
            followup_hours=hours,
            basis=basis,
            updated_by=by,
        )
    # 东湖县 wants its own 一般 natural disasters (landslides, floods) up faster than the city asks
    ReportingRule.objects.create(
        unit=county,
        category="natural",
        grade="IV",
        phone_minutes=30,
        written_minutes=60,
        basis="东湖县突发事件信息报送实施细则",
        updated_by=Person.objects.filter(roles__unit=county, roles__role=Role.DUTY_ADMIN)
        .order_by("id")
        .first(),
    )


def _offices(city: Unit) -> dict[str, ExternalOffice]:
    return {
        "province": ExternalOffice.objects.create(
            unit=city,
            name="省政府总值班室",
            phone="0551-62600000",
            fax="0551-62601111",
            mailbox="zbs@ah.gov.example",
            platform="省突发事件信息报送系统",
        ),
        "ema": ExternalOffice.objects.create(
            unit=city, name="省应急管理厅值班室", phone="0551-62800000", fax="0551-62801111", order=1
        ),
    }


def _phoned(event, by, at, receiver, kind="first", entered=None, **fields) -> Report:
    """A phone report made at `at` and entered a minute later, unless `entered` says when (the demo
    writes history)."""
    return reporting.report_make(
        event,
        by,
        kind=kind,
        channel="phone",
        at=at,
        recorded_at=entered or at + dt.timedelta(minutes=1),
        phoned_whom=receiver,
        **fields,
    )


def _signed(event, by, signer, at, kind="follow_up", **fields) -> Report:
    """A written report drafted, signed off and so sent at `at` (the demo writes history)."""
    report = reporting.report_draft(
        event, by, kind=kind, channel="written", signer=signer, **{**ELEMENTS, **fields}
    )
    return reporting.report_sign(report, signer, at=at)


def _landslide(county: Unit, city: Unit, now: dt.datetime) -> Event:
    """Last week: 东湖县's landslide, reported, followed up, closed; its phone report entered late."""
    officer, leader, city_officer = _staff(county), _leader(county), _staff(city)
    receiver = city_officer.name if city_officer else "市总值班室"
    known = now - dt.timedelta(days=6, hours=3)
    landslide = services.event_open(
        county,
        officer,
        title="东湖县S203线山体滑坡",
        category="natural",
        grade="IV",
        known_at=known,
        opened_at=known + dt.timedelta(minutes=3),
        place="东湖县S203线K12处",
        summary="山体滑坡，道路中断约50米，暂无人员伤亡",
    )
    place = {"happened_at_text": f"{timezone.localtime(known):%m月%d日%H时%M分}", "place": landslide.place}
    first = _phoned(  # stated within its 30 minutes, entered after them: marked as entered late
        landslide,
        officer,
        known + dt.timedelta(minutes=28),
        receiver,
        to_unit=city,
        entered=known + dt.timedelta(minutes=40),
        dead=0,
        injured=0,
        figures_at=known + dt.timedelta(minutes=25),
    )
    for minutes, kind, course in (
        (50, "first", "山体滑坡阻断道路"),
        (180, "follow_up", "道路已单向通行"),
        (1440, "final", "道路已全线抢通"),
    ):
        _signed(
            landslide,
            officer,
            leader,
            known + dt.timedelta(minutes=minutes),
            kind=kind,
            to_unit=city,
            **place,
            course=course,
            **({"trend": "险情解除"} if kind == "final" else {}),
        )
    if city_officer:
        reporting.report_receive(first, city_officer, first.at + dt.timedelta(minutes=2))
    return landslide


def _flood(township: Unit, county: Unit, city: Unit, now: dt.datetime) -> Event:
    """This morning: 青石镇's flash flood, sensitive, its phone report late, its written one due."""
    township_officer, officer = _staff(township) or _staff(county), _staff(county)
    flood_known = now - dt.timedelta(minutes=40)
    flood = services.event_open(
        township,
        township_officer,
        title="青石镇山洪",
        category="natural",
        sensitive=True,
        known_at=flood_known,
        opened_at=flood_known + dt.timedelta(minutes=3),
        place="青石镇青石村",
        summary="山洪冲毁便桥一座，转移群众40人",
    )
    _phoned(
        flood,
        township_officer,
        flood_known + dt.timedelta(minutes=22),
        officer.name if officer else "县值班室",
        kind="first",
        to_unit=county,
        evacuated=40,
        figures_at=flood_known + dt.timedelta(minutes=20),
    )
    city_officer = _staff(city)
    if city_officer:
        services.verification_ask(
            city, county, city_officer, "核实青石镇山洪有无人员伤亡、转移群众安置情况", event=flood
        )
    return flood


def _explosion(zone: Unit, city_ema: Unit, city: Unit, offices, now: dt.datetime) -> None:
    """Today: a fire in the development zone's chemical park, first 较大, upgraded to 重大 as the
    casualties rose; 市应急管理局 reported the same fire, and the city linked the two; the city forwarded
    the zone's report to the province by fax."""
    officer, leader, city_officer = _staff(zone), _leader(zone), _staff(city)
    known = now - dt.timedelta(hours=3)
    fire = services.event_open(
        zone,
        officer,
        title="开发区化工园区仓库火灾",
        category="accident",
        subkind="生产安全事故",
        grade="III",
        known_at=known,
        opened_at=known + dt.timedelta(minutes=3),
        place="开发区化工园区宏达化工仓库",
        summary="化工仓库起火，有人员受伤，消防救援力量已赶赴现场",
    )
    scene = {"happened_at_text": f"{timezone.localtime(known):%m月%d日%H时%M分}", "place": fire.place}
    _phoned(
        fire,
        officer,
        known + dt.timedelta(minutes=12),
        city_officer.name if city_officer else "市总值班室",
        kind="first",
        to_unit=city,
        dead=0,
        injured=3,
        figures_at=known + dt.timedelta(minutes=10),
    )
    first = _signed(
        fire,
        officer,
        leader,
        known + dt.timedelta(minutes=41),
        kind="first",
        to_unit=city,
        **scene,
        information_source="开发区管委会值班室接宏达化工报告",
        cause_nature="仓库起火，原因正在调查",
        course="仓库起火后蔓延至相邻库房",
        consequences="3人受伤送医",
        dead=0,
        injured=3,
        figures_at=known + dt.timedelta(minutes=35),
    )
    upgraded = known + dt.timedelta(hours=1, minutes=40)
    services.event_regrade(fire, leader, "II", False, at=upgraded, note="仓库二次爆炸，伤亡增加")
    fire.refresh_from_db()
    _phoned(
        fire,
        officer,
        upgraded + dt.timedelta(minutes=9),
        city_officer.name if city_officer else "市总值班室",
        kind="follow_up",
        to_unit=city,
        dead=2,
        injured=11,
        missing=1,
        figures_at=upgraded + dt.timedelta(minutes=5),
    )
    follow_up = _signed(
        fire,
        officer,
        leader,
        upgraded + dt.timedelta(minutes=26),
        to_unit=city,
        **scene,
        information_source="开发区管委会现场指挥部",
        cause_nature="仓库二次爆炸，事故升级为重大",
        course="二次爆炸后火势扩大，周边企业人员已疏散",
        consequences="2人死亡、11人受伤、1人失联",
        scope="化工园区东区，周边3家企业停产",
        evacuated=620,
        dead=2,
        injured=11,
        missing=1,
        economic_loss=1850,
        figures_at=upgraded + dt.timedelta(minutes=20),
    )
    if city_officer:
        reporting.report_receive(first, city_officer, first.at + dt.timedelta(minutes=2))
        reporting.report_forward(follow_up, city_officer, to_external=offices["province"], means="fax")
    # 市应急管理局 heard of the same fire from its own line and reported it too
    ema_officer = _staff(city_ema) or officer
    twin = services.event_open(
        city_ema,
        ema_officer,
        title="宏达化工仓库爆炸",
        category="accident",
        subkind="生产安全事故",
        grade="II",
        known_at=known + dt.timedelta(minutes=50),
        opened_at=known + dt.timedelta(minutes=50) + dt.timedelta(minutes=3),
        place="开发区化工园区",
        summary="接企业报告，宏达化工仓库发生爆炸",
    )
    _phoned(
        twin,
        ema_officer,
        known + dt.timedelta(minutes=58),
        city_officer.name if city_officer else "市总值班室",
        kind="first",
        to_unit=city,
    )
    _signed(
        twin,
        ema_officer,
        _leader(city_ema),
        known + dt.timedelta(minutes=75),
        kind="first",
        to_unit=city,
        **scene,
        information_source="市应急管理局值班室接企业报告",
        cause_nature="仓库爆炸起火",
        course="爆炸后起火",
        consequences="有人员受伤，具体人数正在核实",
        unverified=True,
    )
    if city_officer:
        services.event_link(twin, fire, city_officer, city, "企业、地点、时间一致，为同一起火灾")


def _traffic(xishan: Unit, city: Unit, now: dt.datetime) -> None:
    """Today: a bus accident in 西山县 (较大): phoned in time, the written report overdue, the city
    chased it."""
    officer, city_officer = _staff(xishan), _staff(city)
    known = now - dt.timedelta(minutes=75)
    crash = services.event_open(
        xishan,
        officer,
        title="西山县S305线客车侧翻",
        category="accident",
        grade="III",
        known_at=known,
        opened_at=known + dt.timedelta(minutes=3),
        place="西山县S305线K48处",
        summary="一辆载有32人的客车侧翻，有人员受伤",
    )
    _phoned(
        crash,
        officer,
        known + dt.timedelta(minutes=18),
        city_officer.name if city_officer else "市总值班室",
        kind="first",
        to_unit=city,
        dead=1,
        injured=14,
        figures_at=known + dt.timedelta(minutes=15),
    )
    written = crash.deadline_set.get(kind="written")
    if city_officer:
        services.chase_up(city, city_officer, deadline=written, at=written.due_at + dt.timedelta(minutes=5))


def _waterlogging(city: Unit, offices, now: dt.datetime) -> None:
    """Now: the city's own event (强降雨内涝), phoned to the province, its written report drafted by the
    duty officer and waiting for the leader's sign-off."""
    officer, leader = _staff(city), _leader(city)
    known = now - dt.timedelta(minutes=22)
    rain = services.event_open(
        city,
        officer,
        title="市区强降雨城市内涝",
        category="natural",
        grade="IV",
        sensitive=True,
        known_at=known,
        opened_at=known + dt.timedelta(minutes=3),
        place="市区老城区、高铁站片区",
        summary="短时强降雨致老城区多处积水，高铁站片区交通受阻",
    )
    _phoned(
        rain,
        officer,
        known + dt.timedelta(minutes=9),
        "省值班室王立平",
        kind="first",
        to_external=offices["province"],
        evacuated=120,
        figures_at=known + dt.timedelta(minutes=8),
    )
    if leader:
        reporting.report_draft(
            rain,
            officer,
            kind="first",
            channel="written",
            to_external=offices["province"],
            signer=leader,
            **{
                **ELEMENTS,
                "happened_at_text": f"{timezone.localtime(known):%m月%d日%H时%M分}",
                "place": rain.place,
                "information_source": "市城管局、市交警支队报告",
                "cause_nature": "短时强降雨，1小时降雨量68毫米",
                "course": "老城区12处路段积水，高铁站进站道路受阻",
                "consequences": "暂无人员伤亡，转移低洼处群众120人",
                "scope": "老城区、高铁站片区",
                "trend": "降雨将持续2小时",
                "handling": "排水、交警、消防已到场",
            },
            evacuated=120,
            figures_at=now - dt.timedelta(minutes=5),
        )


def build(units: dict[str, Unit], now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    county, township, city = units["donghu"], units["qingshi"], units["city"]
    _manual(city, county)
    _rules(city, county)
    offices = _offices(city)
    _landslide(county, city, now)
    _flood(township, county, city, now)
    _explosion(units["zone"], units["city_ema"], city, offices, now)
    _traffic(units["xishan"], city, now)
    _waterlogging(city, offices, now)
    return Event.objects.count()


def load(demo: dict) -> str:
    """The demo command's entry point (lib/management/commands/demo.py)."""
    events = build(demo["units"])
    return (
        f"demo events: {events} with their reports, deadlines by category and grade, a sign-off waiting, "
        "a chase-up, an upgrade, a linked event and the duty manual"
    )
