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

__all__ = [
    "CIRCULATION_EVENTS",
    "CONTENT_TYPE",
    "CirculationEvent",
    "CloudEvent",
    "EventCodec",
    "EventData",
    "HoldCancelled",
    "HoldCancelledData",
    "HoldPlaced",
    "HoldPlacedData",
    "ItemAdded",
    "ItemAddedData",
    "ItemCheckedOut",
    "ItemCheckedOutData",
    "ItemReturned",
    "ItemReturnedData",
    "ItemWithdrawn",
    "ItemWithdrawnData",
]
