"""The roster solver: a plain problem in, assignments out, OR-Tools CP-SAT in between. No Django here.

Hard rules
- every post of every shift filled with as many people as it asks (A1.1/B9; sensitive periods ask more);
- a person holds one post at a time, and after a night shift rests `rest_hours_after_night` (policy);
- only people eligible for the post and available that day: cleared for duty (B16), not exempted (A3.1);
- a leader on every day marked `leader_required` (holidays and sensitive periods, B10);
- pinned assignments are kept.
Soft, weighted (the objective): even spread of shifts, nights, weekend and holiday shifts within each
pool of interchangeable people, counting what each already did in earlier rosters so a year is fair;
personal requests not to be on duty on a day (or to be on a given shift); no two shifts closer than
`min_days_between`.

Limits a unit's policy may set (and the shift-scheduling benchmark's instances use, bench/nrp.py), per
problem or per person (`Limits`): most and fewest days on duty in a row, fewest days off in a row, most
weekends, fewest and most minutes on duty, most shifts of a kind; shifts that may not follow one another
on the next day (`successions`); and a shift whose posts may be short or over at a weighted cost
(`Shift.cover`) instead of filled exactly.

A solve can run in one thread while another watches it (`Control`): the best objective so far, the
bound, the seconds, and a stop that keeps the best roster found.

Deterministic for the same problem and seed with one worker (the default): the limit is then CP-SAT's
deterministic time, not the wall clock. With two workers or more (the background solve, the benchmark), one
proves the bound on the whole model while another searches neighbourhoods of the best roster (lns.py):
the roster is better sooner and the gap shown is still proven."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field, replace

from ortools.sat.python import cp_model

POST_NAMES = {"leader": "带班领导", "primary": "主班", "deputy": "副班", "standby": "备班"}
CATEGORIES = ("shifts", "nights", "weekends", "holidays")


@dataclass(frozen=True)
class Limits:
    """Hard limits on one person's period; None: no limit. A run of days on duty or off that touches the
    first or last day of the period is not held to the fewest (it may continue outside it)."""

    max_consecutive_days: int | None = None
    min_consecutive_days: int | None = None
    min_days_off: int | None = None
    max_weekends: int | None = None  # weekends with a shift on either day
    min_minutes: int | None = None
    max_minutes: int | None = None
    max_of_shift: dict[str, int] = field(default_factory=dict)  # shift name -> most shifts of it

    def over(self, other: Limits) -> Limits:
        """These limits, the other's where these say nothing."""
        return Limits(
            *(
                getattr(self, f) if getattr(self, f) is not None else getattr(other, f)
                for f in (
                    "max_consecutive_days",
                    "min_consecutive_days",
                    "min_days_off",
                    "max_weekends",
                    "min_minutes",
                    "max_minutes",
                )
            ),
            max_of_shift={**other.max_of_shift, **self.max_of_shift},
        )


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    posts: frozenset[str]  # the posts this person may hold
    pool: str = "staff"  # fairness is compared among people of one pool (leaders with leaders)
    unavailable: frozenset[dt.date] = frozenset()  # hard: exempted, not cleared, away
    history: dict[str, int] = field(default_factory=dict)  # counts per category from earlier rosters
    limits: Limits | None = None  # this person's own, over the problem's


@dataclass(frozen=True)
class Shift:
    """One shift of one day: a pair of datetimes (night shifts cross midnight)."""

    key: str  # unique in the problem, e.g. "2026-03-05/night"
    day: dt.date
    name: str
    start: dt.datetime
    end: dt.datetime
    night: bool
    weekend: bool = False
    holiday: bool = False
    leader_required: bool = False
    posts: dict[str, int] = field(default_factory=dict)  # post -> how many
    # None: the posts are filled exactly (hard); (under, over): each person short or over costs so much
    cover: tuple[int, int] | None = None

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)

    @property
    def label(self) -> str:
        return f"{self.day.month}月{self.day.day}日{self.name}"


Kind = tuple[bool, bool, bool]  # (night, weekend, holiday): shifts of one kind count alike for fairness


def kind(shift: Shift) -> Kind:
    return (shift.night, shift.weekend, shift.holiday)


@dataclass(frozen=True)
class Request:
    """A person would rather not be on duty on this day, or not on its shift `shift_name` (soft); with
    `wanted`, would rather be on that shift. The weight is paid when the request is not met."""

    person_id: int
    day: dt.date
    weight: int = 10
    shift_name: str | None = None
    wanted: bool = False


@dataclass(frozen=True)
class Pin:
    person_id: int
    shift_key: str
    post: str


@dataclass(frozen=True)
class Weights:
    shifts: int = 100
    nights: int = 60
    weekends: int = 40
    holidays: int = 80
    spacing: int = 5
    quota: int = 1000  # per shift off a planned count (solve_by_months)


@dataclass
class Problem:
    people: list[Person]
    shifts: list[Shift]
    rest_hours_after_night: int = 24
    min_days_between: int = 2
    requests: list[Request] = field(default_factory=list)
    pins: list[Pin] = field(default_factory=list)
    weights: Weights = field(default_factory=Weights)
    time_limit: float = 10.0  # deterministic seconds (about wall seconds on one core)
    relative_gap: float = 0.0  # stop when proven within this gap (0: prove the optimum)
    busy_until: dict[int, dt.datetime] = field(default_factory=dict)  # resting from an earlier roster
    last_start: dict[int, dt.datetime] = field(
        default_factory=dict
    )  # an earlier roster's last shift, for spacing
    # planned counts per (person, kind of shift); a pool with counts is balanced by them, not by its spread
    quotas: dict[tuple[int, Kind], int] = field(default_factory=dict)
    # a planned person holds only the kinds of shift planned for them (a smaller model)
    only_planned: bool = False
    seed: int = 0
    workers: int = 1  # 1: the same roster for the same problem and seed
    limits: Limits = field(default_factory=Limits)  # everyone's, unless a person has their own
    successions: frozenset[tuple[str, str]] = frozenset()  # (a, b): shift b may not be the day after a
    presolve: bool = False
    # interchangeable people take the first shifts in a fixed order; off: on the demo city it changed
    # neither the objective nor the bound in 10 deterministic seconds (measured), yet the 2-second
    # demo roster it gave put one person on back-to-back shifts
    symmetry: bool = False
    # cuts that let the bound see spacing penalties (_spacing); a year solved month by month takes its bound
    # from the plan, not from the months, and is only slowed by them (measured: a month took twice as long)
    spacing_cuts: bool = True
    linearization: int | None = None  # CP-SAT's linearization_level (2: more of the model in its relaxation)
    # with two workers or more: one proves the bound on the whole model, the rest search neighbourhoods of
    # the best roster (lns.py); off: CP-SAT's own portfolio on the whole model
    neighbourhoods: bool = True
    # a roster to start from (the draft as it stands): the search begins with it where it still keeps the
    # rules, so solving again, even stopped early, never ends worse than the draft
    start: list[Assignment] = field(default_factory=list)


