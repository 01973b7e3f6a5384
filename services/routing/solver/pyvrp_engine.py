"""The second routing engine: PyVRP 0.14 (``pip install kulkuri[bench]``), same interface.

PyVRP is imported only when a plan is asked for, so the service runs without it. In hub
mode with every van based at the hub, each leg is a PyVRP client (hub -> library crates are
loaded at the start, library -> hub ones unloaded at the end: no reloading at the hub
mid-route, and no time for loading at the hub); otherwise each shipment is a PyVRP
pickup-and-delivery ``Shipment``. Costs are scaled to thousandths of a euro cent, since
PyVRP takes integer costs per metre and second.

What PyVRP cannot express raises ``UnsupportedConstraintError``: a place with several time
windows a day; a day in progress with a van starting away from its depot or crates already
on board (a van leaving its depot late is fine). PyVRP charges a place's fixed service time
at every visit there (OR-Tools once per stop). The search is reproducible given
``limits.seed`` and a ``max_iterations`` knob in ``limits.extra``; with only the time limit
it stops by the clock.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from kulkuri.routing.domain.errors import RoutingInputError, UnsupportedConstraintError
from kulkuri.routing.domain.plan import DroppedShipment, RoutePlan, SolverStats, VanRoute
from kulkuri.routing.domain.problem import Mode, Place, RoutingProblem, Shipment, SolveLimits
from kulkuri.routing.solver.checks import NOT_SERVED, drop_reason, merged_windows, screen, validate
from kulkuri.routing.solver.interface import Progress, ProgressCallback
from kulkuri.routing.solver.nodes import Node, Role, drop_penalty
from kulkuri.routing.solver.plans import (
    idle_plan,
    idle_route,
    in_problem_order,
    penalty_of,
    unserved,
)
from kulkuri.routing.solver.stops import Visit, planned_stops

if TYPE_CHECKING:
    import pyvrp

SCALE = 1000  # PyVRP cost units per euro cent
UNBOUNDED = 2**62
KNOBS = frozenset({"max_iterations"})


class PyVrpSolver:
    name = "pyvrp"

    def solve(
        self,
        problem: RoutingProblem,
        limits: SolveLimits,
        progress: ProgressCallback | None = None,
    ) -> RoutePlan:
        started = time.perf_counter()
        validate(problem)
        _refuse_day_in_progress(problem)
        shipments, set_aside = screen(problem)
        if not shipments:
            return idle_plan(problem, set_aside, self.name, time.perf_counter() - started)
        pyvrp = _import_pyvrp()
        build = _Build(pyvrp, problem, shipments)
        offset = penalty_of(problem, set_aside)
        result = build.model.solve(
            _stop(pyvrp, limits),
            seed=limits.seed,
            display=False,
            params=pyvrp.SolveParams(
                ils=pyvrp.IteratedLocalSearchParams(callbacks=_Reporter(progress, offset, started)),
                penalty=pyvrp.PenaltyParams(max_penalty=_penalty_bound(problem)),
            ),
        )
        wall = time.perf_counter() - started
        if not result.is_feasible():
            dropped = in_problem_order(problem, set_aside + unserved(shipments, NOT_SERVED))
            return idle_plan(problem, dropped, self.name, wall, ("PyVRP found no feasible plan",))
        solution = result.best
        dropped = in_problem_order(problem, set_aside + build.dropped(solution))
        return RoutePlan(
            day=problem.day,
            mode=problem.mode,
            routes=build.routes(solution),
            dropped=dropped,
            stats=SolverStats(
                self.name,
                "iterated_local_search",
                wall,
                _objective(solution) + offset,
                solutions=result.num_iterations,
            ),
        )


def _penalty_bound(problem: RoutingProblem) -> float:
    """PyVRP's cap on its penalty per unit of excess load or time warp: one dropped crate's
    (ordinary) prize. Its default (100,000 units) is one euro at this engine's scale, less
    than almost any violation it stands for, so the search stayed infeasible on some days."""
    return float(problem.drop_penalty * SCALE)


def _refuse_day_in_progress(problem: RoutingProblem) -> None:
    away = [v.van_id for v in problem.vans if v.starts_at != v.depot]
    loaded = [s.shipment_id for s in problem.shipments if s.on_van is not None]
    if away or loaded:
        raise UnsupportedConstraintError(
            f"a day in progress (vans away from their depot: {', '.join(away) or 'none'}; "
            f"crates on board: {', '.join(loaded) or 'none'}): PyVRP starts every van empty "
            "at its depot; re-plan with OR-Tools"
        )


def _import_pyvrp() -> Any:
    try:
        import pyvrp  # an optional extra: imported only when a plan is asked for
    except ImportError as error:  # pragma: no cover - depends on the installation
        raise UnsupportedConstraintError(
            "the PyVRP engine needs the bench extra: pip install 'kulkuri[bench]'"
        ) from error
    return pyvrp


def _stop(pyvrp: Any, limits: SolveLimits) -> Any:
    unknown = set(limits.extra) - KNOBS
    if unknown:
        raise RoutingInputError(f"unknown PyVRP knobs: {', '.join(sorted(unknown))}")
    runtime = pyvrp.stop.MaxRuntime(limits.time_limit_s)
    if "max_iterations" not in limits.extra:
        return runtime
    iterations = pyvrp.stop.MaxIterations(int(limits.extra["max_iterations"]))
    return pyvrp.stop.MultipleCriteria([runtime, iterations])


def _objective(solution: pyvrp.Solution) -> int:
    cost = (
        solution.distance_cost()
        + solution.duration_cost()
        + solution.fixed_vehicle_cost()
        + solution.uncollected_prizes()
    )
    return round(cost / SCALE)


class _Reporter:
    """PyVRP's search callbacks: each new best feasible solution becomes a ``Progress``."""

    def __init__(self, progress: ProgressCallback | None, offset: int, started: float) -> None:
        self._progress, self._offset, self._started = progress, offset, started
        self._best: int | None = None
        self._count = 0

    def on_start(self, ils: Any) -> None: ...
    def on_end(self, result: pyvrp.Result) -> None:
        self.on_best(result.best)  # the first solution may have stayed the best

    def on_iteration(self, current: Any, candidate: Any, best: Any, evaluator: Any) -> None: ...
    def on_restart(self, best: Any) -> None: ...

    def on_best(self, best: pyvrp.Solution) -> None:
        objective = _objective(best) + self._offset
        if not best.is_feasible() or (self._best is not None and objective >= self._best):
            return
        self._best = objective
        self._count += 1
        if self._progress is not None:
            elapsed = time.perf_counter() - self._started
            self._progress(Progress(self._count, objective, elapsed))


