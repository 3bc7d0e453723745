"""The objects of 东湖县 the site-wide tests open page by page: one of every kind that has a page."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import (
    make_assignment,
    make_contact,
    make_exemption,
    make_line,
    make_roster,
    train,
)
from zhiban.org.models import RoleAssignment
from zhiban.org.services import duty_number_change_file
from zhiban.roster.models import SensitivePeriod, ShiftType, Swap


@pytest.fixture
def objects(org):
    contact = make_contact(org.county, "东湖县长", numbers=[("mobile", "13900000001", True)])
    line = make_line(org.county)
    training = train(org.officer)
    filing = duty_number_change_file(org.county, "0558-7777777", "搬迁", org.county_admin)
    role = RoleAssignment.objects.get(person=org.officer)
    roster = make_roster(org.county, dt.date(2026, 3, 1), 3)
    assignment = make_assignment(roster, org.officer, dt.date(2026, 3, 1))
    exemption = make_exemption(org.officer, dt.date(2026, 4, 1), dt.date(2026, 4, 10))
    swap = Swap.objects.create(applicant=org.officer, partner=org.deputy, shift=assignment, reason="家中有事")
    shift_type = ShiftType.objects.create(
        unit=org.county, day_kind="workday", name="全天班", start=dt.time(8, 30), hours=24
    )
    period = SensitivePeriod.objects.create(
        unit=org.county, name="汛期", start=dt.date(2026, 6, 1), end=dt.date(2026, 6, 30)
    )
    intake = intake_objects(org, assignment)
    return {
        **intake,
        **supervision_objects(org),
        **archive_objects(org),
        "shift_type": shift_type,
        "period": period,
        "swap": swap,
        "roster": roster,
        "assignment": assignment,
        "exemption": exemption,
        "unit": org.county,
        "person": org.officer,
        "contact": contact,
        "line": line,
        "training": training,
        "filing": filing,
        "role": role,
    }


def intake_objects(org, assignment) -> dict:
    from zhiban.intake import services
    from zhiban.intake.models import Call, Collection, Document, Instruction, PhoneNotice, Visit
    from zhiban.shifts.models import Handover, Leave, Shift

    call = Call.objects.create(unit=org.county, number="0558-1000000", name="张三", taken_by=org.officer)
    notice = PhoneNotice.objects.create(
        unit=org.county, title="防汛通知", text="做好防汛准备", by=org.officer
    )
    visit = Visit.objects.create(unit=org.county, name="李四", identity="群众", purpose="反映问题")
    document = Document.objects.create(unit=org.county, sender="市政府办", title="关于值班的通知")
    collection = Collection.objects.create(document=document, department="县应急局")
    matter = services.matter_open(org.county, org.officer, "道路积水")
    instruction = services.instruction_relay(
        Instruction(unit=org.county, leader=org.county_leader, text="抓紧处置", feedback_due_at=None),
        [org.deputy],
        org.officer,
    )
    roster = assignment.roster
    roster.state = "published"
    roster.save()
    shift = Shift.objects.create(
        unit=org.county, day=assignment.day, name="全天班", start=assignment.start, end=assignment.end
    )
    leave = Leave.objects.create(shift=shift, person=org.deputy, approved_by=org.officer, reason="取材料")
    log_entry = shift.entries.create(text="巡查值班室设备", by=org.officer)
    Handover.objects.create(shift=shift, situation="平稳", prepared_by=org.officer)
    from django.utils import timezone

    from zhiban.incidents import services as incidents
    from zhiban.incidents.models import Report

    event = incidents.event_open(
        org.county,
        org.officer,
        title="山体滑坡",
        category="natural",
        known_at=timezone.now(),
        place="S203线",
        summary="道路中断",
    )
    report = Report.objects.create(
        event=event, kind="first", channel="phone", at=timezone.now(), to_unit=org.city, phoned_whom="周建国"
    )
    verification = incidents.verification_ask(org.city, org.county, org.city_admin, "核实滑坡伤亡")
    from django.core.files.base import ContentFile

    from zhiban.incidents import reporting
    from zhiban.incidents.models import ReportAttachment, ReportingRule
    from zhiban.notify.models import ChannelRoute

    draft = reporting.report_draft(
        event, org.officer, submit=False, kind="first", channel="written", to_unit=org.city, place="S203线"
    )
    attachment = ReportAttachment.objects.create(
        report=draft,
        by=org.officer,
        file=ContentFile(b"%PDF-1.4 scan", name="现场.pdf"),
        name="现场.pdf",
        size=13,
    )
    from zhiban.intake.models import DocumentAttachment

    scan = DocumentAttachment.objects.create(
        document=document,
        by=org.officer,
        file=ContentFile(b"%PDF-1.4 fax", name="传真.pdf"),
        name="传真.pdf",
        size=12,
    )
    rule = ReportingRule.objects.create(
        unit=org.county, category="natural", grade="III", phone_minutes=30, written_minutes=60
    )

    route = ChannelRoute.objects.create(unit=org.county, channel="sms", url="http://127.0.0.1:9/sms")
    from zhiban.shifts.models import WallDisplay

    return {
        "display": WallDisplay.issue(org.county, "值班室大屏", org.county_admin)[0],
        "route": route,
        "event": event,
        "report": report,
        "draft": draft,
        "attachment": attachment,
        "scan": scan,
        "rule": rule,
        "deadline": event.deadline_set.order_by("id").first(),
        "verification": verification,
        "call": call,
        "notice": notice,
        "visit": visit,
        "document": document,
        "collection": collection,
        "matter": matter,
        "instruction": instruction,
        "shift": shift,
        "leave": leave,
        "log_entry": log_entry,
    }


def supervision_objects(org) -> dict:
    """A spot check and an inspection of 东湖县 by the city, the county's own roll call of 青石镇, a
    published circular naming 东湖县 with its rectification, a ledger entry of 东湖县."""
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from zhiban.supervision import services
    from zhiban.supervision.models import (
        Circular,
        CircularProblem,
        Evidence,
        LedgerEntry,
        Rectification,
        SpotCheck,
    )

    now = timezone.now()
    check = SpotCheck.objects.create(
        from_unit=org.city,
        to_unit=org.county,
        by=org.city_admin,
        at=now,
        number="0558-1",
        rings=1,
        ring_limit=3,
    )
    call = services.roll_call_start(org.county, org.county_admin, [org.township])
    inspection = services.inspection_start(org.city, org.county, org.inspector)
    evidence = Evidence.objects.create(
        item=inspection.items.first(),
        by=org.inspector,
        file=ContentFile(b"%PDF-1.4 e", name="e.pdf"),
        name="e.pdf",
        size=10,
    )
    circular = Circular.objects.create(
        office=org.city,
        title="关于值班工作检查情况的通报",
        period_start=now.date(),
        period_end=now.date(),
        body="x",
        state=Circular.State.PUBLISHED,
        published_at=now,
    )
    circular.units.add(org.county)
    problem = CircularProblem.objects.create(
        circular=circular, unit=org.county, text="未签字交接", due_date=now.date()
    )
    fix = Rectification.objects.create(
        problem=problem, unit=org.county, owner=org.county_admin, due_date=now.date()
    )
    entry = LedgerEntry.objects.create(unit=org.county, kind="absence", at=now, text="抽查无人接听")
    return {
        "spot_check": check,
        "county_call": call,
        "target": call.targets.get(),
        "inspection": inspection,
        "evidence": evidence,
        "circular": circular,
        "rectification": fix,
        "entry": entry,
    }


def archive_objects(org) -> dict:
    """A day's volume of 东湖县 and the draft of its brief (with nothing in them: access is about the
    volume and the brief, not their records)."""
    import datetime as dt

    from zhiban.archive import services

    return {
        "volume": services.compile_volume(org.county, "day", dt.date(2026, 3, 4), org.county_admin),
        "brief": services.draft_brief(org.county, "daily", dt.date(2026, 3, 4)),
    }
