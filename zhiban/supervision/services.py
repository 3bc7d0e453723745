"""Supervision workflows (RULES §6): each writes in one transaction with its ledger entry, notices and audit.

Spot checks and roll calls judge presence by the unit's policy (A2.5: rings; roll-call minutes); an
inspection starts from what the records show; a circular is drafted from the period's findings, checks
and roll calls, signed off by a leader and published, each problem becoming the unit's rectification;
the ledger takes appeals and outcomes; a commendation is refused to anyone the ledger disqualifies."""

from __future__ import annotations

import datetime as dt
import random

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from zhiban.incidents.services import office_people
from zhiban.lib.dates import CLOCK_SKEW, minutes_words
from zhiban.lib.text import clip
from zhiban.notify.outbox import notify_people
from zhiban.org.models import Person, Role, Unit
from zhiban.org.policy import effective_policy
from zhiban.org.roles import holds_role, role_holders
from zhiban.roster.models import Assignment, Post, Roster
from zhiban.supervision.checklist import CHECKLIST
from zhiban.supervision.ledger import on_duty
from zhiban.supervision.models import (
    Appeal,
    Circular,
    CircularProblem,
    Commendation,
    Inspection,
    InspectionItem,
    LedgerEntry,
    Rectification,
    RollCall,
    RollCallTarget,
    SpotCheck,
)


def _below(office: Unit, unit: Unit, field: str) -> None:
    if office.pk not in unit.ancestor_ids():
        raise ValidationError({field: "只能对本单位的下级单位进行"})


# --- spot checks (A2.5, A2.8) -------------------------------------------------------------------------
def spot_check_record(check: SpotCheck, by: Person | None) -> SpotCheck:
    """A phone check of a duty line below, judged by the checked unit's own ring limit; absence goes
    into the ledger, naming the primary on duty at that moment."""
    _below(check.from_unit, check.to_unit, "to_unit")
    if check.at > timezone.now() + CLOCK_SKEW:
        raise ValidationError({"at": "拨打时间不能晚于现在"})
    if check.answered and check.rings is None:
        raise ValidationError({"rings": "请填写接听前的响铃声数"})
    if not check.answered:
        check.rings, check.answered_by, check.on_post = None, "", False
    check.by = by
    check.ring_limit = effective_policy(check.to_unit).answer_within_rings
    check.judge()
    check.full_clean()
    with transaction.atomic():
        check.save()
        if check.absent:
            LedgerEntry.objects.create(
                unit=check.to_unit,
                person=on_duty(check.to_unit, check.at),
                kind=LedgerEntry.Kind.ABSENCE,
                at=check.at,
                text=f"{check.from_unit.label}电话抽查{check.number}：{check.verdict}",
                spot_check=check,
                recorded_by=by,
            )
            notify_people(
                office_people(check.to_unit),
                f"{check.from_unit.label}{timezone.localtime(check.at):%m月%d日%H:%M}电话抽查{check.number}："
                f"{check.verdict}，已记入问责台账",
                link=reverse("spot_check_list"),
                subject="值班抽查",
                unit=check.to_unit,
            )
    return check


def plan_checks(office: Unit, count: int, now: dt.datetime) -> list[tuple[Unit, dt.datetime | None]]:
    """A planned check list: units drawn at random from the subtree, each weighted by the days since it
    was last checked (never checked: as if sixty days), the same list all day."""
    units = list(Unit.objects.filter(path__startswith=office.path, active=True).exclude(pk=office.pk))
    last = dict(SpotCheck.objects.filter(to_unit__in=units).values_list("to_unit").annotate(last=Max("at")))
    chooser = random.Random(f"{office.pk}-{timezone.localtime(now).date()}")
    pool = [(u, max(1.0, (now - last[u.pk]).days if u.pk in last else 60.0)) for u in units]
    chosen = []
    while pool and len(chosen) < count:
        total = sum(w for _, w in pool)
        pick = chooser.uniform(0, total)
        for i, (unit, weight) in enumerate(pool):
            pick -= weight
            if pick <= 0:
                chosen.append((unit, last.get(unit.pk)))
                pool.pop(i)
                break
    return chosen


