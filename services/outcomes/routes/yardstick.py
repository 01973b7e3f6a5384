"""One yardstick for every day's van work, and today's fixed daily loop.

The routing benchmarks (``bench/routing_days.py``) measure with it too: every plan is
re-timed stop by stop on
the problem's matrix (the fixed service time once per stop plus the per-crate time, waiting
for windows, the van leaving its depot as late as its route allows). The fixed loop is one
nearest-neighbour tour from the hub over every library open that day, the same order every
day whatever the demand, cut into vans in fleet order while load and shift allow.
"""

from __future__ import annotations

from dataclasses import dataclass

from kulkuri.routing.domain.plan import RoutePlan
from kulkuri.routing.domain.problem import Place, RoutingProblem, Van
from kulkuri.routing.solver.checks import earliest_start, merged_windows


@dataclass(frozen=True)
class Trip:
    """One van's day: the places it stops at (depot ends left out) and crates moved at each."""

    van: Van
    stops: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class DayWork:
    km: float
    van_hours: float
    van_runs: int  # vans that left their depot
    crates: int  # crates the day's legs filled
    late: int  # stops outside their windows, or vans back after their shift
    missed_crates: int = 0  # crates no van of the plan took


def trips_of(problem: RoutingProblem, plan: RoutePlan) -> list[Trip]:
    crates = {s.shipment_id: s.crates for s in problem.shipments}
    vans = {v.van_id: v for v in problem.vans}
    return [
        Trip(
            vans[route.van_id],
            tuple(
                (stop.place_id, sum(crates[i] for i in (*stop.unload, *stop.load)))
                for stop in route.stops[1:-1]
            ),
        )
        for route in plan.routes
        if route.used
    ]


def evaluate(problem: RoutingProblem, trips: list[Trip], missed_crates: int = 0) -> DayWork:
    metres = seconds = late = 0
    for trip in trips:
        trip_m, trip_s, wrong = timed(problem, trip)
        metres, seconds, late = metres + trip_m, seconds + trip_s, late + wrong
    crates = sum(s.crates for s in problem.shipments)
    return DayWork(metres / 1000, seconds / 3600, len(trips), crates, late, missed_crates)


def timed(problem: RoutingProblem, trip: Trip) -> tuple[int, int, int]:
    """Metres, seconds from leaving the depot to coming back, and lateness count."""
    distance, duration = problem.matrix.distance_m, problem.matrix.duration_s
    depot = problem.place(trip.van.depot)
    t, here, metres, late = trip.van.shift_start_s, depot, 0, 0
    waited, push = 0, float("inf")  # waiting so far; how much later the van could leave
    for place_id, crates in trip.stops:
        place = problem.place(place_id)
        arrive = t + duration[here.index][place.index]
        metres += distance[here.index][place.index]
        start = earliest_start(place, arrive)
        if start is None:
            late, start = late + 1, arrive
        elif place.windows:
            window_end = next(w.end_s for w in merged_windows(place.windows) if start <= w.end_s)
            push = min(push, waited + window_end - start)
        waited += start - arrive
        t = start + place.service_fixed_s + place.service_per_crate_s * crates
        here = place
    end = t + duration[here.index][depot.index]
    metres += distance[here.index][depot.index]
    late += end > trip.van.shift_end_s
    delay = min(waited, push)
    return metres, int(end - trip.van.shift_start_s - delay), late


def fixed_loop(problem: RoutingProblem) -> tuple[list[Trip], list[str]]:
    """The nearest-neighbour loop from the hub, cut into vans; and libraries left out."""
    assert problem.hub is not None
    hub = problem.place(problem.hub)
    distance = problem.matrix.distance_m
    todo = [p for p in problem.places if p.windows and p.place_id != hub.place_id]
    tour, here = [], hub
    while todo:
        here = min(todo, key=lambda p: (distance[here.index][p.index], p.place_id))
        todo.remove(here)
        tour.append(here)
    out_crates = {p.place_id: 0 for p in tour}
    in_crates = dict(out_crates)
    for s in problem.shipments:
        if s.origin == hub.place_id:
            out_crates[s.destination] += s.crates
        else:
            in_crates[s.origin] += s.crates
    trips: list[Trip] = []
    missed: list[str] = []
    vans = list(problem.vans)
    current: list[Place] = []
    for place in tour:
        while vans:
            trial = [*current, place]
            if _fits(problem, vans[0], trial, out_crates, in_crates):
                current = trial
                break
            if not current:  # not even alone on this van: try the next van
                missed.append(place.place_id)
                break
            trips.append(_trip(vans.pop(0), current, out_crates, in_crates))
            current = []
        else:
            missed.append(place.place_id)
    if current and vans:
        trips.append(_trip(vans[0], current, out_crates, in_crates))
    return trips, missed


def _trip(van: Van, places: list[Place], out: dict[str, int], back: dict[str, int]) -> Trip:
    return Trip(van, tuple((p.place_id, out[p.place_id] + back[p.place_id]) for p in places))


def _fits(
    problem: RoutingProblem,
    van: Van,
    places: list[Place],
    out: dict[str, int],
    back: dict[str, int],
) -> bool:
    load = sum(out[p.place_id] for p in places)
    peak = load
    for p in places:
        load += back[p.place_id] - out[p.place_id]
        peak = max(peak, load)
    if peak > van.capacity_crates:
        return False
    _, _, late = timed(problem, _trip(van, places, out, back))
    return late == 0
