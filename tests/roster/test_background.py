"""Auto-solving in the background (issue 21): the page never waits, the job runner solves and writes its
progress, a stop keeps the best roster found, one roster is never solved twice at once, and a run whose
runner died is given up so the roster can be solved again."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import replace

import pytest
import time_machine
from django.utils import timezone

from tests.factories import make_roster
from tests.roster.helpers import NATIONAL_DAY
from zhiban.lib.management.commands.runjobs import run_until_idle
from zhiban.roster import background, planning, solver
from zhiban.roster.jobs import try_solve_one
from zhiban.roster.models import Roster, SolveRun


@pytest.fixture
def roster(org, county_duty, before_national_day):
    return make_roster(org.county, NATIONAL_DAY, 14)


def test_rule_A1_1_auto_solve_runs_in_the_job_runner_and_the_page_follows_it(org, roster):
    admin = org.client(org.county_admin)
    response = admin.post(f"/roster/{roster.pk}/generate/", follow=True)
    page = response.content.decode()
    # the page came back at once: nothing solved yet, the run queued and shown
    assert not roster.assignments.exists()
    assert "已开始自动排班" in page and "自动排班排队中" in page
    assert f'hx-get="/roster/{roster.pk}/solving/"' in page
    # asked twice: refused, one run only
    again = admin.post(f"/roster/{roster.pk}/generate/", follow=True).content.decode()
    assert "正在自动排班" in again and SolveRun.objects.filter(roster=roster).count() == 1
    with pytest.raises(background.AlreadySolving):
        background.request_solve(roster, None)

    assert run_until_idle([try_solve_one]) == 1
    run = SolveRun.objects.get(roster=roster)
    roster.refresh_from_db()
    assert run.state == SolveRun.State.DONE and run.finished_at is not None
    assert run.objective is not None and run.bound is not None and run.gap is not None
    assert run.first_seconds is not None and run.seconds > 0
    assert roster.solver_status in ("optimal", "feasible") and roster.assignments.exists()
    assert not [v for v in planning.check(roster) if v.blocks_publishing]
    # the page polling the run is told to reload once it is over; the page shows the roster
    poll = admin.get(f"/roster/{roster.pk}/solving/", headers={"HX-Request": "true"})
    assert poll.status_code == 200 and poll["HX-Refresh"] == "true"
    page = admin.get(f"/roster/{roster.pk}/").content.decode()
    assert "正在自动排班" not in page and roster.solver_note in page
    # and it may be solved again
    assert background.request_solve(roster, None).state == SolveRun.State.QUEUED


def test_running_solve_shows_its_progress_on_the_page(org, roster):
    admin = org.client(org.county_admin)
    run = background.request_solve(roster, org.county_admin.user)
    SolveRun.objects.filter(pk=run.pk).update(
        state=SolveRun.State.RUNNING,
        heartbeat_at=timezone.now(),
        objective=1240,
        bound=1200,
        gap=40 / 1240,
        seconds=12.4,
        first_seconds=0.8,
    )
    fragment = admin.get(f"/roster/{roster.pk}/solving/", headers={"HX-Request": "true"})
    text = fragment.content.decode()
    assert "HX-Refresh" not in fragment
    assert "已用 12 秒" in text and "扣分 1240" in text and "至少扣分 1200" in text
    assert "差距不超过 3.2%" in text and "第 0.8 秒" in text and "停止并采用目前最好的排班" in text
    # an inspector reads the progress but cannot stop it
    inspector = org.client(org.inspector)
    assert "停止并采用" not in inspector.get(f"/roster/{roster.pk}/solving/").content.decode()
    assert inspector.post(f"/roster/{roster.pk}/solving/stop/").status_code == 403
    admin.post(f"/roster/{roster.pk}/solving/stop/")
    run.refresh_from_db()
    assert run.stop_requested and run.state == SolveRun.State.RUNNING
    assert "正在停止" in admin.get(f"/roster/{roster.pk}/solving/").content.decode()


def test_a_stop_keeps_the_best_roster_found(org, roster):
    run = background.request_solve(roster, org.county_admin.user)
    SolveRun.objects.filter(pk=run.pk).update(
        state=SolveRun.State.RUNNING, stop_requested=True, heartbeat_at=timezone.now()
    )
    result = background.execute(SolveRun.objects.get(pk=run.pk))
    run.refresh_from_db()
    roster.refresh_from_db()
    assert result.stopped and run.state == SolveRun.State.STOPPED
    assert roster.assignments.exists()
    # the first roster found is kept; it says so unless it was already proven the best
    assert "已按要求停止" in roster.solver_note or roster.solver_status == "optimal"
    assert not [v for v in planning.check(roster) if v.blocks_publishing]


def test_a_queued_solve_withdrawn_never_runs(org, roster):
    run = background.request_solve(roster, org.county_admin.user)
    assert background.request_stop(run, org.county_admin.user)
    assert run_until_idle([try_solve_one]) == 0
    run.refresh_from_db()
    assert run.state == SolveRun.State.STOPPED and not roster.assignments.exists()


def test_a_run_whose_runner_died_is_given_up_and_the_roster_can_be_solved_again(org, roster):
    run = background.request_solve(roster, org.county_admin.user)
    SolveRun.objects.filter(pk=run.pk).update(state=SolveRun.State.RUNNING, heartbeat_at=timezone.now())
    with pytest.raises(background.AlreadySolving):
        background.request_solve(roster, None)
    later = timezone.now() + background.STALE_AFTER + dt.timedelta(seconds=5)
    with time_machine.travel(later, tick=False):
        assert run_until_idle([try_solve_one]) == 0
        run.refresh_from_db()
        assert run.state == SolveRun.State.FAILED
        page = org.client(org.county_admin).get(f"/roster/{roster.pk}/").content.decode()
        assert "后台排班中断" in page
        background.request_solve(roster, None)
        assert run_until_idle([try_solve_one]) == 1
    assert roster.assignments.exists()


def test_a_roster_published_while_queued_is_left_alone(org, roster):
    background.request_solve(roster, org.county_admin.user)
    Roster.objects.filter(pk=roster.pk).update(state=Roster.State.PUBLISHED)
    run_until_idle([try_solve_one])
    assert not roster.assignments.exists()
    assert SolveRun.objects.get(roster=roster).state == SolveRun.State.DONE


def test_control_reports_progress_and_stops_at_the_first_roster_when_asked_before_it():
    from tests.roster.test_solver import day_shifts, staff

    problem = solver.Problem(people=staff(6), shifts=day_shifts(14, {"primary": 1, "standby": 1}))
    control = solver.Control()
    result = solver.solve(problem, control)
    seen = control.progress()
    assert seen["objective"] == result.objective and seen["first"] is not None and not result.stopped
    stopped = solver.Control()
    stopped.stop()
    result = solver.solve(problem, stopped)
    assert result.stopped and result.assignments and len(result.assignments) == 28


def test_the_runners_other_jobs_go_on_while_a_roster_is_solved(org, roster, monkeypatch):
    """A report's deadline must not wait for a roster: the solve runs in its own thread and the runner
    keeps calling its other jobs; here the solve waits until the other job has run."""
    released, calls = threading.Event(), []
    real = planning.solve_problem

    def slow(problem, problems, control=None):
        assert released.wait(30)
        return real(problem, problems, control)

    def deadline_job():
        calls.append(True)
        released.set()
        return False

    monkeypatch.setattr(planning, "solve_problem", slow)
    monkeypatch.setattr(background, "POLL_SECONDS", 0.01)
    run = background.request_solve(roster, None)
    SolveRun.objects.filter(pk=run.pk).update(state=SolveRun.State.RUNNING, heartbeat_at=timezone.now())
    background.execute(SolveRun.objects.get(pk=run.pk), [deadline_job])
    run.refresh_from_db()
    assert calls and run.state == SolveRun.State.DONE and roster.assignments.exists()


def test_solving_again_starts_from_the_draft_so_a_stop_never_ends_worse(org, roster):
    """A second auto-solve begins with the draft as it stands: stopped at its first roster, it keeps the
    draft (so never a worse one), where a cold start's first roster is the solver's own."""
    from tests.roster.test_solver import day_shifts, staff

    problem = solver.Problem(
        people=staff(6), shifts=day_shifts(28, {"primary": 1, "standby": 1}), time_limit=3
    )
    found = solver.solve(problem)
    # the same roster with the (interchangeable) people swapped round: as good, and not the solver's own
    draft = {solver.Assignment(a.person_id % 6 + 1, a.shift_key, a.post) for a in found.assignments}
    assert draft != set(found.assignments)
    stopped = solver.Control()
    stopped.stop()
    again = solver.solve(replace(problem, start=list(draft)), stopped)
    assert again.stopped and set(again.assignments) == draft and again.objective <= found.objective
    cold = solver.Control()
    cold.stop()
    assert set(solver.solve(problem, cold).assignments) != draft
    # the roster's own draft is what the page's solve starts from
    planning.generate(roster, time_limit=2)
    built, _, _ = planning.build_problem(roster)
    held = {(a.person_id, a.start, a.post) for a in roster.assignments.all()}
    starts = {s.key: s.start for s in built.shifts}
    assert held and {(a.person_id, starts[a.shift_key], a.post) for a in built.start} == held
