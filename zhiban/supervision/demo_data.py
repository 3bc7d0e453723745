"""Supervision in the demo city, as a city runs it:

- a month of the city's phone spot checks of the units below (most answered on the first or second
  ring; a few not answered, or after five rings, or by someone not on duty: absence in the ledger);
- last night's scheduled roll call of the whole city: most answered in a minute or two, one late, one
  silent, the units with nobody on the roster listed apart; the schedule kept for tonight;
- an inspection of 东湖县 last week with two findings, and one of 西山县;
- last month's circular, signed off by 曾志强 and published, its rectifications half done: one accepted,
  one reported and waiting, one overdue;
- the ledger: the late and missed reports of the incidents demo entered by themselves, the absences, a
  concealed report entered by the inspector with evidence, an appeal upheld (a line out of order) and
  one waiting for the city's decision;
- commendations of last year, and the city's marks on the zone's reports (adopted)."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from zhiban.incidents.models import Report
from zhiban.org.models import DutyLine, Person, Role, Unit
from zhiban.supervision import services
from zhiban.supervision.models import (
    Circular,
    Commendation,
    Evidence,
    LedgerEntry,
    Rectification,
    ReportMark,
    RollCall,
    RollCallSchedule,
    SpotCheck,
)

# a tiny PNG: the inspector's photo of the fax log that shows the report came in and was not passed on
EVIDENCE_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a4de0000000049454e44ae426082"
)


def _person(unit: Unit, role: str) -> Person | None:
    return Person.objects.filter(roles__unit=unit, roles__role=role).order_by("id").first()


def _checks(city: Unit, officer: Person, now: dt.datetime, rng: random.Random) -> None:
    units = list(Unit.objects.filter(path__startswith=city.path).exclude(pk=city.pk))
    lines = {line.unit_id: line.number for line in DutyLine.objects.filter(kind=DutyLine.Kind.FIXED)}
    for day in range(30, 0, -1):
        for _ in range(2):
            unit = rng.choice(units)
            at = (now - dt.timedelta(days=day)).replace(
                hour=rng.choice([9, 14, 21, 23]), minute=rng.randrange(60)
            )
            roll = rng.random()
            answered = roll > 0.05
            rings = 5 if 0.05 < roll < 0.09 else rng.choice([1, 1, 2, 2, 3]) if answered else None
            check = SpotCheck(
                from_unit=city,
                to_unit=unit,
                at=at,
                number=lines.get(unit.pk, "0558-0000000"),
                answered=answered,
                rings=rings,
                answered_by=rng.choice(["值班员", "主班", "副班"]) if answered else "",
                on_post=not 0.09 < roll < 0.11,
                note="" if roll > 0.11 else "抽查时无人接听或接听不及时",
            )
            services.spot_check_record(check, officer)


def _roll_call(city: Unit, now: dt.datetime, rng: random.Random) -> RollCall:
    started = timezone.localtime(now).replace(hour=2, minute=13, second=0, microsecond=0)
    if started > now - dt.timedelta(hours=1):
        started -= dt.timedelta(days=1)
    call = services.roll_call_start(city, None, scheduled=True, at=started)
    targets = list(call.targets.filter(staffed=True).select_related("unit"))
    for i, target in enumerate(targets):
        person = Person.objects.filter(unit=target.unit, roles__role=Role.DUTY_STAFF).order_by("id").first()
        if person is None or i == len(targets) - 1:
            continue  # the last one stays silent
        late = i == len(targets) - 2
        seconds = 6 * 60 + 20 if late else rng.randrange(25, 170)
        services.roll_call_answer(target, person, at=started + dt.timedelta(seconds=seconds))
    RollCall.objects.filter(pk=call.pk).update(closed_at=call.due_at)
    call.refresh_from_db()
    services.roll_call_close(call)
    RollCallSchedule.objects.create(
        unit=city,
        by=_person(city, Role.DUTY_ADMIN),
        next_at=(now + dt.timedelta(days=1)).replace(hour=1, minute=47),
    )
    return call


def _inspections(city: Unit, units: dict[str, Unit], inspector: Person, now: dt.datetime) -> None:
    for key, findings in (
        ("donghu", {"handover": "3月份两个夜班未当面签字交接", "room": "值班室电话记录本未按规定放置"}),
        ("xishan", {}),
    ):
        inspection = services.inspection_start(city, units[key], inspector)
        for item in inspection.items.all():
            if item.key in findings:
                item.ok, item.note = False, findings[item.key]
            elif item.ok is None:
                item.ok, item.note = True, "现场查看符合要求"
            elif item.ok is False:  # what the records showed, confirmed on site
                item.note = f"经核实：{item.found}"
            item.save()
        services.inspection_finish(
            inspection, "值班制度总体落实，个别环节需整改" if findings else "值班工作规范"
        )
        inspection.at = now - dt.timedelta(days=8)
        inspection.save(update_fields=["at"])


def _circular(city: Unit, leader: Person, officer: Person, now: dt.datetime) -> Circular:
    today = timezone.localdate()
    circular = services.circular_draft(
        city,
        officer,
        today - dt.timedelta(days=31),
        today - dt.timedelta(days=1),
        today + dt.timedelta(days=10),
    )
    circular.number = f"市值通〔{today.year}〕{today.month}号"
    circular.save(update_fields=["number"])
    services.circular_publish(circular, leader)
    published = now - dt.timedelta(days=6)
    Circular.objects.filter(pk=circular.pk).update(published_at=published, signed_at=published)
    fixes = list(circular.problems.select_related("rectification").order_by("id"))
    for i, problem in enumerate(fixes):
        fix: Rectification = problem.rectification
        owner = fix.owner or _person(problem.unit, Role.DUTY_ADMIN) or officer
        if i % 3 == 0:
            services.rectification_report(
                fix, owner, "已组织值班人员学习接听规范，调整值班电话位置，安排专人值守"
            )
            services.rectification_decide(fix, leader, True, "整改到位")
        elif i % 3 == 1:
            services.rectification_report(fix, owner, "已完成整改，整改情况和证明材料报上级验收")
        else:  # past its due date, nothing reported yet
            overdue = today - dt.timedelta(days=2)
            Rectification.objects.filter(pk=fix.pk).update(due_date=overdue)
            type(problem).objects.filter(pk=problem.pk).update(due_date=overdue)
    return circular


def _ledger(city: Unit, units: dict[str, Unit], inspector: Person, leader: Person, now: dt.datetime) -> None:
    xishan = units["xishan"]
    concealed = LedgerEntry(
        unit=xishan,
        person=_person(xishan, Role.DUTY_STAFF),
        kind=LedgerEntry.Kind.CONCEALED_REPORT,
        at=now - dt.timedelta(days=12),
        text="西山县某镇民房火灾造成1人受伤，当日未向县值班室报告，次日经群众反映才核实",
        serious=True,
        outcome=LedgerEntry.Outcome.CRITICISED,
    )
    services.ledger_enter(city, concealed, inspector)
    Evidence.objects.create(
        entry=concealed,
        by=inspector,
        **_evidence("值班记录照片.png"),
    )
    absences = list(
        LedgerEntry.objects.filter(kind=LedgerEntry.Kind.ABSENCE, spot_check__isnull=False).order_by("at")
    )
    if absences:
        first = absences[0]
        admin = _person(first.unit, Role.DUTY_ADMIN) or _person(first.unit, Role.DUTY_STAFF) or inspector
        appeal = services.appeal_make(first, admin, "当时值班电话线路故障，已报电信部门维修，有维修单为证")
        services.appeal_decide(appeal, leader, True, "经向电信部门核实，当日该线路确有故障，申诉成立")
    if len(absences) > 1:
        second = absences[-1]
        admin = _person(second.unit, Role.DUTY_ADMIN) or _person(second.unit, Role.DUTY_STAFF) or inspector
        services.appeal_make(
            second, admin, "当时值班人员正在另一部值班电话上接报突发事件，未能及时接听，有通话记录为证"
        )


def _evidence(name: str) -> dict:
    from django.core.files.base import ContentFile

    return {"file": ContentFile(EVIDENCE_PNG, name=name), "name": name, "size": len(EVIDENCE_PNG)}


def _commend(city: Unit, units: dict[str, Unit], admin: Person, now: dt.datetime) -> None:
    last_year = timezone.localdate().year - 1
    Commendation.objects.create(
        office=city, year=last_year, unit=units["zone"], reason="全年信息报送及时准确，无迟报漏报", by=admin
    )
    officer = _person(units["donghu"], Role.DUTY_STAFF)
    if officer:
        Commendation.objects.create(
            office=city,
            year=last_year,
            person=officer,
            reason="汛期坚守值班岗位，及时报告东湖水库险情",
            by=admin,
        )


def build(units: dict[str, Unit], now: dt.datetime | None = None) -> str:
    now = now or timezone.now()
    rng = random.Random(18)
    city = units["city"]
    officer = Person.objects.get(user__username="city_officer")
    admin = Person.objects.get(user__username="admin")
    leader = Person.objects.get(user__username="city_leader")
    inspector = Person.objects.get(user__username="inspector")
    _checks(city, officer, now, rng)
    call = _roll_call(city, now, rng)
    _inspections(city, units, inspector, now)
    circular = _circular(city, leader, officer, now)
    _ledger(city, units, inspector, leader, now)
    _commend(city, units, admin, now)
    for report in Report.objects.filter(to_unit=city, event__unit=units["zone"], state=Report.State.SENT):
        ReportMark.objects.create(report=report, kind=ReportMark.Kind.ADOPTED, by=officer)
    return (
        f"demo supervision: {SpotCheck.objects.count()} spot checks, a roll call of {call.targets.count()} units, "
        f"a circular with {circular.problems.count()} rectifications, {LedgerEntry.objects.count()} ledger entries"
    )


def load(demo: dict) -> str:
    """The demo command's entry point (lib/management/commands/demo.py)."""
    return build(demo["units"])
