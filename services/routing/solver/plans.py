"""Plans every engine shares: idle routes, and the plan when nothing can be routed."""

from __future__ import annotations

from kulkuri.routing.domain.plan import (
    DroppedShipment,
    PlannedStop,
    RoutePlan,
    SolverStats,
    VanRoute,
)
from kulkuri.routing.domain.problem import RoutingProblem, Shipment, Van
from kulkuri.routing.solver.nodes import drop_penalty, on_board


def idle_route(problem: RoutingProblem, van: Van) -> VanRoute:
    """A van that serves no one: first and last stop at its depot, nothing moved; or, on a
    day in progress, from where it is straight back to its depot."""
    t = van.leaves_from_s
    loaded = on_board(problem)[problem.vans.index(van)]
    start = PlannedStop(van.starts_at, t, t, load_after=loaded)
    if van.starts_at == van.depot:
        return VanRoute(van.van_id, (start, start), distance_m=0, duration_s=0)
    a, b = problem.place(van.starts_at).index, problem.place(van.depot).index
    drive = problem.matrix.duration_s[a][b]
    back = PlannedStop(van.depot, t + drive, t + drive, load_after=loaded)
    return VanRoute(van.van_id, (start, back), problem.matrix.distance_m[a][b], drive)


def penalty_of(problem: RoutingProblem, dropped: tuple[DroppedShipment, ...]) -> int:
    ids = {d.shipment_id for d in dropped}
    return sum(drop_penalty(problem, s) for s in problem.shipments if s.shipment_id in ids)


def idle_plan(
    problem: RoutingProblem,
    dropped: tuple[DroppedShipment, ...],
    engine: str,
    wall_s: float,
    notes: tuple[str, ...] = (),
) -> RoutePlan:
    """Every van at its depot, every shipment in ``dropped``."""
    return RoutePlan(
        day=problem.day,
        mode=problem.mode,
        routes=tuple(idle_route(problem, v) for v in problem.vans),
        dropped=dropped,
        stats=SolverStats(engine, "none", wall_s, penalty_of(problem, dropped)),
        notes=notes,
    )


def in_problem_order(
    problem: RoutingProblem, dropped: tuple[DroppedShipment, ...]
) -> tuple[DroppedShipment, ...]:
    """Dropped shipments in the order the problem lists them, whatever found them."""
    position = {s.shipment_id: i for i, s in enumerate(problem.shipments)}
    return tuple(sorted(dropped, key=lambda d: position[d.shipment_id]))


def unserved(shipments: tuple[Shipment, ...], reason: str) -> tuple[DroppedShipment, ...]:
    return tuple(DroppedShipment(s.shipment_id, reason) for s in shipments)
