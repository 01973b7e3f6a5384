"""Which ``Title`` command each inbound event becomes, and which libraries an event names.

One small function per event type, looked up in ``APPLY`` by the handler (``handlers.py``),
which checks the named libraries' membership first. The transport service's events name
libraries in fields of their own (``from_library``, ``last_seen_library``, ...); every one
of them must be a member, as on the circulation topic.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from kulkuri.holds.domain.consortium import Consortium
from kulkuri.holds.domain.rebalance import RebalanceAdvisor
from kulkuri.holds.domain.title import Title
from kulkuri.shared.events import (
    CirculationEvent,
    HoldCancelled,
    HoldPlaced,
    ItemAdded,
    ItemCheckedOut,
    ItemReturned,
    ItemWithdrawn,
    TransferMissing,
    TransferOverdue,
    TransferReceived,
    TransportEvent,
)

InboundEvent = CirculationEvent | TransportEvent
Advisor = RebalanceAdvisor | None  # None: rebalance copies stay where they are
Apply = Callable[[Title, Consortium, Any, date, Advisor], None]


def _hold_placed(title: Title, c: Consortium, e: HoldPlaced, today: date, _: Advisor) -> None:
    d = e.data
    title.place_hold(c, d.hold_id, d.pickup_library, d.placed_at, d.expires_at, today=today)


def _hold_cancelled(
    title: Title, c: Consortium, e: HoldCancelled, today: date, advisor: Advisor
) -> None:
    d = e.data
    expired = d.reason == "expired"
    title.cancel_hold(c, d.hold_id, d.cancelled_at, expired=expired, today=today, advisor=advisor)


def _item_added(title: Title, c: Consortium, e: ItemAdded, today: date, _: Advisor) -> None:
    d = e.data
    title.add_item(c, d.item_id, d.owning_library, d.collection, d.format, d.added_at, today=today)


def _item_withdrawn(title: Title, c: Consortium, e: ItemWithdrawn, today: date, _: Advisor) -> None:
    title.withdraw_item(c, e.data.item_id, e.data.withdrawn_at, today=today)


def _item_checked_out(
    title: Title, c: Consortium, e: ItemCheckedOut, today: date, advisor: Advisor
) -> None:
    d = e.data
    title.item_checked_out(
        c, d.item_id, d.library, d.checked_out_at, hold_id=d.hold_id, today=today, advisor=advisor
    )


def _item_returned(
    title: Title, c: Consortium, e: ItemReturned, today: date, advisor: Advisor
) -> None:
    d = e.data
    title.item_returned(c, d.item_id, d.library, d.returned_at, today=today, advisor=advisor)


def _transfer_received(
    title: Title, c: Consortium, e: TransferReceived, today: date, _: Advisor
) -> None:
    # The domain gives an arriving copy no rebalance advice: it was sent here on purpose.
    d = e.data
    title.transfer_received(c, d.item_id, d.library, d.received_at, today=today)


def _transfer_overdue(
    title: Title, c: Consortium, e: TransferOverdue, _today: date, _: Advisor
) -> None:
    # Checked, never decided on: a late copy may still arrive. The title stays as it was,
    # so the batch's save writes nothing for it.
    title.transfer_overdue(c, e.data.item_id, e.data.transfer_id, libraries_named(e))


def _transfer_missing(
    title: Title, c: Consortium, e: TransferMissing, today: date, _: Advisor
) -> None:
    d = e.data
    title.transfer_missing(
        c, d.item_id, d.transfer_id, d.declared_at, last_seen=d.last_seen_library, today=today
    )


APPLY: dict[type[InboundEvent], Apply] = {
    HoldPlaced: _hold_placed,
    HoldCancelled: _hold_cancelled,
    ItemAdded: _item_added,
    ItemWithdrawn: _item_withdrawn,
    ItemCheckedOut: _item_checked_out,
    ItemReturned: _item_returned,
    TransferReceived: _transfer_received,
    TransferOverdue: _transfer_overdue,
    TransferMissing: _transfer_missing,
}


_LIBRARY_FIELDS = (
    "pickup_library",
    "library",
    "owning_library",
    "from_library",
    "to_library",
    "last_seen_library",
)
# Which of those fields each event type's data has (a missing attribute on a pydantic model
# is slow to find out about, and this is asked for every event).
_LIBRARIES_OF: dict[type[InboundEvent], tuple[str, ...]] = {
    event_type: tuple(
        name
        for name in _LIBRARY_FIELDS
        if name in event_type.model_fields["data"].annotation.model_fields  # type: ignore[union-attr]
    )
    for event_type in APPLY
}


def libraries_named(event: InboundEvent) -> list[str]:
    data = event.data
    names = _LIBRARIES_OF.get(type(event), _LIBRARY_FIELDS)
    return [library for name in names if (library := getattr(data, name, None)) is not None]
