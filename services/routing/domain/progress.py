"""How far a day's plan has got: per van, the stops done, and the crates that moved.

Coordinators say, per van, how many of its stops are done, counted from the depot start
(3: the depot and the next two stops), and which vans broke down. From the plan that gives,
per van, its done stops, where it is (the last done stop) and the crates it loaded there and
has not unloaded yet; and for the day, the shipments delivered. A van with every stop done
has finished its day. Vans not named have done nothing yet.

A van that broke down in an earlier version has a route that stops short of its depot
(fewer than two stops, or not back where it began): it stays broken, its stops done.

Crates cannot be moved from one van to another on the road: crates on a broken van stay
there for today (``VAN_BROKEN``), and so do crates a finished van brought back undelivered
(``BACK_AT_DEPOT``).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from kulkuri.routing.domain.plan import PlannedStop, RoutePlan, VanRoute

VAN_BROKEN = "van_broken"
BACK_AT_DEPOT = "back_at_depot"


class ProgressError(ValueError):
    """What a coordinator said about the day does not fit its plan; ``reason`` is a code."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class VanProgress:
    route: VanRoute  # as planned
    done: int  # stops done, the depot start included
    broken: bool = False

    @property
    def van_id(self) -> str:
        return self.route.van_id

    @property
    def done_stops(self) -> tuple[PlannedStop, ...]:
        return self.route.stops[: self.done]

    @property
    def finished(self) -> bool:
        return self.done >= len(self.route.stops)

    @property
    def working(self) -> bool:
        """Still has a day to plan: neither broken down nor back for good."""
        return not (self.broken or self.finished)

    @property
    def last_done(self) -> PlannedStop | None:
        """Where the van is: the stop it did last (None: it has not left yet)."""
        return self.route.stops[self.done - 1] if self.done else None

    @property
    def on_board(self) -> tuple[str, ...]:
        """Shipments loaded at done stops and not unloaded at any, in loading order."""
        unloaded = {i for stop in self.done_stops for i in stop.unload}
        return tuple(i for stop in self.done_stops for i in stop.load if i not in unloaded)


@dataclass(frozen=True)
class DayProgress:
    vans: tuple[VanProgress, ...]  # in the plan's order

    @property
    def delivered(self) -> frozenset[str]:
        return frozenset(i for van in self.vans for stop in van.done_stops for i in stop.unload)

    def van(self, van_id: str) -> VanProgress | None:
        return next((v for v in self.vans if v.van_id == van_id), None)

    @property
    def carried(self) -> dict[str, str]:
        """Shipment id -> the working van it is on."""
        return {i: v.van_id for v in self.vans if v.working for i in v.on_board}

    @property
    def stranded(self) -> dict[str, str]:
        """Shipments on vans that do no more today -> why they stay there."""
        return {
            i: VAN_BROKEN if v.broken else BACK_AT_DEPOT
            for v in self.vans
            if not v.working
            for i in v.on_board
        }


def day_progress(
    plan: RoutePlan, done: Mapping[str, int], broken: Collection[str] = ()
) -> DayProgress:
    """Raises ``ProgressError`` naming vans the plan does not have (``unknown_van``) or
    claiming more stops done than their route has (``too_many_done``)."""
    routes = {r.van_id: r for r in plan.routes}
    unknown = sorted((set(done) | set(broken)) - set(routes))
    if unknown:
        raise ProgressError(
            "unknown_van",
            f"vans not in the {plan.day.isoformat()} plan: {', '.join(unknown)}; "
            f"its vans: {', '.join(routes) or 'none'}",
        )
    for van_id, count in done.items():
        if count < 0:
            raise ProgressError("negative_done", f"van {van_id}: {count} stops done")
        stops = len(routes[van_id].stops)
        if count > stops:
            raise ProgressError(
                "too_many_done", f"van {van_id}: {count} stops done, but its route has {stops}"
            )
    return DayProgress(
        tuple(_progress(r, done.get(r.van_id, 0), r.van_id in broken) for r in plan.routes)
    )


def _progress(route: VanRoute, done: int, broken: bool) -> VanProgress:
    stops = route.stops
    if len(stops) < 2 or stops[-1].place_id != stops[0].place_id:
        return VanProgress(route, len(stops), broken=True)  # broke down earlier
    return VanProgress(route, done, broken)
