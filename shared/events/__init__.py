"""The event contract: CloudEvents 1.0 envelopes with one pydantic model per event type."""

from kulkuri.shared.events.circulation import (
    CIRCULATION_EVENTS,
    CirculationEvent,
    HoldCancelled,
    HoldCancelledData,
    HoldPlaced,
    HoldPlacedData,
    ItemAdded,
    ItemAddedData,
    ItemCheckedOut,
    ItemCheckedOutData,
    ItemReturned,
    ItemReturnedData,
    ItemWithdrawn,
    ItemWithdrawnData,
)
from kulkuri.shared.events.codec import EventCodec
from kulkuri.shared.events.envelope import CONTENT_TYPE, CloudEvent, EventData
from kulkuri.shared.events.holds import HOLDS_EVENTS, HoldsEvent
from kulkuri.shared.events.lanes import (
    DEMAND_EVENTS,
    MOVEMENT_EVENTS,
    LaneDemand,
    LaneDemandData,
    LaneLoad,
    TransferMoved,
    TransferMovedData,
)
from kulkuri.shared.events.routing import ROUTING_EVENTS, RoutePlanPublished
from kulkuri.shared.events.scans import SCAN_EVENTS, ScanRecorded, ScanRecordedData
from kulkuri.shared.events.transport import (
    TRANSPORT_EVENTS,
    TransferMissing,
    TransferMissingData,
    TransferOverdue,
    TransferOverdueData,
    TransferReceived,
    TransferReceivedData,
    TransportEvent,
)

ALL_EVENTS: tuple[type[CloudEvent], ...] = (
    *CIRCULATION_EVENTS,
    *HOLDS_EVENTS,
    *TRANSPORT_EVENTS,
    *MOVEMENT_EVENTS,
    *DEMAND_EVENTS,
    *SCAN_EVENTS,
    *ROUTING_EVENTS,
)
"""Every event type in the contract, read or published; each gets a JSON Schema file."""

__all__ = [
    "ALL_EVENTS",
    "CIRCULATION_EVENTS",
    "CONTENT_TYPE",
    "DEMAND_EVENTS",
    "HOLDS_EVENTS",
    "MOVEMENT_EVENTS",
    "ROUTING_EVENTS",
    "SCAN_EVENTS",
    "TRANSPORT_EVENTS",
    "CirculationEvent",
    "CloudEvent",
    "EventCodec",
    "EventData",
    "HoldCancelled",
    "HoldCancelledData",
    "HoldPlaced",
    "HoldPlacedData",
    "HoldsEvent",
    "ItemAdded",
    "ItemAddedData",
    "ItemCheckedOut",
    "ItemCheckedOutData",
    "ItemReturned",
    "ItemReturnedData",
    "ItemWithdrawn",
    "ItemWithdrawnData",
    "LaneDemand",
    "LaneDemandData",
    "LaneLoad",
    "RoutePlanPublished",
    "ScanRecorded",
    "ScanRecordedData",
    "TransferMissing",
    "TransferMissingData",
    "TransferMoved",
    "TransferMovedData",
    "TransferOverdue",
    "TransferOverdueData",
    "TransferReceived",
    "TransferReceivedData",
    "TransportEvent",
]
