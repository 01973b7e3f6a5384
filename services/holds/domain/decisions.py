"""The decisions a ``Title`` records while it applies circulation events.

They are recorded on ``Title.decisions``, in the order taken, and never published by the
domain: the handler layer turns them into outbound events (``TransferRequested`` becomes a
crate for the transport service, ``HoldReadyForPickup`` a notice to the ILS, and so on).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class TransferReason(StrEnum):
    HOLD = "hold"  # the copy travels to a hold's pickup library
    RETURN_TO_OWNER = "return_to_owner"  # the collection's policy sends it home
    REBALANCE = "rebalance"  # the rebalancer moves it nearer demand


class HoldOutcome(StrEnum):
    COLLECTED = "collected"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


@dataclass(frozen=True)
class CopyAssigned:
    """A copy now belongs to a hold.

    ``pull_from_shelf``: staff must fetch it from the open shelf at ``from_library`` (it is
    not in hand already, as a copy just checked in or received is). When ``from_library`` is
    the pickup library no transfer follows.
    """

    hold_id: str
    bib_id: str
    item_id: str
    from_library: str
    pickup_library: str
    pull_from_shelf: bool


@dataclass(frozen=True)
class TransferRequested:
    """Move a copy between libraries; ``transfer_id`` is ``"{item_id}:{n}"``, n counting the
    copy's transfers from 1, so replaying the same events gives the same ids."""

    transfer_id: str
    item_id: str
    bib_id: str
    from_library: str
    to_library: str
    reason: TransferReason
    hold_id: str | None = None


@dataclass(frozen=True)
class TransferRetargeted:
    """A transfer already requested now ends elsewhere (the hold it served went away)."""

    transfer_id: str
    item_id: str
    old_destination: str
    new_destination: str
    reason: TransferReason
    hold_id: str | None = None


@dataclass(frozen=True)
class TransferCancelled:
    """A requested transfer will not be received: the copy was checked out or withdrawn."""

    transfer_id: str
    item_id: str
    reason: str


@dataclass(frozen=True)
class HoldQueued:
    """No copy can be assigned now; ``position`` counts from 1 in the order holds were
    placed, among the title's waiting holds."""

    hold_id: str
    bib_id: str
    position: int


@dataclass(frozen=True)
class HoldReadyForPickup:
    hold_id: str
    item_id: str
    library: str


@dataclass(frozen=True)
class HoldClosed:
    hold_id: str
    outcome: HoldOutcome


@dataclass(frozen=True)
class ItemShelved:
    """The copy stays on the open shelf where it is (floating, already home, or released)."""

    item_id: str
    library: str


@dataclass(frozen=True)
class Anomaly:
    """A contradiction that was safe to handle, kept so that staff can look into it."""

    kind: str
    entity: str
    detail: str


Decision = (
    CopyAssigned
    | TransferRequested
    | TransferRetargeted
    | TransferCancelled
    | HoldQueued
    | HoldReadyForPickup
    | HoldClosed
    | ItemShelved
    | Anomaly
)
