"""The holds service's decisions, applied to transfers: requested, re-targeted, cancelled.

Holds decisions arrive on ``kulkuri.holds.v1`` keyed by title, so one copy's decisions come
in the order they were taken. Every other decision type on that topic is for someone else
(hold shelves, pull lists of copies that stay put) and is skipped here.
"""

from __future__ import annotations

from collections.abc import Callable

from kulkuri.shared.errors import InvalidEventError
from kulkuri.shared.events.holds import (
    HoldsEvent,
    TransferCancelled,
    TransferRequested,
    TransferRetargeted,
)
from kulkuri.shared.messaging import Transaction
from kulkuri.transport.adapters.outgoing import NextStop
from kulkuri.transport.domain import (
    RejectedCommand,
    TransferReason,
    TransferRequest,
    TransportLedger,
)
from kulkuri.transport.service_layer.rejections import reason_of
from kulkuri.transport.service_layer.unit_of_work import TransportUnitOfWork


class HoldsDecisionHandler:
    def __init__(self, next_stop: NextStop, *, schema: str = "transport") -> None:
        self.next_stop = next_stop
        self.schema = schema

    async def __call__(self, event: HoldsEvent, tx: Transaction) -> None:
        apply = _APPLY.get(type(event))
        if apply is None:
            return
        uow = TransportUnitOfWork(tx.connection, self.next_stop, schema=self.schema)
        data = event.data
        await uow.transfers.load(
            item_ids=[data.item_id],  # type: ignore[union-attr]
            transfer_ids=[data.transfer_id],  # type: ignore[union-attr]
        )
        try:
            apply(uow.ledger, event)
        except RejectedCommand as exc:
            raise InvalidEventError(reason_of(exc), str(exc)) from exc
        await uow.commit(tx)


def _requested(ledger: TransportLedger, event: TransferRequested) -> None:
    d = event.data
    request = TransferRequest(
        transfer_id=d.transfer_id,
        item_id=d.item_id,
        bib_id=d.bib_id,
        from_library=d.from_library,
        to_library=d.to_library,
        reason=TransferReason(d.reason),
        hold_id=d.hold_id,
    )
    ledger.request(request, d.decided_at)


def _retargeted(ledger: TransportLedger, event: TransferRetargeted) -> None:
    d = event.data
    transfer = ledger.get(d.transfer_id)
    if transfer.to_library == d.new_destination:
        return  # redelivered after it was applied: nothing to do
    ledger.retarget(
        d.transfer_id,
        d.new_destination,
        d.decided_at,
        reason=TransferReason(d.reason),
        hold_id=d.hold_id,
    )


def _cancelled(ledger: TransportLedger, event: TransferCancelled) -> None:
    d = event.data
    transfer = ledger.get(d.transfer_id)
    if not transfer.is_open:
        return  # it ended first (received, or cancelled by this same decision before)
    ledger.cancel(d.transfer_id, d.reason, d.decided_at)


_APPLY: dict[type[HoldsEvent], Callable[[TransportLedger, HoldsEvent], None]] = {
    TransferRequested: _requested,  # type: ignore[dict-item]
    TransferRetargeted: _retargeted,  # type: ignore[dict-item]
    TransferCancelled: _cancelled,  # type: ignore[dict-item]
}
