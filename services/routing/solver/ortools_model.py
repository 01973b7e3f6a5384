"""The OR-Tools routing model of a day: index manager, arc costs, time, load, pairs, drops.

Built in the samples' order: data (``Layout``) → index manager → routing model → transits
(matrices registered with ``RegisterTransitMatrix`` / ``RegisterUnaryTransitVector``, since
Python callbacks made the search several times slower) → dimensions → pairs and
disjunctions. Search parameters live in ``ortools_params``; reading a solution back in
``ortools_extract``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
from ortools.constraint_solver import pywrapcp

from kulkuri.routing.domain.problem import RoutingProblem, Van
from kulkuri.routing.solver.checks import merged_windows
from kulkuri.routing.solver.nodes import Layout, Role, drop_penalty, on_board

TIME = "Time"
LOAD = "Load"
PICKED_UP = "PickedUp"
HUB_LOADING = "HubLoading"
HUB_UNLOADING = "HubUnloading"


@dataclass(frozen=True)
class OrToolsModel:
    problem: RoutingProblem
    layout: Layout
    manager: Any  # pywrapcp.RoutingIndexManager (OR-Tools ships no type hints)
    routing: Any  # pywrapcp.RoutingModel
    time: Any  # the time dimension: cumul = when service starts at a node


def build_model(problem: RoutingProblem, layout: Layout) -> OrToolsModel:
    manager = pywrapcp.RoutingIndexManager(
        len(layout.nodes),
        len(problem.vans),
        [layout.depot_node[v.starts_at] for v in problem.vans],  # starts
        [layout.depot_node[v.depot] for v in problem.vans],  # ends
    )
    routing = pywrapcp.RoutingModel(manager)
    transit = time_matrix(problem, layout)
    hub = problem.place(problem.hub) if layout.anchored and problem.hub else None
    loading, unloading = layout.hub_work_s(hub)
    hub_work = np.array(loading, dtype=np.int64) + np.array(unloading, dtype=np.int64)
    _add_costs(routing, problem, layout, transit + hub_work[:, None])
    time = _add_time(routing, manager, problem, layout, transit)
    _add_load(routing, manager, problem, layout)
    _add_legs(routing, manager, problem, layout, time)
    if layout.anchored:
        _add_hub_work(routing, problem, time, loading, unloading)
    return OrToolsModel(problem, layout, manager, routing, time)


def time_matrix(problem: RoutingProblem, layout: Layout) -> np.ndarray:
    """Seconds from the start of service at node i to arrival at node j.

    The handling of node i's crates is folded into its row; the place's fixed service time
    too, but only when the van leaves for another place: one stop, one parking.
    """
    places = np.array(layout.place_indexes, dtype=np.int64)
    duration = np.array(problem.matrix.duration_s, dtype=np.int64)[np.ix_(places, places)]
    handling = np.array([n.handling_s for n in layout.nodes], dtype=np.int64)
    fixed = np.array(
        [0 if n.role is Role.DEPOT else n.place.service_fixed_s for n in layout.nodes],
        dtype=np.int64,
    )
    leaves = places[:, None] != places[None, :]
    transit: np.ndarray = duration + handling[:, None] + fixed[:, None] * leaves
    return transit


def distance_matrix(problem: RoutingProblem, layout: Layout) -> np.ndarray:
    places = np.array(layout.place_indexes, dtype=np.int64)
    distance: np.ndarray = np.array(problem.matrix.distance_m, dtype=np.int64)
    return distance[np.ix_(places, places)]


def _add_costs(routing: Any, problem: RoutingProblem, layout: Layout, transit: np.ndarray) -> None:
    """Euro cents per arc: per km of travel and per hour of the van's time, by cost class."""
    distance = distance_matrix(problem, layout)
    evaluators: dict[tuple[float, float], int] = {}
    for vehicle, van in enumerate(problem.vans):
        key = (van.cost_per_km, van.cost_per_hour)
        if key not in evaluators:
            # euro/km -> cents/m is /10; euro/h -> cents/s is /36
            cents = np.rint(distance * (van.cost_per_km / 10) + transit * (van.cost_per_hour / 36))
            evaluators[key] = routing.RegisterTransitMatrix(cents.astype(np.int64).tolist())
        routing.SetArcCostEvaluatorOfVehicle(evaluators[key], vehicle)
        routing.SetFixedCostOfVehicle(round(van.fixed_cost * 100), vehicle)


def _add_time(
    routing: Any, manager: Any, problem: RoutingProblem, layout: Layout, transit: np.ndarray
) -> Any:
    horizon = max(v.shift_end_s for v in problem.vans)
    routing.AddDimension(
        routing.RegisterTransitMatrix(transit.tolist()),
        horizon,  # allow waiting, as long as the day
        horizon,  # latest time anywhere
        False,  # vans start at any time of their shift
        TIME,
    )
    time = routing.GetDimensionOrDie(TIME)
    for node_id, node in enumerate(layout.nodes):
        if node.role is Role.DEPOT or not node.place.windows:
            continue  # depots (and a hub without hours) follow the vans' shifts
        windows = merged_windows(node.place.windows)
        cumul = time.CumulVar(manager.NodeToIndex(node_id))
        cumul.SetRange(windows[0].start_s, windows[-1].end_s)
        for before, after in itertools.pairwise(windows):
            cumul.RemoveInterval(before.end_s + 1, after.start_s - 1)
    for vehicle, van in enumerate(problem.vans):
        time.CumulVar(routing.Start(vehicle)).SetRange(van.leaves_from_s, van.shift_end_s)
        time.CumulVar(routing.End(vehicle)).SetRange(van.shift_start_s, van.shift_end_s)
    # Finalizers run in this order: come back as early as possible, then leave as late as
    # that allows, so plans hold no idle time at either end.
    for vehicle in range(len(problem.vans)):
        routing.AddVariableMinimizedByFinalizer(time.CumulVar(routing.End(vehicle)))
    for vehicle in range(len(problem.vans)):
        routing.AddVariableMaximizedByFinalizer(time.CumulVar(routing.Start(vehicle)))
    return time


