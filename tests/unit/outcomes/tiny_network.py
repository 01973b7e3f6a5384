"""A hand-made network for the outcome tests: three libraries on a line, A (the hub) at 0 km,
B at 12 km and C at 20 km, visited every day; transport cost is the distance in metres."""

from __future__ import annotations

from datetime import date, timedelta

from kulkuri.holds.adapters.ortools_assignment import MinCostFlowSolver
from kulkuri.holds.domain.consortium import (
    CollectionPolicy,
    Consortium,
    RebalanceSettings,
)
from kulkuri.holds.domain.reassignment import AssignmentSolver
from kulkuri.outcomes.domain.baseline import KohaLikeBaseline
from kulkuri.outcomes.domain.day_loop import run_policy
from kulkuri.outcomes.domain.demand import Demand
from kulkuri.outcomes.domain.ledger import Ledger
from kulkuri.outcomes.domain.rules import (
    EVERY_COLLECTION_FLOATS,
    CollectionRules,
    consortium_for,
)
from kulkuri.outcomes.domain.shared_collection import SharedCollectionPolicy
from kulkuri.outcomes.routes.day_routes import VanNetwork
from kulkuri.routing.domain.problem import Matrix, Place, TimeWindow, Van

KM = {"A": 0, "B": 12, "C": 20}
HUB = "A"
FIRST_DAY = date(2026, 10, 5)


def cost(source: str, destination: str) -> int:
    return abs(KM[source] - KM[destination]) * 1000


NIGHTLY = MinCostFlowSolver()  # the holds service's own solver of the nightly plan

# As the shipped holds config has them (test_shipped_rules checks that it still does).
SHIPPED_RULES = CollectionRules(
    {
        "adult-fiction": CollectionPolicy.FLOATING,
        "adult-nonfiction": CollectionPolicy.RETURN_TO_OWNER,
        "children": CollectionPolicy.FLOATING,
        "young-adult": CollectionPolicy.REBALANCE,
    },
    CollectionPolicy.RETURN_TO_OWNER,
    RebalanceSettings(window_days=28, min_gain=2),
)


def consortium(rules: CollectionRules = EVERY_COLLECTION_FLOATS) -> Consortium:
    # About 1 km of latitude per 0.009 degrees: the same line on the map.
    libraries = {k: (k, 60.0 + v * 0.009, 25.0) for k, v in KM.items()}
    return consortium_for(libraries, cost, rules)


def every_day(library: str, day: int) -> bool:
    return True


def run_baseline(demand: Demand) -> Ledger:
    return run_policy(KohaLikeBaseline(cost), demand, HUB, every_day)


def run_kulkuri(
    demand: Demand,
    rules: CollectionRules = EVERY_COLLECTION_FLOATS,
    nightly: AssignmentSolver | None = None,
) -> Ledger:
    policy = SharedCollectionPolicy(consortium(rules), service_day, nightly)
    return run_policy(policy, demand, HUB, every_day)


def van_network() -> VanNetwork:
    """The same line for the vans: one van based at the hub, 10 m/s, open all day."""
    places = tuple(
        Place(k, k, 60.0 + v * 0.009, 25.0, i, (TimeWindow(0, 86_400),), 300, 30, k == HUB)
        for i, (k, v) in enumerate(KM.items())
    )
    metres = tuple(tuple(cost(a, b) for b in KM) for a in KM)
    seconds = tuple(tuple(m // 10 for m in row) for row in metres)
    van = Van("van-1", HUB, 10, 0, 86_400)
    return VanNetwork(lambda day: places, (van,), Matrix(metres, seconds), HUB)


def service_day(number: int) -> date:
    return FIRST_DAY + timedelta(days=number)
