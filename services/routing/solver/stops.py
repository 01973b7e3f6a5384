"""A route's node visits merged into the ``PlannedStop`` list a driver reads.

Consecutive visits at one place are one stop: it begins when service starts at the first
visit and ends when the last visit's work is done; it lists the shipments unloaded and
loaded there and the crates on board after it. A van's last stop is kept apart from its
first even when both are the depot, so every route starts and ends with a depot stop.
"""

from __future__ import annotations

from dataclasses import dataclass

from kulkuri.routing.domain.plan import PlannedStop
from kulkuri.routing.solver.nodes import Node, Role


@dataclass(frozen=True)
class Visit:
    node: Node
    start_s: int  # service starts
    end_s: int  # the van may leave


def planned_stops(visits: list[Visit], on_board: int = 0) -> tuple[PlannedStop, ...]:
    """``on_board``: crates on the van before its first visit (a day in progress)."""
    stops: list[PlannedStop] = []
    load = on_board
    for group in _groups(visits):
        load += sum(v.node.demand for v in group)
        handled = [v.node for v in group if v.node.shipment is not None]
        stops.append(
            PlannedStop(
                place_id=group[0].node.place.place_id,
                arrival_s=group[0].start_s,
                departure_s=group[-1].end_s,
                unload=_ids(handled, Role.DELIVERY),
                load=_ids(handled, Role.PICKUP),
                load_after=load,
            )
        )
    return tuple(stops)


def with_hub_ends(visits: list[Visit]) -> list[Visit]:
    """Add the hub ends of legs whose van starts and ends at the hub (its depot).

    Crates for libraries are loaded before the van leaves (the start visit's time is when
    it drives off, so loading ends then); crates from libraries are unloaded when it is
    back. Each takes the hub's time per crate.
    """
    start, end = visits[0], visits[-1]
    hub = start.node.place
    outbound, inbound = [], []
    for visit in visits[1:-1]:
        s = visit.node.shipment
        if s is None or hub.place_id not in (s.origin, s.destination):
            continue
        if visit.node.role is Role.DELIVERY:
            outbound.append(Node(hub, Role.PICKUP, s))
        else:
            inbound.append(Node(hub, Role.DELIVERY, s))
    loading_s = sum(n.handling_s for n in outbound)
    leaves = start.start_s
    loaded = _one_after_another(outbound, leaves - loading_s)
    unloaded = _one_after_another(inbound, end.start_s)
    done = unloaded[-1].end_s if unloaded else end.start_s
    return [
        Visit(start.node, leaves - loading_s, leaves - loading_s),
        *loaded,
        *visits[1:-1],
        *unloaded,
        Visit(end.node, done, done),
    ]


def _one_after_another(nodes: list[Node], from_s: int) -> list[Visit]:
    visits = []
    for node in nodes:
        visits.append(Visit(node, from_s, from_s + node.handling_s))
        from_s += node.handling_s
    return visits


def _groups(visits: list[Visit]) -> list[list[Visit]]:
    groups: list[list[Visit]] = []
    for position, visit in enumerate(visits):
        joins = groups and groups[-1][-1].node.place == visit.node.place
        is_end = position == len(visits) - 1
        if not joins or (is_end and len(groups) == 1 and _only_depot(groups[0])):
            groups.append([])
        groups[-1].append(visit)
    return groups


def _only_depot(group: list[Visit]) -> bool:
    return all(v.node.role is Role.DEPOT for v in group)


def _ids(nodes: list[Node], role: Role) -> tuple[str, ...]:
    return tuple(n.shipment.shipment_id for n in nodes if n.role is role and n.shipment)