@dataclass(frozen=True)
class Assignment:
    person_id: int
    shift_key: str
    post: str


@dataclass
class Result:
    status: str  # "optimal" | "feasible" | "infeasible" | "unknown"
    assignments: list[Assignment] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)  # in Chinese, when infeasible
    objective: float | None = None
    bound: float | None = None
    seconds: float = 0.0
    first_feasible_seconds: float | None = None
    work: float = 0.0  # CP-SAT's deterministic time spent (the same for the same problem and seed)
    stopped: bool = False  # stopped by hand: the best roster found by then

    @property
    def gap(self) -> float | None:
        if self.objective is None or self.bound is None:
            return None
        if self.objective == 0:
            return 0.0
        return max(0.0, (self.objective - self.bound) / abs(self.objective))


class Control:
    """Between a solve running in one thread and whoever watches it from another: the progress so far and
    a stop that keeps the best roster found (asked before the first roster, it stops at the first)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._solvers: list[cp_model.CpSolver] = []  # the whole model's, and a neighbourhood's (lns)
        self.stopping = False
        self.started = time.perf_counter()
        self.objective: float | None = None
        self.bound: float | None = None
        self.first: float | None = None
        self.part = ""  # which part of a long period is being solved ("第2个月，共12个月")

    def stop(self) -> None:
        with self._lock:
            self.stopping = True
            if self.objective is not None:
                for solver in self._solvers:
                    solver.stop_search()

    def progress(self) -> dict:
        with self._lock:
            gap = Result("", objective=self.objective, bound=self.bound).gap
            return {
                "objective": self.objective,
                "bound": self.bound,
                "gap": gap,
                "seconds": time.perf_counter() - self.started,
                "first": self.first,
                "part": self.part,
            }

    def _attach(self, solver: cp_model.CpSolver | None) -> None:
        """The whole model's solver of a new problem (None: it is done)."""
        with self._lock:
            self._solvers = [solver] if solver is not None else []
            if solver is not None:
                self.objective = self.bound = None

    def _join(self, solver: cp_model.CpSolver) -> None:
        """A second solver on the same problem (a neighbourhood's), stopped with the first."""
        with self._lock:
            self._solvers.append(solver)
            if self.stopping:
                solver.stop_search()

    def _leave(self, solver: cp_model.CpSolver) -> None:
        with self._lock:
            if solver in self._solvers:
                self._solvers.remove(solver)

    def _solution(self, objective: float, bound: float | None = None) -> bool:
        """Records a roster found (by either solver: the best is kept); True when the search should stop now."""
        with self._lock:
            if self.objective is None or objective < self.objective:
                self.objective = objective
            if bound is not None:
                self.bound = bound if self.bound is None else max(self.bound, bound)
            if self.first is None:
                self.first = time.perf_counter() - self.started
            return self.stopping

    def _bound(self, bound: float) -> None:
        with self._lock:
            self.bound = bound if self.bound is None else max(self.bound, bound)


def solve(problem: Problem, control: Control | None = None) -> Result:
    started = time.perf_counter()
    reasons = precheck(problem)
    if reasons:
        return Result("infeasible", reasons=reasons, seconds=time.perf_counter() - started)
    model = _Model(problem)
    if problem.workers >= 2 and problem.neighbourhoods:
        from zhiban.roster import lns  # it builds on this module

        return lns.solve(problem, model, control, started)
    return _search(problem, model, model.model, problem.time_limit, control, started)


def _search(
    problem: Problem,
    model: _Model,
    cp: cp_model.CpModel,
    limit: float,
    control: Control | None,
    started: float,
    presolve: bool | None = None,
    wall_clock: bool = False,
    found=None,
) -> Result:
    """The whole model solved; `found(objective, values)` hears of each roster with every variable's value,
    and `wall_clock` limits one worker by the clock instead of deterministic time."""
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.num_workers = max(1, problem.workers)
    # One worker is deterministic for a seed; several are faster on big problems but may return another
    # of several equally good rosters. Presolve costs more than it saves on these models (measured).
    params.cp_model_presolve = problem.presolve if presolve is None else presolve
    if params.num_workers == 1 and not wall_clock:
        params.max_deterministic_time = limit
        # a backstop on a slow machine, where a deterministic second can take three wall seconds
        params.max_time_in_seconds = limit * 1.5
    else:
        params.max_time_in_seconds = limit
    params.random_seed = problem.seed
    params.relative_gap_limit = problem.relative_gap
    if problem.linearization is not None:
        params.linearization_level = problem.linearization
    watcher = _FirstSolution(started, control, found)
    if control is not None:
        solver.best_bound_callback = control._bound
        control._attach(solver)
    try:
        status = solver.solve(cp, watcher)
    finally:
        if control is not None:
            control._attach(None)
    result = Result(
        _STATUS.get(status, "unknown"),
        seconds=time.perf_counter() - started,
        first_feasible_seconds=watcher.first,
        work=solver.deterministic_time,
        stopped=control is not None and control.stopping,
    )
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        result.assignments = sorted(
            (Assignment(p, s, post) for (p, s, post), var in model.x.items() if solver.boolean_value(var)),
            key=lambda a: (a.shift_key, a.post, a.person_id),
        )
        result.objective = solver.objective_value
        result.bound = solver.best_objective_bound
        if status == cp_model.FEASIBLE and result.gap is not None and result.gap <= problem.relative_gap:
            result.status = "optimal" if result.gap == 0 else "feasible"
    elif status == cp_model.INFEASIBLE:
        result.reasons = ["排班规则相互冲突，无法排出：请检查休息时长、固定安排和人员可用日期"]
    return result


