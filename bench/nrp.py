"""The roster solver on the public shift scheduling benchmark (Curtois & Qu, instances 1-12), as issue 21 asks.

    nice .venv/bin/python bench/nrp.py [--seconds 60] [--workers 2] [--linearization 2] [1 2 ... 12]

Each instance is read by zhiban.roster.nrp into the solver's own problem (no second model) and solved with
the time limit. Prints the objective reached (recounted from the roster independently of the model, whose
hard rules are checked the same way), the proven lower bound, the seconds to the first roster, the seconds
used, the gap to the best known value (the baseline: the literature's best, printed beside it) and the
proven gap. Target: within 1 % of the best known value on every instance. With two workers or more, one
proves the bound on the whole model and the others search neighbourhoods of the best roster
(lns.py). Presolve is on here (the instances' weekly rules fold away), off for the units' rosters (where it
cost more than it saved).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from zhiban.roster import nrp, solver  # noqa: E402

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "bench-data" / "nrp"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("instances", nargs="*", type=int, default=list(range(1, 13)))
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--linearization", type=int, default=2, help="CP-SAT's, as the background solve")
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args()
    print(f"{args.seconds:.0f} s limit, {args.workers} workers, linearization level {args.linearization}")
    print(
        f"{'inst':>4} {'best known':>10} {'objective':>9} {'bound':>7} {'first s':>7} {'total s':>7} "
        f"{'vs best':>8} {'proven':>7} {'status':>9}"
    )
    within = 0
    for number in args.instances:
        problem = nrp.read(args.data / f"Instance{number}.txt")
        problem = replace(
            problem,
            time_limit=args.seconds,
            workers=args.workers,
            presolve=True,
            linearization=args.linearization,
        )
        result = solver.solve(problem)
        best = nrp.BEST_KNOWN[number]
        if not result.assignments:
            print(f"{number:>4} {best:>10} {'-':>9} {'-':>7} {'-':>7} {result.seconds:7.1f} {'-':>8}")
            continue
        objective = nrp.objective(problem, result.assignments)
        assert objective == round(result.objective), (objective, result.objective)
        assert not nrp.breaches(problem, result.assignments), nrp.breaches(problem, result.assignments)[:5]
        versus = (objective - best) / best
        within += versus <= 0.01
        print(
            f"{number:>4} {best:>10} {objective:>9} {result.bound:>7.0f} "
            f"{result.first_feasible_seconds:>7.2f} {result.seconds:>7.1f} {versus * 100:>7.1f}% "
            f"{result.gap * 100:>6.1f}% {result.status:>9}",
            flush=True,
        )
    print(f"within 1 % of the best known: {within} of {len(args.instances)}")


if __name__ == "__main__":
    main()
