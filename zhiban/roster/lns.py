"""Large-neighbourhood search on the roster model, so that two cores find a near-best roster in seconds.

CP-SAT alone on two workers either proves (a bound, slowly on a month of a real unit) or searches; it
does not do both well. Here one thread runs the whole model to prove the bound (and finds rosters of its
own), while the other repeatedly takes the best roster found so far, frees one part of it and keeps the
rest as it is, and solves that part to the whole objective in a second or two:
- some people over the whole period (their requests and spread move together),
- a run of days for everyone (who covers which shift those days),
- some people over some days.
A part solved to its optimum makes the next part of its kind bigger; a part that runs out of time makes it
smaller. The best roster either thread finds is kept, with the whole model's bound, so the gap shown is
proven. Same objective, same rules: a part is the whole model with the other people's days fixed.

Where the whole model has no roster after a tenth of the limit (at most 6 s), this thread makes the first:
any roster that keeps the hard rules (the model without its objective, quick where a shift's cover may be
short or over), then the best objective with its decisions kept. The whole model's own first roster is the
better start where it comes soon, so this one waits for it that long.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from dataclasses import dataclass, field, replace

from ortools.sat.python import cp_model

from zhiban.roster.solver import Assignment, Control, Problem, Result, _Model, _search

# people over the whole period twice as often, in parts of a second: the requests and limits are a
# person's. On the benchmark's instances 11 and 12 this ended 0.2-0.3 % and 10-21 % off the best known,
# against 0.4-3 % and 19-33 % with each kind alike in parts of two seconds (single runs: the spread is wide)
KINDS = ("people", "days", "people", "block")
FIRST_WAIT, FIRST_WAIT_MOST = 0.1, 6.0  # of the limit, and seconds: for the whole model's first roster
log = logging.getLogger(__name__)


@dataclass
class _Best:
    objective: float
    values: list[int]  # every variable of the model, in its order
    by: str  # "whole" or "part"


class _Shared:
    """The best roster found by either thread."""

    def __init__(self):
        self.lock = threading.Lock()
        self.best: _Best | None = None
        self.first: float | None = None  # when the first roster was found (perf_counter)
        self.arrived = threading.Event()
        self.part: cp_model.CpSolver | None = None  # the neighbourhood thread's solver now running
        self.part_is_first = False  # it looks for a first roster
        self.done = False  # the whole model's thread has ended

    def offer(self, objective: float, values: list[int], by: str) -> bool:
        with self.lock:
            if by == "whole" and self.part_is_first and self.part is not None:
                self.part.stop_search()  # the whole model found one first
            if self.best is not None and objective > self.best.objective:
                return False
            self.best = _Best(objective, values, by)
            self.first = self.first or time.perf_counter()
        self.arrived.set()
        return True

    def running(self, solver: cp_model.CpSolver | None, first: bool = False) -> None:
        with self.lock:
            self.part, self.part_is_first = solver, first

    def halt(self) -> None:
        """The whole model is done (proved, or out of time): so is the neighbourhood thread."""
        with self.lock:
            self.done = True
            if self.part is not None:
                self.part.stop_search()

    def get(self) -> _Best | None:
        with self.lock:
            return self.best


def solve(problem: Problem, model: _Model, control: Control | None, started: float) -> Result:
    control = control or Control()
    shared = _Shared()
    deadline = started + problem.time_limit
    whole: dict[str, Result] = {}
    prover_problem = replace(problem, workers=max(1, problem.workers - 1))

    def prove():
        try:
            whole["result"] = _search(
                prover_problem,
                model,
                model.model,
                max(0.1, deadline - time.perf_counter()),
                control,
                started,
                wall_clock=True,
                found=lambda objective, values: shared.offer(objective, values, "whole"),
            )
        except BaseException as failure:  # raised again in the caller's thread
            whole["failure"] = failure
        finally:
            shared.halt()
            shared.arrived.set()

    thread = threading.Thread(target=prove, name="roster-whole", daemon=True)
    thread.start()
    work = _improve(problem, model, control, shared, deadline, thread)
    thread.join()
    if "failure" in whole:
        raise whole["failure"]
    result = whole["result"]
    best = shared.get()
    if best is None or best.by == "whole" or result.status == "optimal":
        return replace(result, seconds=time.perf_counter() - started, work=result.work + work)
    chosen = sorted(
        (Assignment(p, s, post) for (p, s, post), var in model.x.items() if best.values[var.index]),
        key=lambda a: (a.shift_key, a.post, a.person_id),
    )
    found = replace(
        result,
        assignments=chosen,
        objective=best.objective,
        bound=result.bound if result.bound is not None else control.progress()["bound"],
        seconds=time.perf_counter() - started,
        first_feasible_seconds=shared.first - started,
        work=result.work + work,
        reasons=[],
    )
    found.status = "optimal" if found.gap == 0 else "feasible"
    return found


class _Cells:
    """Which of the model's decision variables are whose on which day."""

    def __init__(self, model: _Model):
        by_key = {s.key: s for s in model.problem.shifts}
        self.days = sorted({s.day for s in model.problem.shifts})
        self.people = sorted({p.id for p in model.problem.people})
        self.of: dict[tuple[int, object], list[int]] = {}
        for (pid, shift_key, *_), var in [*model.x.items(), *model.works.items()]:
            self.of.setdefault((pid, by_key[shift_key].day), []).append(var.index)
        self.size = sum(len(v) for v in self.of.values())

    def free(self, kind: str, share: float, rng: random.Random) -> set[int]:
        """The variables of one neighbourhood of about `share` of the model."""
        people, days = self.people, self.days
        count = max(1, min(len(people), round(share * len(people))))
        if kind == "people":
            chosen_people = rng.sample(people, count)
            chosen_days = days
        elif kind == "days":
            width = max(1, min(len(days), round(share * len(days))))
            start = rng.randrange(len(days) - width + 1)
            chosen_people, chosen_days = people, days[start : start + width]
        else:  # a block: the square root of the share in each direction
            side = share**0.5
            chosen_people = rng.sample(people, max(1, min(len(people), round(side * len(people)))))
            width = max(1, min(len(days), round(side * len(days))))
            start = rng.randrange(len(days) - width + 1)
            chosen_days = days[start : start + width]
        return {i for p in chosen_people for d in chosen_days for i in self.of.get((p, d), ())}


