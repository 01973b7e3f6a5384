"""The inbox: one row per handled event (source and id): a redelivery has no second effect."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import asyncpg

from kulkuri.shared.db.schema import checked_schema


class Inbox:
    def __init__(self, schema: str) -> None:
        s = checked_schema(schema)
        # Set-based: one statement per batch, whatever its size.
        self._claim_sql = (
            f"INSERT INTO {s}.inbox (event_key) SELECT unnest($1::text[]) "
            "ON CONFLICT DO NOTHING RETURNING event_key"
        )
        self._purge_sql = f"DELETE FROM {s}.inbox WHERE received_at < now() - $1::interval"

    async def claim(self, conn: asyncpg.Connection, event_keys: Sequence[str]) -> set[str]:
        """Record the keys (source and id) in the caller's transaction; return the new ones."""
        if not event_keys:
            return set()
        rows = await conn.fetch(self._claim_sql, list(event_keys))
        return {row[0] for row in rows}

    async def purge_older_than(self, conn: asyncpg.Connection, days: float) -> int:
        """Forget ids older than any redelivery could be (Kafka retention bounds it)."""
        status = await conn.execute(self._purge_sql, timedelta(days=days))
        return int(status.split()[-1])
