"""Tiny routing problems whose best plans are known by hand.

Places sit on a plane in kilometres; a van drives 1 km a minute, so distances are
``1000 * km`` metres and durations ``60 * km`` seconds (rounded), and service times are zero
unless a test sets them. Place 0 is the depot (and the hub).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date

from kulkuri.routing.domain.plan import RoutePlan, VanRoute
from kulkuri.routing.domain.problem import (
    Matrix,
    Mode,
    Place,
    RoutingProblem,
    Shipment,
    SolveLimits,
    TimeWindow,
    Van,
)

DAY = date(2026, 8, 3)
ALL_DAY = (TimeWindow(0, 86_400),)
# Tiny instances reach their optimum within a few hundred solutions; stopping on the
# solution limit keeps tests fast and their plans reproducible.
QUICK = SolveLimits(time_limit_s=1.0, extra={"solution_limit": "300"})


def places(
    coords: Sequence[tuple[float, float]],
    windows: Mapping[int, tuple[TimeWindow, ...]] | None = None,
    service_s: int = 0,
) -> tuple[Place, ...]:
    windows = windows or {}
    return tuple(
        Place(
            place_id=f"P{i}",
            name=f"place {i}",
            lat=y,
            lon=x,
            index=i,
            windows=windows.get(i, ALL_DAY if i else ()),
            service_fixed_s=service_s,
            service_per_crate_s=0,
            is_depot=i == 0,
        )
        for i, (x, y) in enumerate(coords)
    )


def matrix(coords: Sequence[tuple[float, float]]) -> Matrix:
    km = [[math.dist(a, b) for b in coords] for a in coords]
    return Matrix(
        distance_m=tuple(tuple(round(1000 * d) for d in row) for row in km),
        duration_s=tuple(tuple(round(60 * d) for d in row) for row in km),
    )


def van(van_id: str = "V1", capacity: int = 10, fixed_cost: float = 60.0) -> Van:
    return Van(
        van_id=van_id,
        depot="P0",
        capacity_crates=capacity,
        shift_start_s=6 * 3600,
        shift_end_s=20 * 3600,
        cost_per_km=1.0,  # one euro a km and nothing per hour: cost follows distance
        cost_per_hour=0.0,
        fixed_cost=fixed_cost,
    )


def problem(
    coords: Sequence[tuple[float, float]],
    shipments: list[Shipment],
    vans: list[Van] | None = None,
    mode: Mode = Mode.HUB,
    windows: Mapping[int, tuple[TimeWindow, ...]] | None = None,
    service_s: int = 0,
) -> RoutingProblem:
    return RoutingProblem(
        day=DAY,
        mode=mode,
        places=places(coords, windows, service_s),
        vans=tuple(vans or [van()]),
        shipments=tuple(shipments),
        matrix=matrix(coords),
        hub="P0" if mode is Mode.HUB else None,
    )


def out(shipment_id: str, to: int, crates: int = 1, priority: bool = False) -> Shipment:
    """A hub -> library leg."""
    return Shipment(shipment_id, "P0", f"P{to}", crates, priority)


def back(shipment_id: str, frm: int, crates: int = 1) -> Shipment:
    """A library -> hub leg."""
    return Shipment(shipment_id, f"P{frm}", "P0", crates)


def visits(route: VanRoute) -> list[str]:
    return [stop.place_id for stop in route.stops]


def used_routes(plan: RoutePlan) -> list[VanRoute]:
    return [r for r in plan.routes if r.used]
