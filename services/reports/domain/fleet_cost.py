"""What the vans cost over a period, priced from the stored route plans.

A day's cost is that of its latest plan (a re-plan replaces the day's plan and keeps the
stops already driven). Each van that runs that day costs, by its rates in the routing file:

    fixed cost  +  km driven × cost per km  +  hours from leaving the depot to coming back
                                               × cost per hour

with the distance and duration the plan gives for the van's route. A van runs if its route
has a stop between leaving and returning to its depot, or any distance (a van that broke
down after one stop). Each van's day is rounded to the cent (half up); the period's cost is
the sum of those cents. These are planned costs: what the routing service scheduled, not
what a driver's log says.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from kulkuri.reports.domain.errors import FleetMismatch

_METRES_PER_KM = Decimal(1000)
_SECONDS_PER_HOUR = Decimal(3600)


@dataclass(frozen=True)
class VanRates:
    """A van's costs in euro, as the routing file gives them."""

    fixed: Decimal  # per day the van runs
    per_km: Decimal
    per_hour: Decimal


@dataclass(frozen=True)
class VanDay:
    """One van's route in a day's plan."""

    van_id: str
    distance_m: int
    duration_s: int
    stops: int  # depot at both ends included
    places: frozenset[str]  # library ids of its stops

    @property
    def ran(self) -> bool:
        return self.stops > 2 or self.distance_m > 0


@dataclass(frozen=True)
class PlannedDay:
    day: date
    version: int
    vans: tuple[VanDay, ...]


@dataclass(frozen=True)
class FleetCost:
    cents: int
    days_planned: int
    van_days: int
    distance_m: int
    duration_s: int

    @property
    def euros(self) -> Decimal:
        return euros(self.cents)


def euros(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


def van_day_cents(van: VanDay, rates: VanRates) -> int:
    if not van.ran:
        return 0
    cost = (
        rates.fixed
        + Decimal(van.distance_m) / _METRES_PER_KM * rates.per_km
        + Decimal(van.duration_s) / _SECONDS_PER_HOUR * rates.per_hour
    )
    return int((cost * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def fleet_cost(
    days: Iterable[PlannedDay],
    rates: Mapping[str, VanRates],
    network_libraries: frozenset[str],
    *,
    rates_source: str,
    network: str,
) -> FleetCost:
    """The cost of the vans that ran on ``days``. Raises ``FleetMismatch`` when a plan uses a
    van ``rates`` does not price or stops at a library outside ``network_libraries``: the
    plans would then be of another network or fleet, and their cost would be wrong."""
    cents = planned = van_days = distance = duration = 0
    for day in days:
        planned += 1
        for van in day.vans:
            if not van.ran:
                continue
            outside = sorted(van.places - network_libraries)
            if outside:
                raise FleetMismatch(
                    f"the plan of {day.day.isoformat()} sends van {van.van_id!r} to "
                    f"{', '.join(outside)}, which are not libraries of {network}: the stored "
                    "plans are of another network"
                )
            if van.van_id not in rates:
                raise FleetMismatch(
                    f"the plan of {day.day.isoformat()} uses van {van.van_id!r}, which "
                    f"{rates_source} does not list; give the routing file the plans were "
                    "made with"
                )
            cents += van_day_cents(van, rates[van.van_id])
            van_days += 1
            distance += van.distance_m
            duration += van.duration_s
    return FleetCost(cents, planned, van_days, distance, duration)
