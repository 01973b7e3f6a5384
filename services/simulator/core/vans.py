"""The drivers: each van of the day's plan drives its stops at the planned times, unloading
the crates whose next stop it is and loading the crates waiting for it.

The plan (``route-plan-published``) says how many crates each stop loads and unloads; which
crates, a driver decides at the stop, as drivers do, from the crates' labels:

- unload a crate at its destination; at the sorting hub (hub mode) unload every crate whose
  destination this van does not visit later; at the route's last stop (the depot) unload
  whatever is still on board;
- load, up to the plan's count, crates waiting here whose destination the van visits later,
  or, in hub mode, any crate (not at the hub) when the van goes on to the hub; crates with
  copies for holds first. At the hub, every crate for a library the van visits later: the
  plan counts the copies waiting there in full crates (the lane demand does), while the
  crates stay as their origins packed them, one or two copies each.

In hub mode the hub is the library the vans start from (the shipped hub networks base every
van there); a re-planned day is driven by the plan that was current when its vans started.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from kulkuri.shared.events.routing import RoutePlanData
from kulkuri.simulator.core.crates import CrateState


@dataclass(frozen=True)
class Stop:
    library: str
    arrival: datetime
    departure: datetime
    load: int
    unload: int


@dataclass(frozen=True)
class Route:
    van_run: str
    stops: tuple[Stop, ...]

    def visits_after(self, index: int) -> set[str]:
        return {stop.library for stop in self.stops[index + 1 :]}


@dataclass(frozen=True)
class DayRoutes:
    routes: dict[str, Route]  # by van run
    hub: str | None


def day_routes(plan: RoutePlanData) -> DayRoutes:
    routes: dict[str, Route] = {}
    for van in plan.routes:
        van_run = f"{van.van_id}-{plan.service_day:%Y%m%d}"
        stops = tuple(
            Stop(s.library, s.arrival, s.departure, s.load_crates, s.unload_crates)
            for s in van.stops
        )
        if len(stops) > 2:  # a van with no work stays at its depot
            routes[van_run] = Route(van_run, stops)
    hub = None
    if plan.mode == "hub" and routes:
        starts = Counter(route.stops[0].library for route in routes.values())
        hub = min(starts, key=lambda library: (-starts[library], library))
    return DayRoutes(routes, hub)


def to_unload(day: DayRoutes, route: Route, index: int, on_board: list[CrateState]) -> list[str]:
    here = route.stops[index].library
    later = route.visits_after(index)
    last = index == len(route.stops) - 1
    chosen = []
    for crate in sorted(on_board, key=lambda c: c.crate_id):
        at_hub = day.hub == here and crate.destination not in later
        if last or crate.destination == here or at_hub:
            chosen.append(crate.crate_id)
    return chosen


def to_load(day: DayRoutes, route: Route, index: int, waiting: list[CrateState]) -> list[str]:
    stop = route.stops[index]
    later = route.visits_after(index)
    via_hub = day.hub is not None and day.hub in later and stop.library != day.hub
    chosen = [
        crate.crate_id
        for crate in waiting
        if crate.destination in later or (via_hub and crate.destination != stop.library)
    ]
    if stop.library == day.hub:
        # The lane demand counts the copies waiting at the hub in full crates, as if the hub
        # sorted them; its crates stay as their origins packed them, so the driver takes
        # every one the route delivers, not only the plan's count.
        return chosen
    return chosen[: stop.load]
