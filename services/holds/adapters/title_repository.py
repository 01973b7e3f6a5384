"""PostgreSQL persistence of ``Title`` aggregates, a batch at a time (schema ``holds``).

A title is its rows in ``items`` and ``holds`` (``bib_id`` ties them together; there is no
title row). ``load`` reads a batch of titles with one query per table; ``save`` writes a
batch with one set-based upsert per table (``INSERT ... SELECT FROM unnest(...) ON
CONFLICT DO UPDATE``), and only the rows that differ from what this repository last loaded
or saved, so a title that did not change costs nothing and an unchanged batch no statement.

One repository per transaction: what it remembers of the rows is only true while the
transaction that read or wrote them is alive (a rolled-back save would leave it believing
rows were written). ``Title.decisions`` is not persisted: the handler layer takes it.

Every field of ``Item`` and ``Hold`` comes back equal. Times come back in UTC (PostgreSQL
keeps the instant, not the offset) except inside a hold's ``history``, which is JSON and
keeps the offset it was given. The domain never removes a copy or a hold from a title, so
rows are never deleted. ``items.status_since`` is no entity field: it is kept as the time of
the transaction that changed the copy's status; ``holds.status_since`` is the time of the
hold's last move.

Rows written by the first repository (``repository.py``, 0001's columns only) read as well:
such a hold, with no history, reads as placed and then moved once to its status, ``filled``
read as ``collected``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any

import asyncpg
import orjson

from kulkuri.holds.domain.decisions import TransferReason
from kulkuri.holds.domain.entities import Hold, Item
from kulkuri.holds.domain.model import HoldStatus, ItemStatus
from kulkuri.holds.domain.title import Title
from kulkuri.shared.db.schema import checked_schema

# The columns in the order of the rows below (and of the unnest arrays).
ITEM_COLUMNS = (
    "item_id",
    "bib_id",
    "ordinal",
    "owning_library",
    "collection",
    "format",
    "current_library",
    "status",
    "last_returned_at",
    "hold_id",
    "destination",
    "transfer_id",
    "transfer_reason",
    "transfers",
)
ITEM_TYPES = (
    "text",
    "text",
    "int4",
    "text",
    "text",
    "text",
    "text",
    "text",
    "timestamptz",
    "text",
    "text",
    "text",
    "text",
    "int4",
)
HOLD_COLUMNS = (
    "hold_id",
    "bib_id",
    "ordinal",
    "pickup_library",
    "placed_at",
    "expires_at",
    "status",
    "item_id",
    "history",
    "passed_through",
    "status_since",
)
HOLD_TYPES = (
    "text",
    "text",
    "int4",
    "text",
    "timestamptz",
    "timestamptz",
    "text",
    "text",
    "jsonb",
    "bool",
    "timestamptz",
)
_ITEM_STATUS = {status.value: status for status in ItemStatus}
_HOLD_STATUS = {status.value: status for status in HoldStatus}
_REASON = {reason.value: reason for reason in TransferReason}

ItemRow = tuple[Any, ...]
HoldRow = tuple[Any, ...]


class TitleConflict(Exception):
    """A copy or hold id is already stored under another title, or appears in two titles of
    one batch. Raised part-way through ``save``: the transaction must be rolled back."""

    def __init__(self, kind: str, owners: dict[str, tuple[str, str]]) -> None:
        listed = ", ".join(f"{id_!r} ({a} vs {b})" for id_, (a, b) in sorted(owners.items()))
        super().__init__(f"{kind} stored under another bib_id: {listed}")
        self.kind = kind
        self.owners = owners


def _upsert_sql(
    table: str,
    columns: tuple[str, ...],
    types: tuple[str, ...],
    key: str,
    *,
    also: tuple[tuple[str, str, str], ...] = (),
) -> str:
    """``also``: (column, value inserted, value on update) beyond the unnest arrays."""
    params = ", ".join(f"${i}::{kind}[]" for i, kind in enumerate(types, 1))
    names = ", ".join([*columns, *(c for c, _, _ in also)])
    values = ", ".join(["u.*", *(v for _, v, _ in also)])
    updates = [f"{c} = EXCLUDED.{c}" for c in columns if c not in (key, "bib_id")]
    updates += [f"{c} = {v}" for c, _, v in also]
    return f"""
        INSERT INTO {table} AS t ({names})
        SELECT {values} FROM unnest({params}) AS u
        ON CONFLICT ({key}) DO UPDATE SET {", ".join(updates)}
        WHERE t.bib_id = EXCLUDED.bib_id"""


def _row_count(tag: str) -> int:
    return int(tag.rsplit(" ", 1)[1])


def _aware(at: datetime | None, entity: str) -> None:
    if at is not None and at.tzinfo is None:
        raise ValueError(f"{entity}: naive datetime {at.isoformat()} (times must be tz-aware)")


def _item_row(bib_id: str, ordinal: int, item: Item) -> ItemRow:
    return (
        item.item_id,
        bib_id,
        ordinal,
        item.owning_library,
        item.collection,
        item.format,
        item.current_library,
        item.status,
        item.last_returned_at,
        item.hold_id,
        item.destination,
        item.transfer_id,
        item.transfer_reason,
        item.transfers,
    )


def _hold_row(bib_id: str, ordinal: int, hold: Hold) -> HoldRow:
    """Without status_since; ``history`` as a tuple of (status, at) pairs."""
    return (
        hold.hold_id,
        bib_id,
        ordinal,
        hold.pickup_library,
        hold.placed_at,
        hold.expires_at,
        hold.status,
        hold.item_id,
        tuple(hold.history),
        hold.passed_through,
    )


def _item(row: asyncpg.Record) -> Item:
    reason = row[12]
    return Item(
        item_id=row[0],
        owning_library=row[3],
        collection=row[4],
        format=row[5],
        current_library=row[6],
        status=_ITEM_STATUS.get(row[7]) or ItemStatus(row[7]),
        last_returned_at=row[8],
        hold_id=row[9],
        destination=row[10],
        transfer_id=row[11],
        transfer_reason=None if reason is None else (_REASON.get(reason) or TransferReason(reason)),
        transfers=row[13],
    )


def _hold_status(value: str) -> HoldStatus:
    return _HOLD_STATUS.get(value) or HoldStatus(value)


def _history(raw: str) -> list[tuple[HoldStatus, datetime]]:
    return [(_hold_status(status), datetime.fromisoformat(at)) for status, at in orjson.loads(raw)]


class TitleRepository:
    def __init__(self, connection: asyncpg.Connection, *, schema: str = "holds") -> None:
        self.connection = connection
        s = checked_schema(schema)
        self._schema = s
        self._items_sql = (
            f"SELECT {', '.join(ITEM_COLUMNS)} FROM {s}.items"
            " WHERE bib_id = ANY($1::text[]) ORDER BY ordinal, item_id"
        )
        self._holds_sql = (
            f"SELECT {', '.join(HOLD_COLUMNS[:-3])}, history::text, passed_through, status_since"
            f" FROM {s}.holds WHERE bib_id = ANY($1::text[]) ORDER BY ordinal, placed_at, hold_id"
        )
        # An item's status_since: when a transaction last changed its status.
        since = "CASE WHEN t.status = EXCLUDED.status THEN t.status_since ELSE now() END"
        self._save_items_sql = _upsert_sql(
            f"{s}.items",
            ITEM_COLUMNS,
            ITEM_TYPES,
            "item_id",
            also=(("status_since", "now()", since),),
        )
        self._save_holds_sql = _upsert_sql(f"{s}.holds", HOLD_COLUMNS, HOLD_TYPES, "hold_id")
        self._owners_sql = {
            "item": f"SELECT item_id, bib_id FROM {s}.items WHERE item_id = ANY($1::text[])",
            "hold": f"SELECT hold_id, bib_id FROM {s}.holds WHERE hold_id = ANY($1::text[])",
        }
        # The rows as last loaded or saved, by item_id and by hold_id.
        self._items: dict[str, ItemRow] = {}
        self._holds: dict[str, HoldRow] = {}

    async def titles_of(
        self, item_ids: Collection[str], hold_ids: Collection[str]
    ) -> dict[str, str]:
        """The bib_id each known copy or hold id is stored under (one query per table), so a
        handler can refuse an id that another title already owns before it is saved."""
        owners: dict[str, str] = {}
        for table, column, ids in (("items", "item_id", item_ids), ("holds", "hold_id", hold_ids)):
            if ids:
                rows = await self.connection.fetch(
                    f"SELECT {column}, bib_id FROM {self._schema}.{table}"
                    f" WHERE {column} = ANY($1::text[])",
                    list(ids),
                )
                owners.update((row[0], row[1]) for row in rows)
        return owners

    async def load(self, bib_ids: Collection[str]) -> dict[str, Title]:
        """The titles of ``bib_ids``; a title with no rows is an empty ``Title``."""
        if isinstance(bib_ids, str):
            raise TypeError("load takes a collection of bib ids, not one")
        titles = {bib_id: Title(bib_id) for bib_id in bib_ids}
        if not titles:
            return titles
        wanted = sorted(titles)
        # Writers of titles (the consumers, the expiry job) take the titles' locks first, in
        # one order, so two never load the same title and overwrite each other's save.
        await self.connection.execute(
            "SELECT pg_advisory_xact_lock(hashtext('kulkuri.title:' || b))"
            " FROM unnest($1::text[]) b",
            wanted,
        )
        item_rows = await self.connection.fetch(self._items_sql, wanted)
        hold_rows = await self.connection.fetch(self._holds_sql, wanted)
        seen_items, seen_holds = self._items, self._holds
        for row in item_rows:
            item = _item(row)
            titles[row[1]].items[item.item_id] = item
            seen_items[item.item_id] = tuple(row)
        for row in hold_rows:
            raw, status = row[8], _hold_status(row[6])
            if raw == "[]":  # written with 0001's columns only
                history = [(HoldStatus.WAITING, row[4])]
                if status is HoldStatus.FILLED:
                    status = HoldStatus.COLLECTED
                if status is not HoldStatus.WAITING:
                    history.append((status, row[10]))
                seen_holds.pop(row[0], None)  # to be written in full on the next save
            else:
                history = _history(raw)
            hold = Hold(
                hold_id=row[0],
                pickup_library=row[3],
                placed_at=row[4],
                expires_at=row[5],
                status=status,
                item_id=row[7],
                history=history,
                passed_through=row[9],
            )
            titles[row[1]].holds[hold.hold_id] = hold
            if raw != "[]":
                seen_holds[hold.hold_id] = _hold_row(row[1], row[2], hold)
        return titles

    async def save(self, titles: Iterable[Title]) -> None:
        """Upsert the rows of ``titles`` that changed since this repository last saw them.

        Raises ``TitleConflict`` if a copy or hold id belongs to another title, and
        ``ValueError`` for a naive datetime or a hold without history; the transaction
        must then be rolled back.
        """
        batch: dict[str, Title] = {}
        for title in titles:
            if batch.setdefault(title.bib_id, title) is not title:
                raise ValueError(f"two Title objects for bib_id {title.bib_id!r} in one save")
        items: dict[str, ItemRow] = {}
        holds: dict[str, HoldRow] = {}
        seen_items, seen_holds = self._items, self._holds
        for bib_id, title in batch.items():
            for ordinal, item in enumerate(title.items.values()):
                item_row = _item_row(bib_id, ordinal, item)
                if item.item_id in items:
                    other = items[item.item_id][1]
                    raise TitleConflict("item", {item.item_id: (other, bib_id)})
                if seen_items.get(item.item_id) != item_row:
                    _aware(item.last_returned_at, item.item_id)
                    items[item.item_id] = item_row
            for ordinal, hold in enumerate(title.holds.values()):
                hold_row = _hold_row(bib_id, ordinal, hold)
                if hold.hold_id in holds:
                    other = holds[hold.hold_id][1]
                    raise TitleConflict("hold", {hold.hold_id: (other, bib_id)})
                if seen_holds.get(hold.hold_id) != hold_row:
                    if not hold.history:
                        raise ValueError(f"{hold.hold_id}: a hold without history")
                    for at in (hold.placed_at, hold.expires_at, *(at for _, at in hold.history)):
                        _aware(at, hold.hold_id)
                    holds[hold.hold_id] = hold_row
        if items:
            rows = list(items.values())
            tag = await self.connection.execute(self._save_items_sql, *zip(*rows, strict=True))
            if _row_count(tag) != len(rows):
                await self._conflict("item", rows)
            seen_items.update(items)
        if holds:
            rows = list(holds.values())
            columns: list[Any] = list(zip(*rows, strict=True))
            columns[8] = [orjson.dumps(history).decode() for history in columns[8]]
            columns.append([row[8][-1][1] for row in rows])  # status_since: the last move
            tag = await self.connection.execute(self._save_holds_sql, *columns)
            if _row_count(tag) != len(rows):
                await self._conflict("hold", rows)
            seen_holds.update(holds)

    async def _conflict(self, kind: str, rows: list[tuple[Any, ...]]) -> None:
        wanted = {row[0]: row[1] for row in rows}
        stored = await self.connection.fetch(self._owners_sql[kind], list(wanted))
        owners = {r[0]: (r[1], wanted[r[0]]) for r in stored if r[1] != wanted[r[0]]}
        raise TitleConflict(kind, owners)
