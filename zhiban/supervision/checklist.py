"""B17/B23/B25: what an inspection of a unit's duty work looks at, each item checked against the
unit's own records first, so the inspector confirms or corrects what the system already knows.

Each check returns (ok, what was found), in plain words; None for ok when the records cannot say."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils import timezone

from zhiban.incidents.manual import manual_of
from zhiban.intake.models import Matter
from zhiban.org.models import DutyLine, Person, Role, Unit
from zhiban.org.policy import effective_policy
from zhiban.org.training import clearance_problem
from zhiban.roster.models import Roster
from zhiban.shifts.models import Handover, Shift

LOOK_BACK = dt.timedelta(days=30)


def _roster(unit: Unit, now: dt.datetime) -> tuple[bool, str]:
    today = timezone.localtime(now).date()
    published = Roster.objects.filter(
        unit=unit, state=Roster.State.PUBLISHED, start__lte=today, end__gte=today
    ).first()
    if published is None:
        return False, "今天不在任何已发布的值班表内"
    return True, f"已发布：{published.title}（{published.start:%m月%d日}至{published.end:%m月%d日}）"


def _lines(unit: Unit, now: dt.datetime) -> tuple[bool, str]:
    minimum = effective_policy(unit).min_fixed_lines
    lines = DutyLine.objects.filter(unit=unit, active=True)
    fixed = lines.filter(kind=DutyLine.Kind.FIXED).count()
    has_24h = lines.filter(kind=DutyLine.Kind.HOTLINE_24H).exists()
    has_fax = lines.filter(kind=DutyLine.Kind.FAX).exists()
    gaps = [
        f"值班专用固定电话{fixed}部（应不少于{minimum}部）" if fixed < minimum else "",
        "" if has_fax else "未登记传真",
        "" if has_24h else "未登记24小时值班电话",
    ]
    gaps = [g for g in gaps if g]
    return not gaps, "；".join(gaps) or f"固定电话{fixed}部，传真、24小时值班电话齐全"


def _handovers(unit: Unit, now: dt.datetime) -> tuple[bool, str]:
    ended = Shift.objects.filter(unit=unit, end__gte=now - LOOK_BACK, end__lte=now)
    total = ended.count()
    if not total:
        return None, "近30天没有结束的班次"
    unsigned = ended.exclude(state=Shift.State.CLOSED).count()
    return (
        unsigned == 0,
        f"近30天{total}个班次，{unsigned}个未签字交接" if unsigned else f"近30天{total}个班次均已签字交接",
    )


def _logs(unit: Unit, now: dt.datetime) -> tuple[bool, str]:
    signed = Handover.objects.filter(
        shift__unit=unit, shift__end__gte=now - LOOK_BACK, signed_at__isnull=False
    )
    total = signed.count()
    if not total:
        return None, "近30天没有已交接的值班日志"
    empty = signed.filter(situation="").count()
    return (
        empty == 0,
        f"{empty}份值班日志未写值班情况" if empty else f"{total}份值班日志均写明值班情况和设备状况",
    )


def _training(unit: Unit, now: dt.datetime) -> tuple[bool, str]:
    today = timezone.localtime(now).date()
    staff = Person.objects.filter(roles__unit=unit, roles__role=Role.DUTY_STAFF, active=True).distinct()
    problems = [p for p in (clearance_problem(person, today) for person in staff) if p]
    if not staff:
        return None, "本单位没有值班人员"
    return not problems, "；".join(problems[:3]) + (
        f"等{len(problems)}人" if len(problems) > 3 else ""
    ) if problems else (f"{staff.count()}名值班人员培训均在有效期内")


def _manual(unit: Unit, now: dt.datetime) -> tuple[bool, str]:
    missing = [s.label for s in manual_of(unit) if s.procedure is None]
    return not missing, f"缺少：{'、'.join(missing)}" if missing else "值班制度和四类处置规程齐全"


def _matters(unit: Unit, now: dt.datetime) -> tuple[bool, str]:
    overdue = Matter.objects.filter(unit=unit, state=Matter.State.OPEN, due_at__lt=now).count()
    return overdue == 0, f"{overdue}项事项已超时限未办结" if overdue else "没有超时限未办结的事项"


CHECKLIST: list[tuple[str, str, Callable]] = [
    ("roster", "值班表按时发布，24小时值班和领导带班落实", _roster),
    ("lines", "值班专用电话、传真、24小时值班电话配备", _lines),
    ("handover", "交接班当面签字，未办结事项逐项交接", _handovers),
    ("log", "值班日志记录完整", _logs),
    ("training", "值班人员培训合格、在有效期内", _training),
    ("manual", "值班工作手册和处置规程齐全", _manual),
    ("matters", "首接负责，事项按时办结", _matters),
    ("room", "值班室设置、设施设备和保密管理", None),  # seen on site only
]
