"""A hand-made network for the outcome tests: three libraries on a line, A (the hub) at 0 km,
B at 12 km and C at 20 km, visited every day; transport cost is the distance in metres."""

from __future__ import annotations

from datetime import date

from kulkuri.holds.domain.consortium import Consortium
from kulkuri.outcomes.domain.baseline import KohaLikeBaseline
from kulkuri.outcomes.domain.day_loop import run_policy
from kulkuri.outcomes.domain.demand import Demand
from kulkuri.outcomes.domain.ledger import Ledger
from kulkuri.outcomes.domain.shared_collection import SharedCollectionPolicy, consortium_for

KM = {"A": 0, "B": 12, "C": 20}
HUB = "A"
FIRST_DAY = date(2026, 10, 5)


def cost(source: str, destination: str) -> int:
    return abs(KM[source] - KM[destination]) * 1000


def consortium() -> Consortium:
    # About 1 km of latitude per 0.009 degrees: the same line on the map.
    return consortium_for({k: (k, 60.0 + v * 0.009, 25.0) for k, v in KM.items()}, cost)


def every_day(library: str, day: int) -> bool:
    return True


def run_baseline(demand: Demand) -> Ledger:
    return run_policy(KohaLikeBaseline(cost), demand, HUB, every_day)


def run_kulkuri(demand: Demand) -> Ledger:
    return run_policy(SharedCollectionPolicy(consortium(), FIRST_DAY), demand, HUB, every_day)
