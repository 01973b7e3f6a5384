"""PostgreSQL persistence of the holds service's items and holds (schema ``holds``)."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from kulkuri.holds.domain.model import HoldStatus, ItemStatus


class HoldsRepository:
    def __init__(self, connection: asyncpg.Connection) -> None:
        self.connection = connection

    async def upsert_item(
        self,
        item_id: str,
        bib_id: str,
        owning_library: str,
        collection: str,
        fmt: str,
        added_at: datetime,
    ) -> None:
        await self.connection.execute(
            """
            INSERT INTO holds.items (item_id, bib_id, owning_library, current_library,
                                     collection, format, status, status_since)
            VALUES ($1, $2, $3, $3, $4, $5, $6, $7)
            ON CONFLICT (item_id) DO UPDATE
               SET bib_id = EXCLUDED.bib_id, owning_library = EXCLUDED.owning_library,
                   collection = EXCLUDED.collection, format = EXCLUDED.format
            """,
            item_id,
            bib_id,
            owning_library,
            collection,
            fmt,
            ItemStatus.ON_SHELF.value,
            added_at,
        )

    async def set_item_status(
        self, item_id: str, status: ItemStatus, library: str | None, since: datetime
    ) -> bool:
        result = await self.connection.execute(
            """
            UPDATE holds.items
               SET status = $2, current_library = coalesce($3, current_library),
                   status_since = $4
             WHERE item_id = $1
            """,
            item_id,
            status.value,
            library,
            since,
        )
        return bool(result != "UPDATE 0")

    async def upsert_hold(
        self,
        hold_id: str,
        bib_id: str,
        pickup_library: str,
        placed_at: datetime,
        expires_at: datetime | None,
    ) -> None:
        await self.connection.execute(
            """
            INSERT INTO holds.holds (hold_id, bib_id, pickup_library, placed_at, expires_at,
                                     status, status_since)
            VALUES ($1, $2, $3, $4, $5, $6, $4)
            ON CONFLICT (hold_id) DO NOTHING
            """,
            hold_id,
            bib_id,
            pickup_library,
            placed_at,
            expires_at,
            HoldStatus.WAITING.value,
        )

    async def set_hold_status(self, hold_id: str, status: HoldStatus, since: datetime) -> bool:
        result = await self.connection.execute(
            "UPDATE holds.holds SET status = $2, status_since = $3 WHERE hold_id = $1",
            hold_id,
            status.value,
            since,
        )
        return bool(result != "UPDATE 0")