_STATUS = {
    cp_model.OPTIMAL: "optimal",
    cp_model.FEASIBLE: "feasible",
    cp_model.INFEASIBLE: "infeasible",
    cp_model.MODEL_INVALID: "unknown",
    cp_model.UNKNOWN: "unknown",
}


class _FirstSolution(cp_model.CpSolverSolutionCallback):
    def __init__(self, started: float, control: Control | None = None, found=None):
        super().__init__()
        self.started = started
        self.control = control
        self.found = found
        self.first: float | None = None

    def on_solution_callback(self) -> None:
        if self.first is None:
            self.first = time.perf_counter() - self.started
        if self.found is not None:
            self.found(self.objective_value, list(self.response_proto.solution))
        if self.control is not None and self.control._solution(
            self.objective_value, self.best_objective_bound
        ):
            self.stop_search()


def eligible(person: Person, shift: Shift, post: str, busy_until: dt.datetime | None = None) -> bool:
    return (
        post in person.posts
        and shift.day not in person.unavailable
        and (busy_until is None or shift.start >= busy_until)
    )


def precheck(problem: Problem) -> list[str]:
    """Reasons that need no search: a post nobody may hold, a holiday without a leader post, a bad pin."""
    reasons = []
    people = {p.id: p for p in problem.people}
    shifts = {s.key: s for s in problem.shifts}
    for shift in problem.shifts:
        if shift.leader_required and not shift.posts.get("leader"):
            reasons.append(f"{shift.label}：节假日和敏感时期须有带班领导，班次未设带班领导岗位")
        for post, count in shift.posts.items() if shift.cover is None else ():
            holders = [p for p in problem.people if eligible(p, shift, post, problem.busy_until.get(p.id))]
            if len(holders) < count:
                qualified = [p for p in problem.people if post in p.posts]
                why = "合格人员均已免值班、未通过培训或不可值班" if qualified else "没有可担任该岗位的人员"
                reasons.append(
                    f"{shift.label}{POST_NAMES.get(post, post)}：需要{count}人，{why}"
                    + (f"（可用{len(holders)}人）" if holders else "")
                )
    reasons += _rest_capacity(problem)
    for pin in problem.pins:
        person, shift = people.get(pin.person_id), shifts.get(pin.shift_key)
        if (
            person is None
            or shift is None
            or not eligible(person, shift, pin.post, problem.busy_until.get(person.id))
        ):
            name = person.name if person else str(pin.person_id)
            where = shift.label if shift else pin.shift_key
            reasons.append(f"{where}：固定安排的{name}不能担任{POST_NAMES.get(pin.post, pin.post)}")
    return reasons


def _rest_capacity(problem: Problem) -> list[str]:
    """After a night shift its people rest, so a night and the shift that follows need different people:
    when the people able to hold those posts are fewer than the two shifts need together, say so."""
    reasons = []
    rest = dt.timedelta(hours=problem.rest_hours_after_night)
    shifts = sorted(problem.shifts, key=lambda s: s.start)
    holders: dict[str, frozenset[int]] = {}
    for post in {p for s in shifts for p in s.posts}:
        holders[post] = frozenset(p.id for p in problem.people if post in p.posts)
    groups = {frozenset(h) for h in holders.values() if h}
    for i, first in enumerate(shifts):
        if not first.night:
            continue
        for second in shifts[i + 1 :]:
            if second.start >= first.end + rest:
                break
            for group in groups:
                need = sum(
                    n
                    for s in (first, second)
                    if s.cover is None
                    for post, n in s.posts.items()
                    if holders[post] == group
                )
                able = {
                    p.id
                    for p in problem.people
                    if p.id in group and (first.day not in p.unavailable or second.day not in p.unavailable)
                }
                if need > len(able):
                    reasons.append(
                        f"{first.label}与{second.label}：夜班后须休息{problem.rest_hours_after_night}"
                        f"小时，两班共需{need}人，可值班的只有{len(able)}人"
                    )
    if len(reasons) > 3:
        reasons = [*reasons[:3], f"……同类问题共{len(reasons)}处"]
    return reasons


def _one_at_a_time(shifts: list[Shift], rest_hours: int) -> bool:
    """Whether no one can hold two of these shifts: they all share a moment (intervals on a line that
    meet pairwise meet at one point), counting a night shift's rest."""
    rest = dt.timedelta(hours=rest_hours)
    return max(s.start for s in shifts) < min(s.end + (rest if s.night else dt.timedelta(0)) for s in shifts)


