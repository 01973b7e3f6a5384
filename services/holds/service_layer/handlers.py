"""One short handler per circulation event; the dispatch table maps event types to them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from kulkuri.holds.adapters.repository import HoldsRepository
from kulkuri.holds.domain.consortium import Consortium
from kulkuri.holds.domain.model import HoldStatus, ItemStatus
from kulkuri.shared.errors import InvalidEventError
from kulkuri.shared.events import (
    CirculationEvent,
    HoldCancelled,
    HoldPlaced,
    ItemAdded,
    ItemCheckedOut,
    ItemReturned,
    ItemWithdrawn,
)
from kulkuri.shared.messaging import Transaction


async def hold_placed(event: HoldPlaced, repo: HoldsRepository) -> None:
    d = event.data
    await repo.upsert_hold(d.hold_id, d.bib_id, d.pickup_library, d.placed_at, d.expires_at)


async def hold_cancelled(event: HoldCancelled, repo: HoldsRepository) -> None:
    status = HoldStatus.EXPIRED if event.data.reason == "expired" else HoldStatus.CANCELLED
    await repo.set_hold_status(event.data.hold_id, status, event.data.cancelled_at)


async def item_added(event: ItemAdded, repo: HoldsRepository) -> None:
    d = event.data
    await repo.upsert_item(
        d.item_id, d.bib_id, d.owning_library, d.collection, d.format, d.added_at
    )


async def item_withdrawn(event: ItemWithdrawn, repo: HoldsRepository) -> None:
    d = event.data
    await repo.set_item_status(d.item_id, ItemStatus.WITHDRAWN, None, d.withdrawn_at)


async def item_checked_out(event: ItemCheckedOut, repo: HoldsRepository) -> None:
    d = event.data
    await repo.set_item_status(d.item_id, ItemStatus.CHECKED_OUT, d.library, d.checked_out_at)
    if d.hold_id is not None:
        await repo.set_hold_status(d.hold_id, HoldStatus.FILLED, d.checked_out_at)


async def item_returned(event: ItemReturned, repo: HoldsRepository) -> None:
    d = event.data
    await repo.set_item_status(d.item_id, ItemStatus.ON_SHELF, d.library, d.returned_at)


HANDLERS: dict[type[CirculationEvent], Callable[[Any, HoldsRepository], Awaitable[None]]] = {
    HoldPlaced: hold_placed,
    HoldCancelled: hold_cancelled,
    ItemAdded: item_added,
    ItemWithdrawn: item_withdrawn,
    ItemCheckedOut: item_checked_out,
    ItemReturned: item_returned,
}


def libraries_named(event: CirculationEvent) -> list[str]:
    data = event.data
    return [
        getattr(data, attr)
        for attr in ("pickup_library", "library", "owning_library")
        if getattr(data, attr, None) is not None
    ]


class CirculationHandler:
    """The holds service's entry point for one circulation event."""

    def __init__(self, consortium: Consortium) -> None:
        self.consortium = consortium

    async def __call__(self, event: CirculationEvent, tx: Transaction) -> None:
        for library_id in libraries_named(event):
            if not self.consortium.is_member(library_id):
                raise InvalidEventError(
                    "unknown_library",
                    f"library {library_id!r} is not a member of {self.consortium.name}",
                )
        await HANDLERS[type(event)](event, HoldsRepository(tx.connection))
