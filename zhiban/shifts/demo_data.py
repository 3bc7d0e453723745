"""A month of duty in the demo city: for every published shift so far, check-ins, calls, visits, faxes,
matters opened and closed by their first receivers, leader instructions, free entries and a signed
handover; the shift in progress is open, its primary checked in, with matters carried into it."""

from __future__ import annotations

import datetime as dt
import random

from django.urls import reverse
from django.utils import timezone

from zhiban.intake.models import (
    Call,
    Document,
    Instruction,
    InstructionTarget,
    Matter,
    MatterStep,
    PhoneNotice,
    Visit,
)
from zhiban.org.models import Person, Role, Unit
from zhiban.roster.models import Assignment, Post, Roster
from zhiban.shifts.models import (
    CheckIn,
    Equipment,
    EquipmentCheck,
    Handover,
    HandoverItem,
    LogEntry,
    Shift,
    WallDisplay,
)

EQUIPMENT = (
    ("phone", "值班专线一"),
    ("phone", "值班专线二"),
    ("fax", "传真机"),
    ("computer", "值班电脑"),
    ("printer", "打印机"),
)
CALLERS = (
    ("青石镇政府", "党政办主任", "王建华", "0558-2222333"),
    ("县应急管理局", "值班员", "陈刚", "0558-1110119"),
    ("县水利局", "局长", "赵志明", "0558-3333444"),
    ("市气象局", "预报员", "孙丽", "0558-1212121"),
    ("县交通运输局", "值班室", "李强", "0558-1110000"),
    ("东湖村", "村民", "刘大伟", "13905581234"),
    ("县公安局", "指挥中心", "周涛", "0558-1100110"),
    ("县卫健委", "值班员", "吴芳", "0558-1201120"),
)
CONTENTS = (
    ("S203线K12处山体滑坡，道路中断，暂无人员伤亡", "山体滑坡道路中断", True),
    ("气象台发布暴雨黄色预警，未来6小时降雨量将达50毫米以上", "暴雨黄色预警", True),
    ("东湖水库水位超汛限0.3米，已开闸泄洪", "水库超汛限泄洪", True),
    ("询问春节期间县政府值班安排", "", False),
    ("反映小区停水已超过12小时", "小区停水", False),
    ("报告一起道路交通事故，1人受伤已送医", "交通事故", True),
    ("询问防汛物资调拨手续", "", False),
    ("核实网传某乡镇火情，经核实为农户焚烧秸秆", "", False),
    ("报送今日安全生产检查情况", "", False),
)
DOCUMENTS = (
    ("市政府办公室", "关于做好强降雨防范应对工作的紧急通知", "extra", "fax"),
    ("市应急管理局", "关于开展安全生产大检查的通知", "normal", "document"),
    ("市政府总值班室", "关于加强节日期间值班值守工作的通知", "urgent", "document"),
    ("县委办公室", "关于报送值班人员名单的通知", "normal", "fax"),
)


def build(units: dict[str, Unit], now: dt.datetime | None = None, seed: int = 7) -> int:
    """The month so far for each unit with a published roster; returns the number of shifts."""
    now = now or timezone.now()
    rng = random.Random(seed)
    count = 0
    for unit in units.values():
        assignments = list(
            Assignment.objects.filter(
                roster__unit=unit,
                roster__state=Roster.State.PUBLISHED,
                start__gte=now - dt.timedelta(days=30),
                start__lte=now,
            ).select_related("person")
        )
        if not assignments:
            continue
        for i, (kind, name) in enumerate(EQUIPMENT):
            Equipment.objects.create(unit=unit, kind=kind, name=name, order=i)
        count += _month_of(unit, assignments, now, rng)
    return count