class _Model:
    def __init__(self, problem: Problem):
        self.problem = problem
        self.model = cp_model.CpModel()
        self.x: dict[tuple[int, str, str], cp_model.IntVar] = {}
        m = self.model
        on: dict[tuple[int, str], list] = defaultdict(list)  # (person, shift) -> post variables
        planned = {pid for pid, _ in problem.quotas} if problem.only_planned else set()
        self.cover_terms = []
        for shift in problem.shifts:
            for post, count in shift.posts.items():
                holders = []
                for person in problem.people:
                    if person.id in planned and problem.quotas.get((person.id, kind(shift)), 0) <= 0:
                        continue
                    if eligible(person, shift, post, problem.busy_until.get(person.id)):
                        var = m.new_bool_var(f"x{person.id}_{shift.key}_{post}")
                        self.x[person.id, shift.key, post] = var
                        on[person.id, shift.key].append(var)
                        holders.append(var)
                if shift.cover is None:
                    m.add(sum(holders) == count)
                    continue
                under, over = shift.cover
                short = m.new_int_var(0, count, "")
                extra = m.new_int_var(0, max(0, len(holders) - count), "")
                m.add(sum(holders) + short - extra == count)
                self.cover_terms += [under * short, over * extra]
        for pin in problem.pins:
            m.add(self.x[pin.person_id, pin.shift_key, pin.post] == 1)
        works = {}
        for key, variables in on.items():
            if len(variables) == 1:
                works[key] = variables[0]
            else:
                works[key] = m.new_bool_var(f"w{key}")
                m.add(sum(variables) == works[key])
        self.works = works
        self._conflicts(works)
        self._successions(works)
        self._limits(works)
        if problem.symmetry:
            self._symmetry(works)
        self._hint(works)
        self.model.minimize(
            self._fairness(works)
            + self._requests(works)
            + self._spacing(works)
            + self._quotas(works)
            + sum(self.cover_terms)
        )

    def _conflicts(self, works) -> None:
        """One post at a time; rest after a night shift. The shifts whose time (and rest) covers the start
        of one of them exclude each other: one clique each, stronger than their pairs."""
        rest = dt.timedelta(hours=self.problem.rest_hours_after_night)
        shifts = sorted(self.problem.shifts, key=lambda s: s.start)
        for person in self.problem.people:
            mine = [s for s in shifts if (person.id, s.key) in works]
            seen = set()
            for i, second in enumerate(mine):
                clique = [second.key]
                for first in reversed(mine[:i]):
                    blocked_until = first.end + (rest if first.night else dt.timedelta(0))
                    if blocked_until > second.start:
                        clique.append(first.key)
                    elif first.start <= second.start - dt.timedelta(days=3):
                        break
                if len(clique) > 1 and frozenset(clique) not in seen:
                    seen.add(frozenset(clique))
                    self.model.add_at_most_one(works[person.id, key] for key in clique)

    def _successions(self, works) -> None:
        """A shift named b may not be the day after one named a, for each (a, b) in `successions`."""
        if not self.problem.successions:
            return
        by_day_name: dict[tuple[dt.date, str], list[Shift]] = defaultdict(list)
        for shift in self.problem.shifts:
            by_day_name[shift.day, shift.name].append(shift)
        one_day = dt.timedelta(days=1)
        for person in self.problem.people:
            for a, b in self.problem.successions:
                for (day, name), firsts in by_day_name.items():
                    if name != a:
                        continue
                    for first in firsts:
                        for second in by_day_name.get((day + one_day, b), []):
                            pair = (works.get((person.id, first.key)), works.get((person.id, second.key)))
                            if all(v is not None for v in pair):
                                self.model.add_at_most_one(*pair)

    def _limits(self, works) -> None:
        """Each person's limits (`Limits`): days on duty and off in a row, weekends, minutes, shifts of a kind."""
        problem = self.problem
        if not problem.shifts:
            return
        m = self.model
        first_day = min(s.day for s in problem.shifts)
        last_day = max(s.day for s in problem.shifts)
        days = [first_day + dt.timedelta(days=i) for i in range((last_day - first_day).days + 1)]
        shifts_of_day: dict[dt.date, list[Shift]] = defaultdict(list)
        for shift in problem.shifts:
            shifts_of_day[shift.day].append(shift)
        weekend_days = {s.day for s in problem.shifts if s.weekend}
        for person in problem.people:
            limits = (person.limits or Limits()).over(problem.limits)
            if limits == Limits():
                continue
            mine = [s for s in problem.shifts if (person.id, s.key) in works]
            if limits.min_minutes is not None:
                m.add(sum(s.minutes * works[person.id, s.key] for s in mine) >= limits.min_minutes)
            if limits.max_minutes is not None:
                m.add(sum(s.minutes * works[person.id, s.key] for s in mine) <= limits.max_minutes)
            for name, most in limits.max_of_shift.items():
                of_name = [works[person.id, s.key] for s in mine if s.name == name]
                if len(of_name) > most:
                    m.add(sum(of_name) <= most)
            needs_days = (
                limits.max_consecutive_days,
                limits.min_consecutive_days,
                limits.min_days_off,
                limits.max_weekends,
            )
            if all(v is None for v in needs_days):
                continue
            on: list = []  # per day: a literal "on duty that day", or None (cannot be)
            for day in days:
                held = [
                    works[person.id, s.key] for s in shifts_of_day.get(day, []) if (person.id, s.key) in works
                ]
                if not held:
                    on.append(None)
                elif len(held) == 1:
                    on.append(held[0])
                else:
                    var = m.new_bool_var("")
                    if _one_at_a_time(shifts_of_day[day], problem.rest_hours_after_night):
                        m.add(var == sum(held))  # the day's shifts clash: a sum, tighter than a maximum
                    else:
                        m.add_max_equality(var, held)
                    on.append(var)
            most = limits.max_consecutive_days
            if most is not None:
                for i in range(len(days) - most):
                    window = [v for v in on[i : i + most + 1] if v is not None]
                    if len(window) > most:
                        m.add(sum(window) <= most)
            self._runs(on, limits.min_consecutive_days, working=True)
            self._runs(on, limits.min_days_off, working=False)
            if limits.max_weekends is not None:
                weekends: dict[tuple[int, int], list] = defaultdict(list)
                for day, var in zip(days, on, strict=True):
                    if day in weekend_days and var is not None:
                        weekends[day.isocalendar()[:2]].append(var)
                if len(weekends) > limits.max_weekends:
                    worked = []
                    for held in weekends.values():
                        if len(held) == 1:
                            worked.append(held[0])
                            continue
                        var = m.new_bool_var("")
                        for v in held:
                            m.add_implication(v, var)
                        worked.append(var)
                    m.add(sum(worked) <= limits.max_weekends)

    def _runs(self, on: list, least: int | None, working: bool) -> None:
        """No run of days on duty (working) or off shorter than `least`, unless it touches an end of the
        period: for each shorter length, the pattern off-on…on-off (or on-off…off-on) is forbidden."""
        if not least or least < 2:
            return
        n = len(on)
        for length in range(1, least):
            for i in range(1, n - length):  # days i .. i+length-1, bounded by i-1 and i+length
                if working:
                    # clause: on[i-1] or not on[i] ... or not on[i+length-1] or on[i+length]
                    if any(on[j] is None for j in range(i, i + length)):
                        continue
                    clause = [on[j].Not() for j in range(i, i + length)]
                    clause += [v for v in (on[i - 1], on[i + length]) if v is not None]
                else:
                    if on[i - 1] is None or on[i + length] is None:
                        continue
                    clause = [on[i - 1].Not(), on[i + length].Not()]
                    clause += [on[j] for j in range(i, i + length) if on[j] is not None]
                self.model.add_bool_or(clause)

    def _symmetry(self, works) -> None:
        """People alike in every respect the problem knows (posts, pool, days away, history, limits, no
        requests, pins or planned counts) are interchangeable: of any roster, the one where the first of
        them holds the first shift any of them may hold is as good, so only that one is searched."""
        problem = self.problem
        special = (
            {r.person_id for r in problem.requests}
            | {p.person_id for p in problem.pins}
            | {pid for pid, _ in problem.quotas}
            | set(problem.busy_until)
            | set(problem.last_start)
        )
        groups: dict[tuple, list[Person]] = defaultdict(list)
        for person in problem.people:
            if person.id in special:
                continue
            key = (
                person.posts,
                person.pool,
                person.unavailable,
                tuple(sorted(person.history.items())),
                repr(person.limits),
            )
            groups[key].append(person)
        shifts = sorted(problem.shifts, key=lambda s: s.start)
        for people in groups.values():
            if len(people) < 2:
                continue
            for shift in shifts:
                held = [works.get((p.id, shift.key)) for p in people]
                if any(v is not None for v in held):
                    if all(v is not None for v in held):
                        for a, b in zip(held, held[1:], strict=False):
                            self.model.add_implication(b, a)
                    break

    def _hint(self, works) -> None:
        """A starting point: the pins and the roster to start from (`Problem.start`) where they fit, and each
        post still open, in time order, to the eligible person with the least work so far (history
        included) who is free and rested. The search improves on it."""
        rest = dt.timedelta(hours=self.problem.rest_hours_after_night)
        busy_until: dict[int, dt.datetime] = {}
        load = {p.id: [p.history.get(c, 0) for c in CATEGORIES] for p in self.problem.people}
        people = {p.id: p for p in self.problem.people}
        preferred: dict[tuple[str, str], list[int]] = defaultdict(list)
        for pin in self.problem.pins:
            preferred[pin.shift_key, pin.post].append(pin.person_id)
        for a in self.problem.start:
            if a.person_id not in preferred[a.shift_key, a.post]:
                preferred[a.shift_key, a.post].append(a.person_id)
        chosen: set[tuple[int, str, str]] = set()
        remaining = dict(self.problem.quotas)
        last_start = dict(self.problem.last_start)
        spacing = dt.timedelta(days=self.problem.min_days_between)
        requested = {(r.person_id, r.day) for r in self.problem.requests}
        for shift in sorted(self.problem.shifts, key=lambda s: s.start):
            flags = (1, shift.night, shift.weekend, shift.holiday)
            of_kind = kind(shift)
            taken: set[int] = set()
            for post, count in shift.posts.items():
                candidates = [
                    pid
                    for pid in people
                    if (pid, shift.key, post) in self.x
                    and pid not in taken
                    and busy_until.get(pid, shift.start) <= shift.start
                ]
                # those with planned shifts of this kind left first, then those who asked to be off
                # or were on duty lately last; then fewest holidays first on a holiday, then weekends,
                # nights, shifts
                candidates.sort(
                    key=lambda pid: (
                        remaining.get((pid, of_kind), 0) <= 0,
                        (pid, shift.day) in requested,
                        shift.start - last_start.get(pid, shift.start - spacing) < spacing,
                        [n for f, n in zip(flags, load[pid], strict=True) if f][::-1],
                        pid,
                    )
                )
                picks = [
                    pid
                    for pid in preferred.get((shift.key, post), ())
                    if (pid, shift.key, post) in self.x
                    and pid not in taken
                    and busy_until.get(pid, shift.start) <= shift.start
                ][:count]
                picks += [pid for pid in candidates if pid not in picks][: count - len(picks)]
                for pid in picks:
                    taken.add(pid)
                    chosen.add((pid, shift.key, post))
                    remaining[pid, of_kind] = remaining.get((pid, of_kind), 0) - 1
                    last_start[pid] = shift.start
                    busy_until[pid] = shift.end + (rest if shift.night else dt.timedelta(0))
                    load[pid] = [n + f for n, f in zip(load[pid], flags, strict=True)]
        for key, var in self.x.items():
            self.model.add_hint(var, key in chosen)
        self.hinted_on = {(pid, key) for pid, key, _ in chosen}
        self._hinted_indexes = {works[key].index for key in self.hinted_on}
        hinted = {var.index for var in self.x.values()}
        for key, var in works.items():
            if var.index not in hinted:
                self.model.add_hint(var, key in self.hinted_on)

    def _hinted(self, works, var) -> bool:
        return var.index in self._hinted_indexes

    def _counts(self, works, person: Person) -> dict[str, list]:
        counts = {c: [] for c in CATEGORIES}
        for shift in self.problem.shifts:
            var = works.get((person.id, shift.key))
            if var is None:
                continue
            counts["shifts"].append(var)
            if shift.night:
                counts["nights"].append(var)
            if shift.weekend:
                counts["weekends"].append(var)
            if shift.holiday:
                counts["holidays"].append(var)
        return counts

    def _fairness(self, works):
        """Per pool and category: the spread (most - fewest) of history + this roster."""
        pools = defaultdict(list)
        for person in self.problem.people:
            if any(key[0] == person.id for key in works):  # someone who may hold nothing is not in the spread
                pools[person.pool].append(person)
        terms = []
        weights = self.problem.weights
        fixed = pool_totals(self.problem, pools)
        planned = {pid for pid, _ in self.problem.quotas}
        for pool, people in pools.items():
            if len(people) < 2 or any(p.id in planned for p in people):
                continue
            counts = {p.id: self._counts(works, p) for p in people}
            for category in CATEGORIES:
                if not any(counts[p.id][category] for p in people) or not getattr(weights, category):
                    continue
                top = max(p.history.get(category, 0) + len(counts[p.id][category]) for p in people)
                high = self.model.new_int_var(0, top, f"max_{pool}_{category}")
                low = self.model.new_int_var(0, top, f"min_{pool}_{category}")
                if pool in fixed:
                    # The pool's total is known, so the most is at least the average rounded up and the
                    # fewest at most an average rounded down: the bound on the spread is proven at once.
                    history = sum(p.history.get(category, 0) for p in people)
                    self.model.add(high * len(people) >= fixed[pool][category] + history)
                    # those held to the minimum share at most the whole pool's work
                    held = [p for p in people if not p.unavailable]
                    if held:
                        held_history = sum(p.history.get(category, 0) for p in held)
                        self.model.add(low * len(held) <= fixed[pool][category] + held_history)
                hinted = {
                    p.id: p.history.get(category, 0)
                    + sum(self._hinted(works, v) for v in counts[p.id][category])
                    for p in people
                }
                self.model.add_hint(high, max(hinted.values()))
                self.model.add_hint(low, min((hinted[p.id] for p in people if not p.unavailable), default=0))
                for p in people:
                    total = p.history.get(category, 0) + sum(counts[p.id][category])
                    self.model.add(total <= high)
                    if not p.unavailable:  # someone away part of the period is not held to the minimum
                        self.model.add(total >= low)
                terms.append(getattr(weights, category) * (high - low))
        return sum(terms)

    def _quotas(self, works):
        """How far each planned person is off their planned count of each kind of shift."""
        if not self.problem.quotas:
            return 0
        planned = {pid for pid, _ in self.problem.quotas}
        mine: dict[tuple[int, Kind], list] = defaultdict(list)
        for shift in self.problem.shifts:
            for pid in planned:
                if (pid, shift.key) in works:
                    mine[pid, kind(shift)].append(works[pid, shift.key])
        terms = []
        for key in set(mine) | set(self.problem.quotas):
            want, held = self.problem.quotas.get(key, 0), mine.get(key, [])
            off = self.model.new_int_var(0, max(want, len(held)), "")
            self.model.add(off >= sum(held) - want)
            self.model.add(off >= want - sum(held))
            self.model.add_hint(off, abs(sum(self._hinted(works, v) for v in held) - want))
            terms.append(off)
        return self.problem.weights.quota * sum(terms)

    def _requests(self, works):
        by_day = defaultdict(list)
        for shift in self.problem.shifts:
            by_day[shift.day].append(shift)
        terms = []
        for request in self.problem.requests:
            shifts = [
                s
                for s in by_day.get(request.day, [])
                if request.shift_name is None or s.name == request.shift_name
            ]
            held = [works[request.person_id, s.key] for s in shifts if (request.person_id, s.key) in works]
            if request.wanted:
                terms.append(request.weight * (1 - sum(held)))  # at most one of them: they clash
            else:
                terms += [request.weight * v for v in held]
        return sum(terms)

    def _spacing(self, works):
        """A penalty for each pair of one person's shifts that start fewer than min_days_between apart."""
        gap = dt.timedelta(days=self.problem.min_days_between)
        weight = self.problem.weights.spacing
        if not weight or gap <= dt.timedelta(0):
            return 0
        shifts = sorted(self.problem.shifts, key=lambda s: s.start)
        penalties = []
        for person in self.problem.people:
            mine = [s for s in shifts if (person.id, s.key) in works]
            last = self.problem.last_start.get(person.id)
            penalties += [works[person.id, s.key] for s in mine if last is not None and s.start - last < gap]
            pairs = {}
            for i, first in enumerate(mine):
                for second in mine[i + 1 :]:
                    if second.start - first.start >= gap:
                        break
                    both = self.model.new_bool_var("")  # minimised, so only its lower bound is needed
                    self.model.add(both >= works[person.id, first.key] + works[person.id, second.key] - 1)
                    self.model.add_hint(
                        both,
                        (person.id, first.key) in self.hinted_on
                        and (person.id, second.key) in self.hinted_on,
                    )
                    pairs[first.key, second.key] = both
                    penalties.append(both)
            # A cut for the bound: k shifts starting within one gap of each other make at least k - 1 close
            # pairs. Summed over a pool, the relaxation sees that a window needing more shifts than it has
            # people free costs a penalty, which the pairs alone do not show.
            for i, first in enumerate(mine if self.problem.spacing_cuts else ()):
                window = [first]
                for second in mine[i + 1 :]:
                    if second.start - first.start >= gap:
                        break
                    window.append(second)
                if len(window) > 2:
                    close = [pairs[a.key, b.key] for j, a in enumerate(window) for b in window[j + 1 :]]
                    self.model.add(sum(close) >= sum(works[person.id, w.key] for w in window) - 1)
        return weight * sum(penalties)


