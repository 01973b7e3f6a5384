"""Scans from the HTTP API and from the scans topic, each in a savepoint of one transaction.

A handheld scanner uploads what it read, often a batch after a stretch offline, and may send
the same batch again when it did not see the answer. Each scan may carry a ``scan_id``;
one already taken is answered ``duplicate`` and changes nothing. A rejected scan is rolled
back alone: the batch's other scans still count.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import asyncpg

from kulkuri.shared.db.inbox import Inbox
from kulkuri.shared.db.outbox import OutboxStore
from kulkuri.shared.errors import InvalidEventError
from kulkuri.shared.events.scans import ScanRecorded
from kulkuri.shared.messaging import Transaction
from kulkuri.transport.adapters.metrics import TransportMetrics
from kulkuri.transport.domain import RejectedCommand
from kulkuri.transport.service_layer.legs_policy import Legs
from kulkuri.transport.service_layer.rejections import http_status_of, reason_of
from kulkuri.transport.service_layer.scans import Scan, ScanKind, apply_scan
from kulkuri.transport.service_layer.unit_of_work import TransportUnitOfWork

Outcome = Literal["accepted", "duplicate", "rejected"]


@dataclass(frozen=True)
class ScanResult:
    outcome: Outcome
    status: int  # the HTTP status this scan alone would get
    transfers: tuple[str, ...] = ()
    reason: str | None = None
    message: str = ""


class ScanService:
    def __init__(
        self,
        legs: Legs,
        metrics: TransportMetrics | None = None,
        *,
        schema: str = "transport",
    ) -> None:
        self.legs = legs
        self.metrics = metrics
        self.schema = schema
        self._inbox = Inbox(schema)
        self._outbox = OutboxStore(schema)

    async def apply(
        self,
        pool: asyncpg.Pool,
        scans: Sequence[tuple[Scan, str | None]],
    ) -> list[ScanResult]:
        """Apply (scan, scan_id) pairs in order, in one transaction."""
        results: list[ScanResult] = []
        async with pool.acquire() as conn, conn.transaction():
            tx = Transaction(conn)
            for scan, scan_id in scans:
                results.append(await self._one(tx, scan, scan_id))
            await self._outbox.add(conn, tx.outbox)
        for (scan, _), result in zip(scans, results, strict=True):
            self.count(scan, result)
        return results

    async def _one(self, tx: Transaction, scan: Scan, scan_id: str | None) -> ScanResult:
        mark = len(tx.outbox)
        try:
            async with tx.connection.transaction():  # a savepoint
                if scan_id is not None:
                    key = f"scan {scan_id}"
                    if not await self._inbox.claim(tx.connection, [key]):
                        return ScanResult("duplicate", 200, message="already taken")
                uow = TransportUnitOfWork(tx.connection, self.legs.waiting_stop, schema=self.schema)
                moved = await apply_scan(uow, scan, self.legs)
                await uow.commit(tx)
        except RejectedCommand as exc:
            del tx.outbox[mark:]
            return ScanResult("rejected", http_status_of(exc), (), reason_of(exc), str(exc))
        return ScanResult("accepted", 200, tuple(t.transfer_id for t in moved))

    def count(self, scan: Scan, result: ScanResult) -> None:
        if self.metrics is None:
            return
        self.metrics.scans.labels(scan.kind.value, result.outcome).inc()
        if result.reason is not None:
            self.metrics.scan_errors.labels(scan.kind.value, result.reason).inc()


class ScanEventHandler:
    """Scans from ``kulkuri.scans.v1``: the consumer's inbox dedupes them; a rejected scan is
    dead-lettered with the reason its HTTP API would answer (a library outside ``libraries``,
    the network, first: nothing else checks where a crate is unloaded)."""

    def __init__(self, service: ScanService, libraries: frozenset[str]) -> None:
        self.service = service
        self.libraries = libraries

    async def __call__(self, event: ScanRecorded, tx: Transaction) -> None:
        d = event.data
        if d.library not in self.libraries:
            raise InvalidEventError(
                "unknown_library", f"library {d.library!r} is not in the consortium"
            )
        scan = Scan(
            kind=ScanKind(d.kind),
            barcode=d.barcode,
            library=d.library,
            at=d.scanned_at,
            crate_id=d.crate_id,
            van_run=d.van_run,
        )
        service = self.service
        uow = TransportUnitOfWork(tx.connection, service.legs.waiting_stop, schema=service.schema)
        try:
            await apply_scan(uow, scan, service.legs)
        except RejectedCommand as exc:
            service.count(scan, ScanResult("rejected", http_status_of(exc), (), reason_of(exc)))
            raise InvalidEventError(reason_of(exc), str(exc)) from exc
        await uow.commit(tx)
        service.count(scan, ScanResult("accepted", 200))
