"""From a unit's templates, calendar, people and rules to a solver problem, and back to assignments;
and the checks a roster must pass, by solver or by hand (A1.1, B7, B9, B10, B16, A3.1)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, replace

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from zhiban.audit.trail import record_update
from zhiban.org.models import Person, Role, RoleAssignment, Unit
from zhiban.org.policy import effective_policy
from zhiban.org.training import clearance_problem
from zhiban.roster import solver
from zhiban.roster.calendar import CalendarDay, days_between
from zhiban.roster.models import Assignment, DayKind, DutyRequest, Exemption, Post, Roster, ShiftType

HISTORY_MONTHS = 12  # earlier rosters counted for fairness: a year


# --- shift templates ------------------------------------------------------------------------------


def shift_types_for(unit: Unit) -> dict[str, list[ShiftType]]:
    """Per kind of day, the shifts of the nearest unit (itself first) that defines that kind."""
    chain = [unit.pk, *reversed(unit.ancestor_ids())]
    by_unit: dict[int, dict[str, list[ShiftType]]] = defaultdict(lambda: defaultdict(list))
    for shift_type in ShiftType.objects.filter(unit_id__in=chain):
        by_unit[shift_type.unit_id][shift_type.day_kind].append(shift_type)
    found: dict[str, list[ShiftType]] = {}
    for kind in DayKind.values:
        for unit_id in chain:
            if by_unit[unit_id].get(kind):
                found[kind] = sorted(by_unit[unit_id][kind], key=lambda s: (s.order, s.start))
                break
    return found


@dataclass(frozen=True)
class PlannedShift:
    """One shift of one day with the posts it needs, after holidays and sensitive periods (B9/B10)."""

    day: CalendarDay
    name: str
    start: dt.datetime
    end: dt.datetime
    night: bool
    posts: dict[str, int]

    @property
    def key(self) -> str:
        return f"{self.start.isoformat()}"

    @property
    def leader_required(self) -> bool:
        return self.day.kind == DayKind.HOLIDAY or self.day.sensitive is not None


def planned_shifts(unit: Unit, start: dt.date, end: dt.date) -> tuple[list[PlannedShift], list[str]]:
    """The shifts to fill, and problems with the templates (a kind of day with no shifts)."""
    templates = shift_types_for(unit)
    shifts, problems = [], []
    tz = timezone.get_current_timezone()
    for day in days_between(unit, start, end):
        base = templates.get(day.kind) or (
            templates.get(DayKind.WEEKEND) if day.kind == DayKind.HOLIDAY else None
        )
        kind = DayKind.SENSITIVE if day.sensitive and templates.get(DayKind.SENSITIVE) else day.kind
        types = templates.get(DayKind.SENSITIVE) if kind == DayKind.SENSITIVE else base
        if not types:
            problems.append(f"{day.date.month}月{day.date.day}日：没有“{DayKind(kind).label}”的班次设置")
            continue
        # B9: in a sensitive period at least `staff_factor` times the primaries and deputies of an
        # ordinary day like it, whatever the sensitive-period template says
        floor = {}
        if day.sensitive and base:
            for post in (Post.PRIMARY, Post.DEPUTY):
                floor[post] = day.sensitive.staff_factor * max(t.posts().get(post, 0) for t in base)
        day_shifts = []
        for shift_type in types:
            begin = dt.datetime.combine(day.date, shift_type.start, tz)
            posts = dict(shift_type.posts())
            for post, least in floor.items():
                if least:
                    posts[post] = max(posts.get(post, 0), least)
            day_shifts.append(
                PlannedShift(
                    day,
                    shift_type.name,
                    begin,
                    begin + dt.timedelta(hours=shift_type.hours),
                    shift_type.night,
                    posts,
                )
            )
        if day.kind == DayKind.HOLIDAY or day.sensitive:
            # B10: a leader on site around the clock on holidays and in sensitive periods: on every shift
            # of the day, even where the template has none
            for shift in day_shifts:
                shift.posts[Post.LEADER] = max(shift.posts.get(Post.LEADER, 0), 1)
        shifts += day_shifts
    return shifts, problems


# --- who may hold which post, when ---------------------------------------------------------------

ROLE_POSTS = {Role.LEADER: {Post.LEADER}, Role.DUTY_STAFF: {Post.PRIMARY, Post.DEPUTY, Post.STANDBY}}


def duty_people(unit: Unit) -> dict[Person, set[str]]:
    """People of the unit's duty roster and the posts their roles allow (B6/B8)."""
    people: dict[Person, set[str]] = defaultdict(set)
    assignments = RoleAssignment.objects.filter(unit=unit, role__in=list(ROLE_POSTS)).select_related(
        "person__unit"
    )
    for assignment in assignments.prefetch_related("person__trainings"):
        people[assignment.person] |= {str(p) for p in ROLE_POSTS[assignment.role]}
    return dict(people)