def _improve(
    problem: Problem,
    model: _Model,
    control: Control,
    shared: _Shared,
    deadline: float,
    whole: threading.Thread,
) -> float:
    """Neighbourhoods of the best roster until the deadline, the whole model's proof or a stop; returns
    the deterministic time spent."""
    cells = _Cells(model)
    if not cells.size:
        return 0.0
    rng = random.Random(problem.seed)
    share = dict.fromkeys(set(KINDS), 0.15)
    decisions = {i for indexes in cells.of.values() for i in indexes}
    round_limit = min(5.0, max(0.5, problem.time_limit / 60))  # a second a part in a minute's solve
    work = 0.0
    number = 0
    # the whole model's first roster is the better start where it comes soon (the benchmark's instances
    # 8 and 9: from any roster the search ended 20 % off, from the whole model's 2-12 %)
    shared.arrived.wait(min(problem.time_limit * FIRST_WAIT, FIRST_WAIT_MOST))
    if shared.get() is None and whole.is_alive():
        work += _first(problem, model, control, shared, deadline, decisions)
    while whole.is_alive() and shared.get() is None:
        shared.arrived.wait(0.05)
    while whole.is_alive() and not control.stopping:
        left = deadline - time.perf_counter()
        if left < 0.2:
            break
        best = shared.get()
        progress = control.progress()
        if (
            progress["gap"] is not None
            and progress["objective"] is not None
            and progress["objective"] <= best.objective
            and progress["gap"] <= problem.relative_gap
        ):
            break
        number += 1
        kind = KINDS[number % len(KINDS)]
        free = cells.free(kind, share[kind], rng)
        part = _solve_part(
            problem, model, control, shared, best.values, decisions - free, min(round_limit, left), number
        )
        work += part.work
        log.debug(
            "%s %.3f: %d free, %s %.0f -> %s in %.2f s",
            kind,
            share[kind],
            len(free),
            part.status,
            best.objective,
            part.objective,
            part.seconds,
        )
        if part.values:
            if part.objective <= best.objective and shared.offer(part.objective, part.values, "part"):
                control._solution(part.objective)
            # solved to its optimum: the next of its kind may be bigger; out of time: smaller
            share[kind] = min(1.0, share[kind] * 1.2) if part.status == "OPTIMAL" else share[kind] * 0.85
            share[kind] = max(share[kind], 1 / max(len(cells.people), len(cells.days)))
    for solver in list(control._solvers):
        solver.stop_search()
    return work


@dataclass
class _Part:
    status: str  # CP-SAT's name of it
    objective: float | None = None
    values: list[int] = field(default_factory=list)  # every variable's, when a roster was found
    work: float = 0.0  # deterministic time
    seconds: float = 0.0


def _solve_part(problem, model, control, shared, values, fixed, seconds, number, objective=True, first=False):
    """The model with the `fixed` variables held at their `values`, the rest hinted at theirs; without the
    objective, it stops at the first roster. A `first` roster is made even when a stop was asked before
    any (the stop keeps the first roster found)."""
    part = model.model.clone()
    proto = part.proto
    for index in fixed:
        domain = proto.variables[index].domain
        domain.clear()
        domain.extend([values[index]] * 2)
    proto.clear_solution_hint()
    if values:
        proto.solution_hint.vars.extend(range(len(values)))
        proto.solution_hint.values.extend(values)
    if not objective:
        proto.clear_objective()
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.num_workers = 1
    params.max_time_in_seconds = seconds
    params.random_seed = problem.seed + number
    params.cp_model_presolve = True
    if problem.linearization is not None:  # 2 here too: 0 and 1 ended 18-129 % off on instances 8 and 12
        params.linearization_level = problem.linearization
    if not first:
        control._join(solver)
    shared.running(solver, first=first)
    try:
        if (control.stopping and not first) or shared.done:
            return _Part("UNKNOWN")
        status = solver.solve(part)
    finally:
        shared.running(None)
        control._leave(solver)
    found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    return _Part(
        solver.status_name(status),
        solver.objective_value if found else None,
        list(solver.response_proto.solution) if found else [],
        solver.deterministic_time,
        solver.wall_time,
    )


def _first(problem, model, control, shared, deadline, decisions) -> float:
    """A first roster while the whole model looks for its own: any roster that keeps every rule (the model
    without its objective, which is much easier where a shift's cover is soft), then the best objective
    with its decisions kept (the spreads and penalties at their least). Returns the deterministic time."""
    left = deadline - time.perf_counter()
    any_roster = _solve_part(problem, model, control, shared, [], (), left, 0, objective=False, first=True)
    if not any_roster.values or shared.get() is not None:
        return any_roster.work
    seconds = max(0.1, deadline - time.perf_counter())
    best = _solve_part(problem, model, control, shared, any_roster.values, decisions, seconds, 0, first=True)
    if best.values and shared.offer(best.objective, best.values, "part"):
        control._solution(best.objective)
    return any_roster.work + best.work