def _add_load(routing: Any, manager: Any, problem: RoutingProblem, layout: Layout) -> None:
    demand = routing.RegisterUnaryTransitVector([n.demand for n in layout.nodes])
    loaded = on_board(problem)
    routing.AddDimensionWithVehicleCapacity(
        demand,
        0,  # no slack: crates do not appear on the way
        [v.capacity_crates for v in problem.vans],
        # Empty at the start, unless the hub legs are loaded there or crates are on board.
        not layout.anchored and not any(loaded),
        LOAD,
    )
    if layout.anchored:
        _load_hub_legs_at_start(routing, layout)
    elif any(loaded):
        load = routing.GetDimensionOrDie(LOAD)
        for vehicle, crates in enumerate(loaded):
            load.CumulVar(routing.Start(vehicle)).SetValue(crates)


def _load_hub_legs_at_start(routing: Any, layout: Layout) -> None:
    """A van leaves the hub with all its deliveries and comes back with all its pickups.

    Load falls at deliveries and rises at pickups; its start is free, so it is pinned by
    requiring the van to end with exactly the crates it picked up.
    """
    picked_up = routing.RegisterUnaryTransitVector([max(n.demand, 0) for n in layout.nodes])
    routing.AddDimension(
        picked_up,
        0,  # no slack
        sum(s.crates for s in layout.shipments),  # at most everything
        True,  # none picked up at the start
        PICKED_UP,
    )
    load, picked = routing.GetDimensionOrDie(LOAD), routing.GetDimensionOrDie(PICKED_UP)
    for vehicle in range(routing.vehicles()):
        end = routing.End(vehicle)
        routing.solver().Add(load.CumulVar(end) == picked.CumulVar(end))


def _add_hub_work(
    routing: Any, problem: RoutingProblem, time: Any, loading: list[int], unloading: list[int]
) -> None:
    """Anchored legs: the van loads its deliveries at the hub before it leaves and unloads
    its pickups when it is back, inside its shift.

    The time dimension's start is when the van drives off, so the loading of the crates the
    route delivers comes before it, and the unloading after its end; two sum dimensions
    count those seconds per route.
    """
    horizon = max(v.shift_end_s for v in problem.vans)
    for name, work in ((HUB_LOADING, loading), (HUB_UNLOADING, unloading)):
        routing.AddDimension(
            routing.RegisterUnaryTransitVector(work),
            0,  # no slack
            horizon,  # at most a whole day of handling
            True,  # nothing handled before the route starts
            name,
        )
    solver = routing.solver()
    loaded = routing.GetDimensionOrDie(HUB_LOADING)
    unloaded = routing.GetDimensionOrDie(HUB_UNLOADING)
    for vehicle, van in enumerate(problem.vans):
        start, end = routing.Start(vehicle), routing.End(vehicle)
        solver.Add(time.CumulVar(start) >= loaded.CumulVar(end) + van.leaves_from_s)
        solver.Add(time.CumulVar(end) + unloaded.CumulVar(end) <= van.shift_end_s)


def _add_legs(
    routing: Any, manager: Any, problem: RoutingProblem, layout: Layout, time: Any
) -> None:
    """Pickup before delivery on one van; both or neither, at the shipment's drop penalty."""
    solver = routing.solver()
    for nodes, shipment in zip(layout.legs, layout.shipments, strict=True):
        indexes = [manager.NodeToIndex(n) for n in nodes]
        penalty = drop_penalty(problem, shipment)
        if shipment.on_van is not None:
            # Only the van that carries the crates can deliver them (or keep them aboard).
            routing.AddDisjunction(indexes, penalty)
            _allow(routing, indexes, [_vehicle(problem, shipment.on_van)])
            continue
        if len(indexes) == 1:
            routing.AddDisjunction(indexes, penalty)
        else:
            pickup, delivery = indexes
            routing.AddPickupAndDelivery(pickup, delivery)
            solver.Add(routing.VehicleVar(pickup) == routing.VehicleVar(delivery))
            solver.Add(time.CumulVar(pickup) <= time.CumulVar(delivery))
            # Half on each node, so a dropped shipment costs its penalty once.
            routing.AddDisjunction([pickup], penalty // 2)
            routing.AddDisjunction([delivery], penalty - penalty // 2)
        allowed = _vans_that_fit(problem.vans, shipment.crates)
        if len(allowed) < len(problem.vans):
            _allow(routing, indexes, allowed)


def _allow(routing: Any, indexes: list[int], vehicles: list[int]) -> None:
    """Only these vehicles may serve the nodes; -1 keeps them droppable. (The Python
    wrapper of ``SetAllowedVehiclesForIndex`` refuses a list for its ``absl::Span``.)"""
    for index in indexes:
        routing.VehicleVar(index).SetValues([-1, *vehicles])


def _vehicle(problem: RoutingProblem, van_id: str) -> int:
    return next(i for i, van in enumerate(problem.vans) if van.van_id == van_id)


def _vans_that_fit(vans: tuple[Van, ...], crates: int) -> list[int]:
    return [vehicle for vehicle, van in enumerate(vans) if van.capacity_crates >= crates]
