"""Reading an OR-Tools solution back as plan data: routes with their stops, and drops.

A visit's start is its time cumul's minimum once the finalizer has brought each van back as
early, and sent it out as late, as its route allows; its end adds the node's handling and,
when the van drives on to another place, the place's fixed service time (as the time
matrix does).
"""

from __future__ import annotations

import itertools
from typing import Any

from kulkuri.routing.domain.plan import DroppedShipment, VanRoute
from kulkuri.routing.solver.checks import drop_reason
from kulkuri.routing.solver.nodes import Node, Role, on_board
from kulkuri.routing.solver.ortools_model import OrToolsModel
from kulkuri.routing.solver.stops import Visit, planned_stops, with_hub_ends


def routes(model: OrToolsModel, solution: Any) -> tuple[VanRoute, ...]:
    loaded = on_board(model.problem)
    return tuple(_route(model, solution, vehicle, crates) for vehicle, crates in enumerate(loaded))


def dropped(model: OrToolsModel, solution: Any) -> tuple[DroppedShipment, ...]:
    out = []
    for nodes, shipment in zip(model.layout.legs, model.layout.shipments, strict=True):
        index = model.manager.NodeToIndex(nodes[0])
        if solution.Value(model.routing.NextVar(index)) == index:
            out.append(DroppedShipment(shipment.shipment_id, drop_reason(model.problem, shipment)))
    return tuple(out)


def _route(model: OrToolsModel, solution: Any, vehicle: int, loaded: int) -> VanRoute:
    routing, manager = model.routing, model.manager
    indexes = [routing.Start(vehicle)]
    while not routing.IsEnd(indexes[-1]):
        indexes.append(solution.Value(routing.NextVar(indexes[-1])))
    nodes = [model.layout.nodes[manager.IndexToNode(i)] for i in indexes]
    times = [solution.Min(model.time.CumulVar(i)) for i in indexes]
    visits = [
        Visit(node, start, start + _work_s(node, nodes[k + 1] if k + 1 < len(nodes) else None))
        for k, (node, start) in enumerate(zip(nodes, times, strict=True))
    ]
    if model.layout.anchored:
        visits = with_hub_ends(visits)
    distance = model.problem.matrix.distance_m
    return VanRoute(
        van_id=model.problem.vans[vehicle].van_id,
        stops=planned_stops(visits, loaded),
        distance_m=sum(
            distance[a.place.index][b.place.index] for a, b in itertools.pairwise(nodes)
        ),
        duration_s=visits[-1].end_s - visits[0].start_s,
    )


def _work_s(node: Node, following: Node | None) -> int:
    leaves = following is not None and following.place != node.place
    fixed = node.place.service_fixed_s if leaves and node.role is not Role.DEPOT else 0
    return node.handling_s + fixed
