"""The inbox: one row per handled event (source and id): a redelivery has no second effect."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import asyncpg

from kulkuri.shared.db.schema import checked_schema


class Inbox:
    def __init__(self, schema: str) -> None:
        s = checked_schema(schema)
        # Set-based: one statement per batch, whatever its size. No RETURNING: sending every
        # key back costs more than the rare second query for a batch that holds duplicates.
        self._claim_sql = (
            f"INSERT INTO {s}.inbox (event_key) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING"
        )
        # Rows this transaction inserted carry its transaction id.
        self._claimed_now_sql = (
            f"SELECT event_key FROM {s}.inbox "
            "WHERE event_key = ANY($1::text[]) AND xmin = pg_current_xact_id()::xid"
        )
        self._purge_sql = f"DELETE FROM {s}.inbox WHERE received_at < now() - $1::interval"

    async def claim(self, conn: asyncpg.Connection, event_keys: Sequence[str]) -> set[str]:
        """Record the keys (source and id) in the caller's transaction; return the new ones."""
        if not event_keys:
            return set()
        keys = set(event_keys)
        status = await conn.execute(self._claim_sql, list(event_keys))
        if int(status.split()[-1]) == len(keys):
            return keys  # the usual case: nothing seen before
        rows = await conn.fetch(self._claimed_now_sql, list(keys))
        return {row[0] for row in rows}

    async def purge_older_than(self, conn: asyncpg.Connection, days: float) -> int:
        """Forget ids older than any redelivery could be (Kafka retention bounds it)."""
        status = await conn.execute(self._purge_sql, timedelta(days=days))
        return int(status.split()[-1])
