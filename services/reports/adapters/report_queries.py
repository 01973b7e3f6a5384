"""The facts the reports need, read with asyncpg from the services' own schemas.

Each service keeps its tables in its schema (``routing``, ``transport``, ``holds`` unless
configured otherwise); the reports only read them:

- ``routing.plans``: the latest version of each day's plan; of each van's route the JSON
  fields ``van_id``, ``distance_m``, ``duration_s`` and the stops' ``place_id``;
- ``transport.transfers``: ``loaded_at`` (first load, at the origin) and a ``received``
  status with its ``status_since``;
- ``holds.holds``: ``placed_at``, and the status ``history`` (pairs of status and ISO time)
  in which the first ``ready`` or ``collected`` is the hold's filling. Rows from before the
  history column (``history = []``) count as filled at ``status_since`` if their status
  says so (``filled`` being the old word for collected).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import asyncpg

from kulkuri.reports.domain import ItemCounts, Period, PlannedDay, VanDay
from kulkuri.shared.db.schema import checked_schema

_FILLED = "('ready', 'collected', 'filled')"


class ServiceTablesMissing(RuntimeError):
    """The database lacks a service's tables: not migrated, or other schema names."""


@dataclass(frozen=True)
class ReportSchemas:
    routing: str = "routing"
    transport: str = "transport"
    holds: str = "holds"


class PostgresReportReader:
    """A ``ReportReader`` on one connection (or pool: both have ``fetch``)."""

    def __init__(
        self, conn: asyncpg.Connection | asyncpg.Pool, schemas: ReportSchemas = ReportSchemas()
    ) -> None:
        self.conn = conn
        routing = checked_schema(schemas.routing)
        transport = checked_schema(schemas.transport)
        holds = checked_schema(schemas.holds)
        # LEFT JOIN: a day whose plan runs no van is still a day planned.
        self._plans_sql = f"""
            SELECT p.service_day, p.version, r ->> 'van_id' AS van_id,
                   (r ->> 'distance_m')::bigint AS distance_m,
                   (r ->> 'duration_s')::bigint AS duration_s,
                   jsonb_array_length(r -> 'stops') AS stops,
                   ARRAY(SELECT DISTINCT s ->> 'place_id'
                           FROM jsonb_array_elements(r -> 'stops') s) AS places
              FROM (SELECT DISTINCT ON (service_day) service_day, version, plan
                      FROM {routing}.plans
                     WHERE service_day BETWEEN $1 AND $2
                     ORDER BY service_day, version DESC) p
              LEFT JOIN LATERAL jsonb_array_elements(p.plan -> 'routes') r ON true
             ORDER BY p.service_day, van_id"""
        self._sent_sql = f"""
            SELECT from_library AS library, count(*) AS n FROM {transport}.transfers
             WHERE loaded_at >= $1 AND loaded_at < $2 GROUP BY from_library"""
        self._received_sql = f"""
            SELECT to_library AS library, count(*) AS n FROM {transport}.transfers
             WHERE status = 'received' AND status_since >= $1 AND status_since < $2
             GROUP BY to_library"""
        self._placed_sql = f"""
            SELECT pickup_library AS library, count(*) AS n FROM {holds}.holds
             WHERE placed_at >= $1 AND placed_at < $2 AND NOT passed_through
             GROUP BY pickup_library"""
        # A hold's last move (status_since) is never before its filling: that bound lets the
        # scan skip holds that were done with before the period.
        self._filled_sql = f"""
            SELECT library, extract(epoch FROM filled_at - placed_at)::float8 AS seconds
              FROM (SELECT pickup_library AS library, placed_at,
                           CASE WHEN history = '[]'::jsonb THEN
                                CASE WHEN status IN {_FILLED} THEN status_since END
                           ELSE (SELECT min((h ->> 1)::timestamptz)
                                   FROM jsonb_array_elements(history) h
                                  WHERE h ->> 0 IN {_FILLED}) END AS filled_at
                      FROM {holds}.holds
                     WHERE NOT passed_through AND status_since >= $1 AND placed_at < $2) f
             WHERE filled_at >= $1 AND filled_at < $2"""

    async def planned_days(self, period: Period) -> list[PlannedDay]:
        rows = await self._fetch(self._plans_sql, period.first, period.last)
        days: dict[tuple[date, int], list[VanDay]] = {}
        for row in rows:
            vans = days.setdefault((row["service_day"], row["version"]), [])
            if row["van_id"] is not None:
                vans.append(
                    VanDay(
                        van_id=row["van_id"],
                        distance_m=row["distance_m"],
                        duration_s=row["duration_s"],
                        stops=row["stops"],
                        places=frozenset(row["places"]),
                    )
                )
        return [PlannedDay(day, version, tuple(vans)) for (day, version), vans in days.items()]

    async def items_moved(self, start: datetime, end: datetime) -> dict[str, ItemCounts]:
        sent = await self._counts(self._sent_sql, start, end)
        received = await self._counts(self._received_sql, start, end)
        return {
            library: ItemCounts(sent.get(library, 0), received.get(library, 0))
            for library in sent.keys() | received.keys()
        }

    async def holds_placed(self, start: datetime, end: datetime) -> dict[str, int]:
        return await self._counts(self._placed_sql, start, end)

    async def hold_seconds(self, start: datetime, end: datetime) -> dict[str, list[float]]:
        found: dict[str, list[float]] = {}
        for row in await self._fetch(self._filled_sql, start, end):
            found.setdefault(row["library"], []).append(row["seconds"])
        return found

    async def _counts(self, sql: str, start: datetime, end: datetime) -> dict[str, int]:
        return {row["library"]: row["n"] for row in await self._fetch(sql, start, end)}

    async def _fetch(self, sql: str, *args: object) -> list[asyncpg.Record]:
        try:
            rows: list[asyncpg.Record] = await self.conn.fetch(sql, *args)
        except asyncpg.UndefinedTableError as exc:
            raise ServiceTablesMissing(
                f"{exc}: the reports read the routing, transport and holds services' tables; "
                "run 'kulkuri migrate' on this database, or name the schemas (REPORTS_*_SCHEMA)"
            ) from exc
        return rows