# --- roll calls -------------------------------------------------------------------------------------
def roll_call_start(
    office: Unit,
    by: Person | None,
    units: list[Unit] | None = None,
    scheduled: bool = False,
    at: dt.datetime | None = None,
) -> RollCall:
    """一键查岗: every unit asked (the whole subtree unless chosen) hears it on its duty screen with a
    sound and by its channels; a unit with nobody on its published roster now is listed apart. `at`:
    now, unless the demo writes history."""
    now = at or timezone.now()
    if units is None:
        units = list(Unit.objects.filter(path__startswith=office.path, active=True).exclude(pk=office.pk))
    if not units:
        raise ValidationError({"units": "请选择点名的单位"})
    for unit in units:
        _below(office, unit, "units")
    minutes = effective_policy(office).roll_call_minutes
    with transaction.atomic():
        call = RollCall.objects.create(
            from_unit=office,
            by=by,
            started_at=now,
            minutes=minutes,
            due_at=now + dt.timedelta(minutes=minutes),
            scheduled=scheduled,
        )
        staffed = _staffed(units, now)
        RollCallTarget.objects.bulk_create(
            RollCallTarget(roll_call=call, unit=u, staffed=u.pk in staffed) for u in units
        )
        for unit in units:
            if unit.pk in staffed:
                notify_people(
                    staffed[unit.pk],
                    f"【点名】{office.label}点名，请在{timezone.localtime(call.due_at):%H:%M}前在值班页面应答",
                    link=reverse("desk"),
                    subject="值班点名",
                    unit=unit,
                    group=False,
                )
    return call


def _staffed(units: list[Unit], now: dt.datetime) -> dict[int, list[Person]]:
    """The people on duty now in each unit's published roster (primary, deputies, leader), in one
    query for all the units called."""
    found: dict[int, list[Person]] = {}
    on_duty_now = Assignment.objects.filter(
        roster__unit__in=units,
        roster__state=Roster.State.PUBLISHED,
        post__in=ON_DUTY_POSTS,
        start__lte=now,
        end__gt=now,
    ).select_related("person__user", "roster")
    for assignment in on_duty_now:
        found.setdefault(assignment.roster.unit_id, []).append(assignment.person)
    return found


# A unit that answers a roll call after its minutes is late, not absent, if it answers within this (the
# day the call was made); the banner stays on its pages until then.
LATE_ANSWER_WINDOW = dt.timedelta(hours=12)
ON_DUTY_POSTS = (Post.PRIMARY, Post.DEPUTY, Post.LEADER)  # in the duty room; standby is on call


def may_answer(person: Person | None, target: RollCallTarget) -> bool:
    """The roll call asks who is on duty: the people of the unit's published roster at the moment it was
    called (a unit with nobody on its roster answers by its duty office)."""
    if person is None:
        return False
    if not target.staffed:
        return True
    return Assignment.objects.filter(
        roster__unit=target.unit,
        roster__state=Roster.State.PUBLISHED,
        post__in=ON_DUTY_POSTS,
        start__lte=target.roll_call.started_at,
        end__gt=target.roll_call.started_at,
        person=person,
    ).exists()


