"""The default routing engine: OR-Tools, with a ladder of first-solution strategies.

Every rung rebuilds the model (a closed routing model cannot be searched again) and
searches with the time left; the first rung that yields a solution gives the plan, after
guided local search has improved it until the time limit (or ``solution_limit``). Since
every stop is optional, the last rung (start from the empty plan) always succeeds; should
even that run out of time, the plan drops everything.

A small hub day that could be one trip per van is also planned with reloading at the hub,
each model with half the time, and the cheaper plan is kept (``ortools_params.layouts``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from kulkuri.routing.domain.plan import DroppedShipment, RoutePlan, SolverStats
from kulkuri.routing.domain.problem import RoutingProblem, Shipment, SolveLimits
from kulkuri.routing.solver import ortools_extract
from kulkuri.routing.solver.checks import NOT_SERVED, screen, validate
from kulkuri.routing.solver.interface import Progress, ProgressCallback
from kulkuri.routing.solver.nodes import Layout, build_layout
from kulkuri.routing.solver.ortools_model import OrToolsModel, build_model
from kulkuri.routing.solver.ortools_params import layouts, search_parameters, strategies
from kulkuri.routing.solver.plans import idle_plan, in_problem_order, penalty_of, unserved

MIN_RUNG_S = 0.2  # a later rung still gets this long when earlier ones used up the limit


class OrToolsSolver:
    name = "ortools"

    def solve(
        self,
        problem: RoutingProblem,
        limits: SolveLimits,
        progress: ProgressCallback | None = None,
    ) -> RoutePlan:
        started = time.perf_counter()
        validate(problem)
        shipments, set_aside = screen(problem)
        if not shipments:
            return idle_plan(problem, set_aside, self.name, time.perf_counter() - started)
        tracker = _Tracker(progress, penalty_of(problem, set_aside), started)
        try:
            return self._solve(problem, limits, shipments, set_aside, tracker, started)
        finally:
            tracker.watch(None)  # see _Tracker: the model it watches would never be freed

    def _solve(
        self,
        problem: RoutingProblem,
        limits: SolveLimits,
        shipments: tuple[Shipment, ...],
        set_aside: tuple[DroppedShipment, ...],
        tracker: _Tracker,
        started: float,
    ) -> RoutePlan:
        choices = layouts(problem, limits)
        best: tuple[OrToolsModel, Any, str] | None = None
        failed: list[str] = []
        for k, anchored in enumerate(choices):
            left = limits.time_limit_s - (time.perf_counter() - started)
            budget = max(MIN_RUNG_S, left / (len(choices) - k))
            layout = build_layout(problem, shipments, anchored)
            found = _search(problem, layout, limits, budget, tracker)
            failed += found.failed
            if found.solution is None:
                continue
            if best is None or found.solution.ObjectiveValue() < best[1].ObjectiveValue():
                best = (found.model, found.solution, found.strategy)
            tracker.report(found.solution.ObjectiveValue())
        if best is None:
            dropped = in_problem_order(problem, set_aside + unserved(shipments, NOT_SERVED))
            note = f"no solution from {', '.join(failed)}"
            return idle_plan(problem, dropped, self.name, time.perf_counter() - started, (note,))
        model, solution, strategy = best
        stats = SolverStats(
            engine=self.name,
            strategy=strategy,
            wall_s=time.perf_counter() - started,
            objective=solution.ObjectiveValue() + tracker.offset,
            solutions=tracker.improving,
        )
        return _plan(model, solution, set_aside, stats, failed)


@dataclass
class _Found:
    model: OrToolsModel
    solution: Any  # an OR-Tools Assignment, or None
    strategy: str
    failed: list[str]


def _search(
    problem: RoutingProblem, layout: Layout, limits: SolveLimits, budget_s: float, tracker: _Tracker
) -> _Found:
    """The ladder on one layout within ``budget_s``."""
    started = time.perf_counter()
    failed: list[str] = []
    for strategy in strategies(limits, len(layout.nodes)):
        left = max(MIN_RUNG_S, budget_s - (time.perf_counter() - started))
        model = build_model(problem, layout)
        tracker.watch(model.routing)
        model.routing.AddAtSolutionCallback(tracker)
        solution = model.routing.SolveWithParameters(search_parameters(strategy, limits, left))
        if solution is not None and (strategy == "ALL_UNPERFORMED" or _serves(model, solution)):
            return _Found(model, solution, strategy, failed)
        # Savings on pickup-and-delivery legs at the hub can start from a plan that serves
        # nothing, and local search then stops at once: the next rung gets the time instead.
        failed.append(strategy)
    return _Found(model, None, "", failed)


def _serves(model: OrToolsModel, solution: Any) -> bool:
    routing = model.routing
    return any(routing.IsVehicleUsed(solution, v) for v in range(routing.vehicles()))


def _plan(
    model: OrToolsModel,
    solution: Any,
    set_aside: tuple[Any, ...],
    stats: SolverStats,
    failed: list[str],
) -> RoutePlan:
    problem = model.problem
    dropped = in_problem_order(problem, set_aside + ortools_extract.dropped(model, solution))
    return RoutePlan(
        day=problem.day,
        mode=problem.mode,
        routes=ortools_extract.routes(model, solution),
        dropped=dropped,
        stats=stats,
        # Worth a coordinator's attention only when every heuristic failed and the plan
        # was grown from the empty one.
        notes=(
            (f"no first solution from {', '.join(dict.fromkeys(failed))}",)
            if stats.strategy == "ALL_UNPERFORMED"
            else ()
        ),
    )


class _Tracker:
    """Counts improving solutions across the searches of one plan and reports each; OR-Tools
    calls it on every solution of the model it watches.

    The model holds the tracker (its solution callback) in C++, where Python's collector
    cannot see the reference, and the tracker holds the model: once the plan is read, the
    solver lets go of the model (``watch(None)``), or every solve would keep its model, some
    15 MB for a Helmet day, for the life of the process."""

    def __init__(self, progress: ProgressCallback | None, offset: int, started: float) -> None:
        self._routing: Any = None
        self._progress = progress
        self.offset = offset  # the penalty of the shipments set aside before the search
        self._started = started
        self._best: int | None = None
        self.improving = 0

    def watch(self, routing: Any) -> None:
        self._routing = routing

    def __call__(self) -> None:
        self.report(self._routing.CostVar().Value())

    def report(self, cost: int) -> None:
        objective = cost + self.offset
        if self._best is not None and objective >= self._best:
            return
        self._best = objective
        self.improving += 1
        if self._progress is not None:
            elapsed = time.perf_counter() - self._started
            self._progress(Progress(self.improving, objective, elapsed))