def schedulable(unit: Unit, people: dict[Person, set[str]], start: dt.date, end: dt.date) -> set[int]:
    """The ids of the people who could be on duty on at least one day of the period: cleared for duty
    (B16) and not exempted (A3.1) that day."""
    valid_months = effective_policy(unit).training_valid_months
    exempt = exempted_days(list(people), start, end)
    step = dt.timedelta(days=max(1, (end - start).days // 400))  # a long period: every n-th day
    found = set()
    for person in people:
        day = start
        while day <= end:
            if day not in exempt.get(person.pk, set()) and not clearance_problem(person, day, valid_months):
                found.add(person.pk)
                break
            day += step
    return found


def exempted_days(people, start: dt.date, end: dt.date) -> dict[int, set[dt.date]]:
    """A3.1: the days each person is exempted by an archived (approved and filed) exemption."""
    days: dict[int, set[dt.date]] = defaultdict(set)
    for exemption in Exemption.objects.filter(
        person__in=people, state=Exemption.State.ARCHIVED, start__lte=end, end__gte=start
    ):
        first, last = max(exemption.start, start), min(exemption.end, end)
        days[exemption.person_id] |= {first + dt.timedelta(days=i) for i in range((last - first).days + 1)}
    return days


def unavailable_reason(
    person: Person, posts: set[str], post: str, day: dt.date, exempt: set[dt.date], valid_months: int
) -> str | None:
    """Why `person` may not hold `post` on `day`, in Chinese; None when they may."""
    if post not in posts:
        return f"{person.name}不能担任{Post(post).label}（角色不符）"
    if day in exempt:
        return f"{person.name}在免值班期内"
    return clearance_problem(person, day, valid_months)


# --- solving -------------------------------------------------------------------------------------


def history_counts(unit: Unit, before: dt.date, exclude: Roster | None = None) -> dict[int, dict[str, int]]:
    """What each person did in the unit's published rosters of the last year: shifts, nights, weekends,
    holidays, so the year is fair and not only the month."""
    since = before - dt.timedelta(days=HISTORY_MONTHS * 31)
    counts: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(solver.CATEGORIES, 0))
    rows = Assignment.objects.filter(
        roster__unit=unit, roster__state=Roster.State.PUBLISHED, day__gte=since, day__lt=before
    )
    if exclude is not None:
        rows = rows.exclude(roster=exclude)
    for person_id, night, kind in rows.values_list("person_id", "night", "day_kind"):
        c = counts[person_id]
        c["shifts"] += 1
        c["nights"] += night
        c["weekends"] += kind == DayKind.WEEKEND
        c["holidays"] += kind == DayKind.HOLIDAY
    return counts


def build_problem(roster: Roster) -> tuple[solver.Problem, list[PlannedShift], list[str]]:
    unit = roster.unit
    policy = effective_policy(unit)
    shifts, problems = planned_shifts(unit, roster.start, roster.end)
    people = duty_people(unit)
    exempt = exempted_days(people, roster.start, roster.end)
    history = history_counts(unit, roster.start, exclude=roster)
    days = roster.days()
    solver_people = []
    for person, posts in people.items():
        away = frozenset(
            d
            for d in days
            if d in exempt.get(person.pk, set()) or clearance_problem(person, d, policy.training_valid_months)
        )
        pool = "leader" if Post.LEADER in posts else "staff"
        solver_people.append(
            solver.Person(
                person.pk, person.name, frozenset(posts), pool, away, dict(history.get(person.pk, {}))
            )
        )
    solver_shifts = [
        solver.Shift(
            key=s.key,
            day=s.day.date,
            name=s.name,
            start=s.start,
            end=s.end,
            night=s.night,
            weekend=s.day.kind == DayKind.WEEKEND,
            holiday=s.day.kind == DayKind.HOLIDAY,
            leader_required=s.leader_required,
            posts=dict(s.posts),
        )
        for s in shifts
    ]
    # by the moment, not its text: the database gives it back in UTC, the shift's key is local time
    key_at = {s.start: s.key for s in shifts}
    held = [(a, key_at[a.start]) for a in roster.assignments.all() if a.start in key_at]
    pins = [solver.Pin(a.person_id, key, a.post) for a, key in held if a.pinned]
    start = [solver.Assignment(a.person_id, key, a.post) for a, key in held]
    busy_until, taken_days = _taken_elsewhere(roster, people, policy.rest_hours_after_night)
    solver_people = [
        replace(p, unavailable=p.unavailable | taken_days.get(p.id, frozenset())) for p in solver_people
    ]
    requests = [
        solver.Request(r.person_id, r.day)
        for r in DutyRequest.objects.filter(person__in=list(people), day__range=(roster.start, roster.end))
    ]
    problem = solver.Problem(
        busy_until=busy_until,
        requests=requests,
        people=solver_people,
        shifts=solver_shifts,
        pins=pins,
        rest_hours_after_night=policy.rest_hours_after_night,
        min_days_between=policy.min_days_between_shifts,
        time_limit=settings.ROSTER_SOLVER_SECONDS,
        seed=roster.pk or 0,
        limits=policy_limits(policy),
        start=start,
    )
    return problem, shifts, problems


def policy_limits(policy) -> solver.Limits:
    """The unit's roster limits (0: none) as the solver's; a period longer than a month is solved month by
    month, so they hold in each month."""
    hours = policy.max_duty_hours_per_month
    return solver.Limits(
        max_consecutive_days=policy.max_consecutive_duty_days or None,
        max_weekends=policy.max_weekends_per_month or None,
        max_minutes=hours * 60 if hours else None,
    )


def _taken_elsewhere(roster: Roster, people, rest_hours: int) -> tuple[dict, dict]:
    """From the people's shifts in other rosters: until when each rests into this period (busy_until), and
    the days of this period they are already on duty elsewhere (kept off those days)."""
    rest = dt.timedelta(hours=rest_hours)
    busy_until: dict[int, dt.datetime] = {}
    taken: dict[int, set[dt.date]] = defaultdict(set)
    for other in other_rosters_assignments(roster, [p.pk for p in people], rest_hours):
        free_at = other.end + (rest if other.night else dt.timedelta(0))
        if other.day < roster.start:
            busy_until[other.person_id] = max(busy_until.get(other.person_id, free_at), free_at)
            continue
        day = other.day
        while day <= timezone.localtime(free_at).date():
            if roster.start <= day <= roster.end:
                taken[other.person_id].add(day)
            day += dt.timedelta(days=1)
    return busy_until, {k: frozenset(v) for k, v in taken.items()}


def taken_by_other_rosters(roster: Roster) -> list[str]:
    """Why people of the unit may be missing from a roster that cannot be solved: other rosters (a
    forgotten draft among them) already have them on duty in the period. Named, so it can be found."""
    people = duty_people(roster.unit)
    rows = (
        Assignment.objects.filter(person__in=list(people), day__range=(roster.start, roster.end))
        .exclude(roster=roster)
        .select_related("roster", "person")
    )
    names: dict[Roster, set[str]] = defaultdict(set)
    for a in rows:
        names[a.roster].add(a.person.name)
    return [
        f"《{other.title}》（{other.get_state_display()}）已安排{'、'.join(sorted(who))}在本期值班，他们当天不能再排入本表"
        + ("；如该草稿已不用，请删除它" if not other.is_published else "")
        for other, who in sorted(names.items(), key=lambda item: item[0].pk)
    ]


def generate(roster: Roster, time_limit: float | None = None) -> solver.Result:
    """Solve the roster and replace its unpinned assignments in one transaction."""
    problem, shifts, problems = build_problem(roster)
    if time_limit is not None:
        problem.time_limit = time_limit
    return store(roster, solve_problem(problem, problems), shifts)


def solve_problem(
    problem: solver.Problem, problems: list[str], control: solver.Control | None = None
) -> solver.Result:
    """The solve alone, no database: a long period month by month. Runs in the job runner's solving thread."""
    if problems:
        return solver.Result("infeasible", reasons=problems)
    days = {s.day for s in problem.shifts}
    if days and (max(days) - min(days)).days > 40:
        return solver.solve_by_months(problem, control)
    return solver.solve(problem, control)


def store(roster: Roster, result: solver.Result, shifts: list[PlannedShift]) -> solver.Result:
    """The solver's roster in place of the draft's unpinned assignments, with its note, in one transaction."""
    if result.status == "infeasible":
        result.reasons += taken_by_other_rosters(roster)
    by_key = {s.key: s for s in shifts}
    with transaction.atomic():
        # the solve took seconds: someone may have published meanwhile, and a published roster is never
        # replaced wholesale
        if not Roster.objects.select_for_update().filter(pk=roster.pk, state=Roster.State.DRAFT).exists():
            return solver.Result("unknown", reasons=["值班表已在求解期间发布，未作更改"])
        before = roster.assignments.count()
        roster.solver_status = result.status
        roster.solver_note = "\n".join(result.reasons) if result.reasons else _summary(result)
        roster.solver_gap = result.gap if result.assignments else None
        roster.save(update_fields=["solver_status", "solver_note", "solver_gap"])
        if result.assignments:
            roster.assignments.filter(pinned=False).delete()
            pinned = set(roster.assignments.values_list("person_id", "start"))
            Assignment.objects.bulk_create(
                Assignment(
                    roster=roster,
                    day=by_key[a.shift_key].day.date,
                    shift_name=by_key[a.shift_key].name,
                    start=by_key[a.shift_key].start,
                    end=by_key[a.shift_key].end,
                    night=by_key[a.shift_key].night,
                    day_kind=by_key[a.shift_key].day.kind,
                    post=a.post,
                    person_id=a.person_id,
                )
                for a in result.assignments
                if (a.person_id, by_key[a.shift_key].start) not in pinned
            )
        record_update(
            roster,
            {"assignments": before},
            {"assignments": roster.assignments.count(), "solver": result.status},
        )
    return result


def _summary(result: solver.Result) -> str:
    status = {"optimal": "已得到最优排班", "feasible": "已排出排班"}.get(result.status, "未能排出")
    if result.stopped and result.status == "feasible":
        status = "已按要求停止，采用当时最好的排班"
    gap = f"，与最优的差距不超过{result.gap * 100:.1f}%" if result.status == "feasible" and result.gap else ""
    return f"{status}{gap}（用时{result.seconds:.1f}秒）"


# --- checks (the same for the solver's roster and a hand-made one) ---------------------------------


@dataclass(frozen=True)
class Violation:
    """A violation, attached to an assignment (shown next to its cell) or to the roster (a gap). A rule
    broken blocks publishing; a preference not met (two shifts of one person close together) does not,
    but publishing with one asks for a recorded confirmation."""

    message: str
    assignment_id: int | None = None
    blocks_publishing: bool = True

    @property
    def preference(self) -> bool:
        return not self.blocks_publishing


def check(roster: Roster) -> list[Violation]:
    unit = roster.unit
    policy = effective_policy(unit)
    assignments = list(
        roster.assignments.select_related("person__unit").prefetch_related("person__trainings")
    )
    people = duty_people(unit)
    posts_of = {p.pk: posts for p, posts in people.items()}
    exempt = exempted_days([a.person for a in assignments], roster.start, roster.end)
    found: list[Violation] = []
    for a in assignments:
        reason = unavailable_reason(
            a.person,
            posts_of.get(a.person_id, set()),
            a.post,
            a.day,
            exempt.get(a.person_id, set()),
            policy.training_valid_months,
        )
        if reason:
            found.append(Violation(f"{a.label}：{reason}", a.pk))
    others = other_rosters_assignments(
        roster,
        [a.person_id for a in assignments],
        policy.rest_hours_after_night,
        spacing_days=policy.min_days_between_shifts,
    )
    found += _conflicts(assignments + others, policy.rest_hours_after_night, report_for=roster.pk)
    published = [o for o in others if o.roster.state == Roster.State.PUBLISHED]  # a draft binds nobody
    found += _spacing(
        assignments + published, policy.rest_hours_after_night, policy.min_days_between_shifts, roster.pk
    )
    found += coverage_gaps(roster, assignments)
    found += limit_violations(assignments, policy)
    return found


def limit_violations(assignments: list[Assignment], policy) -> list[Violation]:
    """The policy's roster limits, as the solver holds them: days on duty in a row, weekends and hours in a
    month. Each excess is noted on the shift that goes over."""
    most_days, most_weekends = policy.max_consecutive_duty_days, policy.max_weekends_per_month
    most_hours = policy.max_duty_hours_per_month
    by_person: dict[int, list[Assignment]] = defaultdict(list)
    for a in assignments:
        by_person[a.person_id].append(a)
    found = []
    for mine in by_person.values():
        mine.sort(key=lambda a: a.start)
        if most_days:
            run, last = 0, None
            for a in mine:
                if a.day == last:
                    continue
                run = run + 1 if last is not None and (a.day - last).days == 1 else 1
                last = a.day
                if run == most_days + 1:
                    found.append(
                        Violation(
                            f"{a.label}：{a.person.name}连续值班{run}天，超过规则规定的{most_days}天", a.pk
                        )
                    )
        months: dict[tuple[int, int], list[Assignment]] = defaultdict(list)
        for a in mine:
            months[a.day.year, a.day.month].append(a)
        for held in months.values():
            if most_weekends:
                weekends: list = []
                for a in held:
                    week = a.day.isocalendar()[:2]
                    if a.day_kind == DayKind.WEEKEND and week not in weekends:
                        weekends.append(week)
                        if len(weekends) == most_weekends + 1:
                            found.append(
                                Violation(
                                    f"{a.label}：{a.person.name}本月第{len(weekends)}个周末值班，"
                                    f"超过规则规定的{most_weekends}个",
                                    a.pk,
                                )
                            )
            if most_hours:
                total = 0.0
                for a in held:
                    total += (a.end - a.start).total_seconds() / 3600
                    if total > most_hours:
                        found.append(
                            Violation(
                                f"{a.label}：{a.person.name}本月值班累计{total:.0f}小时，超过规则规定的{most_hours}小时",
                                a.pk,
                            )
                        )
                        break
    return found


def _spacing(assignments: list[Assignment], rest_hours: int, days: int, report_for: int) -> list[Violation]:
    """The preference the solver weighs (solver._spacing): one person's two shifts start at least `days`
    days apart. Each pair that does not is noted on this roster's shift of the two; pairs that already
    break a rule (a clash, rest after a night) are reported by _conflicts instead."""
    if days <= 0:
        return []
    gap, rest = dt.timedelta(days=days), dt.timedelta(hours=rest_hours)
    by_person: dict[int, list[Assignment]] = defaultdict(list)
    for a in assignments:
        by_person[a.person_id].append(a)
    found = []
    for mine in by_person.values():
        mine.sort(key=lambda a: a.start)
        for first, second in zip(mine, mine[1:], strict=False):
            if report_for not in (first.roster_id, second.roster_id) or second.start - first.start >= gap:
                continue
            if second.start < first.end or (first.night and second.start < first.end + rest):
                continue
            flagged, other = (second, first) if second.roster_id == report_for else (first, second)
            found.append(
                Violation(
                    f"{flagged.label}：{flagged.person.name}与{other.label}的值班相隔不足{days}天"
                    f"（规则要求两次值班尽量间隔{days}天）",
                    flagged.pk,
                    blocks_publishing=False,
                )
            )
    return found


def other_rosters_assignments(
    roster: Roster, person_ids, rest_hours: int, spacing_days: int = 0
) -> list[Assignment]:
    """The same people's shifts in other rosters (another unit's, a neighbouring month's) that could
    clash with this roster's period, need rest into it, or stand too close to its shifts."""
    tz = timezone.get_current_timezone()
    reach = max(dt.timedelta(hours=rest_hours), dt.timedelta(days=spacing_days)) + dt.timedelta(days=1)
    start = dt.datetime.combine(roster.start, dt.time(0), tz) - reach
    end = dt.datetime.combine(roster.end, dt.time(0), tz) + reach + dt.timedelta(days=1)
    return list(
        Assignment.objects.filter(person_id__in=set(person_ids), start__lt=end, end__gt=start)
        .exclude(roster=roster)
        .select_related("person", "roster")
    )


def _conflicts(
    assignments: list[Assignment], rest_hours: int, report_for: int | None = None
) -> list[Violation]:
    """One post at a time, and rest after a night shift. `assignments` may include the person's shifts in
    other rosters; then only clashes involving roster `report_for`'s own shifts are reported, on them."""
    found = []
    rest = dt.timedelta(hours=rest_hours)
    by_person: dict[int, list[Assignment]] = defaultdict(list)
    for a in assignments:
        by_person[a.person_id].append(a)
    for mine in by_person.values():
        mine.sort(key=lambda a: a.start)
        for first, second in zip(mine, mine[1:], strict=False):
            if report_for is not None and report_for not in (first.roster_id, second.roster_id):
                continue
            flagged = second if report_for is None or second.roster_id == report_for else first
            if second.start < first.end:
                found.append(
                    Violation(
                        f"{flagged.label}：{flagged.person.name}同时在"
                        f"{(first if flagged is second else second).label}值班",
                        flagged.pk,
                    )
                )
                continue
            if flagged is first and first.night and second.start < first.end + rest:
                found.append(
                    Violation(
                        f"{first.label}：{first.person.name}值完此班须休息{rest_hours}小时，"
                        f"但{second.label}已有安排",
                        first.pk,
                    )
                )
                continue
            if second.start < first.end:
                found.append(
                    Violation(f"{second.label}：{second.person.name}同时在{first.label}值班", second.pk)
                )
            elif first.night and second.start < first.end + rest:
                found.append(
                    Violation(
                        f"{second.label}：{second.person.name}刚值完{first.label}，须休息{rest_hours}小时",
                        second.pk,
                    )
                )
    return found


def coverage_gaps(roster: Roster, assignments: list[Assignment]) -> list[Violation]:
    """A1.1/B9: every moment of the roster's period has a primary and a standby on duty."""
    if not assignments:
        return [Violation("值班表还没有任何安排")]
    # the period runs from the first planned shift of the first day to the same time after the last day
    shifts, _ = planned_shifts(roster.unit, roster.start, roster.start)
    window_start = min((s.start for s in shifts), default=min(a.start for a in assignments))
    window_end = window_start + dt.timedelta(days=(roster.end - roster.start).days + 1)
    found = []
    for post in (Post.PRIMARY, Post.STANDBY):
        covered_until = window_start
        for a in sorted((a for a in assignments if a.post == post), key=lambda a: a.start):
            if a.start > covered_until:
                found.append(Violation(f"{_span(covered_until, a.start)}没有{post.label}"))
            covered_until = max(covered_until, a.end)
        if covered_until < window_end:
            found.append(Violation(f"{_span(covered_until, window_end)}没有{post.label}"))
    return found


def _span(start: dt.datetime, end: dt.datetime) -> str:
    a, b = timezone.localtime(start), timezone.localtime(end)
    return f"{a.month}月{a.day}日{a:%H:%M}至{b.month}月{b.day}日{b:%H:%M}"


# --- an exemption approved after publishing (A3.1) ------------------------------------------------


def flag_published_shifts(exemption: Exemption) -> int:
    """How many of the person's published, not yet started shifts fall in the exemption. They show as
    violations on the roster (check() reads archived exemptions) with replacements proposed."""
    return Assignment.objects.filter(
        person=exemption.person,
        roster__state=Roster.State.PUBLISHED,
        day__range=(exemption.start, exemption.end),
        start__gt=timezone.now(),
    ).count()


def replacement_candidates(assignment: Assignment, limit: int = 3) -> list[Person]:
    """People who may take this post: eligible, cleared, not exempted, free and rested; fewest shifts in
    the roster first."""
    return replacement_candidates_for(assignment.roster, [assignment], limit)[assignment.pk]


def replacement_candidates_for(roster, assignments: list[Assignment], limit: int = 3) -> dict[int, list]:
    """replacement_candidates for several assignments of one roster (a page's flagged shifts), with the
    people, exemptions, nearby shifts and loads read once for all of them."""
    if not assignments:
        return {}
    policy = effective_policy(roster.unit)
    people = duty_people(roster.unit)
    exempt = exempted_days(list(people), min(a.day for a in assignments), max(a.day for a in assignments))
    rest = dt.timedelta(hours=policy.rest_hours_after_night)
    nearby = Assignment.objects.filter(
        person__in=list(people),
        start__lt=max(a.end for a in assignments) + rest,
        end__gt=min(a.start for a in assignments) - rest,
    )
    busy = defaultdict(list)
    for other in nearby:
        busy[other.person_id].append(other)
    load = defaultdict(int)
    for person_id in roster.assignments.values_list("person_id", flat=True):
        load[person_id] += 1
    found = {}
    for assignment in assignments:
        candidates = []
        for person, posts in people.items():
            if person.pk == assignment.person_id or unavailable_reason(
                person,
                posts,
                assignment.post,
                assignment.day,
                exempt.get(person.pk, set()),
                policy.training_valid_months,
            ):
                continue
            if any(
                o.pk != assignment.pk and _too_close(o, assignment, rest) for o in busy.get(person.pk, [])
            ):
                continue
            candidates.append(person)
        found[assignment.pk] = sorted(candidates, key=lambda p: (load[p.pk], p.name))[:limit]
    return found


def _too_close(a: Assignment, b: Assignment, rest: dt.timedelta) -> bool:
    first, second = (a, b) if a.start <= b.start else (b, a)
    return second.start < first.end + (rest if first.night else dt.timedelta(0))


def placement_problem(assignment: Assignment, person, people=None, ignore=()) -> str | None:
    """Why `person` may not take this assignment's post (by hand, the solver's rules); None if they may.
    `ignore`: assignments the person is leaving in the same change (a swap's other half)."""
    people = people if people is not None else duty_people(assignment.roster.unit)
    roster = assignment.roster
    policy = effective_policy(roster.unit)
    person = next((p for p in people if p.pk == person.pk), person)
    exempt = exempted_days([person], assignment.day, assignment.day).get(person.pk, set())
    reason = unavailable_reason(
        person,
        people.get(person, set()),
        assignment.post,
        assignment.day,
        exempt,
        policy.training_valid_months,
    )
    if reason:
        return reason
    rest = dt.timedelta(hours=policy.rest_hours_after_night)
    others = Assignment.objects.filter(
        person=person, start__lt=assignment.end + rest, end__gt=assignment.start - rest
    ).exclude(pk__in=[assignment.pk, *(a.pk for a in ignore if a is not None)])
    for other in others:
        if other.start < assignment.end and assignment.start < other.end:
            return f"{person.name}同一时间已在{other.shift_label}值班"
        if other.night and other.end <= assignment.start < other.end + rest:
            return f"{person.name}刚值完{other.shift_label}，须休息{policy.rest_hours_after_night}小时"
        if assignment.night and assignment.end <= other.start < assignment.end + rest:
            return (
                f"{person.name}{other.shift_label}已有安排，夜班后须休息{policy.rest_hours_after_night}小时"
            )
    return None
