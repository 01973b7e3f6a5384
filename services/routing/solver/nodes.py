"""The routing graph's nodes: one per depot, then a pickup and a delivery node per shipment.

A library visited for several shipments becomes several nodes at the same place, with no
travel between them; the extraction merges consecutive nodes at one place into one stop.
In hub mode the hub end of each leg is a node at the hub, so a van loads or unloads there
whether or not it is the van's depot (and may come back to reload). With every van based at
the hub, legs may instead be "anchored": only the library node, loaded at the start or
unloaded at the end of the van's route (the ``hub_legs=at_depot`` knob).

A day in progress adds a start node where a van is now, when that is not a depot (a
library it has just served), and a lone delivery node for crates already on a van.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from kulkuri.routing.domain.problem import Place, RoutingProblem, Shipment


class Role(StrEnum):
    DEPOT = "depot"
    PICKUP = "pickup"
    DELIVERY = "delivery"


@dataclass(frozen=True)
class Node:
    place: Place
    role: Role
    shipment: Shipment | None = None

    @property
    def demand(self) -> int:
        """Crates on board change by this much when the van leaves the node."""
        if self.shipment is None:
            return 0
        return self.shipment.crates if self.role is Role.PICKUP else -self.shipment.crates

    @property
    def handling_s(self) -> int:
        """Time to move this node's crates (the place's fixed time is paid once per stop)."""
        if self.shipment is None:
            return 0
        return self.place.service_per_crate_s * self.shipment.crates


@dataclass(frozen=True)
class Layout:
    nodes: tuple[Node, ...]
    depot_node: dict[str, int]  # depot (or other start) place id -> node
    # Per shipment, in order: its (pickup, delivery) nodes; or, when hub legs start and end
    # with the vans at the hub, the library node alone; or, for crates already on a van,
    # the delivery node alone.
    legs: tuple[tuple[int, ...], ...]
    shipments: tuple[Shipment, ...]
    anchored: bool = False  # hub legs loaded at the start, unloaded at the end of routes

    @property
    def place_indexes(self) -> list[int]:
        return [n.place.index for n in self.nodes]

    def hub_work_s(self, hub: Place | None) -> tuple[list[int], list[int]]:
        """Per node, the seconds an anchored leg's crates take at the hub: loading before
        the van leaves (deliveries), unloading when it is back (pickups). Zeros unless
        anchored."""
        loading = [0] * len(self.nodes)
        unloading = [0] * len(self.nodes)
        if not self.anchored or hub is None:
            return loading, unloading
        for legs, shipment in zip(self.legs, self.shipments, strict=True):
            node = legs[0]
            if shipment.on_van is not None or len(legs) != 1:
                continue
            work = hub.service_per_crate_s * shipment.crates
            if self.nodes[node].role is Role.DELIVERY:
                loading[node] = work
            else:
                unloading[node] = work
        return loading, unloading


def build_layout(
    problem: RoutingProblem, shipments: tuple[Shipment, ...], anchored: bool = False
) -> Layout:
    nodes: list[Node] = []
    depot_node: dict[str, int] = {}
    for place_id in (p for van in problem.vans for p in (van.depot, van.starts_at)):
        if place_id not in depot_node:
            depot_node[place_id] = len(nodes)
            nodes.append(Node(problem.place(place_id), Role.DEPOT))
    legs: list[tuple[int, ...]] = []
    for s in shipments:
        if s.on_van is not None:
            legs.append((len(nodes),))
            nodes.append(Node(problem.place(s.destination), Role.DELIVERY, s))
        elif anchored:
            outbound = s.origin == problem.hub
            library = problem.place(s.destination if outbound else s.origin)
            legs.append((len(nodes),))
            nodes.append(Node(library, Role.DELIVERY if outbound else Role.PICKUP, s))
        else:
            legs.append((len(nodes), len(nodes) + 1))
            nodes.append(Node(problem.place(s.origin), Role.PICKUP, s))
            nodes.append(Node(problem.place(s.destination), Role.DELIVERY, s))
    return Layout(tuple(nodes), depot_node, tuple(legs), shipments, anchored)


def on_board(problem: RoutingProblem) -> list[int]:
    """Per van, in problem order: the crates on board when it starts (those it cannot
    deliver today included: they take room all the same)."""
    crates = {van.van_id: 0 for van in problem.vans}
    for s in problem.shipments:
        if s.on_van is not None:
            crates[s.on_van] += s.crates
    return [crates[van.van_id] for van in problem.vans]


def in_progress(problem: RoutingProblem) -> bool:
    """Does a van start away from its depot, or with crates on board? (One that only
    leaves late is planned like any other.)"""
    return any(s.on_van is not None for s in problem.shipments) or any(
        v.starts_at != v.depot for v in problem.vans
    )


def drop_penalty(problem: RoutingProblem, shipment: Shipment) -> int:
    """What leaving ``shipment`` for tomorrow costs: the problem's penalty per crate."""
    per_crate = problem.priority_drop_penalty if shipment.priority else problem.drop_penalty
    return per_crate * shipment.crates
