"""The copies and holds inside a ``Title`` aggregate: plain mutable records, changed only by it.

An item's ``current_library`` is where it was last seen: the shelf it stands on, or the
library a transfer set out from while it is ``in_transit`` to ``destination``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from kulkuri.holds.domain.decisions import TransferReason
from kulkuri.holds.domain.model import HoldStatus, ItemStatus

CLOSED_HOLD = frozenset({HoldStatus.COLLECTED, HoldStatus.CANCELLED, HoldStatus.EXPIRED})


@dataclass
class Item:
    item_id: str
    owning_library: str
    collection: str
    format: str
    current_library: str
    status: ItemStatus = ItemStatus.ON_SHELF
    last_returned_at: datetime | None = None
    hold_id: str | None = None  # the hold this copy is assigned to
    destination: str | None = None  # set while in transit
    transfer_id: str | None = None  # the open transfer, while in transit
    transfer_reason: TransferReason | None = None
    transfers: int = 0  # transfers requested so far: numbers the next transfer id

    def start_transfer(self, destination: str, reason: TransferReason) -> str:
        self.transfers += 1
        self.status = ItemStatus.IN_TRANSIT
        self.destination = destination
        self.transfer_id = f"{self.item_id}:{self.transfers}"
        self.transfer_reason = reason
        return self.transfer_id

    def stand_at(self, library: str, status: ItemStatus) -> None:
        """The copy is physically at ``library``; any transfer it was on has ended."""
        self.current_library = library
        self.status = status
        self.destination = None
        self.transfer_id = None
        self.transfer_reason = None


@dataclass
class Hold:
    hold_id: str
    pickup_library: str
    placed_at: datetime
    expires_at: datetime | None
    status: HoldStatus = HoldStatus.WAITING
    item_id: str | None = None  # the copy assigned to it
    history: list[tuple[HoldStatus, datetime]] = field(default_factory=list)
    passed_through: bool = False  # a hold on a digital-only title: no copy, no van

    def __post_init__(self) -> None:
        if not self.history:
            self.history.append((self.status, self.placed_at))

    def move(self, status: HoldStatus, at: datetime) -> None:
        self.status = status
        self.history.append((status, at))

    @property
    def ready_since(self) -> datetime | None:
        if self.status is not HoldStatus.READY:
            return None
        return next(at for status, at in reversed(self.history) if status is HoldStatus.READY)
