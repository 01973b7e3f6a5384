"""Building blocks for the transport service's tests: a migrated schema, holds decisions as
the holds service publishes them, and scans."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg

from kulkuri.shared.events.holds import (
    TransferCancelled,
    TransferCancelledData,
    TransferRequested,
    TransferRequestedData,
    TransferRetargeted,
    TransferRetargetedData,
)
from kulkuri.shared.messaging import Transaction
from kulkuri.transport.domain.legs import PackingMode
from kulkuri.transport.service_layer.decisions import HoldsDecisionHandler
from kulkuri.transport.service_layer.legs_policy import Legs
from kulkuri.transport.service_layer.scans import Scan, ScanKind

# Lastu libraries: Lahti main library as the sorting hub, two branches around it.
HUB, HOLLOLA, ORIMATTILA, ASIKKALA = "85910", "85708", "85418", "85033"
MONDAY = datetime(2026, 8, 3, 7, 0, tzinfo=UTC)
HOLDS_SOURCE = "urn:kulkuri:holds"


def via_hub() -> Legs:
    return Legs(hub=HUB, packing=PackingMode.BY_DESTINATION)


def requested(
    item: str, n: int, source: str, to: str, *, at: datetime = MONDAY, hold: str | None = "h1"
) -> TransferRequested:
    data = TransferRequestedData(
        transfer_id=f"{item}:{n}",
        item_id=item,
        bib_id=f"bib-{item}",
        from_library=source,
        to_library=to,
        reason="hold" if hold else "return_to_owner",
        hold_id=hold,
        decided_at=at,
    )
    return TransferRequested.create(id=f"req-{item}-{n}", source=HOLDS_SOURCE, time=at, data=data)


def retargeted(item: str, n: int, old: str, new: str, at: datetime) -> TransferRetargeted:
    data = TransferRetargetedData(
        transfer_id=f"{item}:{n}",
        item_id=item,
        bib_id=f"bib-{item}",
        old_destination=old,
        new_destination=new,
        reason="hold",
        hold_id="h2",
        decided_at=at,
    )
    return TransferRetargeted.create(id=f"rt-{item}-{n}", source=HOLDS_SOURCE, time=at, data=data)


def cancelled(item: str, n: int, at: datetime) -> TransferCancelled:
    data = TransferCancelledData(
        transfer_id=f"{item}:{n}",
        item_id=item,
        bib_id=f"bib-{item}",
        reason="checked_out",
        decided_at=at,
    )
    return TransferCancelled.create(id=f"cx-{item}-{n}", source=HOLDS_SOURCE, time=at, data=data)


async def decide(
    pool: asyncpg.Pool,
    legs: Legs,
    *events: TransferRequested | TransferRetargeted | TransferCancelled,
) -> Transaction:
    """Apply holds decisions as the consumer would, in one transaction; returns it (its
    outbox holds what was published)."""
    handler = HoldsDecisionHandler(legs.waiting_stop)
    async with pool.acquire() as conn, conn.transaction():
        tx = Transaction(conn)
        for event in events:
            await handler(event, tx)
    return tx


def scan(
    kind: str,
    barcode: str,
    library: str,
    minutes: int,
    *,
    crate: str | None = None,
    run: str | None = None,
) -> Scan:
    return Scan(
        kind=ScanKind(kind),
        barcode=barcode,
        library=library,
        at=MONDAY + timedelta(minutes=minutes),
        crate_id=crate,
        van_run=run,
    )