class _Build:
    """The PyVRP model of a day, and the way back from its solutions to plan data."""

    def __init__(self, pyvrp: Any, problem: RoutingProblem, shipments: tuple[Shipment, ...]):
        self.problem, self.shipments = problem, shipments
        self.model = pyvrp.Model()
        self.as_clients = problem.mode is Mode.HUB and all(
            v.depot == problem.hub for v in problem.vans
        )
        used = {v.depot for v in problem.vans} | {
            end for s in shipments for end in (s.origin, s.destination)
        }
        places = [p for p in problem.places if p.place_id in used]
        self.location = {
            p.place_id: self.model.add_location(p.lon, p.lat, name=p.place_id) for p in places
        }
        self._add_edges(places)
        depots = {
            d: self.model.add_depot(self.location[d])
            for d in sorted({v.depot for v in problem.vans})
        }
        for van in problem.vans:
            self.model.add_vehicle_type(
                1,
                capacity=[van.capacity_crates],
                start_depot=depots[van.depot],
                end_depot=depots[van.depot],
                fixed_cost=round(van.fixed_cost * 100 * SCALE),
                tw_early=van.leaves_from_s,
                tw_late=van.shift_end_s,
                unit_distance_cost=round(van.cost_per_km / 10 * SCALE),
                unit_duration_cost=round(van.cost_per_hour / 36 * SCALE),
                name=van.van_id,
            )
        for s in shipments:
            self._add_client(s) if self.as_clients else self._add_shipment(s)

    def _add_edges(self, places: list[Place]) -> None:
        distance, duration = self.problem.matrix.distance_m, self.problem.matrix.duration_s
        for a in places:
            for b in places:
                self.model.add_edge(
                    self.location[a.place_id],
                    self.location[b.place_id],
                    distance[a.index][b.index],
                    duration[a.index][b.index],
                )

    def _add_client(self, s: Shipment) -> None:
        outbound = s.origin == self.problem.hub
        library = self.problem.place(s.destination if outbound else s.origin)
        early, late = _window(library)
        self.model.add_client(
            self.location[library.place_id],
            delivery=[s.crates if outbound else 0],
            pickup=[0 if outbound else s.crates],
            service_duration=_service(library, s),
            tw_early=early,
            tw_late=late,
            prize=drop_penalty(self.problem, s) * SCALE,
            required=False,
            name=s.shipment_id,
        )

    def _add_shipment(self, s: Shipment) -> None:
        origin, destination = self.problem.place(s.origin), self.problem.place(s.destination)
        (pickup_early, pickup_late), (delivery_early, delivery_late) = (
            _window(origin),
            _window(destination),
        )
        self.model.add_shipment(
            self.location[origin.place_id],
            self.location[destination.place_id],
            pickup_tw_early=pickup_early,
            pickup_tw_late=pickup_late,
            pickup_service_duration=_service(origin, s),
            delivery_tw_early=delivery_early,
            delivery_tw_late=delivery_late,
            delivery_service_duration=_service(destination, s),
            amount=[s.crates],
            prize=drop_penalty(self.problem, s) * SCALE,
            required=False,
            name=s.shipment_id,
        )

    def routes(self, solution: pyvrp.Solution) -> tuple[VanRoute, ...]:
        found = {r.vehicle_type(): self._route(r) for r in solution.routes()}
        return tuple(
            found.get(i, idle_route(self.problem, v)) for i, v in enumerate(self.problem.vans)
        )

    def _route(self, route: pyvrp.Route) -> VanRoute:
        van = self.problem.vans[route.vehicle_type()]
        depot = self.problem.place(van.depot)
        hub_nodes: tuple[list[Visit], list[Visit]] = ([], [])  # loaded first, unloaded last
        visits: list[Visit] = []
        for activity in route.schedule():
            if activity.is_depot():
                visits.append(
                    Visit(Node(depot, Role.DEPOT), activity.start_time, activity.end_time)
                )
                continue
            s = self.shipments[activity.idx]
            role = Role.PICKUP if activity.is_pickup() else Role.DELIVERY
            if activity.is_client():
                outbound = s.origin == self.problem.hub
                role = Role.DELIVERY if outbound else Role.PICKUP
                at_hub = Visit(Node(depot, Role.PICKUP if outbound else Role.DELIVERY, s), 0, 0)
                hub_nodes[0 if outbound else 1].append(at_hub)
            place = self.problem.place(s.origin if role is Role.PICKUP else s.destination)
            visits.append(Visit(Node(place, role, s), activity.start_time, activity.end_time))
        start, end = visits[0], visits[-1]
        at_start = [Visit(v.node, start.start_s, start.end_s) for v in hub_nodes[0]]
        at_end = [Visit(v.node, end.start_s, end.end_s) for v in hub_nodes[1]]
        visits = [start, *at_start, *visits[1:-1], *at_end, end]
        return VanRoute(van.van_id, planned_stops(visits), route.distance(), route.duration())

    def dropped(self, solution: pyvrp.Solution) -> tuple[DroppedShipment, ...]:
        served = {
            activity.idx
            for route in solution.routes()
            for activity in route.schedule()
            if not activity.is_depot()
        }
        return tuple(
            DroppedShipment(s.shipment_id, drop_reason(self.problem, s))
            for i, s in enumerate(self.shipments)
            if i not in served
        )


def _window(place: Place) -> tuple[int, int]:
    windows = merged_windows(place.windows)
    if len(windows) > 1:
        raise UnsupportedConstraintError(
            f"place {place.place_id!r} has {len(windows)} time windows a day; "
            "PyVRP takes one per visit"
        )
    return (windows[0].start_s, windows[0].end_s) if windows else (0, UNBOUNDED)


def _service(place: Place, s: Shipment) -> int:
    return place.service_fixed_s + place.service_per_crate_s * s.crates
