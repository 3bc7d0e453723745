"""Auto-solving in the background: a person asks (request_solve), the job runner claims the oldest queued
run (try_solve_one), builds the problem, runs the solver in a thread of its own and, while it runs, writes
its progress on the run every POLL_SECONDS and looks for a stop; then stores the roster found.

The database is touched only by the runner's own thread; the solving thread has the plain problem. A run
whose runner died (no sign of life for STALE_AFTER) is marked interrupted, so the roster can be solved
again; the roster's assignments are replaced only at the end, in one transaction, so nothing is half-done."""

from __future__ import annotations

import datetime as dt
import threading

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from zhiban.audit.trail import record_update
from zhiban.lib.management.commands.runjobs import all_jobs, others_while
from zhiban.org.models import User
from zhiban.roster import planning, solver
from zhiban.roster.models import Roster, SolveRun

POLL_SECONDS = 1.0
STALE_AFTER = dt.timedelta(minutes=2)


class AlreadySolving(Exception):
    """The roster has a run queued or running: two solves of one roster never run at once."""


def active_run(roster: Roster) -> SolveRun | None:
    return roster.solve_runs.filter(state__in=SolveRun.ACTIVE).first()


def request_solve(roster: Roster, by: User | None) -> SolveRun:
    try:
        with transaction.atomic():
            run = SolveRun.objects.create(roster=roster, requested_by=by)
            record_update(roster, {}, {"solve_requested": run.pk})
    except IntegrityError as clash:  # the partial unique index: one active run per roster
        raise AlreadySolving from clash
    return run


def request_stop(run: SolveRun, by: User | None) -> bool:
    """Ask the runner to stop and keep the best roster found. A queued run is simply withdrawn."""
    withdrawn = SolveRun.objects.filter(pk=run.pk, state=SolveRun.State.QUEUED).update(
        state=SolveRun.State.STOPPED, finished_at=timezone.now(), note="开始前已取消"
    )
    asked = SolveRun.objects.filter(pk=run.pk, state=SolveRun.State.RUNNING).update(stop_requested=True)
    if withdrawn or asked:
        record_update(run.roster, {}, {"solve_stop_requested": run.pk})
    return bool(withdrawn or asked)


def give_up_stale(now: dt.datetime) -> int:
    """Runs whose runner stopped giving signs of life (killed, machine restarted) are interrupted."""
    return SolveRun.objects.filter(state=SolveRun.State.RUNNING, heartbeat_at__lt=now - STALE_AFTER).update(
        state=SolveRun.State.FAILED, finished_at=now, note="后台排班中断（求解程序已停止），请重新自动排班"
    )


def try_solve_one() -> bool:
    """Claims the oldest queued run and solves it; meanwhile the runner's other jobs go on between the
    looks at the solve (a report's deadline does not wait for a roster)."""
    now = timezone.now()
    give_up_stale(now)
    run = SolveRun.objects.filter(state=SolveRun.State.QUEUED).order_by("requested_at", "id").first()
    if run is None:
        return False
    claimed = SolveRun.objects.filter(pk=run.pk, state=SolveRun.State.QUEUED).update(
        state=SolveRun.State.RUNNING, started_at=now, heartbeat_at=now
    )
    if claimed:
        others = [job for job in all_jobs() if job.__name__ != "try_solve_one"]
        execute(SolveRun.objects.select_related("roster__unit").get(pk=run.pk), others)
    return True


def execute(run: SolveRun, others=()) -> solver.Result:
    roster = run.roster
    control = solver.Control()
    if not Roster.objects.filter(pk=roster.pk, state=Roster.State.DRAFT).exists():
        return _finish(run, control, solver.Result("unknown", reasons=["值班表已发布，未作更改"]))
    problem, shifts, problems = planning.build_problem(roster)
    problem.time_limit = settings.ROSTER_BACKGROUND_SECONDS
    problem.workers = settings.ROSTER_SOLVER_WORKERS
    problem.relative_gap = settings.ROSTER_SOLVER_GAP
    problem.linearization = settings.ROSTER_SOLVER_LINEARIZATION
    box: dict[str, solver.Result | BaseException] = {}

    def work():
        try:
            box["result"] = planning.solve_problem(problem, problems, control)
        except BaseException as failure:  # handed to the runner's thread, raised there
            box["result"] = failure

    if SolveRun.objects.filter(pk=run.pk, stop_requested=True).exists():
        control.stop()  # asked before it began: the first roster found is kept
    thread = threading.Thread(target=work, name=f"solve-{run.pk}", daemon=True)
    thread.start()
    while True:
        thread.join(POLL_SECONDS)
        if SolveRun.objects.filter(pk=run.pk, stop_requested=True).exists():
            control.stop()
        if not thread.is_alive():
            break
        _progress(run, control)
        others_while(thread, others)
    outcome = box["result"]
    if isinstance(outcome, BaseException):
        SolveRun.objects.filter(pk=run.pk).update(
            state=SolveRun.State.FAILED, finished_at=timezone.now(), note="后台排班出错，请重新自动排班"
        )
        raise outcome
    return _finish(run, control, planning.store(roster, outcome, shifts))


def _progress(run: SolveRun, control: solver.Control) -> None:
    seen = control.progress()
    SolveRun.objects.filter(pk=run.pk, state=SolveRun.State.RUNNING).update(
        heartbeat_at=timezone.now(),
        objective=seen["objective"],
        bound=seen["bound"],
        gap=seen["gap"],
        seconds=seen["seconds"],
        first_seconds=seen["first"],
        part=seen["part"],
    )


def _finish(run: SolveRun, control: solver.Control, result: solver.Result) -> solver.Result:
    seen = control.progress()
    state = SolveRun.State.STOPPED if result.stopped else SolveRun.State.DONE
    SolveRun.objects.filter(pk=run.pk).update(
        state=state,
        finished_at=timezone.now(),
        heartbeat_at=timezone.now(),
        objective=result.objective,
        bound=result.bound,
        gap=result.gap,
        seconds=result.seconds or seen["seconds"],
        first_seconds=result.first_feasible_seconds,
        part="",
        note="；".join(result.reasons[:10]),
    )
    return result
