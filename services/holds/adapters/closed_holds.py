"""Deleting closed holds: the rows (and the status history in them) of holds collected,
cancelled or expired before a given time.

A closed hold is kept for a while so that a late event naming it (a second cancellation, a
checkout of a copy someone else collected) still finds it and the read API still shows its
story; after the retention it is deleted. A hold that a copy still names is kept: the
``Title`` aggregate would no longer load whole without it.

Writers of titles take the titles' advisory locks in ``bib_id`` order before they read
(``TitleRepository.load``); the purge takes the same locks in the same order, so it never
deletes a hold a consumer has loaded and is about to save again.

No index serves the age of closed holds: with the retention applied, the table holds only a
few months of holds, and one scan an hour of that costs less than keeping another index.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

import asyncpg

from kulkuri.holds.domain.entities import CLOSED_HOLD
from kulkuri.holds.domain.model import HoldStatus
from kulkuri.shared.db.schema import checked_schema

# ``filled`` is the first repository's word for collected.
CLOSED_STATUSES = sorted(status.value for status in CLOSED_HOLD | {HoldStatus.FILLED})


class Purged(NamedTuple):
    found: int  # old enough when looked for; ``limit`` of them: more may wait
    deleted: int  # still old enough under the titles' locks


class ClosedHolds:
    def __init__(self, schema: str = "holds") -> None:
        s = checked_schema(schema)
        purgeable = f"""
            h.status = ANY($1::text[]) AND h.status_since < $2
            AND NOT EXISTS (SELECT 1 FROM {s}.items i WHERE i.hold_id = h.hold_id)"""
        self._candidates_sql = (
            f"SELECT h.hold_id, h.bib_id FROM {s}.holds h WHERE {purgeable} LIMIT $3"
        )
        self._lock_sql = (
            "SELECT pg_advisory_xact_lock(hashtext('kulkuri.title:' || b))"
            " FROM unnest($1::text[]) b"
        )
        # Checked again under the locks: a hold may have been saved since it was picked.
        self._delete_sql = f"""
            WITH gone AS (
                DELETE FROM {s}.holds h WHERE h.hold_id = ANY($3::text[]) AND {purgeable}
                RETURNING 1)
            SELECT count(*) FROM gone"""

    async def purge(self, conn: asyncpg.Connection, closed_before: datetime, limit: int) -> Purged:
        """Delete up to ``limit`` holds closed before ``closed_before``, in one transaction."""
        async with conn.transaction():
            rows = await conn.fetch(self._candidates_sql, CLOSED_STATUSES, closed_before, limit)
            if not rows:
                return Purged(0, 0)
            await conn.execute(self._lock_sql, sorted({row[1] for row in rows}))
            deleted: int = await conn.fetchval(
                self._delete_sql, CLOSED_STATUSES, closed_before, [row[0] for row in rows]
            )
        return Purged(len(rows), deleted)
