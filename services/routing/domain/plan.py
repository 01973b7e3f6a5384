"""What the routing service answers: a ``RoutePlan`` per day, as data.

Per van, the ordered stops with arrival and departure times, the shipments unloaded and
loaded at each, and the load after it; per plan, the totals and the shipments left for the
next day with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from kulkuri.routing.domain.problem import Mode


@dataclass(frozen=True)
class PlannedStop:
    place_id: str
    arrival_s: int  # seconds from local midnight
    departure_s: int
    unload: tuple[str, ...] = ()  # shipment ids delivered here
    load: tuple[str, ...] = ()  # shipment ids picked up here
    load_after: int = 0  # crates on board when the van leaves


@dataclass(frozen=True)
class VanRoute:
    van_id: str
    stops: tuple[PlannedStop, ...]  # first and last: the depot
    distance_m: int
    duration_s: int

    @property
    def used(self) -> bool:
        return len(self.stops) > 2


@dataclass(frozen=True)
class DroppedShipment:
    shipment_id: str
    reason: str  # "no_capacity", "closed", "unreachable_in_time", ...


@dataclass(frozen=True)
class SolverStats:
    engine: str  # "ortools", "pyvrp"
    strategy: str  # the first-solution strategy that produced the plan
    wall_s: float
    objective: int
    solutions: int = 0  # improving solutions seen


@dataclass(frozen=True)
class RoutePlan:
    day: date
    mode: Mode
    routes: tuple[VanRoute, ...]
    dropped: tuple[DroppedShipment, ...] = ()
    stats: SolverStats | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def distance_m(self) -> int:
        return sum(r.distance_m for r in self.routes)

    @property
    def duration_s(self) -> int:
        return sum(r.duration_s for r in self.routes if r.used)

    @property
    def vans_used(self) -> int:
        return sum(1 for r in self.routes if r.used)
