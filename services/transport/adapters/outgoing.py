"""What the transport service publishes about the transfers a command changed.

Every change of a transfer becomes a ``transfer-moved`` (for the lane-demand stream); a
receive also becomes a ``transfer-received``, and a copy declared missing a
``transfer-missing`` (for the holds service). Ids derive from the transfer and its step
number, so a redone batch or a retried request publishes the same ids again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from kulkuri.shared.events import CloudEvent
from kulkuri.shared.events.lanes import TransferMoved, TransferMovedData
from kulkuri.shared.events.transport import (
    MissingReason,
    TransferMissing,
    TransferMissingData,
    TransferReceived,
    TransferReceivedData,
)
from kulkuri.shared.messaging import MOVEMENTS, TRANSPORT
from kulkuri.transport.domain import Transfer, TransferStatus

SOURCE = "urn:kulkuri:transport"

NextStop = Callable[[Transfer], str | None]
"""Where a transfer's next van leg goes while it waits for a van; ``None`` otherwise."""


def outgoing_events(
    transfer: Transfer, next_stop: NextStop, *, missing_reason: MissingReason = "reported"
) -> Iterator[tuple[str, CloudEvent]]:
    """(topic, event) pairs for one changed transfer: its latest move, and what it ended in."""
    step = transfer.history[-1]
    number = len(transfer.history)
    yield (
        MOVEMENTS,
        TransferMoved.create(
            id=f"moved:{transfer.transfer_id}:{number}",
            source=SOURCE,
            time=step.at,
            data=TransferMovedData(
                transfer_id=transfer.transfer_id,
                item_id=transfer.item_id,
                status=transfer.status.value,
                location=transfer.location,
                next_stop=next_stop(transfer),
                to_library=transfer.to_library,
                crate_id=transfer.crate_id,
                van_run=transfer.van_run,
                moved_at=step.at,
            ),
        ),
    )
    if transfer.status is TransferStatus.RECEIVED:
        yield TRANSPORT, received_event(transfer)
    elif transfer.status is TransferStatus.MISSING:
        yield TRANSPORT, missing_event(transfer, missing_reason)


def received_event(transfer: Transfer) -> TransferReceived:
    step = transfer.history[-1]
    assert step.where is not None
    return TransferReceived.create(
        id=f"received:{transfer.transfer_id}",
        source=SOURCE,
        time=step.at,
        data=TransferReceivedData(
            transfer_id=transfer.transfer_id,
            item_id=transfer.item_id,
            bib_id=transfer.bib_id,
            library=step.where,
            received_at=step.at,
        ),
    )


def missing_event(transfer: Transfer, reason: MissingReason) -> TransferMissing:
    step = transfer.history[-1]
    return TransferMissing.create(
        id=f"missing:{transfer.transfer_id}",
        source=SOURCE,
        time=step.at,
        data=TransferMissingData(
            transfer_id=transfer.transfer_id,
            item_id=transfer.item_id,
            bib_id=transfer.bib_id,
            hold_id=transfer.hold_id,
            from_library=transfer.from_library,
            to_library=transfer.to_library,
            last_seen_library=transfer.location,
            reason=reason,
            declared_at=step.at,
        ),
    )
