"""Retention of hold history, run on a timer: holds closed longer ago than
``HOLDS_HISTORY_RETENTION_DAYS`` are deleted with their status history, a batch per
transaction so that consumers waiting on the same titles wait briefly.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import asyncpg

from kulkuri.holds.adapters.closed_holds import ClosedHolds

log = logging.getLogger(__name__)


class HoldHistoryRetention:
    def __init__(
        self,
        retention: timedelta,
        *,
        schema: str = "holds",
        batch: int = 2_000,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.retention = retention
        self.batch = batch
        self.clock = clock
        self._holds = ClosedHolds(schema)

    async def __call__(self, pool: asyncpg.Pool) -> int:
        """One round; returns how many holds it deleted."""
        closed_before = self.clock() - self.retention
        deleted = 0
        while True:
            async with pool.acquire() as conn:
                purged = await self._holds.purge(conn, closed_before, self.batch)
            deleted += purged.deleted
            if purged.found < self.batch:
                break
        if deleted:
            log.info(
                "deleted closed holds past their retention",
                extra={"holds": deleted, "closed_before": closed_before.isoformat()},
            )
        return deleted
