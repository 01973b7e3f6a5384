"""Which crate each copy goes into: a packing plan for one library and service day.

Copies that share a next stop and a crate destination (see ``legs.crate_destination``) share
crates. The library's open crates for that group are filled first (in crate id order), then
new crates are opened, each up to ``capacity``. The plan is data: the caller opens the new
crates and packs the copies (``Crate.add``, ``Transfer.pack``); planning changes nothing, and
the same input gives the same plan.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from itertools import count, islice

from kulkuri.transport.domain.crates import Crate, CrateStatus, new_crate_id
from kulkuri.transport.domain.legs import PackingMode, crate_destination


@dataclass(frozen=True)
class CopyToPack:
    """A copy pulled (or unloaded at the hub) and waiting at the library for a crate."""

    transfer_id: str
    item_id: str
    next_stop: str
    final_destination: str  # the transfer's to_library


@dataclass(frozen=True)
class NewCrate:
    """A crate the plan opens."""

    crate_id: str
    origin: str
    next_stop: str
    final_destination: str | None
    service_day: date
    capacity: int

    def open(self, at: datetime) -> Crate:
        return Crate.open(
            self.crate_id,
            self.origin,
            self.next_stop,
            self.final_destination,
            self.service_day,
            self.capacity,
            at,
        )


@dataclass(frozen=True)
class Assignment:
    transfer_id: str
    crate_id: str


@dataclass(frozen=True)
class PackingPlan:
    new_crates: tuple[NewCrate, ...]
    assignments: tuple[Assignment, ...]  # grouped by crate, in packing order

    def contents(self) -> dict[str, list[str]]:
        """Crate id -> the transfer ids the plan adds to it."""
        planned: dict[str, list[str]] = {}
        for assignment in self.assignments:
            planned.setdefault(assignment.crate_id, []).append(assignment.transfer_id)
        return planned


Group = tuple[str, str | None]  # (next stop, crate destination)


def plan_packing(
    library: str,
    service_day: date,
    copies: Iterable[CopyToPack],
    open_crates: Iterable[Crate],
    *,
    hub: str | None,
    packing: PackingMode,
    capacity: int,
    next_crate_id: Callable[[], str] | None = None,
    first_sequence: int = 1,
) -> PackingPlan:
    """Assign the copies waiting at ``library`` to its open crates and to new ones.

    New crate ids come from ``next_crate_id`` if given, otherwise ``new_crate_id(library,
    service_day, n)`` for n from ``first_sequence``, skipping ids of the crates given. Copies
    already in one of the crates are left out; crates that are not open are not used.
    """
    crates = sorted(
        (crate for crate in open_crates if crate.status is CrateStatus.OPEN),
        key=lambda crate: crate.crate_id,
    )
    packed = {transfer_id for crate in crates for transfer_id in crate.manifest}
    groups: dict[Group, list[str]] = {}
    for copy in sorted(copies, key=lambda copy: copy.transfer_id):
        if copy.transfer_id in packed:
            continue
        packed.add(copy.transfer_id)  # a copy listed twice is packed once
        destination = crate_destination(copy.final_destination, copy.next_stop, hub, packing)
        groups.setdefault((copy.next_stop, destination), []).append(copy.transfer_id)

    if capacity < 1:
        raise ValueError(f"crate capacity {capacity}; expected at least 1")
    ids = next_crate_id or _sequence(library, service_day, first_sequence, crates)
    new_crates: list[NewCrate] = []
    assignments: list[Assignment] = []
    for group in sorted(groups, key=lambda key: (key[0], key[1] or "")):
        waiting = iter(groups[group])
        for crate in crates:
            if (crate.next_stop, crate.final_destination) == group:
                assignments += _fill(crate.crate_id, crate.room, waiting)
        while batch := list(islice(waiting, capacity)):
            new = NewCrate(ids(), library, group[0], group[1], service_day, capacity)
            new_crates.append(new)
            assignments += _fill(new.crate_id, capacity, iter(batch))
    return PackingPlan(tuple(new_crates), tuple(assignments))


def _fill(crate_id: str, room: int, waiting: Iterator[str]) -> list[Assignment]:
    return [Assignment(transfer_id, crate_id) for transfer_id in islice(waiting, max(room, 0))]


def _sequence(
    library: str, service_day: date, first: int, crates: list[Crate]
) -> Callable[[], str]:
    taken = {crate.crate_id for crate in crates}
    fresh = (new_crate_id(library, service_day, n) for n in count(first))
    unused = (crate_id for crate_id in fresh if crate_id not in taken)
    return lambda: next(unused)
