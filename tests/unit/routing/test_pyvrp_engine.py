"""The PyVRP engine plans tiny days as well as OR-Tools, and names what it cannot express."""

from __future__ import annotations

import pytest

from kulkuri.routing.domain.plan import RoutePlan
from kulkuri.routing.domain.problem import Mode, RoutingProblem, Shipment, SolveLimits, TimeWindow
from kulkuri.routing.solver import (
    OrToolsSolver,
    Progress,
    UnsupportedConstraintError,
    solver_named,
)

from .builders import QUICK, back, out, problem, van

pytest.importorskip("pyvrp")

SQUARE = [(0, 0), (0, 1), (1, 1), (1, 0), (2, 1)]
PYVRP_QUICK = SolveLimits(time_limit_s=1.0, seed=1, extra={"max_iterations": "300"})


def both(p: RoutingProblem) -> tuple[RoutePlan, RoutePlan]:
    return OrToolsSolver().solve(p, QUICK), solver_named("pyvrp").solve(p, PYVRP_QUICK)


def costs(plan: RoutePlan) -> tuple[int, int, int]:
    assert plan.stats is not None
    return plan.distance_m, plan.vans_used, plan.stats.objective


def test_hub_day_costs_the_same_with_both_engines() -> None:
    shipments = [out("a", 1, 2), out("b", 2, 1), back("c", 3, 3), back("d", 4, 1)]
    ortools, pyvrp = both(problem(SQUARE, shipments, [van(capacity=6), van("V2", capacity=6)]))

    assert costs(pyvrp) == costs(ortools)
    assert pyvrp.dropped == ortools.dropped == ()
    assert [s.load_after for r in pyvrp.routes for s in r.stops] == [
        s.load_after for r in ortools.routes for s in r.stops
    ]


def test_direct_day_costs_the_same_with_both_engines() -> None:
    shipments = [Shipment("a", "P1", "P3", 2), Shipment("b", "P4", "P2", 1)]
    ortools, pyvrp = both(problem(SQUARE, shipments, mode=Mode.DIRECT))

    assert costs(pyvrp) == costs(ortools)


def test_pyvrp_drops_what_does_not_fit_with_the_same_reasons() -> None:
    shipments = [out("a", 1), out("huge", 2, crates=99), out("shut", 3)]
    ortools, pyvrp = both(problem(SQUARE, shipments, windows={3: ()}))

    assert pyvrp.dropped == ortools.dropped
    assert [d.reason for d in pyvrp.dropped] == ["no_capacity", "closed"]


def test_pyvrp_reports_progress_of_feasible_bests() -> None:
    seen: list[Progress] = []
    p = problem(SQUARE, [out("a", 1), out("b", 3)])
    plan = solver_named("pyvrp").solve(p, PYVRP_QUICK, seen.append)

    assert plan.stats is not None and seen and seen[-1].objective == plan.stats.objective


def test_pyvrp_refuses_a_library_with_two_windows_a_day_naming_it() -> None:
    two = (TimeWindow(8 * 3600, 10 * 3600), TimeWindow(14 * 3600, 16 * 3600))
    p = problem(SQUARE, [out("a", 2)], windows={2: two})

    with pytest.raises(UnsupportedConstraintError, match="'P2' has 2 time windows"):
        solver_named("pyvrp").solve(p, PYVRP_QUICK)
