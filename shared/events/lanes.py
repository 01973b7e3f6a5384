"""Lane events, version 1: how the day's transport demand is built and handed to routing.

The transport service publishes ``transfer-moved`` on ``kulkuri.transport.movements.v1``
whenever a transfer changes status or place, keyed by ``transfer_id`` so that one transfer's
moves stay in order. The lane-demand stream (a faust app) folds them into a table of what
waits, per day and per lane (origin -> next stop), and at the day's cut-off publishes one
``lane-demand`` per day on ``kulkuri.transport.demand.v1`` for the routing service.

A lane's origin is where the copy waits; its next stop is the library its next van leg goes
to: the destination, or a sorting hub on the way. Nothing here names a patron or a hold.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar, Literal

from pydantic import AwareDatetime, Field

from kulkuri.shared.events.circulation import Identifier, LibraryId
from kulkuri.shared.events.envelope import CloudEvent, EventData
from kulkuri.shared.events.holds import TransferId

TransferStatusName = Literal[
    "waiting",
    "requested",
    "pulled",
    "packed",
    "loaded",
    "unloaded",
    "received",
    "cancelled",
    "missing",
]
"""The values of the transport domain's ``TransferStatus``."""


class TransferMovedData(EventData):
    transfer_id: TransferId
    item_id: Identifier
    status: TransferStatusName = Field(description="The transfer's status after the move.")
    location: LibraryId | None = Field(
        default=None, description="Where the copy is (none while on a van)."
    )
    next_stop: LibraryId | None = Field(
        default=None,
        description="Where the copy's next van leg goes while it waits at location for a van"
        " (the destination or a hub); none when it waits for nothing (on a van, waiting"
        " behind another transfer, or ended).",
    )
    to_library: LibraryId = Field(description="The transfer's destination now.")
    crate_id: Identifier | None = Field(default=None, description="The crate it is packed in.")
    van_run: Identifier | None = Field(default=None, description="The van run carrying it.")
    moved_at: AwareDatetime


class TransferMoved(CloudEvent):
    """Keyed by transfer: one transfer's moves stay in order on one partition."""

    TYPE: ClassVar[str] = "kulkuri.transport.transfer-moved.v1"
    VERSION: ClassVar[int] = 1
    type: Literal["kulkuri.transport.transfer-moved.v1"]
    data: TransferMovedData

    def partition_key(self) -> bytes:
        return self.data.transfer_id.encode()


class LaneLoad(EventData):
    from_library: LibraryId = Field(description="Where the copies and crates wait.")
    to_library: LibraryId = Field(description="Their next stop (destination or hub).")
    items: int = Field(ge=0, description="Copies waiting on the lane (packed or not).")
    crates: int = Field(ge=0, description="Crates packed for the lane and not yet loaded.")
    carried_over: int = Field(
        ge=0, description="Of the items, those that were due on an earlier day's van."
    )


class LaneDemandData(EventData):
    service_day: dt.date = Field(description="The day whose vans carry this demand.")
    cutoff_at: AwareDatetime = Field(description="The cut-off the figures were taken at.")
    lanes: list[LaneLoad] = Field(description="Every lane with something waiting.")
    items: int = Field(ge=0, description="Sum of the lanes' items.")
    crates: int = Field(ge=0, description="Sum of the lanes' crates.")
    published_at: AwareDatetime


class LaneDemand(CloudEvent):
    """Keyed by service day: a republished day replaces the earlier one for routing."""

    TYPE: ClassVar[str] = "kulkuri.transport.lane-demand.v1"
    VERSION: ClassVar[int] = 1
    type: Literal["kulkuri.transport.lane-demand.v1"]
    data: LaneDemandData

    def partition_key(self) -> bytes:
        return self.data.service_day.isoformat().encode()


MOVEMENT_EVENTS: tuple[type[CloudEvent], ...] = (TransferMoved,)
DEMAND_EVENTS: tuple[type[CloudEvent], ...] = (LaneDemand,)