def roll_call_answer(target: RollCallTarget, by: Person, at: dt.datetime | None = None) -> RollCallTarget:
    """The person on duty answers with their own login; who and when are recorded, once. An answer
    after the close still counts: as late, not missed."""
    now = at or timezone.now()
    with transaction.atomic():
        if not RollCallTarget.objects.filter(pk=target.pk, answered_at=None).update(
            answered_at=now, answered_by=by
        ):
            raise ValidationError({"roll_call": "本单位已应答"})
        target.answered_at, target.answered_by = now, by
        late = now > target.roll_call.due_at
        LedgerEntry.objects.filter(roll_call_target=target).delete()  # a missed one recorded at close
        if late:
            seconds = int((now - target.roll_call.due_at).total_seconds())
            LedgerEntry.objects.create(
                unit=target.unit,
                person=by,
                kind=LedgerEntry.Kind.LATE_ROLL_CALL,
                at=target.roll_call.started_at,
                minutes=max(1, (seconds + 59) // 60),
                text=f"{target.roll_call.from_unit.label}点名，超过应答时限{minutes_words(seconds // 60) if seconds >= 60 else ''}{seconds % 60}秒才应答",
                roll_call_target=target,
            )
    return target


def roll_call_close(call: RollCall) -> int:
    """At the deadline: every staffed unit that has not answered is absent (A2.8); the office is told."""
    missed = 0
    for target in call.targets.filter(answered_at=None, staffed=True).select_related("unit"):
        LedgerEntry.objects.get_or_create(
            roll_call_target=target,
            defaults={
                "unit": target.unit,
                "person": on_duty(target.unit, call.started_at),
                "kind": LedgerEntry.Kind.ABSENCE,
                "at": call.started_at,
                "text": f"{call.from_unit.label}点名，{call.minutes}分钟内未应答，视为脱岗",
            },
        )
        missed += 1
    return missed


# --- inspections ----------------------------------------------------------------------------------------
def inspection_start(office: Unit, unit: Unit, by: Person | None) -> Inspection:
    """B17: the checklist, each item checked against the unit's records first."""
    _below(office, unit, "unit")
    now = timezone.now()
    with transaction.atomic():
        inspection = Inspection.objects.create(office=office, unit=unit, by=by, at=now)
        for order, (key, label, check) in enumerate(CHECKLIST):
            ok, found = check(unit, now) if check else (None, "须现场查看")
            InspectionItem.objects.create(
                inspection=inspection, key=key, label=label, order=order, ok=ok, found=found
            )
    return inspection


def inspection_finish(inspection: Inspection, summary: str) -> None:
    open_items = [i.label for i in inspection.items.filter(ok=None)]
    if open_items:
        raise ValidationError({"summary": f"还有检查项目未作结论：{'、'.join(open_items)}"})
    unexplained = [i.label for i in inspection.findings().filter(note="")]
    if unexplained:
        raise ValidationError({"summary": f"不符合要求的项目须写明检查发现：{'、'.join(unexplained)}"})
    inspection.summary, inspection.state = summary.strip(), Inspection.State.DONE
    inspection.save(update_fields=["summary", "state"])


# --- circulars and rectification (B17) -----------------------------------------------------------------
def circular_draft(
    office: Unit, by: Person | None, start: dt.date, end: dt.date, due_date: dt.date
) -> Circular:
    """A draft of the period's circular: every finding of the inspections done, every spot check judged
    absent, every unit silent or late at a roll call, each a problem with its unit; the words are the
    office's to edit before sign-off. Refused when the period found nothing to say."""
    if end < start:
        raise ValidationError({"period_end": "结束日期不能早于开始日期"})
    if due_date <= timezone.localdate():
        raise ValidationError({"due_date": "整改期限须在今天之后"})
    problems = _period_problems(office, start, end)
    if not problems:
        raise ValidationError({"period_start": "这一时段没有检查发现、抽查脱岗或点名未应答，无可通报的问题"})
    units = sorted({p["unit"].pk: p["unit"] for p in problems}.values(), key=lambda u: u.path)
    checks = SpotCheck.objects.filter(from_unit=office, at__date__gte=start, at__date__lte=end)
    calls = RollCall.objects.filter(from_unit=office, started_at__date__gte=start, started_at__date__lte=end)
    body = (
        f"{start.year}年{start.month}月{start.day}日至{end.year}年{end.month}月{end.day}日，"
        f"{office.duty_office}对下级值班工作进行了检查，电话抽查{checks.count()}次"
        f"（{checks.filter(absent=True).count()}次视为脱岗），点名{calls.count()}次。现将发现的问题通报如下。"
    )
    with transaction.atomic():
        circular = Circular.objects.create(
            office=office,
            title=_circular_title(start, end),
            period_start=start,
            period_end=end,
            body=body,
            drafted_by=by,
        )
        circular.units.set(units)
        CircularProblem.objects.bulk_create(
            CircularProblem(circular=circular, due_date=due_date, **p) for p in problems
        )
    return circular


def _circular_title(start: dt.date, end: dt.date) -> str:
    if (start.year, start.month) == (end.year, end.month):
        return f"关于{start.year}年{start.month}月值班工作检查情况的通报"
    return f"关于{start.month}月{start.day}日至{end.month}月{end.day}日值班工作检查情况的通报"


def _period_problems(office: Unit, start: dt.date, end: dt.date) -> list[dict]:
    """What the period found that no circular has named yet: done inspections' findings, spot checks and
    roll calls judged absent, late or unstaffed (an entry removed on appeal is not a problem any more)."""
    named = CircularProblem.objects.filter(circular__office=office)
    problems = []
    for item in (
        InspectionItem.objects.filter(
            inspection__office=office,
            inspection__state=Inspection.State.DONE,
            inspection__at__date__gte=start,
            inspection__at__date__lte=end,
            ok=False,
        )
        .exclude(pk__in=named.exclude(item=None).values("item_id"))
        .select_related("inspection__unit")
    ):
        problems.append({"unit": item.inspection.unit, "text": f"{item.label}：{item.note}", "item": item})
    for check in (
        SpotCheck.objects.filter(from_unit=office, absent=True, at__date__gte=start, at__date__lte=end)
        .exclude(pk__in=named.exclude(spot_check=None).values("spot_check_id"))
        .exclude(ledger_entry__state__in=[LedgerEntry.State.REMOVED, LedgerEntry.State.APPEALED])
        .select_related("to_unit")
    ):
        when = timezone.localtime(check.at)
        problems.append(
            {
                "unit": check.to_unit,
                "text": f"{when:%m月%d日%H:%M}电话抽查{check.verdict}",
                "spot_check": check,
            }
        )
    for target in (
        RollCallTarget.objects.filter(
            roll_call__from_unit=office,
            roll_call__started_at__date__gte=start,
            roll_call__started_at__date__lte=end,
            roll_call__closed_at__isnull=False,
        )
        .exclude(pk__in=named.exclude(roll_call_target=None).values("roll_call_target_id"))
        .select_related("unit", "roll_call")
    ):
        result = target.result()
        if result in (
            RollCallTarget.Result.MISSED,
            RollCallTarget.Result.LATE,
            RollCallTarget.Result.UNSTAFFED,
        ):
            when = timezone.localtime(target.roll_call.started_at)
            problems.append(
                {
                    "unit": target.unit,
                    "text": f"{when:%m月%d日%H:%M}点名{RollCallTarget.Result(result).label}",
                    "roll_call_target": target,
                }
            )
    return sorted(problems, key=lambda p: p["unit"].path)


def circular_submit(circular: Circular, by: Person | None) -> None:
    """送签: the office's leaders are told a draft waits for their sign-off."""
    if circular.state != Circular.State.DRAFT:
        raise ValidationError({"state": "该通报已印发"})
    notify_people(
        role_holders(circular.office, [Role.LEADER], nearest_above=False),
        f"请签发：《{circular.title}》（{by.name if by else '值班室'}拟稿，{circular.problems.count()}个问题）",
        link=reverse("circular_detail", args=[circular.pk]),
        subject="通报待签发",
        unit=circular.office,
        group=False,
    )


def circular_publish(circular: Circular, by: Person) -> Circular:
    """Signed off by a leader of the issuing office and published at once: the units concerned see it
    on their desk, and each problem becomes a rectification owned by the unit's duty-office
    administrator (who may hand it on)."""
    if circular.state != Circular.State.DRAFT:
        raise ValidationError({"state": "该通报已印发"})
    if not holds_role(by, [Role.LEADER], circular.office):
        raise ValidationError({"state": "通报须由本单位领导签发"})
    if not circular.problems.exists():
        raise ValidationError({"state": "没有通报的问题，不能印发"})
    now = timezone.now()
    with transaction.atomic():
        circular.state, circular.signed_by, circular.signed_at, circular.published_at = (
            Circular.State.PUBLISHED,
            by,
            now,
            now,
        )
        circular.save(update_fields=["state", "signed_by", "signed_at", "published_at"])
        for problem in circular.problems.select_related("unit"):
            owner = next(iter(role_holders(problem.unit, [Role.DUTY_ADMIN], nearest_above=False)), None)
            Rectification.objects.create(
                problem=problem,
                unit=problem.unit,
                owner=owner,
                due_date=problem.due_date,
                remind_at=_reminder(problem.due_date),
            )
        for unit in circular.units.all():
            notify_people(
                office_people(unit),
                f"{circular.office.label}印发《{circular.title}》，请按期整改并报送整改情况",
                link=reverse("circular_detail", args=[circular.pk]),
                subject=circular.title,
                unit=unit,
            )
    return circular


def _reminder(due: dt.date) -> dt.datetime:
    """Two days before the due date, at nine."""
    day = max(due - dt.timedelta(days=2), timezone.localdate())
    return timezone.make_aware(dt.datetime.combine(day, dt.time(9)))


def rectification_report(rectification: Rectification, by: Person, report: str) -> None:
    if rectification.state == Rectification.State.ACCEPTED:
        raise ValidationError({"report": "已验收，不能再修改"})
    if not report.strip():
        raise ValidationError({"report": "请写明整改情况"})
    with transaction.atomic():
        rectification.report, rectification.state = report.strip(), Rectification.State.REPORTED
        rectification.reported_at = timezone.now()
        rectification.save(update_fields=["report", "state", "reported_at"])
        office = rectification.problem.circular.office
        notify_people(
            office_people(office),
            f"{rectification.unit.label}报送整改情况：{clip(rectification.problem.text, 40)}",
            link=reverse("rectification_detail", args=[rectification.pk]),
            subject="整改情况",
            unit=office,
        )


def rectification_decide(rectification: Rectification, by: Person, accept: bool, decision: str) -> None:
    """The superior accepts the rectification or sends it back with what is still to do."""
    if rectification.state != Rectification.State.REPORTED:
        raise ValidationError({"decision": "整改情况尚未报送"})
    if not accept and not decision.strip():
        raise ValidationError({"decision": "退回须写明还需整改的内容"})
    with transaction.atomic():
        rectification.state = Rectification.State.ACCEPTED if accept else Rectification.State.OPEN
        rectification.decided_by, rectification.decided_at = by, timezone.now()
        rectification.decision = decision.strip()
        if accept:
            rectification.remind_at = None
        rectification.save(update_fields=["state", "decided_by", "decided_at", "decision", "remind_at"])
        notify_people(
            office_people(rectification.unit),
            f"整改{'已验收' if accept else '被退回：' + decision.strip()[:60]}（{clip(rectification.problem.text, 30)}）",
            link=reverse("rectification_detail", args=[rectification.pk]),
            subject="整改验收",
            unit=rectification.unit,
        )


# --- the ledger: entries by hand, appeals, outcomes (A2.8, B28) -----------------------------------
MANUAL_KINDS = (
    LedgerEntry.Kind.SHIRKING,
    LedgerEntry.Kind.FALSE_REPORT,
    LedgerEntry.Kind.CONCEALED_REPORT,
    LedgerEntry.Kind.POOR_EXECUTION,
    LedgerEntry.Kind.ABSENCE,
)


def ledger_enter(office: Unit, entry: LedgerEntry, by: Person) -> LedgerEntry:
    """A failing no record shows (a false or concealed report, shirking), entered by an inspector or the
    superior office with its evidence."""
    _below(office, entry.unit, "unit")
    if entry.kind not in MANUAL_KINDS:
        raise ValidationError({"kind": "迟报、漏报、点名、抽查等由系统自动记录，不须手工登记"})
    if entry.at > timezone.now() + CLOCK_SKEW:
        raise ValidationError({"at": "发生时间不能晚于现在"})
    entry.recorded_by = by
    entry.full_clean()
    entry.save()
    return entry


def appeal_make(entry: LedgerEntry, by: Person, reason: str) -> Appeal:
    """The unit disputes an entry of its own, once at a time, with its reasons."""
    if entry.state != LedgerEntry.State.STANDING:
        raise ValidationError({"reason": "该记录已在申诉中或已撤销"})
    if not reason.strip():
        raise ValidationError({"reason": "请写明申诉理由"})
    with transaction.atomic():
        appeal = Appeal.objects.create(entry=entry, by=by, reason=reason.strip())
        LedgerEntry.objects.filter(pk=entry.pk).update(state=LedgerEntry.State.APPEALED)
        entry.state = LedgerEntry.State.APPEALED
        decider = entry.decider()
        for office in [decider] if decider else []:
            notify_people(
                office_people(office),
                f"{entry.unit.label}对问责台账记录申诉：{clip(entry.text, 60)}",
                link=reverse("ledger_entry_detail", args=[entry.pk]),
                subject="问责台账申诉",
                unit=office,
            )
    return appeal


def appeal_decide(appeal: Appeal, by: Person, upheld: bool, decision: str) -> None:
    """Decided by the superior with reasons: upheld removes the entry from every count, the entry and
    the decision both kept."""
    if appeal.decided_at is not None:
        raise ValidationError({"decision": "该申诉已有决定"})
    if not decision.strip():
        raise ValidationError({"decision": "请写明决定理由"})
    with transaction.atomic():
        appeal.decided_by, appeal.decided_at, appeal.upheld = by, timezone.now(), upheld
        appeal.decision = decision.strip()
        appeal.save(update_fields=["decided_by", "decided_at", "upheld", "decision"])
        state = LedgerEntry.State.REMOVED if upheld else LedgerEntry.State.STANDING
        LedgerEntry.objects.filter(pk=appeal.entry_id).update(state=state)
        appeal.entry.state = state
        notify_people(
            office_people(appeal.entry.unit),
            f"申诉{'成立，记录已撤销' if upheld else '不成立'}：{clip(decision, 80)}",
            link=reverse("ledger_entry_detail", args=[appeal.entry_id]),
            subject="申诉决定",
            unit=appeal.entry.unit,
        )


def disqualified(year: int, unit: Unit | None = None, person: Person | None = None) -> list[LedgerEntry]:
    """A2.8: the entries of the year that cancel the unit's (or person's) awards."""
    rows = LedgerEntry.objects.filter(at__year=year).exclude(state=LedgerEntry.State.REMOVED)
    rows = rows.filter(person=person) if person is not None else rows.filter(unit=unit)
    return [e for e in rows.order_by("at") if e.disqualifies]


def commend(office: Unit, by: Person, year: int, reason: str, unit=None, person=None) -> Commendation:
    """B27: a commendation, refused with the reason when the ledger disqualifies (A2.8)."""
    if (unit is None) == (person is None):
        raise ValidationError({"unit": "请选择表扬的单位或个人（二选一）"})
    whom = unit or person.unit
    if whom.pk != office.pk and office.pk not in whom.ancestor_ids():
        raise ValidationError({"unit": "只能表扬本单位和下级单位及其人员"})
    if not reason.strip():
        raise ValidationError({"reason": "请写明表扬事由"})
    against = disqualified(year, unit=unit, person=person)
    if against:
        first = against[0]
        raise ValidationError(
            {
                "person" if person else "unit": f"{year}年问责台账有记录，取消当年度评先评优资格："
                f"{timezone.localtime(first.at):%m月%d日}{first.get_kind_display()}（{clip(first.text, 40)}）"
            }
        )
    return Commendation.objects.create(
        office=office, year=year, unit=unit, person=person, reason=reason.strip(), by=by
    )
