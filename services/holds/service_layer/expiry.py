"""Expiry of holds, run on a timer: waiting holds past their ``expires_at`` and holds left
on the hold shelf past the pickup window. Their copies go on to the next hold or their
collection's destination, and the decisions are published like any other.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg

from kulkuri.holds.adapters.decision_events import decision_event
from kulkuri.holds.adapters.demand import DemandCounts
from kulkuri.holds.adapters.metrics import HoldsMetrics
from kulkuri.holds.adapters.title_repository import TitleRepository
from kulkuri.holds.domain.consortium import Consortium
from kulkuri.holds.service_layer.handlers import DEFAULT_ZONE
from kulkuri.shared.db.outbox import OutboxStore
from kulkuri.shared.events.holds import HoldsEvent
from kulkuri.shared.messaging import HOLDS, Transaction

# A cheap pre-filter; the domain decides exactly which holds expire.
_CANDIDATES_SQL = """
    SELECT DISTINCT bib_id FROM holds.holds
     WHERE (status = 'waiting' AND expires_at <= $1)
        OR (status = 'ready' AND status_since <= $2)
"""


class HoldExpiry:
    def __init__(
        self,
        consortium: Consortium,
        metrics: HoldsMetrics | None = None,
        *,
        pickup_window: timedelta,
        zone: ZoneInfo = DEFAULT_ZONE,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.consortium = consortium
        self.metrics = metrics
        self.pickup_window = pickup_window
        self.zone = zone
        self.clock = clock
        self.demand = DemandCounts(consortium)

    async def __call__(self, pool: asyncpg.Pool) -> int:
        """One round; returns how many decisions it published."""
        now = self.clock()
        async with pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(_CANDIDATES_SQL, now, now - self.pickup_window)
            if not rows:
                return 0
            repository = TitleRepository(conn)
            titles = await repository.load([row[0] for row in rows])
            # A copy freed from an expired hold may be one a rebalance collection moves on.
            demand = await self.demand.load(conn, self.demand.titles_to_count(titles), now)
            outgoing: list[HoldsEvent] = []
            for bib_id, title in titles.items():
                title.expire(
                    self.consortium,
                    now,
                    pickup_window=self.pickup_window,
                    today=now.astimezone(self.zone).date(),
                    advisor=None if demand is None else demand.advisor,
                )
                cause = f"expiry {bib_id} {now.isoformat()}"
                outgoing.extend(
                    decision_event(d, bib_id=bib_id, cause=cause, index=i, decided_at=now)
                    for i, d in enumerate(title.decisions)
                )
                title.decisions.clear()
            await repository.save(titles.values())
            tx = Transaction(conn)
            for event in outgoing:
                tx.publish(HOLDS, event)
            await OutboxStore("holds").add(conn, tx.outbox)
        if self.metrics is not None:
            self.metrics.count(outgoing)
        return len(outgoing)
