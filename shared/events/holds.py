"""Outbound events of the holds service, version 1: the decisions it takes per title.

The holds domain records its decisions (:mod:`kulkuri.holds.domain.decisions`) while it applies
circulation events; the handler publishes each one as one of these events, for the transport
service (crates and van routes), the ILS adapters (hold-shelf notices) and staff tooling.

Every event is keyed by ``bib_id``, like the circulation events it follows from, so all
decisions about one title stay on one partition, in the order they were taken. Fields mirror
the domain dataclasses; where a dataclass has no ``bib_id`` the handler adds the title's, and
every payload carries ``decided_at``. As in circulation events, nothing names a patron: a hold
is only its opaque ``hold_id``.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import AwareDatetime, Field

from kulkuri.shared.events.circulation import Identifier, LibraryId
from kulkuri.shared.events.envelope import CloudEvent, EventData

TransferId = Annotated[
    str,
    Field(
        min_length=3,
        max_length=120,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:/-]*:[1-9][0-9]*$",
        description="'{item_id}:{n}', n counting the copy's transfers from 1; stable on replay.",
    ),
]
"""A transfer's id: the copy's ``item_id`` (up to 100 characters) and a sequence number."""

TransferReason = Literal["hold", "return_to_owner", "rebalance"]
"""Why a copy travels; the values of the domain's ``TransferReason``."""

HoldOutcome = Literal["collected", "cancelled", "expired"]
"""How a hold ended; the values of the domain's ``HoldOutcome``."""

TransferCancelReason = Literal["checked_out", "withdrawn", "reassigned"]
"""Why a requested transfer will not be received (the reasons the domain records)."""

AnomalyKind = Annotated[
    str,
    Field(
        min_length=1,
        max_length=100,
        pattern=r"^[a-z][a-z0-9_]*$",
        description="Machine-readable kind, e.g. 'received_twice'; an open set.",
    ),
]

DecidedAt = Annotated[
    AwareDatetime, Field(description="When the holds service took the decision (RFC 3339).")
]


class CopyAssignedData(EventData):
    hold_id: Identifier = Field(description="The hold the copy now belongs to.")
    bib_id: Identifier = Field(description="The title.")
    item_id: Identifier = Field(description="The copy assigned to the hold.")
    from_library: LibraryId = Field(description="Where the copy is now.")
    pickup_library: LibraryId = Field(description="Where the hold will be picked up.")
    pull_from_shelf: bool = Field(
        description="Staff must fetch the copy from the open shelf at from_library."
    )
    decided_at: DecidedAt


class TransferRequestedData(EventData):
    transfer_id: TransferId
    item_id: Identifier
    bib_id: Identifier
    from_library: LibraryId
    to_library: LibraryId
    reason: TransferReason
    hold_id: Identifier | None = Field(
        default=None, description="The hold the copy travels for (reason 'hold')."
    )
    decided_at: DecidedAt


class TransferRetargetedData(EventData):
    transfer_id: TransferId = Field(description="The transfer already requested.")
    item_id: Identifier
    bib_id: Identifier
    old_destination: LibraryId
    new_destination: LibraryId
    reason: TransferReason = Field(description="Why the copy now travels to new_destination.")
    hold_id: Identifier | None = Field(
        default=None, description="The hold the copy now travels for (reason 'hold')."
    )
    decided_at: DecidedAt


class TransferCancelledData(EventData):
    transfer_id: TransferId
    item_id: Identifier
    bib_id: Identifier
    reason: TransferCancelReason
    decided_at: DecidedAt


class HoldQueuedData(EventData):
    hold_id: Identifier
    bib_id: Identifier
    position: int = Field(ge=1, description="1-based place among the title's waiting holds.")
    decided_at: DecidedAt


class HoldReadyForPickupData(EventData):
    hold_id: Identifier
    bib_id: Identifier
    item_id: Identifier = Field(description="The copy on the hold shelf.")
    library: LibraryId = Field(description="The pickup library whose hold shelf has the copy.")
    decided_at: DecidedAt