def pool_totals(problem: Problem, pools) -> dict[str, dict[str, int]]:
    """For a pool whose posts nobody outside it holds, how many shifts of each category it must cover."""
    totals = {}
    for pool, demand in _closed_demand(problem, pools).items():
        total = dict.fromkeys(CATEGORIES, 0)
        for of_kind, n in demand.items():
            for category, counts in zip(CATEGORIES, (True, *of_kind), strict=True):
                total[category] += n if counts else 0
        totals[pool] = total
    return totals


def _closed_demand(problem: Problem, pools, shifts=None) -> dict[str, dict[Kind, int]]:
    """Per pool whose posts nobody outside it holds: how many posts of each kind of shift it must fill."""
    pools_of_post = defaultdict(set)
    for person in problem.people:
        for post in person.posts:
            pools_of_post[post].add(person.pool)
    demand = {}
    for pool, people in pools.items():
        posts = set().union(*(p.posts for p in people))
        if any(pools_of_post[post] != {pool} for post in posts):
            continue
        counts: dict[Kind, int] = defaultdict(int)
        for shift in problem.shifts if shifts is None else shifts:
            counts[kind(shift)] += sum(n for post, n in shift.posts.items() if post in posts)
        demand[pool] = counts
    return demand


def _month(day: dt.date) -> tuple[int, int]:
    return day.year, day.month


