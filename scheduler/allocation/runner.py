"""Stage two of three: run CP-SAT on a built model with a time limit, progress reports and a stop handle.

This module owns the solver call: parameters (time limit always set, worker count), the solution callback
that counts solutions and reports :class:`~scheduler.allocation.result.Progress`, and the stop: CP-SAT
runs on its own thread while the caller's thread watches the ``threading.Event`` every 5 ms; a stop calls
``stop_search()`` and, if CP-SAT has not returned 20 ms later (its presolve can take seconds to notice),
returns the last solution the callback saw and lets the solver thread end on its own.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from .model import Variables
from .result import Phase, Progress

ProgressCallback = Callable[[Progress], None]
# (solver objective, solver bound) -> (stage 1 objective, honest stage 1 bound, stage 2 penalty or None)
Reading = Callable[[float, float], tuple[float, float, float | None]]
WATCH_INTERVAL = 0.005
# After a stop, how long to wait for CP-SAT to return before returning without it.
ABANDON_AFTER = 0.02


@dataclass
class RunOutcome:
    """What one solver run produced. ``chosen`` holds the chosen candidate indices when a solution exists."""

    status: int
    has_solution: bool
    objective: float
    bound: float
    chosen: list[int]
    values: Sequence[int]  # the solution by variable index (empty without one), for hinting the next stage
    solutions: int
    first_solution_at: float | None
    stopped: bool


def penalty_detail(penalty: float | None) -> str:
    return "" if penalty is None else f"penalty {penalty:g}"


class _Callback(cp_model.CpSolverSolutionCallback):
    def __init__(
        self,
        variables: Variables,
        stage: int,
        started: float,
        reading: Reading,
        on_progress: ProgressCallback | None,
        stop: threading.Event | None,
        solutions_before: int,
        shown: cp_model.LinearExprT | None,
    ) -> None:
        super().__init__()
        self._shown = shown
        self._variables = variables
        self._stage = stage
        self._started = started
        self._reading = reading
        self._on_progress = on_progress
        self._stop = stop
        self.solutions = solutions_before
        self.first_solution_at: float | None = None
        self.error: BaseException | None = None
        self.closed = False
        self.keep_last = stop is not None
        self.last: tuple[list[int], float, float] | None = None

    def on_solution_callback(self) -> None:
        if self.closed:
            self.stop_search()  # the run has returned without waiting for the solver: report nothing more
            return
        if self.keep_last:
            # Kept so that a stop can return at once, without waiting for CP-SAT to wind down.
            self.last = (list(self.response_proto.solution), self.objective_value, self.best_objective_bound)
        self.solutions += 1
        elapsed = time.monotonic() - self._started
        if self.first_solution_at is None:
            self.first_solution_at = elapsed
        if self._stop is not None and self._stop.is_set():
            self.stop_search()
        if self._on_progress is None or self.error is not None:
            return
        try:
            value = self.objective_value if self._shown is None else self.value(self._shown)
            objective, bound, penalty = self._reading(value, self.best_objective_bound)
            self._on_progress(
                Progress(
                    stage=self._stage,
                    solutions_found=self.solutions,
                    placed=int(self.value(self._variables.placed)),
                    objective=objective,
                    bound=bound,
                    elapsed=elapsed,
                    phase=Phase.SEARCH,
                    detail=penalty_detail(penalty),
                    penalty=penalty,
                )
            )
        except BaseException as error:
            # An exception must not escape into the solver's thread; stop and re-raise afterwards.
            self.error = error
            self.stop_search()


def run(
    model: cp_model.CpModel,
    variables: Variables,
    *,
    time_limit: float,
    num_workers: int = 2,
    stage: int = 1,
    started: float | None = None,
    reading: Reading | None = None,
    on_progress: ProgressCallback | None = None,
    stop: threading.Event | None = None,
    solutions_before: int = 0,
    random_seed: int = 0,
    light_presolve: bool = False,
    strong_lp: bool = False,
    no_lp: bool = False,
    shown: cp_model.LinearExprT | None = None,
) -> RunOutcome:
    """Solve ``model`` (objective already set) and collect the chosen candidates.

    Args:
        model: the model with its objective and hints.
        variables: the variable tables from :func:`~scheduler.allocation.model.build_model`.
        time_limit: seconds; always applied (at least 10 ms).
        num_workers: CP-SAT search workers (2 suits this 2-core machine).
        stage: reported in progress.
        started: ``time.monotonic()`` of the whole solve, so elapsed times add up across stages.
        reading: turns the solver's objective and bound into what progress reports show (default: as they are).
        on_progress: called from the solver's thread at each solution.
        stop: when set, this returns within about 25 ms with the best solution seen so far, whether or not
            CP-SAT has wound down yet.
        solutions_before: solutions found by earlier stages (progress counts continue).
        random_seed: CP-SAT's seed.
        shown: the expression progress reports pass to ``reading`` as the objective (default: the solver's
            objective); stage 1 shows met demand without the keep-in-place reward.
        light_presolve: one presolve pass without probing (for large models, where full presolve costs
            more time than it saves).
        strong_lp: with at most 2 workers, the full-search worker uses CP-SAT's strongest linear relaxation
            (``max_lp``: every constraint in the LP from the start, with cuts) instead of the default one,
            which adds constraints lazily and bounds stage 2 far too loosely to prove it (measured on 500 x
            48: bound 658 against an optimum of 798 after 19 s of deterministic time, against proven
            optimal after 2). With more workers CP-SAT's own portfolio includes it.
        no_lp: no linear relaxation at all (``linearization_level`` 0): on very large models solving it
            costs the search more than its bound helps (the engine's own relaxation bounds them).
    """
    started = time.monotonic() if started is None else started
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.01, time_limit)
    solver.parameters.num_workers = max(1, num_workers)
    solver.parameters.random_seed = random_seed
    if strong_lp and num_workers <= 2:
        solver.parameters.subsolvers.append("max_lp")
    if no_lp:
        solver.parameters.linearization_level = 0
    if light_presolve:
        solver.parameters.max_presolve_iterations = 1
        solver.parameters.cp_model_probing_level = 0
    if reading is None:

        def reading(objective: float, bound: float) -> tuple[float, float, float | None]:
            return objective, bound, None

    callback = _Callback(variables, stage, started, reading, on_progress, stop, solutions_before, shown)

    if stop is not None and stop.is_set():
        return RunOutcome(cp_model.UNKNOWN, False, 0.0, 0.0, [], (), solutions_before, None, True)
    done = threading.Event()
    outcome: dict[str, object] = {}

    def solve_in_thread() -> None:
        try:
            outcome["status"] = solver.solve(model, callback)
        except BaseException as error:  # re-raised in the caller's thread
            outcome["error"] = error
        finally:
            done.set()

    # CP-SAT runs on its own thread; this one watches the stop handle. A stop asks CP-SAT to end the search,
    # waits briefly, and if CP-SAT is still busy (presolve can take seconds to notice) returns the last
    # solution seen without waiting; the solver thread then ends on its own, reporting nothing more.
    thread = threading.Thread(target=solve_in_thread, name="allocation-cp-sat", daemon=True)
    thread.start()
    stopped = False
    abandoned = False
    while not done.wait(WATCH_INTERVAL):
        if stop is not None and stop.is_set():
            stopped = True
            solver.stop_search()
            if not done.wait(ABANDON_AFTER):
                abandoned = True
                callback.closed = True
            break
    if not abandoned:
        done.wait()
        if "error" in outcome:
            raise outcome["error"]  # type: ignore[misc]
    if callback.error is not None:
        raise callback.error
    chosen: list[int] = []
    values: Sequence[int] = ()
    objective = bound = 0.0
    solution: list[int] | None = None
    if abandoned:
        last = callback.last
        status = cp_model.FEASIBLE if last is not None else cp_model.UNKNOWN
        if last is not None:
            solution, objective, bound = last
    else:
        status = outcome["status"]  # type: ignore[assignment]
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            # Reading the response's solution vector once is far faster than one value() call per variable.
            solution = list(solver.response_proto.solution)
            objective = solver.objective_value
            bound = solver.best_objective_bound
    has_solution = solution is not None
    if solution is not None:
        # The placement variables have consecutive indices (see model._bool_vars; with debug names too, as
        # nothing else is created between them): one slice instead of 100,000 attribute look-ups.
        place = variables.place
        base = place[0].index if place else 0
        if place and place[-1].index == base + len(place) - 1:
            chosen = [i for i, value in enumerate(solution[base : base + len(place)]) if value]
        else:  # pragma: no cover - a model built some other way
            chosen = [i for i, variable in enumerate(place) if solution[variable.index]]
        values = solution
    return RunOutcome(
        status=status,
        has_solution=has_solution,
        objective=objective,
        bound=bound,
        chosen=chosen,
        values=values,
        solutions=callback.solutions,
        first_solution_at=callback.first_solution_at,
        stopped=stopped or (stop is not None and stop.is_set()),
    )
