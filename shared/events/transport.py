"""Outbound events of the transport service, version 1: what happens to the transfers it moves.

The transport service turns the holds service's ``transfer-requested`` decisions into crates
and van runs; when a van delivers a copy, the receiving library scans it and the transport
service publishes ``transfer-received``. The holds service reads it to make a hold ready for
pickup, or to trap or shelve the copy where it arrived. A copy not received in time is first
reported ``transfer-overdue`` and, after a longer limit, ``transfer-missing``: the holds
service then marks the copy missing and fills its hold from another copy.

Every event is keyed by ``bib_id``, like the circulation events and the holds decisions, so a
title's transport events share a partition number with its circulation events (with equal
partition counts) and stay in order among themselves. As everywhere in the contract, nothing
names a patron: a transfer moves a copy, not a person.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import AwareDatetime, Field, model_validator

from kulkuri.shared.events.circulation import Identifier, LibraryId
from kulkuri.shared.events.envelope import CloudEvent, EventData
from kulkuri.shared.events.holds import TransferId


class TransferReceivedData(EventData):
    transfer_id: TransferId = Field(description="The transfer as the holds service requested it.")
    item_id: Identifier = Field(description="The copy delivered.")
    bib_id: Identifier = Field(description="The title of the copy.")
    library: LibraryId = Field(description="Where the copy was received (scanned off the van).")
    received_at: AwareDatetime = Field(description="When the receiving library scanned it.")

    @model_validator(mode="after")
    def _transfer_of_this_copy(self) -> TransferReceivedData:
        # Transfer ids are "{item_id}:{n}": another copy's id means the event mixes two copies.
        if self.transfer_id.rpartition(":")[0] != self.item_id:
            raise ValueError(
                f"transfer_id {self.transfer_id!r} is not a transfer of {self.item_id!r}"
            )
        return self


InTransitStatus = Literal["pulled", "packed", "loaded", "unloaded"]
"""Where in the chain a copy overdue or missing was last seen."""

MissingReason = Literal["overdue", "reported"]
"""``overdue``: not received within the loss limit; ``reported``: staff declared it missing."""


class TransferOverdueData(EventData):
    transfer_id: TransferId
    item_id: Identifier
    bib_id: Identifier
    from_library: LibraryId
    to_library: LibraryId = Field(description="Where the copy should have arrived.")
    status: InTransitStatus = Field(description="The last scan of the copy.")
    last_seen_library: LibraryId | None = Field(
        default=None, description="Where that scan happened (none while on a van)."
    )
    van_run: Identifier | None = Field(default=None, description="The run it was loaded on.")
    due_by: AwareDatetime = Field(description="When it should have been received.")
    detected_at: AwareDatetime


class TransferMissingData(EventData):
    transfer_id: TransferId
    item_id: Identifier
    bib_id: Identifier
    hold_id: Identifier | None = Field(
        default=None, description="The hold the copy travelled for, to be filled again."
    )
    from_library: LibraryId
    to_library: LibraryId
    last_seen_library: LibraryId | None = None
    reason: MissingReason
    declared_at: AwareDatetime


class TransportEvent(CloudEvent):
    """A transport event: keyed by title so one title's events stay in order."""

    data: TransferReceivedData | TransferOverdueData | TransferMissingData

    def partition_key(self) -> bytes:
        return self.data.bib_id.encode()


class TransferReceived(TransportEvent):
    TYPE: ClassVar[str] = "kulkuri.transport.transfer-received.v1"
    VERSION: ClassVar[int] = 1
    type: Literal["kulkuri.transport.transfer-received.v1"]
    data: TransferReceivedData


class TransferOverdue(TransportEvent):
    TYPE: ClassVar[str] = "kulkuri.transport.transfer-overdue.v1"
    VERSION: ClassVar[int] = 1
    type: Literal["kulkuri.transport.transfer-overdue.v1"]
    data: TransferOverdueData


class TransferMissing(TransportEvent):
    TYPE: ClassVar[str] = "kulkuri.transport.transfer-missing.v1"
    VERSION: ClassVar[int] = 1
    type: Literal["kulkuri.transport.transfer-missing.v1"]
    data: TransferMissingData


TRANSPORT_EVENTS: tuple[type[TransportEvent], ...] = (
    TransferReceived,
    TransferOverdue,
    TransferMissing,
)
