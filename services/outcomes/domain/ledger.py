"""What a policy did: the transfers it asked for, the van legs they rode, and when each hold
was placed and put on its pickup shelf; for a policy with a nightly cut-off, what each
night's plan cost before and after and the transfers it called off.

**Transport model.** Vans run in hub mode, as the shipped Lastu and Helmet networks do. A
transfer asked for on day d is packed that day, after the day's cut-off; the van collects it
on the next day its origin is visited and takes it to the hub; the hub sends it on with the
next day's van that visits the destination (one day per leg). A transfer from or to the hub
has one leg only. A copy is received, and is on the pickup shelf if it travels for a hold,
the day its last leg runs. Until it is packed a transfer may still be called off or sent
elsewhere (``call_off``, ``retarget``): that is what the nightly re-assignment does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

Visited = Callable[[str, int], bool]
"""Whether the vans visit a library on a service day."""

_LOOK_AHEAD_DAYS = 14  # a library unvisited for longer is left out of the run's legs


@dataclass(frozen=True)
class Transfer:
    item_id: str
    from_library: str
    to_library: str
    packed_day: int
    reason: str  # "hold", "return_to_owner" or "rebalance"
    hold_id: str | None = None  # the hold it was asked for (or re-targeted to)
    transfer_id: str | None = None  # the holds service's id, for a policy that has one


@dataclass(frozen=True)
class Leg:
    origin: str
    destination: str
    day: int
    item_id: str


@dataclass(frozen=True)
class NightlyPlan:
    """One cut-off's re-assignment: metres of the per-hold choice and of the plan."""

    day: int
    cost_before: int
    cost_after: int
    holds_reassigned: int
    holds_filled: int


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
    transfers: list[Transfer] = field(default_factory=list)  # the packed ones first
    legs: list[Leg] = field(default_factory=list)
    packed: int = 0  # how many of ``transfers`` are packed: those can no longer change
    called_off: list[Transfer] = field(default_factory=list)
    plans: list[NightlyPlan] = field(default_factory=list)

    def hold_placed(self, hold_id: str, day: int) -> None:
        self.placed[hold_id] = day

    def hold_ready(self, hold_id: str, day: int) -> None:
        self.ready.setdefault(hold_id, day)

    def transfer(self, transfer: Transfer) -> None:
        self.transfers.append(transfer)

    def unpacked(self) -> list[Transfer]:
        return self.transfers[self.packed :]

    def mark_packed(self) -> None:
        self.packed = len(self.transfers)

    def call_off(self, transfer_id: str) -> None:
        """The transfer is not packed after all: the copy stays on its shelf."""
        self.called_off.append(self.transfers.pop(self._unpacked_index(transfer_id)))

    def retarget(self, transfer_id: str, to_library: str, reason: str, hold_id: str | None) -> None:
        at = self._unpacked_index(transfer_id)
        old = self.transfers[at]
        self.transfers[at] = replace(old, to_library=to_library, reason=reason, hold_id=hold_id)

    def nightly_plan(self, plan: NightlyPlan) -> None:
        self.plans.append(plan)

    def legs_on(self, day: int) -> list[Leg]:
        return [leg for leg in self.legs if leg.day == day]

    def _unpacked_index(self, transfer_id: str) -> int:
        for at in range(self.packed, len(self.transfers)):
            if self.transfers[at].transfer_id == transfer_id:
                return at
        raise ValueError(f"transfer {transfer_id!r} is not waiting to be packed")
