"""Run the same demand through each policy and price their van days: the comparison.

The baseline's legs ride the fixed daily loop; kulkuri's ride the routing solver's plan
(OR-Tools, ``time_limit_s`` a day). Only the legs of the run's own days are priced; copies
still on their way at the end are counted as moved but their later legs are not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from kulkuri.outcomes.domain.day_loop import AllocationPolicy, run_policy
from kulkuri.outcomes.domain.demand import Demand
from kulkuri.outcomes.domain.figures import (
    HoldFigures,
    ReassignmentFigures,
    hold_figures,
    reassignment_figures,
)
from kulkuri.outcomes.domain.ledger import Ledger, Visited
from kulkuri.outcomes.routes.day_routes import VanNetwork, day_problem
from kulkuri.outcomes.routes.yardstick import DayWork
from kulkuri.routing.domain.problem import RoutingProblem


@dataclass(frozen=True)
class PolicyOutcome:
    policy: str
    holds: HoldFigures
    days: tuple[DayWork, ...]
    reassignment: ReassignmentFigures | None = None  # None: no nightly re-assignment
    described: str = ""  # what the policy is, in a few words, for the report

    @property
    def km(self) -> float:
        return sum(d.km for d in self.days)

    @property
    def van_hours(self) -> float:
        return sum(d.van_hours for d in self.days)

    @property
    def van_runs(self) -> int:
        return sum(d.van_runs for d in self.days)

    @property
    def crates(self) -> int:
        return sum(d.crates for d in self.days)

    @property
    def missed_crates(self) -> int:
        return sum(d.missed_crates for d in self.days)

    def per_item(self, total: float) -> float | None:
        moved = self.holds.items_moved
        return None if not moved else total / moved

    @property
    def crates_per_van_run(self) -> float | None:
        return None if not self.van_runs else self.crates / self.van_runs


def outcome_of(
    name: str,
    policy: AllocationPolicy,
    demand: Demand,
    vans: VanNetwork,
    visited: Visited,
    service_day: Callable[[int], date],
    price: Callable[[RoutingProblem], DayWork],
    after_days: int,
    described: str = "",
) -> tuple[PolicyOutcome, Ledger]:
    ledger = run_policy(policy, demand, vans.hub, visited)
    days = tuple(
        price(day_problem(vans, service_day(d), ledger.legs_on(d))) for d in range(demand.days)
    )
    holds = hold_figures(ledger, demand.days, after_days)
    outcome = PolicyOutcome(name, holds, days, reassignment_figures(ledger), described)
    return outcome, ledger


@dataclass(frozen=True)
class Comparison:
    network: str
    days: int
    seed: int
    after_days: int
    first_day: date
    last_day: date
    copies: int
    outcomes: tuple[PolicyOutcome, ...]  # the baseline first
