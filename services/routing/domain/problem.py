"""What the routing service plans: one day's van routes between member libraries.

A ``RoutingProblem`` is pure data: the places (libraries and depots, with indexes into the
travel matrices), the vans, when each place may be visited that day, and the shipments:
crates to move from an origin to a destination. Times are seconds from the day's local
midnight; distances are metres; both are integers, as the solver needs them.

Two modes (``Mode``):

- ``hub``: every crate goes via the sorting hub. A day's shipments are the legs the lane
  demand names: library -> hub (picked up at the library, unloaded at the hub) and hub ->
  library (loaded at the hub, delivered). Vans start and end at their depot (usually the
  hub) and carry both directions at once.
- ``direct``: each crate is picked up at its origin and delivered at its destination by the
  same van, pickup first.

A day already under way is re-planned as a problem of its own: a van may start where it is
(``Van.start_place``) when it may leave there (``Van.available_from_s``), with crates on
board that only need delivering (``Shipment.on_van``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class Mode(StrEnum):
    HUB = "hub"
    DIRECT = "direct"


@dataclass(frozen=True)
class TimeWindow:
    start_s: int  # seconds from local midnight
    end_s: int

    def __post_init__(self) -> None:
        if not 0 <= self.start_s <= self.end_s:
            raise ValueError(f"time window {self.start_s}-{self.end_s}: expected start <= end")


@dataclass(frozen=True)
class Place:
    """A library or a depot. ``index`` is its row and column in the travel matrices."""

    place_id: str
    name: str
    lat: float
    lon: float
    index: int
    # When a van may stop here today (staffed or self-service hours); empty: closed today.
    windows: tuple[TimeWindow, ...] = ()
    service_fixed_s: int = 300  # parking, walking in, signing
    service_per_crate_s: int = 30
    is_depot: bool = False  # depots take vans at any time of their vans' shifts

    @property
    def open_today(self) -> bool:
        return self.is_depot or bool(self.windows)


@dataclass(frozen=True)
class Van:
    van_id: str
    depot: str  # place id where the van starts and ends
    capacity_crates: int
    shift_start_s: int
    shift_end_s: int
    cost_per_km: float = 0.5  # euro
    cost_per_hour: float = 35.0  # euro, driver and van
    fixed_cost: float = 60.0  # euro per van used in a day
    # A day in progress (re-planning): where the van is now and when it may leave there.
    start_place: str | None = None  # None: its depot
    available_from_s: int | None = None  # None: its shift start

    @property
    def starts_at(self) -> str:
        return self.start_place or self.depot

    @property
    def leaves_from_s(self) -> int:
        """When the van may leave its start place (never before its shift starts)."""
        if self.available_from_s is None:
            return self.shift_start_s
        return max(self.shift_start_s, self.available_from_s)


@dataclass(frozen=True)
class Shipment:
    """``crates`` crates from ``origin`` to ``destination`` (place ids)."""

    shipment_id: str
    origin: str
    destination: str
    crates: int
    priority: bool = False  # carries holds: dropped last
    # Already picked up by this van (a day in progress): only its delivery remains, by it.
    on_van: str | None = None


@dataclass(frozen=True)
class Matrix:
    """Travel between places by index: metres and seconds, row = from, column = to."""

    distance_m: tuple[tuple[int, ...], ...]
    duration_s: tuple[tuple[int, ...], ...]

    def __post_init__(self) -> None:
        n = len(self.distance_m)
        if len(self.duration_s) != n or any(
            len(row) != n for row in (*self.distance_m, *self.duration_s)
        ):
            raise ValueError("distance and duration matrices must be square and of one size")

    @property
    def size(self) -> int:
        return len(self.distance_m)


@dataclass(frozen=True)
class RoutingProblem:
    day: date
    mode: Mode
    places: tuple[Place, ...]  # place.index == position in this tuple
    vans: tuple[Van, ...]
    shipments: tuple[Shipment, ...]
    matrix: Matrix
    hub: str | None = None  # the sorting hub (hub mode)
    # What leaving a crate for tomorrow costs, in the objective's units (euro cents); a
    # priority crate (holds) costs more, so it is dropped last.
    drop_penalty: int = 100_000
    priority_drop_penalty: int = 1_000_000
    name: str = ""

    def place(self, place_id: str) -> Place:
        for p in self.places:
            if p.place_id == place_id:
                return p
        raise KeyError(place_id)


@dataclass(frozen=True)
class SolveLimits:
    time_limit_s: float = 10.0
    seed: int = 0  # reproducible plans: same input, same limits, same seed -> same plan
    extra: dict[str, str] = field(default_factory=dict)  # engine-specific knobs
