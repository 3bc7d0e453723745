"""The neighbourhood search beside the whole model (issue 21): the best roster either finds, the whole
model's bound, the same rules, and a stop that halts both."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from zhiban.roster import lns, nrp
from zhiban.roster.solver import Assignment, Control, _Model, _search, solve

DATA = Path(__file__).resolve().parents[3] / "shared" / "bench-data" / "nrp"


def instance(number: int, **changes):
    return replace(nrp.read(DATA / f"Instance{number}.txt"), presolve=True, **changes)


def test_a_part_of_the_roster_solved_again_improves_the_whole_and_keeps_every_rule():
    """The neighbourhood search alone, from the whole model's first roster, while a stand-in for the
    proving thread stays alive: its roster is better, recounted independently, and breaks no hard rule."""
    problem = instance(5, time_limit=30, workers=1)
    model = _Model(problem)
    shared = lns._Shared()
    at_first = Control()
    at_first.stop()  # asked before any roster: the whole model stops at its first
    first = _search(
        problem,
        model,
        model.model,
        30.0,
        at_first,
        time.perf_counter(),
        found=lambda objective, values: shared.offer(objective, values, "whole"),
    )
    start = shared.get()
    assert start is not None and start.objective == first.objective
    alive = threading.Event()
    stand_in = threading.Thread(target=alive.wait, daemon=True)
    stand_in.start()
    try:
        lns._improve(
            replace(problem, time_limit=8), model, Control(), shared, time.perf_counter() + 8, stand_in
        )
    finally:
        alive.set()
    best = shared.get()
    assert best.by == "part" and best.objective < start.objective
    chosen = [(p, s, post) for (p, s, post), var in model.x.items() if best.values[var.index]]
    assignments = [Assignment(*key) for key in chosen]
    assert nrp.objective(problem, assignments) == best.objective
    assert nrp.breaches(problem, assignments) == []


def test_two_workers_return_the_best_roster_with_the_whole_models_bound():
    problem = instance(5, time_limit=10, workers=2)
    result = solve(problem)
    assert result.status == "feasible"
    assert nrp.objective(problem, result.assignments) == result.objective
    assert nrp.breaches(problem, result.assignments) == []
    # the whole model's bound: below every roster there is, the best known one (1143) included
    assert 0 < result.bound <= nrp.BEST_KNOWN[5] <= result.objective


def test_a_stop_halts_both_threads_and_keeps_the_best_roster():
    problem = instance(12, time_limit=120, workers=2)
    control = Control()
    box = {}
    thread = threading.Thread(target=lambda: box.setdefault("result", solve(problem, control)))
    thread.start()
    for _ in range(600):  # the first roster: at most a minute
        if control.progress()["objective"] is not None:
            break
        thread.join(0.1)
    control.stop()
    thread.join(15)
    assert not thread.is_alive()
    result = box["result"]
    assert result.stopped and result.assignments
    assert nrp.objective(problem, result.assignments) == result.objective
    assert nrp.breaches(problem, result.assignments) == []


@pytest.mark.parametrize("number", [1])
def test_the_benchmarks_hard_rules_are_recounted_independently(number):
    problem = instance(number, time_limit=5, workers=1)
    result = solve(problem)
    assert nrp.breaches(problem, result.assignments) == []
    broken = [a for a in result.assignments if a.person_id != problem.people[0].id]
    assert nrp.breaches(problem, broken), "a roster with one person's shifts dropped breaks their minimum"
