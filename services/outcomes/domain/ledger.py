"""What a policy did: the transfers it asked for, the van legs they rode, and when each hold
was placed and put on its pickup shelf.

**Transport model.** Vans run in hub mode, as the shipped Lastu and Helmet networks do. A
transfer asked for on day d is packed that day; the van collects it on the next day its
origin is visited and takes it to the hub; the hub sends it on with the next day's van that
visits the destination (one day per leg). A transfer from or to the hub has one leg only. A
copy is received, and is on the pickup shelf if it travels for a hold, the day its last leg
runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

Visited = Callable[[str, int], bool]
"""Whether the vans visit a library on a service day."""

_LOOK_AHEAD_DAYS = 14  # a library unvisited for longer is left out of the run's legs


@dataclass(frozen=True)
class Transfer:
    item_id: str
    from_library: str
    to_library: str
    packed_day: int
    reason: str  # "hold" or "return_to_owner"
    hold_id: str | None = None


@dataclass(frozen=True)
class Leg:
    origin: str
    destination: str
    day: int
    item_id: str


def legs_of(transfer: Transfer, hub: str | None, visited: Visited) -> list[Leg]:
    """The legs of a transfer and the day each runs (see the module docstring); none if a
    library it must be collected from or delivered to is not visited within
    ``_LOOK_AHEAD_DAYS`` service days (a library closed all the while, say)."""
    if hub is None or hub in (transfer.from_library, transfer.to_library):
        hops = [(transfer.from_library, transfer.to_library)]
    else:
        hops = [(transfer.from_library, hub), (hub, transfer.to_library)]
    legs, day = [], transfer.packed_day
    for origin, destination in hops:
        stop = destination if origin == hub else origin
        found = _next_visit(stop, day, visited)
        if found is None:
            return []  # no van comes for it: the copy stays where it is, never received
        day = found
        legs.append(Leg(origin, destination, day, transfer.item_id))
    return legs


def _next_visit(library: str, after: int, visited: Visited) -> int | None:
    for day in range(after + 1, after + 1 + _LOOK_AHEAD_DAYS):
        if visited(library, day):
            return day
    return None


@dataclass
class Ledger:
    placed: dict[str, int] = field(default_factory=dict)  # hold id -> day placed
    ready: dict[str, int] = field(default_factory=dict)  # hold id -> day on the pickup shelf
    transfers: list[Transfer] = field(default_factory=list)
    legs: list[Leg] = field(default_factory=list)

    def hold_placed(self, hold_id: str, day: int) -> None:
        self.placed[hold_id] = day

    def hold_ready(self, hold_id: str, day: int) -> None:
        self.ready.setdefault(hold_id, day)

    def transfer(self, transfer: Transfer) -> None:
        self.transfers.append(transfer)

    def legs_on(self, day: int) -> list[Leg]:
        return [leg for leg in self.legs if leg.day == day]
