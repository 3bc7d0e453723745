"""What the emergency-information tests share: an event opened at 东湖县 or 青石镇 at a given time, its reports, the runner's deadline jobs run to the end, the steps of its timeline."""

from __future__ import annotations

from tests.factories import (
    make_person,
)
from tests.shift_fixtures import at, travel
from zhiban.incidents import reporting, services
from zhiban.incidents import services as incidents
from zhiban.incidents.jobs import try_deadline_one, try_verification_one
from zhiban.org.models import Person, Role

ELEMENTS_FILLED = {
    "happened_at_text": "3月5日8时50分",
    "place": "青石镇S203线K12处",
    "information_source": "青石镇政府电话报告",
    "cause_nature": "连日降雨引发山体滑坡",
    "course": "8时50分山体滑坡，阻断道路",
    "consequences": "暂无人员伤亡，道路中断约50米",
    "scope": "S203线双向通行",
    "trend": "仍有降雨，存在再次滑坡可能",
    "handling": "交通局已设置绕行标志",
    "measures": "组织机械抢通",
    "suggestions": "请市交通局协调抢险力量",
}


def open_event(org, known=(9, 0), **extra):
    with travel(at(*known)):
        return services.event_open(
            org.county,
            org.officer,
            title="青石镇S203线山体滑坡",
            category="natural",
            known_at=at(*known),
            place="青石镇S203线K12处",
            summary="山体滑坡，道路中断",
            **extra,
        )


def township_event(org, known=(9, 0)):
    """青石镇 (under 东湖县) learns of a collapsed house at `known`; its duty officer 周镇."""
    officer = make_person(org.township, "周镇", roles=[Role.DUTY_STAFF])
    with travel(at(*known)):
        event = services.event_open(
            org.township,
            officer,
            title="青石镇民房倒塌",
            category="accident",
            known_at=at(*known),
            place="青石村",
            summary="民房倒塌",
        )
    return event, officer


def run_jobs() -> int:
    ran = 0
    while try_deadline_one() or try_verification_one():
        ran += 1
    return ran


def steps(event, kind) -> list[str]:
    return list(event.steps.filter(kind=kind).values_list("text", flat=True))


def leader_of(unit):
    """The unit's leader who signs its reports off: one of its own, made once."""
    leader = Person.objects.filter(roles__unit=unit, roles__role=Role.LEADER).order_by("id").first()
    return leader or make_person(unit, f"{unit.short_name or unit.name}领导", roles=[Role.LEADER])


def written(event, by, kind, to_unit=None, signer=None, **fields):
    """A written report drafted by `by` and signed off by the unit's leader: it goes at that moment
    (the clock's now), as a report to an office in the system does."""
    signer = signer or leader_of(event.unit)
    report = reporting.report_draft(
        event,
        by,
        kind=kind,
        channel="written",
        to_unit=to_unit,
        signer=signer,
        **{**ELEMENTS_FILLED, **fields},
    )
    return reporting.report_sign(report, signer)


def written_first(event, by, stated, to_unit):
    """A written first report with every element, drafted and signed off at `stated`."""
    with travel(stated):
        return written(event, by, "first", to_unit)


def phone_first(event, by, stated, to_unit):
    """A first report by phone (taken by 周建国), stated as made at `stated`."""
    return reporting.report_make(
        event, by, kind="first", channel="phone", at=stated, to_unit=to_unit, phoned_whom="周建国"
    )


def open_landslide(org, title="山体滑坡", known=(9, 0)):
    with travel(at(*known)):
        return incidents.event_open(
            org.county,
            org.officer,
            title=title,
            category="natural",
            known_at=at(*known),
            place="某村",
            summary="道路中断",
        )


def deadline(event, kind, index=0):
    """The event's `index`-th deadline of a kind ("phone", "written", "follow_up"), by when it is due."""
    return event.deadline_set.filter(kind=kind).order_by("due_at", "id")[index]


def dues(event) -> tuple:
    """When the event's first phone and written reports are due."""
    return deadline(event, "phone").due_at, deadline(event, "written").due_at