class HoldClosedData(EventData):
    hold_id: Identifier
    bib_id: Identifier
    outcome: HoldOutcome
    decided_at: DecidedAt


class ItemShelvedData(EventData):
    item_id: Identifier
    bib_id: Identifier
    library: LibraryId = Field(description="The library whose open shelf keeps the copy.")
    decided_at: DecidedAt


class AnomalyRecordedData(EventData):
    kind: AnomalyKind
    entity: Identifier = Field(description="The item_id or hold_id the anomaly is about.")
    bib_id: Identifier
    detail: str = Field(
        max_length=1000, description="Explanation for staff; generated, never personal data."
    )
    decided_at: DecidedAt


class HoldsEvent(CloudEvent):
    """A holds decision: keyed by title so one title's decisions stay in order."""

    data: (
        CopyAssignedData
        | TransferRequestedData
        | TransferRetargetedData
        | TransferCancelledData
        | HoldQueuedData
        | HoldReadyForPickupData
        | HoldClosedData
        | ItemShelvedData
        | AnomalyRecordedData
    )

    def partition_key(self) -> bytes:
        return self.data.bib_id.encode()


class CopyAssigned(HoldsEvent):
    TYPE: ClassVar[str] = "kulkuri.holds.copy-assigned.v1"
    VERSION: ClassVar[int] = 1
    type: Literal["kulkuri.holds.copy-assigned.v1"]
    data: CopyAssignedData


class TransferRequested(HoldsEvent):
    TYPE: ClassVar[str] = "kulkuri.holds.transfer-requested.v1"
    VERSION: ClassVar[int] = 1
    type: Literal["kulkuri.holds.transfer-requested.v1"]
    data: TransferRequestedData


class TransferRetargeted(HoldsEvent):
    TYPE: ClassVar[str] = "kulkuri.holds.transfer-retargeted.v1"
    VERSION: ClassVar[int] = 1
    type: Literal["kulkuri.holds.transfer-retargeted.v1"]
    data: TransferRetargetedData


class TransferCancelled(HoldsEvent):
    TYPE: ClassVar[str] = "kulkuri.holds.transfer-cancelled.v1"
    VERSION: ClassVar[int] = 1
    type: Literal["kulkuri.holds.transfer-cancelled.v1"]
    data: TransferCancelledData


class HoldQueued(HoldsEvent):
    TYPE: ClassVar[str] = "kulkuri.holds.hold-queued.v1"
    VERSION: ClassVar[int] = 1
    type: Literal["kulkuri.holds.hold-queued.v1"]
    data: HoldQueuedData


class HoldReadyForPickup(HoldsEvent):
    TYPE: ClassVar[str] = "kulkuri.holds.hold-ready-for-pickup.v1"
    VERSION: ClassVar[int] = 1
    type: Literal["kulkuri.holds.hold-ready-for-pickup.v1"]
    data: HoldReadyForPickupData


class HoldClosed(HoldsEvent):
    TYPE: ClassVar[str] = "kulkuri.holds.hold-closed.v1"
    VERSION: ClassVar[int] = 1
    type: Literal["kulkuri.holds.hold-closed.v1"]
    data: HoldClosedData


class ItemShelved(HoldsEvent):
    TYPE: ClassVar[str] = "kulkuri.holds.item-shelved.v1"
    VERSION: ClassVar[int] = 1
    type: Literal["kulkuri.holds.item-shelved.v1"]
    data: ItemShelvedData


class AnomalyRecorded(HoldsEvent):
    TYPE: ClassVar[str] = "kulkuri.holds.anomaly-recorded.v1"
    VERSION: ClassVar[int] = 1
    type: Literal["kulkuri.holds.anomaly-recorded.v1"]
    data: AnomalyRecordedData


HOLDS_EVENTS: tuple[type[HoldsEvent], ...] = (
    CopyAssigned,
    TransferRequested,
    TransferRetargeted,
    TransferCancelled,
    HoldQueued,
    HoldReadyForPickup,
    HoldClosed,
    ItemShelved,
    AnomalyRecorded,
)
