"""One command's transaction: the transfers it loads, what it changed, what it publishes.

Handlers of holds decisions, scans and the overdue job all end the same way: save the
transfers (and crates) they changed and put an event per change into the outbox, in the
transaction that changed them.
"""

from __future__ import annotations

import asyncpg

from kulkuri.shared.events.transport import MissingReason
from kulkuri.shared.messaging import Transaction
from kulkuri.transport.adapters.crate_repository import CrateRepository
from kulkuri.transport.adapters.outgoing import NextStop, outgoing_events
from kulkuri.transport.adapters.transfer_repository import TransferRepository
from kulkuri.transport.domain import Transfer, TransportLedger


class TransportUnitOfWork:
    def __init__(
        self, conn: asyncpg.Connection, next_stop: NextStop, *, schema: str = "transport"
    ) -> None:
        self.conn = conn
        self.transfers = TransferRepository(conn, schema)
        self.crates = CrateRepository(conn, schema)
        self.next_stop = next_stop
        self.missing_reason: MissingReason = "reported"

    @property
    def ledger(self) -> TransportLedger:
        return self.transfers.ledger

    async def commit(self, tx: Transaction) -> list[Transfer]:
        """Save what changed and publish an event per change through ``tx``."""
        await self.crates.save()
        changed = await self.transfers.save()
        for transfer in changed:
            for topic, event in outgoing_events(
                transfer, self.next_stop, missing_reason=self.missing_reason
            ):
                tx.publish(topic, event)
        return changed
