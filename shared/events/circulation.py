"""Inbound events from the circulation systems (Koha, Sierra, Evergreen, ...), version 1.

Patrons are never identified: a hold is an opaque ``hold_id`` chosen by the ILS, and nothing
here names, numbers or locates a borrower. Every circulation event is keyed by ``bib_id`` so
that all events of one title land on one partition and are handled in order by one consumer.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import AwareDatetime, Field, model_validator

from kulkuri.shared.events.envelope import CloudEvent, EventData

Identifier = Annotated[
    str,
    Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:/-]*$"),
]
"""Ids from the ILS: barcodes, record numbers, directory ids. No spaces, no personal data."""

LibraryId = Annotated[Identifier, Field(description="Library (outlet) id in the consortium.")]


class HoldPlacedData(EventData):
    hold_id: Identifier = Field(description="Opaque hold id; never a patron identifier.")
    bib_id: Identifier = Field(description="The title (bibliographic record) held.")
    pickup_library: LibraryId
    placed_at: AwareDatetime
    expires_at: AwareDatetime | None = None

    @model_validator(mode="after")
    def _expires_after_placed(self) -> HoldPlacedData:
        if self.expires_at is not None and self.expires_at <= self.placed_at:
            raise ValueError("expires_at must be after placed_at")
        return self


class HoldCancelledData(EventData):
    hold_id: Identifier
    bib_id: Identifier
    cancelled_at: AwareDatetime
    reason: Literal["patron", "staff", "expired", "other"] = "other"


class ItemCheckedOutData(EventData):
    item_id: Identifier = Field(description="The copy's barcode or item number.")
    bib_id: Identifier
    library: LibraryId = Field(description="Where the item was checked out.")
    checked_out_at: AwareDatetime
    due_at: AwareDatetime | None = None
    hold_id: Identifier | None = Field(
        default=None, description="Set when this checkout picks up a hold."
    )


class ItemReturnedData(EventData):
    item_id: Identifier
    bib_id: Identifier
    library: LibraryId = Field(description="Where the item was checked in (may not be its owner).")
    returned_at: AwareDatetime


class ItemAddedData(EventData):
    item_id: Identifier
    bib_id: Identifier
    owning_library: LibraryId
    collection: Identifier = Field(description="Collection code, e.g. 'adult-fiction'.")
    format: Identifier = Field(description="Material format, e.g. 'book', 'audiobook', 'dvd'.")
    added_at: AwareDatetime
    shelf_location: str | None = Field(default=None, max_length=200)


class ItemWithdrawnData(EventData):
    item_id: Identifier
    bib_id: Identifier
    owning_library: LibraryId
    withdrawn_at: AwareDatetime
    reason: Literal["worn", "lost", "weeded", "other"] = "other"


class CirculationEvent(CloudEvent):
    """A circulation event: keyed by title so one title's events stay in order."""

    data: (
        HoldPlacedData
        | HoldCancelledData
        | ItemCheckedOutData
        | ItemReturnedData
        | (ItemAddedData | ItemWithdrawnData)
    )

    def partition_key(self) -> bytes:
        return self.data.bib_id.encode()


class HoldPlaced(CirculationEvent):
    TYPE: ClassVar[str] = "kulkuri.circulation.hold-placed.v1"
    VERSION: ClassVar[int] = 1
    type: Literal["kulkuri.circulation.hold-placed.v1"]
    data: HoldPlacedData


class HoldCancelled(CirculationEvent):
    TYPE: ClassVar[str] = "kulkuri.circulation.hold-cancelled.v1"
    VERSION: ClassVar[int] = 1
    type: Literal["kulkuri.circulation.hold-cancelled.v1"]
    data: HoldCancelledData


class ItemCheckedOut(CirculationEvent):
    TYPE: ClassVar[str] = "kulkuri.circulation.item-checked-out.v1"
    VERSION: ClassVar[int] = 1
    type: Literal["kulkuri.circulation.item-checked-out.v1"]
    data: ItemCheckedOutData


class ItemReturned(CirculationEvent):
    TYPE: ClassVar[str] = "kulkuri.circulation.item-returned.v1"
    VERSION: ClassVar[int] = 1
    type: Literal["kulkuri.circulation.item-returned.v1"]
    data: ItemReturnedData


class ItemAdded(CirculationEvent):
    TYPE: ClassVar[str] = "kulkuri.circulation.item-added.v1"
    VERSION: ClassVar[int] = 1
    type: Literal["kulkuri.circulation.item-added.v1"]
    data: ItemAddedData


class ItemWithdrawn(CirculationEvent):
    TYPE: ClassVar[str] = "kulkuri.circulation.item-withdrawn.v1"
    VERSION: ClassVar[int] = 1
    type: Literal["kulkuri.circulation.item-withdrawn.v1"]
    data: ItemWithdrawnData


CIRCULATION_EVENTS: tuple[type[CirculationEvent], ...] = (
    HoldPlaced,
    HoldCancelled,
    ItemCheckedOut,
    ItemReturned,
    ItemAdded,
    ItemWithdrawn,
)
