"""Generated library days on the shipped networks, and one yardstick for every plan.

Used by ``bench/routing_library_days.py`` and ``bench/routing_scale.py``.

**Demand generator** (fixed seeds; numpy's PCG64). A library's *size* on a day is its
opening hours that day (staffed and self-service windows, hours, clipped to 2..12), doubled
for a main library (name with "pääkirjasto", "keskustakirjasto" or "Oodi"): the directory
has no loan counts or populations, and hours follow both. Only libraries open on the day
(visited that weekday) get demand.

- hub mode (:func:`hub_day`): each library sends crates to the hub and receives crates from
  it, each a Poisson draw with mean proportional to its size, scaled so that the day's mean
  is ``fill`` (default 0.6) of the fleet's capacity in each direction;
- direct mode (:func:`direct_day`): each library sends one lane, a second with probability
  ``second`` (0.25), to libraries of its own region (the outlets nearest to the same
  depot), the destination drawn by size among the ``near`` nearest of them; crates per
  lane 1 + Poisson(size / 6). (With 1 + Poisson(1) lanes, 1,343 shipments and 4,017
  crates, the 50 vans' 425 hours were not enough: both engines left half of it.)

**Yardstick** (:func:`evaluate`): every plan, whatever the engine, is re-timed the same
way: stop by stop on the problem's matrix, a place's fixed service time once per stop plus
the per-crate time, waiting for windows; the van leaves its depot as late as its route
allows. Cost: the van's euro per km and per hour, plus its fixed cost when used.

**Fixed daily loop** (:func:`fixed_loop`): today's practice. One nearest-neighbour tour from
the hub over every library visited that day (the same order every day, demand or not),
cut into vans in order: a van takes the next library while its load and its shift allow.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from kulkuri.outcomes.routes.yardstick import Trip, timed
from kulkuri.routing.adapters.great_circle import GreatCircleMatrix
from kulkuri.routing.adapters.network import build_places, load_routing_config, sample_path
from kulkuri.routing.domain.demand import LaneCrates, shipments_for
from kulkuri.routing.domain.problem import Place, RoutingProblem, Van
from kulkuri.routing.solver.checks import merged_windows

MAIN = ("pääkirjasto", "keskustakirjasto", "oodi")
CRATE_CAPACITY = 40  # copies per crate (only counts crates here)


def size(place: Place) -> float:
    hours = sum(w.end_s - w.start_s for w in merged_windows(place.windows)) / 3600
    main = any(word in place.name.lower() for word in MAIN)
    return min(12.0, max(2.0, hours)) * (2.0 if main else 1.0)


def network_problem(network: str, day: date, lanes_for: str, seed: int) -> RoutingProblem:
    """The shipped network's day with generated demand (``lanes_for``: "hub" or "direct")."""
    config = load_routing_config(sample_path(network))
    places = build_places(config, day)
    vans = config.vans if day.weekday() in config.van_days else ()
    rng = np.random.default_rng(seed)
    matrix = GreatCircleMatrix().compute([(p.lat, p.lon) for p in places])
    if lanes_for == "hub":
        assert config.hub is not None
        lanes = hub_day(places, vans, config.hub, rng)
    else:
        lanes = direct_day(places, vans, matrix.distance_m, rng)
    shipments, refused = shipments_for(
        lanes,
        mode=config.mode,
        hub=config.hub,
        known={p.place_id for p in places},
        crate_capacity=CRATE_CAPACITY,
        most_per_shipment=max(v.capacity_crates for v in vans),
    )
    assert not refused
    return RoutingProblem(
        day=day,
        mode=config.mode,
        places=places,
        vans=vans,
        shipments=shipments,
        matrix=matrix,
        hub=config.hub,
        name=f"{network} {day} seed {seed}",
    )


def hub_day(
    places: tuple[Place, ...],
    vans: tuple[Van, ...],
    hub: str,
    rng: np.random.Generator,
    fill: float = 0.6,
) -> list[LaneCrates]:
    libraries = [p for p in places if p.windows and p.place_id != hub and not p.is_depot]
    sizes = np.array([size(p) for p in libraries])
    means = sizes / sizes.sum() * fill * sum(v.capacity_crates for v in vans)
    lanes = []
    for p, mean in zip(libraries, means, strict=True):
        for origin, destination in ((p.place_id, hub), (hub, p.place_id)):
            crates = int(rng.poisson(mean))
            if crates:
                lanes.append(LaneCrates(origin, destination, crates * CRATE_CAPACITY, crates))
    return lanes


def direct_day(
    places: tuple[Place, ...],
    vans: tuple[Van, ...],
    distance: tuple[tuple[int, ...], ...],
    rng: np.random.Generator,
    near: int = 12,
    second: float = 0.25,
) -> list[LaneCrates]:
    depots = sorted({v.depot for v in vans})
    index = {p.place_id: p.index for p in places}
    open_ = [p for p in places if p.windows]
    region = {p.place_id: min(depots, key=lambda d: distance[p.index][index[d]]) for p in open_}
    lanes = []
    for p in open_:
        mates = sorted(
            (q for q in open_ if q is not p and region[q.place_id] == region[p.place_id]),
            key=lambda q: distance[p.index][q.index],
        )[:near]
        if not mates:
            continue
        weights = np.array([size(q) for q in mates])
        count = min(len(mates), 1 + int(rng.random() < second))
        chosen = rng.choice(len(mates), size=count, replace=False, p=weights / weights.sum())
        for k in sorted(int(c) for c in chosen):
            crates = 1 + int(rng.poisson(size(p) / 6))
            lanes.append(LaneCrates(p.place_id, mates[k].place_id, crates * CRATE_CAPACITY, crates))
    return lanes


# -- the yardstick --------------------------------------------------------------------------


@dataclass(frozen=True)
class DayFigures:
    km: float
    van_hours: float
    cost_eur: float
    vans: int
    stops: int
    late: int  # stops served outside their windows or vans back after their shift
    dropped_crates: int = 0


def evaluate(problem: RoutingProblem, trips: list[Trip], dropped_crates: int = 0) -> DayFigures:
    km = hours = cost = 0.0
    late = stops = 0
    for trip in trips:
        metres, seconds, wrong = timed(problem, trip)
        km, hours, late = km + metres / 1000, hours + seconds / 3600, late + wrong
        stops += len(trip.stops)
        van = trip.van
        cost += metres / 1000 * van.cost_per_km + seconds / 3600 * van.cost_per_hour
        cost += van.fixed_cost
    return DayFigures(
        round(km, 1), round(hours, 2), round(cost, 2), len(trips), stops, late, dropped_crates
    )