def solve_by_months(problem: Problem, control: Control | None = None) -> Result:
    """A long period (a year) solved month by month.

    First a small model plans how many shifts of each kind (night, weekend, holiday) each person holds in
    each month, so that the whole period is as even as it can be: it knows every person's history and
    availability but not the order of shifts, so its optimum is a proven lower bound for the whole
    period's fairness. Then each month is solved to its planned counts, resting from the month before
    and spaced from its last shifts; a count a month cannot meet is carried to the next. When a pool
    shares posts with another the counts cannot be planned, and each month instead counts the months
    before it as history."""
    started = time.perf_counter()
    months: dict[tuple[int, int], list[Shift]] = defaultdict(list)
    for shift in problem.shifts:
        months[_month(shift.day)].append(shift)
    plan, planned_bound = _plan(problem, months)
    people = list(problem.people)
    busy_until: dict[int, dt.datetime] = dict(problem.busy_until)
    last_start: dict[int, dt.datetime] = dict(problem.last_start)
    rest = dt.timedelta(hours=problem.rest_hours_after_night)
    assignments: list[Assignment] = []
    by_key = {s.key: s for s in problem.shifts}
    carried: dict[tuple[int, Kind], int] = defaultdict(int)
    banked = 0.0  # time the months before did not need, lent to a month that needs more
    first = None
    for number, month in enumerate(sorted(months), 1):
        if control is not None:
            control.part = f"第{number}个月，共{len(months)}个月"
        keys = {s.key for s in months[month]}
        quotas = {}
        if plan is not None:
            for key in set(plan[month]) | set(carried):
                quotas[key] = max(0, plan[month].get(key, 0) + carried[key])
        part = replace(
            problem,
            people=people,
            shifts=months[month],
            busy_until=busy_until,
            last_start=last_start,
            quotas=quotas,
            time_limit=problem.time_limit + banked,
            spacing_cuts=False,
            pins=[p for p in problem.pins if p.shift_key in keys],
            requests=[r for r in problem.requests if _month(r.day) == month],
        )
        # planned counts make a small model; should the month not fit them, the whole one
        result = solve(replace(part, only_planned=True), control) if quotas else solve(part, control)
        if quotas and result.status not in ("optimal", "feasible"):
            result = solve(part, control)
        if result.status not in ("optimal", "feasible"):
            return replace(result, seconds=time.perf_counter() - started)
        if first is None:
            first = time.perf_counter() - started
        banked = max(0.0, banked + problem.time_limit - result.work)
        assignments += result.assignments
        counts: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(CATEGORIES, 0))
        held: dict[tuple[int, Kind], int] = defaultdict(int)
        for a in result.assignments:
            shift = by_key[a.shift_key]
            _count(counts[a.person_id], shift)
            held[a.person_id, kind(shift)] += 1
            end = shift.end + (rest if shift.night else dt.timedelta(0))
            busy_until[a.person_id] = max(busy_until.get(a.person_id, end), end)
            last_start[a.person_id] = max(last_start.get(a.person_id, shift.start), shift.start)
        carried = defaultdict(int, {key: want - held[key] for key, want in quotas.items()})
        people = [
            replace(p, history={c: p.history.get(c, 0) + counts[p.id][c] for c in CATEGORIES}) for p in people
        ]
    objective, bound = evaluate(problem, assignments)
    bound = max(bound, planned_bound)
    return Result(
        "optimal" if objective <= bound else "feasible",
        assignments=assignments,
        objective=objective,
        bound=bound,
        seconds=time.perf_counter() - started,
        first_feasible_seconds=first,
        stopped=control is not None and control.stopping,
    )


