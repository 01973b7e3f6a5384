"""The holds service's own metrics, beside the shared messaging ones."""

from __future__ import annotations

import time
from collections import Counter as Tally
from collections.abc import Iterable

import asyncpg
from prometheus_client import CollectorRegistry, Counter, Gauge

from kulkuri.shared.events.holds import HoldsEvent

_TYPE_PREFIX = "kulkuri.holds."


class HoldsMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.decisions = Counter(
            "kulkuri_holds_decisions_total",
            "Decisions taken, by kind (copy-assigned, transfer-requested, ...). A batch redone "
            "after a fault counts its decisions again.",
            ["kind"],
            registry=registry,
        )
        self.waiting = Gauge(
            "kulkuri_holds_waiting", "Holds waiting for a copy.", registry=registry
        )
        self.oldest_waiting_age = Gauge(
            "kulkuri_holds_oldest_waiting_age_seconds",
            "Age of the oldest hold still waiting for a copy (0 when none waits).",
            registry=registry,
        )

    def count(self, events: Iterable[HoldsEvent]) -> None:
        for kind, n in Tally(_kind(event.type) for event in events).items():
            self.decisions.labels(kind).inc(n)

    async def refresh(self, pool: asyncpg.Pool) -> None:
        """Read the waiting holds from the database (a periodic job, not per event)."""
        row = await pool.fetchrow(
            "SELECT count(*), min(placed_at) FROM holds.holds WHERE status = 'waiting'"
        )
        assert row is not None
        self.waiting.set(row[0])
        oldest = row[1]
        self.oldest_waiting_age.set(0 if oldest is None else time.time() - oldest.timestamp())


def _kind(event_type: str) -> str:
    # kulkuri.holds.transfer-requested.v1 -> transfer-requested
    return event_type.removeprefix(_TYPE_PREFIX).rsplit(".", 1)[0]
