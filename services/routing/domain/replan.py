"""Re-planning the rest of a day: the problem still open, and the plan it makes whole again.

``remaining_problem`` turns the day's progress into a routing problem of its own:

- a van still working starts at its last done stop, when it left there (or ``now_s``, if
  later), with the crates it loaded and has not unloaded on board (``Shipment.on_van``);
  its fixed cost is spent already, and its shift stretches if it must come back later;
- a van that has not left yet starts at its depot as planned (not before ``now_s``), or
  not at all if its shift is over;
- broken-down and finished vans take no more work;
- shipments delivered are done; those not picked up (whichever van had them, and those the
  plan left for tomorrow) are free for any van; urgent ones join them.

``merge`` puts the new plan after what is done: per van, its done stops unchanged, then the
new stops from where it is (times continue from there); a broken van keeps its done stops
only. The new plan's first stop, where the van already is, is left out unless it loads or
unloads something there.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Iterable, Sequence
from dataclasses import replace

from kulkuri.routing.domain.plan import DroppedShipment, PlannedStop, RoutePlan, VanRoute
from kulkuri.routing.domain.problem import RoutingProblem, Shipment, Van
from kulkuri.routing.domain.progress import DayProgress, VanProgress


def urgent_shipments(urgent: Iterable[Shipment], taken: Collection[str]) -> tuple[Shipment, ...]:
    """``urgent`` named apart from the day's shipments: ``<lane>:urgent``, ``:urgent2``..."""
    used = set(taken)
    named = []
    for s in urgent:
        stem = f"{s.shipment_id}:urgent"
        name, n = stem, 2
        while name in used:
            name, n = f"{stem}{n}", n + 1
        used.add(name)
        named.append(replace(s, shipment_id=name, on_van=None))
    return tuple(named)


def remaining_problem(
    network: RoutingProblem,
    progress: DayProgress,
    shipments: Sequence[Shipment],
    now_s: int | None = None,
) -> RoutingProblem:
    """The rest of the day: ``network`` gives the places, vans and matrix (its shipments are
    ignored); ``shipments`` are all the day's shipments, urgent ones included."""
    vans = (_van_now(network, van, progress.van(van.van_id), now_s) for van in network.vans)
    delivered, carried, stranded = progress.delivered, progress.carried, progress.stranded
    left = tuple(
        replace(s, on_van=carried.get(s.shipment_id))
        for s in shipments
        if s.shipment_id not in delivered and s.shipment_id not in stranded
    )
    return replace(network, vans=tuple(v for v in vans if v is not None), shipments=left)


def _van_now(
    network: RoutingProblem, van: Van, progress: VanProgress | None, now_s: int | None
) -> Van | None:
    if progress is not None and not progress.working:
        return None
    last = None if progress is None else progress.last_done
    if last is None:
        if now_s is None:
            return van
        return replace(van, available_from_s=now_s) if now_s <= van.shift_end_s else None
    leaves = last.departure_s if now_s is None else max(last.departure_s, now_s)
    here, depot = network.place(last.place_id).index, network.place(van.depot).index
    home = leaves + network.matrix.duration_s[here][depot]
    return replace(
        van,
        start_place=last.place_id,
        available_from_s=leaves,
        shift_end_s=max(van.shift_end_s, home),  # it comes home, even after its shift
        fixed_cost=0.0,  # out already: the day's cost is spent
    )


def merge(progress: DayProgress, new: RoutePlan, problem: RoutingProblem) -> RoutePlan:
    """The whole day again: done stops, then ``new`` (the plan of ``problem``)."""
    planned = {r.van_id: r for r in new.routes}
    routes = []
    for van in progress.vans:
        if van.broken:
            routes.append(_stopped(van, problem))
        elif van.finished or van.van_id not in planned:
            routes.append(van.route)
        else:
            routes.append(_continued(van, planned[van.van_id], problem))
    known = {van.van_id for van in progress.vans}
    routes.extend(r for r in new.routes if r.van_id not in known)
    stranded = tuple(DroppedShipment(i, why) for i, why in progress.stranded.items())
    return replace(new, routes=tuple(routes), dropped=(*new.dropped, *stranded))


def _continued(van: VanProgress, new: VanRoute, problem: RoutingProblem) -> VanRoute:
    if van.done == 0:
        return new
    first, *rest = new.stops
    handles = bool(first.load or first.unload)
    stops = (*van.done_stops, *([first] if handles else []), *rest)
    return VanRoute(
        van.van_id,
        stops,
        distance_m=_distance(problem, van.done_stops) + new.distance_m,
        duration_s=stops[-1].arrival_s - _started(van.route),
    )


def _stopped(van: VanProgress, problem: RoutingProblem) -> VanRoute:
    """A broken van's route: what it did before it broke down."""
    done = van.done_stops
    duration = done[-1].departure_s - _started(van.route) if done else 0
    return VanRoute(van.van_id, done, _distance(problem, done), duration)


def _started(route: VanRoute) -> int:
    """When the van's day began: its duration counts from then (it may start before its
    first stop's service does, e.g. before the hub opens)."""
    return route.stops[-1].arrival_s - route.duration_s


def _distance(problem: RoutingProblem, stops: Sequence[PlannedStop]) -> int:
    metres = problem.matrix.distance_m
    index = {p.place_id: p.index for p in problem.places}
    return sum(metres[index[a.place_id]][index[b.place_id]] for a, b in itertools.pairwise(stops))
