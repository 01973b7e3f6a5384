"""The composition root of a comparison on a shipped network: demand from the simulator's
core; the baseline with the fixed daily loop; kulkuri with the OR-Tools routing solver, three
ways: every collection floating; the same with the nightly re-assignment (OR-Tools' min-cost
flow behind the holds domain's ``AssignmentSolver`` port); and the collection policies of
the network's shipped holds config with the nightly re-assignment. All four run every time,
on the same demand, in that order."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial

from kulkuri.holds.adapters.ortools_assignment import MinCostFlowSolver
from kulkuri.outcomes.adapters.shipped_network import ShippedNetwork, load_shipped_network
from kulkuri.outcomes.adapters.shipped_rules import shipped_collection_rules
from kulkuri.outcomes.adapters.simulated_demand import simulated_demand
from kulkuri.outcomes.compare import Comparison, outcome_of
from kulkuri.outcomes.domain.baseline import KohaLikeBaseline
from kulkuri.outcomes.domain.day_loop import AllocationPolicy
from kulkuri.outcomes.domain.rules import CollectionRules, consortium_for
from kulkuri.outcomes.domain.shared_collection import SharedCollectionPolicy
from kulkuri.outcomes.routes.day_routes import fixed_loop_work, optimised_work
from kulkuri.outcomes.routes.yardstick import DayWork
from kulkuri.routing.domain.problem import RoutingProblem
from kulkuri.routing.solver import solver_named

# Outside the four shipped weeks of opening hours: every library keeps its typical week.
DEFAULT_FIRST_DAY = date(2026, 10, 5)

Priced = tuple[str, AllocationPolicy, Callable[[RoutingProblem], DayWork], str]


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
    policies = _policies(shipped, shipped_collection_rules(shipped.name), time_limit_s)
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
            described,
        )[0]
        for name, policy, price, described in policies
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


def _policies(shipped: ShippedNetwork, rules: CollectionRules, time_limit_s: float) -> list[Priced]:
    """Each policy, how its van days are priced, and a few words on it for the report."""
    floating = consortium_for(shipped.libraries, shipped.cost)
    with_rules = consortium_for(shipped.libraries, shipped.cost, rules)
    nightly = MinCostFlowSolver()
    routed = partial(optimised_work, solver=solver_named("ortools"), time_limit_s=time_limit_s)
    return [
        (
            "baseline",
            KohaLikeBaseline(shipped.cost),
            fixed_loop_work,
            "Koha-like: nearest copy, home after use; the fixed daily loop",
        ),
        (
            "kulkuri",
            SharedCollectionPolicy(floating, shipped.service_days),
            routed,
            "the holds service's Title, every collection floating; solver routes",
        ),
        (
            "kulkuri_nightly",
            SharedCollectionPolicy(floating, shipped.service_days, nightly),
            routed,
            "the same and the nightly re-assignment",
        ),
        (
            "kulkuri_collections",
            SharedCollectionPolicy(with_rules, shipped.service_days, nightly),
            routed,
            f"the collection policies of {rules.source}, and the nightly re-assignment",
        ),
    ]
