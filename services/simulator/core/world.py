"""Where every simulated copy physically is, and what the simulated patrons' holds are.

This is the simulator's own view, as a patron or a member of staff would see it: a copy on
the open shelf of a library can be borrowed there; one in the returns bin waits for the
holds service to say where it goes (the decision arrives as feedback). The holds and
transport services keep their own state; the two meet only through events and scans.

Collections are ordered (lists, and dicts used as ordered sets), never Python sets of
strings, whose order changes from process to process: the same seed must give the same
choices.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Where(StrEnum):
    SHELF = "shelf"  # on the open shelf of ``library``: a patron may take it
    LOAN = "loan"  # with a patron
    BIN = "bin"  # checked in or received at ``library``; the holds service decides next
    HANDS = "hands"  # kept by staff at ``library`` for a transfer: on its pull list
    HOLD_SHELF = "hold_shelf"  # on the hold shelf of ``library`` for ``hold_id``
    TRANSIT = "transit"  # pulled for a transfer: the transport chain has it


@dataclass
class CopyState:
    item_id: str
    bib_id: str
    owner: str
    where: Where
    library: str | None
    hold_id: str | None = None  # a hold it waits on the shelf or hold shelf for
    transfer_id: str | None = None
    to_library: str | None = None  # while in transit
    local_pull: bool = False  # on its own library's pull list for a local hold


class HoldPhase(StrEnum):
    WAITING = "waiting"  # placed; no copy on the hold shelf yet
    READY = "ready"
    COLLECTED = "collected"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


CLOSED = frozenset({HoldPhase.COLLECTED, HoldPhase.CANCELLED, HoldPhase.EXPIRED})


@dataclass
class HoldState:
    hold_id: str
    bib_id: str
    pickup: str
    placed_at: datetime
    phase: HoldPhase = HoldPhase.WAITING
    item_id: str | None = None  # the copy on its hold shelf
    decisions: list[str] = field(default_factory=list)  # the holds service's, by kind


@dataclass
class Loan:
    item_id: str
    library: str  # where it was borrowed
    returns_at: datetime | None  # None: after the run
    returns_to: str


class Bag:
    """An ordered set with O(1) add, remove and uniform random choice."""

    def __init__(self) -> None:
        self._items: list[str] = []
        self._index: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, item: object) -> bool:
        return item in self._index

    def add(self, item: str) -> None:
        if item not in self._index:
            self._index[item] = len(self._items)
            self._items.append(item)

    def remove(self, item: str) -> None:
        at = self._index.pop(item, None)
        if at is None:
            return
        last = self._items.pop()
        if last != item:
            self._items[at] = last
            self._index[last] = at

    def choice(self, rng: random.Random) -> str:
        return self._items[rng.randrange(len(self._items))]


class World:
    def __init__(self) -> None:
        self.copies: dict[str, CopyState] = {}
        self.holds: dict[str, HoldState] = {}
        self.loans: dict[str, Loan] = {}
        self._shelf: dict[str, Bag] = {}
        self._titles_on_shelf: dict[tuple[str, str], dict[str, None]] = {}
        self.local_pulls: dict[str, dict[str, None]] = {}  # library -> copies for local holds

    # -- the open shelves ------------------------------------------------------------------

    def shelf(self, library: str) -> Bag:
        return self._shelf.setdefault(library, Bag())

    def on_shelf(self, library: str, bib_id: str) -> list[str]:
        return list(self._titles_on_shelf.get((library, bib_id), {}))

    def put(self, copy: CopyState, where: Where, library: str | None) -> None:
        """Move a copy: the shelf indexes follow, and what it was kept for is forgotten
        (the caller says what it is kept for now: a hold, a transfer)."""
        if copy.where is Where.SHELF and copy.library is not None:
            self.shelf(copy.library).remove(copy.item_id)
            self._titles_on_shelf.get((copy.library, copy.bib_id), {}).pop(copy.item_id, None)
            self.local_pulls.get(copy.library, {}).pop(copy.item_id, None)
        copy.where, copy.library = where, library
        copy.hold_id, copy.local_pull = None, False
        copy.transfer_id = copy.to_library = None
        if where is Where.SHELF and library is not None:
            self.shelf(library).add(copy.item_id)
            self._titles_on_shelf.setdefault((library, copy.bib_id), {})[copy.item_id] = None

    # -- counts for the summary -------------------------------------------------------------

    def count_where(self) -> dict[str, int]:
        counts = {where.value: 0 for where in Where}
        for copy in self.copies.values():
            counts[copy.where.value] += 1
        return counts

    def count_holds(self) -> dict[str, int]:
        counts = {phase.value: 0 for phase in HoldPhase}
        for hold in self.holds.values():
            counts[hold.phase.value] += 1
        return counts
