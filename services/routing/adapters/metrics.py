"""The routing service's own metrics, read from its tables by a periodic job.

Gauges describe the latest plan of today and of tomorrow (whichever instance planned them,
and right after a restart): its cost, distance, van-hours, vans, crates left for the next
day and the solver's time. ``kulkuri_routing_unplanned_days`` counts days whose newest
demand has no plan yet: above zero for long, the planner is stuck.
"""

from __future__ import annotations

from datetime import date, timedelta

import asyncpg
import orjson
from prometheus_client import CollectorRegistry, Gauge

from kulkuri.shared.db.schema import checked_schema

_WHEN = ("today", "tomorrow")


class RoutingMetrics:
    def __init__(self, registry: CollectorRegistry, *, schema: str = "routing") -> None:
        s = checked_schema(schema)

        def gauge(name: str, text: str) -> Gauge:
            return Gauge(name, text, ["when"], registry=registry)

        self.cost = gauge("kulkuri_routing_plan_cost", "The plan's objective (euro cents).")
        self.distance = gauge("kulkuri_routing_plan_distance_metres", "Distance driven.")
        self.duration = gauge("kulkuri_routing_plan_duration_seconds", "Van-hours, in seconds.")
        self.vans = gauge("kulkuri_routing_plan_vans", "Vans used.")
        self.dropped = gauge(
            "kulkuri_routing_plan_dropped_crates", "Crates the plan carries to the next day."
        )
        self.solve = gauge("kulkuri_routing_plan_solve_seconds", "The solver's wall time.")
        self.version = gauge("kulkuri_routing_plan_version", "The plan's version (0: none).")
        self.unplanned = Gauge(
            "kulkuri_routing_unplanned_days",
            "Days whose newest lane demand has no plan yet.",
            registry=registry,
        )
        self._latest_sql = (
            f"SELECT DISTINCT ON (service_day) service_day, version, plan FROM {s}.plans "
            "WHERE service_day = ANY($1::date[]) ORDER BY service_day, version DESC"
        )
        self._unplanned_sql = f"SELECT count(*) FROM {s}.demand WHERE planned_version IS NULL"

    async def refresh(self, pool: asyncpg.Pool, today: date) -> None:
        days = [today, today + timedelta(days=1)]
        async with pool.acquire() as conn:
            rows = {row["service_day"]: row for row in await conn.fetch(self._latest_sql, days)}
            self.unplanned.set(await conn.fetchval(self._unplanned_sql))
        for when, day in zip(_WHEN, days, strict=True):
            row = rows.get(day)
            if row is None:
                for g in (self.cost, self.distance, self.duration, self.vans, self.dropped):
                    g.labels(when).set(0)
                self.solve.labels(when).set(0)
                self.version.labels(when).set(0)
                continue
            raw = row["plan"]
            plan = orjson.loads(raw) if isinstance(raw, str) else raw
            stats = plan.get("stats") or {}
            crates = {s["shipment_id"]: s["crates"] for s in plan.get("shipments", ())}
            self.version.labels(when).set(row["version"])
            self.cost.labels(when).set(stats.get("objective", 0))
            self.solve.labels(when).set(stats.get("wall_s", 0))
            self.distance.labels(when).set(plan["distance_m"])
            self.duration.labels(when).set(plan["duration_s"])
            self.vans.labels(when).set(plan["vans_used"])
            self.dropped.labels(when).set(
                sum(crates.get(d["shipment_id"], 0) for d in plan["dropped"])
            )
