"""Loading and saving crates (``transport.crates``), locked for the transaction like transfers."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import asyncpg
import orjson

from kulkuri.shared.db.schema import checked_schema
from kulkuri.transport.domain.crates import Crate, CrateStatus, CrateStep

_COLUMNS = (
    "crate_id",
    "origin",
    "next_stop",
    "destination",
    "service_day",
    "capacity",
    "status",
    "transfer_ids",
    "van_run",
    "location",
    "history",
    "created_at",
    "status_since",
)
_TYPES = (
    "text",
    "text",
    "text",
    "text",
    "date",
    "int4",
    "text",
    "text",  # a text[] per crate goes in as its JSON text: unnest cannot take text[][]
    "text",
    "text",
    "jsonb",
    "timestamptz",
    "timestamptz",
)


class CrateRepository:
    def __init__(self, conn: asyncpg.Connection, schema: str = "transport") -> None:
        s = checked_schema(schema)
        self.conn = conn
        self.crates: dict[str, Crate] = {}
        self._seen: dict[str, tuple[object, ...]] = {}
        self._by_id_sql = f"SELECT * FROM {s}.crates WHERE crate_id = ANY($1::text[]) FOR UPDATE"
        self._open_sql = (
            f"SELECT * FROM {s}.crates WHERE origin = $1 AND service_day = $2 "
            "AND status = 'open' ORDER BY crate_id FOR UPDATE"
        )
        self._day_lock_sql = "SELECT pg_advisory_xact_lock(hashtext($1))"
        self._count_sql = f"SELECT count(*) FROM {s}.crates WHERE origin = $1 AND service_day = $2"
        names = ", ".join(_COLUMNS)
        params = ", ".join(f"${i}::{t}[]" for i, t in enumerate(_TYPES, start=1))
        selected = ", ".join(
            "ARRAY(SELECT jsonb_array_elements_text(transfer_ids::jsonb))"
            if c == "transfer_ids"
            else c
            for c in _COLUMNS
        )
        updates = ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS[2:] if c != "created_at")
        self._save_sql = (
            f"INSERT INTO {s}.crates ({names}) SELECT {selected} FROM unnest({params}) "
            f"AS r({names}) ON CONFLICT (crate_id) DO UPDATE SET {updates}"
        )

    async def get(self, crate_ids: Iterable[str]) -> dict[str, Crate]:
        wanted = [c for c in dict.fromkeys(crate_ids) if c not in self.crates]
        if wanted:
            self._keep(await self.conn.fetch(self._by_id_sql, wanted))
        return {c: self.crates[c] for c in crate_ids if c in self.crates}

    async def open_at(self, origin: str, service_day: date) -> list[Crate]:
        """The crates still being packed at ``origin`` for ``service_day``."""
        rows = await self.conn.fetch(self._open_sql, origin, service_day)
        self._keep(rows)
        return [self.crates[row["crate_id"]] for row in rows]

    async def next_sequence(self, origin: str, service_day: date) -> int:
        """The number of the day's next crate at ``origin``; the day stays locked until the
        transaction ends, so two packers of one library never get the same number."""
        await self.conn.execute(self._day_lock_sql, f"crates {origin} {service_day}")
        used = await self.conn.fetchval(self._count_sql, origin, service_day)
        return int(used) + 1

    def add(self, crate: Crate) -> None:
        self.crates[crate.crate_id] = crate

    async def save(self) -> list[Crate]:
        changed = [c for c in self.crates.values() if self._seen.get(c.crate_id) != _print(c)]
        if changed:
            rows = [_row(c) for c in changed]
            await self.conn.execute(self._save_sql, *map(list, zip(*rows, strict=True)))
            for crate in changed:
                self._seen[crate.crate_id] = _print(crate)
        return changed

    def _keep(self, rows: list[asyncpg.Record]) -> None:
        for row in rows:
            if row["crate_id"] not in self.crates:
                crate = _crate(row)
                self.crates[crate.crate_id] = crate
                self._seen[crate.crate_id] = _print(crate)


def _print(crate: Crate) -> tuple[object, ...]:
    return (len(crate.history), tuple(crate.manifest), crate.next_stop)


def _row(crate: Crate) -> tuple[Any, ...]:
    return (
        crate.crate_id,
        crate.origin,
        crate.next_stop,
        crate.final_destination,
        crate.service_day,
        crate.capacity,
        crate.status.value,
        orjson.dumps(crate.manifest).decode(),
        crate.van_run,
        crate.location,
        orjson.dumps(
            [
                {
                    "status": s.status.value,
                    "at": s.at.isoformat(),
                    "where": s.where,
                    "detail": s.detail,
                }
                for s in crate.history
            ]
        ).decode(),
        crate.history[0].at,
        crate.history[-1].at,
    )


def _crate(row: asyncpg.Record) -> Crate:
    raw = row["history"]
    steps = orjson.loads(raw) if isinstance(raw, str) else raw
    return Crate(
        crate_id=row["crate_id"],
        origin=row["origin"],
        next_stop=row["next_stop"],
        final_destination=row["destination"],
        service_day=row["service_day"],
        capacity=row["capacity"],
        status=CrateStatus(row["status"]),
        manifest=list(row["transfer_ids"]),
        van_run=row["van_run"],
        location=row["location"],
        history=[
            CrateStep(
                CrateStatus(s["status"]), datetime.fromisoformat(s["at"]), s["where"], s["detail"]
            )
            for s in steps
        ],
    )