def _month_of(unit: Unit, assignments: list[Assignment], now: dt.datetime, rng: random.Random) -> int:
    by_shift: dict[tuple, list[Assignment]] = {}
    for a in assignments:
        by_shift.setdefault((a.start, a.end, a.day, a.shift_name), []).append(a)
    leaders = list(Person.objects.filter(roles__unit=unit, roles__role=Role.LEADER).distinct()[:3])
    equipment = list(Equipment.objects.filter(unit=unit))
    open_matters: list[Matter] = []
    previous: tuple[Shift, Person] | None = None
    for (start, end, day, name), people in sorted(by_shift.items(), key=lambda kv: kv[0][0]):
        shift = Shift.objects.create(unit=unit, day=day, name=name, start=start, end=end)
        primary = next((a.person for a in people if a.post == Post.PRIMARY), people[0].person)
        for a in people:
            if a.post != Post.STANDBY:
                arrived = start - dt.timedelta(minutes=rng.randint(5, 20))
                due = start - dt.timedelta(minutes=10 if a.post == Post.PRIMARY else 0)
                late = max(0, int((arrived - due).total_seconds() // 60))
                CheckIn.objects.create(
                    shift=shift, person=a.person, post=a.post, at=arrived, due_at=due, minutes_late=late
                )
        until = min(end, now)
        _calls_and_more(unit, shift, primary, leaders, until, open_matters, rng)
        if previous is not None:
            _handover(*previous, shift, primary, equipment, open_matters, rng)
        previous = (shift, primary) if end <= now else None
        if end > now:
            _notice_going_out(unit, primary, now)
            break
    return len(by_shift)


def _at(rng: random.Random, shift: Shift, until: dt.datetime) -> dt.datetime | None:
    span = int((until - shift.start).total_seconds())
    return shift.start + dt.timedelta(seconds=rng.randrange(span)) if span > 60 else None


def _calls_and_more(unit, shift, primary, leaders, until, open_matters, rng) -> None:
    """A shift's records, each kind at about the rate a county duty office sees them: calls (some of
    them matters), now and then a visit, a document, a phone notice, a matter closed, an instruction,
    a log entry. The random draws come in one fixed order, so a seed always gives the same month."""
    if not _calls(unit, shift, primary, leaders, until, open_matters, rng):
        return  # the shift's time ran out
    for record in (_visit, _document, _phone_notice, _matter_closed, _instruction, _log_entry):
        record(unit, shift, primary, leaders, until, open_matters, rng)


def _calls(unit, shift, primary, leaders, until, open_matters, rng) -> bool:
    """Two to six calls; False when the shift ran out of time before the last of them."""
    for _ in range(rng.randint(2, 6)):
        moment = _at(rng, shift, until)
        if moment is None:
            return False
        organisation, position, name, number = rng.choice(CALLERS)
        content, what, important = rng.choice(CONTENTS)
        escalated = important and leaders and rng.random() < 0.5
        call = Call.objects.create(
            unit=unit,
            direction=rng.choice(("incoming", "incoming", "incoming", "outgoing")),
            at=moment,
            number=number,
            name=name,
            organisation=organisation,
            position=position,
            content=content,
            content_what=what,
            important=important,
            handling=Call.Handling.ESCALATED if escalated else Call.Handling.DIRECT,
            leader=leaders[0] if escalated else None,
            leader_answer="请相关部门立即处置并及时报告进展" if escalated else "",
            answer="" if escalated else "已答复",
            rang_at=moment - dt.timedelta(seconds=rng.randint(3, 12)),
            answered_at=moment,
            rings=rng.randint(1, 3),
            taken_by=primary,
        )
        if what and rng.random() < 0.4:
            matter = Matter.objects.create(
                unit=unit,
                title=what,
                detail=content,
                source=Matter.Source.CALL,
                call=call,
                owner=primary,
                opened_at=moment,
            )
            MatterStep.objects.create(
                matter=matter, kind=MatterStep.Kind.OPENED, by=primary, at=moment, text=what
            )
            open_matters.append(matter)
    return True


def _visit(unit, shift, primary, leaders, until, open_matters, rng) -> None:
    if rng.random() < 0.3:
        moment = _at(rng, shift, until)
        if moment:
            Visit.objects.create(
                unit=unit,
                name=rng.choice(("刘大伟", "张秀英", "何建国")),
                identity="群众",
                purpose=rng.choice(("反映村道损毁", "咨询低保办理", "反映噪音扰民")),
                arrived_at=moment,
                left_at=moment + dt.timedelta(minutes=rng.randint(15, 60)),
                reported_to=leaders[0] if leaders else None,
                arrangement="请相关部门接待并答复" if leaders else "",
                received_by=primary,
            )


def _document(unit, shift, primary, leaders, until, open_matters, rng) -> None:
    if rng.random() < 0.4:
        moment = _at(rng, shift, until)
        if moment:
            sender, title, urgency, kind = rng.choice(DOCUMENTS)
            Document.objects.create(
                unit=unit,
                kind=kind,
                sender=sender,
                number=f"〔{moment.year}〕{rng.randint(1, 99)}号",
                title=title,
                urgency=urgency,
                pages=rng.randint(1, 6),
                received_at=moment,
                handler=primary,
                handling="已呈领导阅示并转相关部门办理",
                forwarded_at=moment if urgency != "normal" else None,
                reported_back_at=moment + dt.timedelta(hours=2),
            )


def _phone_notice(unit, shift, primary, leaders, until, open_matters, rng) -> None:
    if rng.random() < 0.1 and leaders:
        moment = _at(rng, shift, until)
        if moment:
            _notice(
                unit,
                primary,
                "防汛紧急通知",
                "今晚有强降雨，请各单位做好防范，值班人员在岗在位",
                moment,
                [(caller, moment, moment + dt.timedelta(minutes=1)) for caller in CALLERS[:3]],
            )


def _matter_closed(unit, shift, primary, leaders, until, open_matters, rng) -> None:
    if open_matters and rng.random() < 0.5:
        matter = open_matters.pop(0)
        moment = _at(rng, shift, until)
        if moment and moment > matter.opened_at:
            Matter.objects.filter(pk=matter.pk).update(
                state=Matter.State.CLOSED, closed_at=moment, result="已协调相关部门处置完毕，已回访"
            )
            MatterStep.objects.create(
                matter=matter,
                kind=MatterStep.Kind.CLOSED,
                by=matter.owner,
                at=moment,
                text="已协调相关部门处置完毕，已回访",
            )
        else:
            open_matters.insert(0, matter)


def _instruction(unit, shift, primary, leaders, until, open_matters, rng) -> None:
    if rng.random() < 0.15 and leaders and open_matters:
        moment = _at(rng, shift, until)
        if moment:
            instruction = Instruction.objects.create(
                unit=unit,
                leader=leaders[0],
                given_at=moment,
                text="请相关部门加强巡查，确保群众安全，及时报告进展",
                matter=open_matters[-1],
                feedback_due_at=moment + dt.timedelta(hours=24),
                relayed_by=primary,
            )
            InstructionTarget.objects.create(
                instruction=instruction, person=primary, acknowledged_at=moment + dt.timedelta(minutes=5)
            )


def _log_entry(unit, shift, primary, leaders, until, open_matters, rng) -> None:
    if rng.random() < 0.2:
        moment = _at(rng, shift, until)
        if moment:
            LogEntry.objects.create(
                shift=shift, at=moment, text="对辖区重点部位开展电话查岗，均在岗在位", by=primary
            )


def _notice_going_out(unit, primary, now) -> None:
    """The shift in progress has a phone notice still going out (B11): one town has repeated it back,
    the other is awaited, so 一口清 and the notice list show it as 待复述."""
    moment = now - dt.timedelta(minutes=20)
    _notice(
        unit,
        primary,
        "地质灾害隐患点巡查通知",
        "受持续降雨影响，请立即组织对辖区地质灾害隐患点开展巡查，发现险情及时转移群众并报告",
        moment,
        [
            (CALLERS[0], moment + dt.timedelta(minutes=2), moment + dt.timedelta(minutes=3)),
            (CALLERS[1], moment + dt.timedelta(minutes=5), None),
        ],
    )


def _notice(unit, primary, title: str, text: str, moment, recipients) -> None:
    """A phone notice and its recipients: (caller, when told, when read back or None)."""
    notice = PhoneNotice.objects.create(unit=unit, title=title, text=text, at=moment, by=primary)
    for (organisation, position, name, number), told, read_back in recipients:
        Call.objects.create(
            unit=unit,
            direction="outgoing",
            at=told,
            number=number,
            name=name,
            organisation=organisation,
            position=position,
            content=text,
            notice=notice,
            read_back_by=name if read_back else "",
            read_back_at=read_back,
            taken_by=primary,
        )


def _handover(shift, outgoing, incoming_shift, incoming, equipment, open_matters, rng) -> None:
    handover = Handover.objects.create(
        shift=shift,
        situation=f"本班共处理来电{shift.unit.calls.filter(at__gte=shift.start, at__lt=shift.end).count()}个，总体平稳",
        prepared_by=outgoing,
        prepared_at=shift.end - dt.timedelta(minutes=20),
        incoming=incoming_shift,
        outgoing_signer=outgoing,
        incoming_signer=incoming,
        signed_at=shift.end,
    )
    for item in equipment:
        faulty = rng.random() < 0.03
        EquipmentCheck.objects.create(
            handover=handover, equipment=item, working=not faulty, note="卡纸，已报修" if faulty else ""
        )
    for matter in open_matters:
        if matter.opened_at < shift.end:
            HandoverItem.objects.create(
                handover=handover, matter=matter, suggestion="继续跟踪办理进展，及时回访"
            )
    Shift.objects.filter(pk=shift.pk).update(state=Shift.State.CLOSED)


def wall_displays(units: dict[str, Unit]) -> str:
    """The city duty room's wall screen, registered by its administrator, with its link (printed once, as
    the page shows it once); and an old PC's link, stopped."""
    admin = Person.objects.filter(user__username="admin").first()
    _, key = WallDisplay.issue(units["city"], "总值班室东墙大屏", admin)
    old, _ = WallDisplay.issue(units["city"], "旧值班电脑", admin)
    old.revoke(admin)
    return reverse("wall_display", args=[key])


def load(demo: dict) -> str:
    """The demo command's entry point (lib/management/commands/demo.py)."""
    shifts = build(demo["units"])
    link = wall_displays(demo["units"])
    return (
        f"demo duty: {shifts} shifts of the last month with calls, visits, faxes, matters\n"
        f"demo wall display (值班大屏, no login): http://127.0.0.1:8000{link}"
    )
