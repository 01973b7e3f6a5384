"""A service day's legs as a routing problem, priced with the fixed loop and with the solver.

Legs on the same lane share crates: ``CRATE_CAPACITY`` copies to a crate (the benchmarks'
figure). A lane of more crates than the largest van holds is split into shipments that fit.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from kulkuri.outcomes.domain.ledger import Leg
from kulkuri.outcomes.routes.yardstick import DayWork, evaluate, fixed_loop, trips_of
from kulkuri.routing.domain.problem import (
    Matrix,
    Mode,
    Place,
    RoutingProblem,
    Shipment,
    SolveLimits,
    Van,
)
from kulkuri.routing.solver.interface import Solver

CRATE_CAPACITY = 40


@dataclass(frozen=True)
class VanNetwork:
    """What the vans need to know of a network: its places on a day, fleet, matrix, hub."""

    places_on: Callable[[date], tuple[Place, ...]]
    vans: tuple[Van, ...]
    matrix: Matrix
    hub: str

    def visits(self, library: str, day: date) -> bool:
        return any(p.place_id == library and p.open_today for p in self.places_on(day))


def day_problem(network: VanNetwork, day: date, legs: Sequence[Leg]) -> RoutingProblem:
    lanes = Counter((leg.origin, leg.destination) for leg in legs)
    biggest = max(v.capacity_crates for v in network.vans)
    shipments = []
    for (origin, destination), items in sorted(lanes.items()):
        crates = math.ceil(items / CRATE_CAPACITY)
        part = 0
        while crates > 0:
            part += 1
            take = min(crates, biggest)
            shipments.append(Shipment(f"{origin}>{destination}#{part}", origin, destination, take))
            crates -= take
    return RoutingProblem(
        day=day,
        mode=Mode.HUB,
        places=network.places_on(day),
        vans=network.vans,
        shipments=tuple(shipments),
        matrix=network.matrix,
        hub=network.hub,
        name=f"outcomes {day}",
    )


def fixed_loop_work(problem: RoutingProblem) -> DayWork:
    trips, missed = fixed_loop(problem)
    left_out = set(missed)
    missed_crates = sum(s.crates for s in problem.shipments if {s.origin, s.destination} & left_out)
    return evaluate(problem, trips, missed_crates)


def optimised_work(problem: RoutingProblem, solver: Solver, time_limit_s: float) -> DayWork:
    if not problem.shipments:
        return evaluate(problem, [])  # nothing to carry: no van leaves
    plan = solver.solve(problem, SolveLimits(time_limit_s))
    crates = {s.shipment_id: s.crates for s in problem.shipments}
    missed = sum(crates[d.shipment_id] for d in plan.dropped)
    return evaluate(problem, trips_of(problem, plan), missed)
