"""The routing service's tables: each day's latest lane demand, and every plan of a day."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import asyncpg
import orjson

from kulkuri.routing.adapters.plan_json import plan_from_json, plan_to_json
from kulkuri.routing.domain.demand import LaneCrates
from kulkuri.routing.domain.plan import RoutePlan
from kulkuri.routing.domain.problem import Shipment
from kulkuri.shared.db.schema import checked_schema


@dataclass(frozen=True)
class StoredPlan:
    service_day: date
    version: int
    plan: RoutePlan
    reason: str  # "demand", "api", "replan: ..."
    planned_at: datetime
    shipments: dict[str, Shipment]  # what the plan's shipment ids stand for


class PlanStore:
    def __init__(self, schema: str = "routing") -> None:
        s = checked_schema(schema)
        self._save_demand_sql = (
            f"INSERT INTO {s}.demand (service_day, lanes, received_at, source_event) "
            "VALUES ($1, $2::jsonb, $3, $4) ON CONFLICT (service_day) DO UPDATE SET "
            "lanes = excluded.lanes, received_at = excluded.received_at, "
            "source_event = excluded.source_event, planned_version = NULL "
            f"WHERE {s}.demand.received_at <= excluded.received_at"
        )
        self._demand_sql = f"SELECT lanes FROM {s}.demand WHERE service_day = $1"
        self._unplanned_sql = (
            f"SELECT service_day FROM {s}.demand WHERE planned_version IS NULL "
            "ORDER BY service_day FOR UPDATE SKIP LOCKED LIMIT 1"
        )
        self._mark_sql = f"UPDATE {s}.demand SET planned_version = $2 WHERE service_day = $1"
        self._next_version_sql = (
            f"SELECT coalesce(max(version), 0) + 1 FROM {s}.plans WHERE service_day = $1"
        )
        self._save_plan_sql = (
            f"INSERT INTO {s}.plans (service_day, version, plan, reason, planned_at) "
            "VALUES ($1, $2, $3::jsonb, $4, $5)"
        )
        self._latest_sql = (
            f"SELECT * FROM {s}.plans WHERE service_day = $1 ORDER BY version DESC LIMIT 1"
        )
        self._lock_day_sql = "SELECT pg_advisory_xact_lock(hashtext('routing ' || $1::text))"

    async def save_demand(
        self,
        conn: asyncpg.Connection,
        day: date,
        lanes: list[LaneCrates],
        received_at: datetime,
        source_event: str,
    ) -> None:
        """Keep the day's newest demand (by publication time); it waits to be planned."""
        raw = [lane.__dict__ for lane in lanes]
        await conn.execute(
            self._save_demand_sql, day, orjson.dumps(raw).decode(), received_at, source_event
        )

    async def demand(self, conn: asyncpg.Connection, day: date) -> list[LaneCrates] | None:
        raw = await conn.fetchval(self._demand_sql, day)
        if raw is None:
            return None
        return [LaneCrates(**lane) for lane in _json(raw)]

    async def mark_unplannable(self, conn: asyncpg.Connection, day: date) -> None:
        """The day's demand cannot be planned (version 0): not tried again until new demand
        for the day arrives or a coordinator plans it with other lanes."""
        await conn.execute(self._mark_sql, day, 0)

    async def take_unplanned_day(self, conn: asyncpg.Connection) -> date | None:
        """A day whose newest demand has no plan yet, locked for this transaction."""
        day: date | None = await conn.fetchval(self._unplanned_sql)
        return day

    async def save_plan(
        self,
        conn: asyncpg.Connection,
        plan: RoutePlan,
        shipments: Iterable[Shipment],
        reason: str,
        planned_at: datetime,
        *,
        from_demand: bool = False,
    ) -> int:
        """Store the day's next version; returns it. The day is locked for the transaction."""
        await conn.execute(self._lock_day_sql, plan.day.isoformat())
        version = int(await conn.fetchval(self._next_version_sql, plan.day))
        raw = {**plan_to_json(plan), "shipments": [s.__dict__ for s in shipments]}
        body = orjson.dumps(raw).decode()
        await conn.execute(self._save_plan_sql, plan.day, version, body, reason, planned_at)
        if from_demand:
            await conn.execute(self._mark_sql, plan.day, version)
        return version

    async def latest(self, conn: asyncpg.Connection, day: date) -> StoredPlan | None:
        row = await conn.fetchrow(self._latest_sql, day)
        if row is None:
            return None
        raw = _json(row["plan"])
        shipments = [Shipment(**s) for s in raw.get("shipments", ())]
        return StoredPlan(
            service_day=row["service_day"],
            version=row["version"],
            plan=plan_from_json(raw),
            reason=row["reason"],
            planned_at=row["planned_at"],
            shipments={s.shipment_id: s for s in shipments},
        )


def _json(raw: Any) -> Any:
    return orjson.loads(raw) if isinstance(raw, str) else raw
