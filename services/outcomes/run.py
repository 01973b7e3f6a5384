"""The composition root of a comparison on a shipped network: demand from the simulator's
core, the baseline with the fixed daily loop, kulkuri with the OR-Tools routing solver."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial

from kulkuri.outcomes.adapters.shipped_network import load_shipped_network
from kulkuri.outcomes.adapters.simulated_demand import simulated_demand
from kulkuri.outcomes.compare import Comparison, outcome_of
from kulkuri.outcomes.domain.baseline import KohaLikeBaseline
from kulkuri.outcomes.domain.day_loop import AllocationPolicy
from kulkuri.outcomes.domain.shared_collection import SharedCollectionPolicy, consortium_for
from kulkuri.outcomes.routes.day_routes import fixed_loop_work, optimised_work
from kulkuri.outcomes.routes.yardstick import DayWork
from kulkuri.routing.domain.problem import RoutingProblem
from kulkuri.routing.solver import solver_named

# Outside the four shipped weeks of opening hours: every library keeps its typical week.
DEFAULT_FIRST_DAY = date(2026, 10, 5)


def compare_network(
    network: str,
    days: int,
    seed: int,
    *,
    scale: float | None = None,
    after_days: int = 7,
    time_limit_s: float = 5.0,
    first_day: date = DEFAULT_FIRST_DAY,
) -> Comparison:
    shipped = load_shipped_network(network, first_day)
    dates = [shipped.service_days(d) for d in range(days)]
    demand = simulated_demand(network, dates, seed, scale, frozenset(shipped.libraries))
    consortium = consortium_for(shipped.libraries, shipped.cost)
    solver = solver_named("ortools")
    policies: list[tuple[str, AllocationPolicy, Callable[[RoutingProblem], DayWork]]] = [
        ("baseline", KohaLikeBaseline(shipped.cost), fixed_loop_work),
        (
            "kulkuri",
            SharedCollectionPolicy(consortium, first_day),
            partial(optimised_work, solver=solver, time_limit_s=time_limit_s),
        ),
    ]
    outcomes = tuple(
        outcome_of(
            name,
            policy,
            demand,
            shipped.vans,
            shipped.visited,
            shipped.service_days,
            price,
            after_days,
        )[0]
        for name, policy, price in policies
    )
    return Comparison(
        network=shipped.name,
        days=days,
        seed=seed,
        after_days=after_days,
        first_day=dates[0],
        last_day=dates[-1],
        copies=len(demand.copies),
        outcomes=outcomes,
    )
