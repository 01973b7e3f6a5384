"""The transport service's own metrics, beside the shared messaging ones.

Counters move as things happen (scans, overdue findings); gauges are read from the database
by a periodic job, so they are right after a restart and whichever instance serves them.
"""

from __future__ import annotations

from datetime import datetime
from datetime import time as dt_time
from zoneinfo import ZoneInfo

import asyncpg
from prometheus_client import CollectorRegistry, Counter, Gauge

from kulkuri.shared.db.schema import checked_schema

_STATUSES = (
    "waiting",
    "requested",
    "pulled",
    "packed",
    "loaded",
    "unloaded",
    "received",
    "cancelled",
    "missing",
)


class TransportMetrics:
    def __init__(self, registry: CollectorRegistry, *, schema: str = "transport") -> None:
        s = checked_schema(schema)
        self.scans = Counter(
            "kulkuri_transport_scans_total",
            "Scans taken, by kind (pulled, packed, loaded, unloaded, received) and outcome"
            " (accepted, duplicate, rejected).",
            ["kind", "outcome"],
            registry=registry,
        )
        self.scan_errors = Counter(
            "kulkuri_transport_scan_errors_total",
            "Rejected scans by kind and reason (unknown barcode, out of order, wrong crate...).",
            ["kind", "reason"],
            registry=registry,
        )
        self.overdue_found = Counter(
            "kulkuri_transport_overdue_found_total",
            "Transfers found overdue (a transfer-overdue event each).",
            registry=registry,
        )
        self.missing_declared = Counter(
            "kulkuri_transport_missing_total",
            "Transfers declared missing, by reason (overdue, reported).",
            ["reason"],
            registry=registry,
        )
        self.transfers = Gauge(
            "kulkuri_transport_transfers",
            "Transfers by status (ended ones: those that ended today).",
            ["status"],
            registry=registry,
        )
        self.in_transit = Gauge(
            "kulkuri_transport_items_in_transit",
            "Copies on a van or unloaded short of their destination.",
            registry=registry,
        )
        self.oldest_in_transit_age = Gauge(
            "kulkuri_transport_oldest_in_transit_age_seconds",
            "Time since the copy longest in transit was first loaded (0 when none is).",
            registry=registry,
        )
        self.overdue = Gauge(
            "kulkuri_transport_overdue_open",
            "Open transfers reported overdue and not yet received.",
            registry=registry,
        )
        self.lane_crates = Gauge(
            "kulkuri_transport_lane_crates",
            "Crates packed today per lane (origin -> next stop).",
            ["from_library", "to_library"],
            registry=registry,
        )
        self._status_sql = (
            f"SELECT status, count(*) FROM {s}.transfers "
            "WHERE status NOT IN ('received', 'cancelled', 'missing') OR status_since >= $1 "
            "GROUP BY status"
        )
        self._transit_sql = (
            f"SELECT count(*), min(loaded_at), count(overdue_at) FROM {s}.transfers "
            "WHERE status IN ('loaded', 'unloaded')"
        )
        self._lanes_sql = (
            f"SELECT origin, next_stop, count(*) FROM {s}.crates WHERE service_day = $1 "
            "GROUP BY origin, next_stop"
        )

    async def refresh(self, pool: asyncpg.Pool, now: datetime, zone: ZoneInfo) -> None:
        """Read the gauges from the database (a periodic job); "today" is local to ``zone``."""
        today = now.astimezone(zone).date()
        since = datetime.combine(today, dt_time(0), zone)
        async with pool.acquire() as conn:
            counts = dict(await conn.fetch(self._status_sql, since))
            transit = await conn.fetchrow(self._transit_sql)
            lanes = await conn.fetch(self._lanes_sql, today)
        for status in _STATUSES:
            self.transfers.labels(status).set(counts.get(status, 0))
        assert transit is not None
        self.in_transit.set(transit[0])
        oldest = transit[1]
        self.oldest_in_transit_age.set(0 if oldest is None else (now - oldest).total_seconds())
        self.overdue.set(transit[2])
        self.lane_crates.clear()
        for origin, stop, count in lanes:
            self.lane_crates.labels(origin, stop).set(count)
