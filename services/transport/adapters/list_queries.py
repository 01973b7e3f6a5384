"""The lists people work from, read from the database: per library and day, what to pull,
what is packed in which crate, and what should arrive or stays to be scanned in; crate
labels; one transfer's story."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import orjson

from kulkuri.shared.db.schema import checked_schema
from kulkuri.transport.adapters.crate_repository import CrateRepository
from kulkuri.transport.domain.transfer import NOT_YET_LEFT, TransferStatus
from kulkuri.transport.service_layer.views import (
    CrateLabelView,
    PackedCrate,
    PackedItem,
    PackingListView,
    PullLine,
    PullListView,
    ReceivingLine,
    ReceivingListView,
)


class ListQueries:
    def __init__(
        self, names: Mapping[str, str], zone: ZoneInfo, *, schema: str = "transport"
    ) -> None:
        s = checked_schema(schema)
        self.names = names
        self.zone = zone
        self.schema = s
        # A copy sent back to this library before it was pulled stays: it is received here.
        self._pull_sql = (
            f"SELECT * FROM {s}.transfers WHERE from_library = $1 AND status = 'requested' "
            "AND to_library <> from_library AND requested_at < $2 ORDER BY bib_id, item_id"
        )
        self._crates_sql = (
            f"SELECT crate_id FROM {s}.crates WHERE origin = $1 AND service_day = $2 "
            "ORDER BY crate_id"
        )
        self._packed_sql = f"SELECT * FROM {s}.transfers WHERE crate_id = ANY($1::text[])"
        # Copies on their way here (packed for a van of the day or earlier, or on a van), then
        # copies that stay here: sent back to this library before they left it (``stays_put``),
        # listed from the day that happened (the status_since of the re-targeting step).
        self._incoming_sql = f"""
            SELECT * FROM (
                SELECT t.*, c.service_day,
                       t.location = t.to_library AND t.status = ANY($4::text[]) AS stays_put
                  FROM {s}.transfers t
                  LEFT JOIN {s}.crates c ON c.crate_id = t.crate_id
                 WHERE t.to_library = $1
                   AND t.status IN ('requested', 'pulled', 'packed', 'loaded', 'unloaded')
            ) found
             WHERE CASE WHEN stays_put THEN status_since < $3
                        ELSE status IN ('packed', 'loaded', 'unloaded')
                             AND (service_day IS NULL OR service_day <= $2) END
             ORDER BY stays_put, status DESC, crate_id, item_id"""
        self._transfer_sql = f"SELECT * FROM {s}.transfers WHERE transfer_id = $1"
        self._overdue_sql = (
            f"SELECT * FROM {s}.transfers WHERE overdue_at IS NOT NULL "
            "AND status IN ('loaded', 'unloaded') ORDER BY loaded_at LIMIT $1"
        )

    def name(self, library: str) -> str:
        return self.names.get(library, library)

    async def pull_list(self, conn: asyncpg.Connection, library: str, day: date) -> PullListView:
        """Copies to take from the shelf: every transfer from here requested by the day's end."""
        rows = await conn.fetch(self._pull_sql, library, self._end_of(day))
        lines = tuple(
            PullLine(
                item_id=row["item_id"],
                bib_id=row["bib_id"],
                transfer_id=row["transfer_id"],
                to_library=row["to_library"],
                to_library_name=self.name(row["to_library"]),
                reason=row["reason"],
                hold_id=row["hold_id"],
            )
            for row in rows
        )
        return PullListView(library, self.name(library), day, lines)

    async def packing_list(
        self, conn: asyncpg.Connection, library: str, day: date
    ) -> PackingListView:
        ids = [row[0] for row in await conn.fetch(self._crates_sql, library, day)]
        crates = await CrateRepository(conn, self.schema).get(ids)
        # A copy's row names the crate it is in now: one repacked at a hub left the first.
        rows = await conn.fetch(self._packed_sql, ids)
        in_crate = {(row["crate_id"], row["transfer_id"]): row for row in rows}
        packed: list[PackedCrate] = []
        for crate in crates.values():
            items = tuple(
                PackedItem(
                    item_id=row["item_id"],
                    bib_id=row["bib_id"],
                    transfer_id=row["transfer_id"],
                    to_library=row["to_library"],
                    to_library_name=self.name(row["to_library"]),
                )
                for tid in crate.manifest
                if (row := in_crate.get((crate.crate_id, tid))) is not None
                and not _stays(row, library)
            )
            final = crate.final_destination
            packed.append(
                PackedCrate(
                    crate_id=crate.crate_id,
                    next_stop=crate.next_stop,
                    next_stop_name=self.name(crate.next_stop),
                    final_destination=final,
                    capacity=crate.capacity,
                    lines=items,
                    final_destination_name=None if final is None else self.name(final),
                )
            )
        return PackingListView(library, self.name(library), day, tuple(packed))

    async def receiving_list(
        self, conn: asyncpg.Connection, library: str, day: date
    ) -> ReceivingListView:
        """Copies on their way here: packed for a van of the day or earlier, or on a van; and
        copies that stay here, to be scanned in where they stand."""
        not_yet_left = sorted(NOT_YET_LEFT)
        rows = await conn.fetch(self._incoming_sql, library, day, self._end_of(day), not_yet_left)
        lines = tuple(
            ReceivingLine(
                item_id=row["item_id"],
                bib_id=row["bib_id"],
                transfer_id=row["transfer_id"],
                from_library=row["from_library"],
                from_library_name=self.name(row["from_library"]),
                crate_id=row["crate_id"],
                van_run=row["van_run"],
                status=row["status"],
                expected=None if row["stays_put"] else row["service_day"],
                stays_here=row["stays_put"],
            )
            for row in rows
        )
        return ReceivingListView(library, self.name(library), day, lines)

    async def crate_labels(
        self, conn: asyncpg.Connection, crate_ids: list[str]
    ) -> list[CrateLabelView]:
        crates = await CrateRepository(conn, self.schema).get(crate_ids)
        return [CrateLabelView.for_crate(crates[c], self.names) for c in crate_ids if c in crates]

    async def day_crate_ids(self, conn: asyncpg.Connection, library: str, day: date) -> list[str]:
        return [row[0] for row in await conn.fetch(self._crates_sql, library, day)]

    async def transfer(self, conn: asyncpg.Connection, transfer_id: str) -> dict[str, Any] | None:
        row = await conn.fetchrow(self._transfer_sql, transfer_id)
        if row is None:
            return None
        history = row["history"]
        return {
            "transfer_id": row["transfer_id"],
            "item_id": row["item_id"],
            "bib_id": row["bib_id"],
            "from_library": row["from_library"],
            "to_library": row["to_library"],
            "reason": row["reason"],
            "hold_id": row["hold_id"],
            "status": row["status"],
            "location": row["location"],
            "crate_id": row["crate_id"],
            "van_run": row["van_run"],
            "waiting_behind": row["waiting_behind"],
            "overdue_since": _iso(row["overdue_at"]),
            "history": orjson.loads(history) if isinstance(history, str) else history,
        }

    async def overdue(self, conn: asyncpg.Connection, limit: int) -> list[dict[str, Any]]:
        """Transfers reported overdue and still not received, the longest in transit first."""
        return [
            {
                "transfer_id": row["transfer_id"],
                "item_id": row["item_id"],
                "from_library": row["from_library"],
                "to_library": row["to_library"],
                "status": row["status"],
                "location": row["location"],
                "van_run": row["van_run"],
                "loaded_at": _iso(row["loaded_at"]),
                "overdue_since": _iso(row["overdue_at"]),
            }
            for row in await conn.fetch(self._overdue_sql, limit)
        ]

    def _end_of(self, day: date) -> datetime:
        return datetime.combine(day + timedelta(days=1), time(0), self.zone)


def _stays(row: asyncpg.Record, library: str) -> bool:
    """Packed here, and sent back here before a van took it: it is on the receiving list
    (to be taken out of the crate and scanned in), not on the packing list."""
    return bool(row["status"] == TransferStatus.PACKED and row["to_library"] == library)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()
