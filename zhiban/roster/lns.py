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
"""

from __future__ import annotations

import logging
import random
import threading
import time
from dataclasses import dataclass, replace

from ortools.sat.python import cp_model

from zhiban.roster.solver import Assignment, Control, Problem, Result, _Model, _search

# people over the whole period twice as often: the requests and limits are a person's (measured on the
# benchmark's instances 8, 11 and 12)
KINDS = ("people", "days", "people", "block")
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

    def offer(self, objective: float, values: list[int], by: str) -> bool:
        with self.lock:
            if self.best is not None and objective > self.best.objective:
                return False
            self.best = _Best(objective, values, by)
            self.first = self.first or time.perf_counter()
        self.arrived.set()
        return True

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
        finally:
            shared.arrived.set()

    thread = threading.Thread(target=prove, name="roster-whole", daemon=True)
    thread.start()
    work = _improve(problem, model, control, shared, deadline, thread)
    thread.join()
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
        if kind == "people":
            chosen_people = rng.sample(people, max(1, min(len(people), round(share * len(people)))))
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
    if shared.get() is None:
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
        solver, status = _solve_part(
            problem, model, control, best.values, decisions - free, min(round_limit, left), number
        )
        work += solver.deterministic_time
        log.debug(
            "%s %.3f: %d free, %s %.0f -> %s in %.2f s",
            kind,
            share[kind],
            len(free),
            solver.status_name(status),
            best.objective,
            solver.objective_value if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) else "-",
            solver.wall_time,
        )
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            if solver.objective_value <= best.objective:
                values = list(solver.response_proto.solution)
                if shared.offer(solver.objective_value, values, "part"):
                    control._solution(solver.objective_value)
            # solved to its optimum: the next of its kind may be bigger; out of time: smaller
            share[kind] = min(1.0, share[kind] * 1.2) if status == cp_model.OPTIMAL else share[kind] * 0.85
            share[kind] = max(share[kind], 1 / max(len(cells.people), len(cells.days)))
    for solver in list(control._solvers):
        solver.stop_search()
    return work


def _solve_part(problem, model, control, values, fixed, seconds, number, objective=True):
    """The model with the `fixed` variables held at their `values`, the rest hinted at theirs; without the
    objective, it stops at the first roster."""
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
    if problem.linearization is not None:
        params.linearization_level = problem.linearization
    control._join(solver)
    try:
        status = solver.solve(part)
    finally:
        control._leave(solver)
    return solver, status


def _first(problem, model, control, shared, deadline, decisions) -> float:
    """A first roster while the whole model looks for its own: any roster that keeps every rule (the model
    without its objective, which is much easier where a shift's cover is soft), then the best objective
    with its decisions kept (the spreads and penalties at their least). Returns the deterministic time."""
    left = deadline - time.perf_counter()
    solver, status = _solve_part(problem, model, control, [], (), left, 0, objective=False)
    work = solver.deterministic_time
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE) or shared.get() is not None:
        return work
    values = list(solver.response_proto.solution)
    solver, status = _solve_part(
        problem, model, control, values, decisions, max(0.1, deadline - time.perf_counter()), 0
    )
    work += solver.deterministic_time
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        objective = solver.objective_value
        if shared.offer(objective, list(solver.response_proto.solution), "part"):
            control._solution(objective)
    return work