def _plan(problem: Problem, months) -> tuple[dict | None, float]:
    """How many shifts of each kind each person holds in each month, and the proven bound on fairness.

    The counts are as even over the whole period as the pools' totals, each person's history and the days
    each is available allow (the objective `evaluate` scores, without the order of shifts); among the most
    even, each month's load is spread like the month's work. None when a pool shares posts with another."""
    pools = defaultdict(list)
    for person in problem.people:
        pools[person.pool].append(person)
    demand = {m: _closed_demand(problem, pools, shifts) for m, shifts in months.items()}
    if any(set(d) != set(pools) for d in demand.values()):
        return None, 0.0
    able: dict[tuple[int, tuple[int, int], Kind], int] = defaultdict(int)  # shifts each may hold
    for month, shifts in months.items():
        for shift in shifts:
            for person in problem.people:
                if any(
                    eligible(person, shift, post, problem.busy_until.get(person.id)) for post in shift.posts
                ):
                    able[person.id, month, kind(shift)] += 1
    whole: dict[tuple[int, Kind], int] = defaultdict(int)
    for (pid, _, of_kind), cap in able.items():
        whole[pid, of_kind] += cap
    need: dict[tuple[str, Kind], int] = defaultdict(int)
    for pools_demand in demand.values():
        for pool, kinds in pools_demand.items():
            for of_kind, count in kinds.items():
                need[pool, of_kind] += count
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = max(1, problem.workers)
    solver.parameters.max_time_in_seconds = problem.time_limit
    solver.parameters.random_seed = problem.seed

    # 1. the whole period: how many of each kind each person holds, as evenly as can be
    model = cp_model.CpModel()
    n: dict[tuple[int, Kind], cp_model.IntVar] = {}
    for (pool, of_kind), count in need.items():
        holders = []
        for person in pools[pool]:
            if cap := whole.get((person.id, of_kind)):
                n[person.id, of_kind] = var = model.new_int_var(0, min(cap, count), "")
                holders.append(var)
        model.add(sum(holders) == count)
    terms = []
    for pool, people in pools.items():
        held = [p for p in people if not p.unavailable]
        if len(people) < 2 or not held:
            continue
        for category, flag in zip(CATEGORIES, (None, 0, 1, 2), strict=True):
            counted = defaultdict(list)
            for (pid, of_kind), var in n.items():
                if flag is None or of_kind[flag]:
                    counted[pid].append(var)
            history = max(p.history.get(category, 0) for p in people)
            if not any(counted[p.id] for p in people) and not history:
                continue
            top = history + sum(count for (q, _), count in need.items() if q == pool)
            high, low = model.new_int_var(0, top, ""), model.new_int_var(0, top, "")
            for p in people:
                model.add(p.history.get(category, 0) + sum(counted[p.id]) <= high)
            for p in held:
                model.add(p.history.get(category, 0) + sum(counted[p.id]) >= low)
            terms.append(getattr(problem.weights, category) * (high - low))
    model.minimize(sum(terms))
    if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, 0.0
    bound = solver.best_objective_bound
    totals = {key: solver.value(var) for key, var in n.items()}

    # 2. the months: each person's counts split like the months' work
    model = cp_model.CpModel()
    q: dict[tuple[int, tuple[int, int], Kind], cp_model.IntVar] = {}
    for month, pools_demand in demand.items():
        for pool, kinds in pools_demand.items():
            for of_kind, count in kinds.items():
                holders = []
                for person in pools[pool]:
                    if cap := min(
                        able.get((person.id, month, of_kind), 0), totals.get((person.id, of_kind), 0)
                    ):
                        q[person.id, month, of_kind] = var = model.new_int_var(0, cap, "")
                        holders.append(var)
                model.add(sum(holders) == count)
    by_person: dict[tuple[int, Kind], list] = defaultdict(list)
    for (pid, _, of_kind), var in q.items():
        by_person[pid, of_kind].append(var)
    for key, total in totals.items():
        model.add(sum(by_person[key]) == total)
    pool_of = {p.id: p.pool for p in problem.people}
    over = []
    for (pid, month, of_kind), var in q.items():
        count = demand[month][pool_of[pid]][of_kind]
        share = -(-totals[pid, of_kind] * count // need[pool_of[pid], of_kind])
        excess = model.new_int_var(0, count, "")
        model.add(excess >= var - share)
        over.append(excess)
    model.minimize(sum(over))
    if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, bound
    plan: dict[tuple[int, int], dict[tuple[int, Kind], int]] = {m: {} for m in months}
    for (pid, month, of_kind), var in q.items():
        if value := solver.value(var):
            plan[month][pid, of_kind] = value
    return plan, bound


def _count(counts: dict[str, int], shift: Shift) -> None:
    counts["shifts"] += 1
    counts["nights"] += shift.night
    counts["weekends"] += shift.weekend
    counts["holidays"] += shift.holiday


def evaluate(problem: Problem, assignments: list[Assignment]) -> tuple[float, float]:
    """The objective of `assignments` for the whole problem, and a lower bound no roster can beat."""
    shifts = {s.key: s for s in problem.shifts}
    counts: dict[int, dict[str, int]] = {
        p.id: {c: p.history.get(c, 0) for c in CATEGORIES} for p in problem.people
    }
    mine: dict[int, list[Shift]] = defaultdict(list)
    for a in assignments:
        _count(counts[a.person_id], shifts[a.shift_key])
        mine[a.person_id].append(shifts[a.shift_key])
    pools = defaultdict(list)
    for person in problem.people:
        pools[person.pool].append(person)
    fixed = pool_totals(problem, pools)
    objective = bound = 0.0
    for pool, people in pools.items():
        held = [p for p in people if not p.unavailable]
        if len(people) < 2 or not held:
            continue
        for category in CATEGORIES:
            weight = getattr(problem.weights, category)
            totals = [counts[p.id][category] for p in people]
            if max(totals) == 0 and not fixed.get(pool, {}).get(category):
                continue
            objective += weight * (max(totals) - min(counts[p.id][category] for p in held))
            if pool in fixed:
                top = -(
                    -(fixed[pool][category] + sum(p.history.get(category, 0) for p in people)) // len(people)
                )
                low = (fixed[pool][category] + sum(p.history.get(category, 0) for p in held)) // len(held)
                bound += weight * max(0, top - low)
    gap = dt.timedelta(days=problem.min_days_between)
    for pid, person_shifts in mine.items():
        person_shifts.sort(key=lambda s: s.start)
        last = problem.last_start.get(pid)
        objective += problem.weights.spacing * (
            sum(1 for s in person_shifts if last is not None and s.start - last < gap)
            + sum(
                1
                for i, a in enumerate(person_shifts)
                for b in person_shifts[i + 1 :]
                if b.start - a.start < gap
            )
        )
    requested = {(r.person_id, r.day): r.weight for r in problem.requests}
    objective += sum(requested.get((a.person_id, shifts[a.shift_key].day), 0) for a in assignments)
    return objective, bound
