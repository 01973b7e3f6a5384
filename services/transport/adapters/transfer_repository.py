"""Loading and saving transfers: a ``TransportLedger`` per unit of work.

A command about a copy needs all of that copy's open transfers (they run one at a time), so
the repository loads them together and locks their rows until the transaction ends: a scan
over HTTP and a decision from the holds service about the same copy take turns. Only the
transfers a command changed are written back.
"""

from __future__ import annotations

from collections.abc import Iterable

import asyncpg

from kulkuri.shared.db.schema import checked_schema
from kulkuri.transport.adapters.transfer_rows import (
    COLUMNS,
    TYPES,
    fingerprint,
    transfer_from_row,
    transfer_row,
)
from kulkuri.transport.domain import Transfer, TransportLedger

_ENDED = "('received', 'cancelled', 'missing')"


class TransferRepository:
    def __init__(self, conn: asyncpg.Connection, schema: str = "transport") -> None:
        s = checked_schema(schema)
        self.conn = conn
        self.ledger = TransportLedger()
        self._seen: dict[str, tuple[object, ...]] = {}
        self._load_sql = (
            f"SELECT * FROM {s}.transfers WHERE transfer_id = ANY($2::text[]) "
            f"OR (item_id = ANY($1::text[]) AND status NOT IN {_ENDED}) "
            "ORDER BY seq FOR UPDATE"
        )
        self._items_sql = (
            f"SELECT transfer_id, item_id FROM {s}.transfers WHERE transfer_id = ANY($1::text[])"
        )
        self._open_item_sql = (
            f"SELECT DISTINCT item_id FROM {s}.transfers WHERE crate_id = ANY($1::text[]) "
            f"AND status NOT IN {_ENDED}"
        )
        names = ", ".join(COLUMNS)
        params = ", ".join(f"${i}::{t}[]" for i, t in enumerate(TYPES, start=1))
        updates = ", ".join(f"{c} = excluded.{c}" for c in COLUMNS[7:-1])
        self._save_sql = (
            f"INSERT INTO {s}.transfers ({names}) SELECT * FROM unnest({params}) "
            f"ON CONFLICT (transfer_id) DO UPDATE SET {updates}, "
            f"loaded_at = coalesce({s}.transfers.loaded_at, excluded.loaded_at)"
        )

    async def load(
        self, *, item_ids: Iterable[str] = (), transfer_ids: Iterable[str] = ()
    ) -> TransportLedger:
        """Add to the ledger the named transfers and every open transfer of the named
        copies and of the named transfers' copies, locked until the transaction ends."""
        wanted_transfers = [t for t in dict.fromkeys(transfer_ids) if t not in self._seen]
        items = set(item_ids)
        if wanted_transfers:
            rows = await self.conn.fetch(self._items_sql, wanted_transfers)
            items.update(row["item_id"] for row in rows)
        items -= {t.item_id for t in self.ledger.transfers.values()}
        if not items and not wanted_transfers:
            return self.ledger
        rows = await self.conn.fetch(self._load_sql, sorted(items), wanted_transfers)
        for row in rows:
            if row["transfer_id"] in self._seen:
                continue
            transfer = transfer_from_row(row)
            self.ledger.transfers[transfer.transfer_id] = transfer
            self._seen[transfer.transfer_id] = fingerprint(transfer)
            if transfer.is_open:
                self.ledger.open_by_item.setdefault(transfer.item_id, []).append(
                    transfer.transfer_id
                )
        return self.ledger

    async def load_crates(self, crate_ids: Iterable[str]) -> TransportLedger:
        """The open transfers packed in these crates, with their copies' other transfers."""
        rows = await self.conn.fetch(self._open_item_sql, list(dict.fromkeys(crate_ids)))
        return await self.load(item_ids=[row["item_id"] for row in rows])

    def changed(self) -> list[Transfer]:
        return [
            t
            for t in self.ledger.transfers.values()
            if self._seen.get(t.transfer_id) != fingerprint(t)
        ]

    async def save(self) -> list[Transfer]:
        """Write the transfers created or changed since loading; returns them."""
        changed = self.changed()
        if changed:
            rows = [transfer_row(t) for t in changed]
            await self.conn.execute(self._save_sql, *map(list, zip(*rows, strict=True)))
            for transfer in changed:
                self._seen[transfer.transfer_id] = fingerprint(transfer)
        return changed
