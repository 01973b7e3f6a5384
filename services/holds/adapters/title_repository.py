"""PostgreSQL persistence of ``Title`` aggregates, a batch at a time (schema ``holds``).

A title is its rows in ``items`` and ``holds`` (``bib_id`` ties them together) and its
version in ``titles``. ``load`` reads a batch of titles with one query per table; ``save``
writes a batch in one statement: a set-based upsert per table (``INSERT ... SELECT FROM
unnest(...) ON CONFLICT DO UPDATE``) of only the rows that differ from what this repository
last loaded or saved, so a title that did not change costs nothing and an unchanged batch no
statement, and a new version for each title whose rows were written (``0003``).

With a ``TitleCache`` and ``closed_holds=False`` (the consumer's way), ``load`` first asks
for the titles' versions and reads rows only for titles the cache lacks or holds at another
version; ``keep`` hands titles back to the cache once their batch saved them. Without
closed holds a title has its open holds plus those named in ``named_holds`` (an event may
name a closed one: a second cancellation, say).

One repository per transaction: what it remembers of the rows is only true while the
transaction that read or wrote them is alive (a rolled-back save would leave it believing
rows were written). ``Title.decisions`` is not persisted: the handler layer takes it.

Rows and entities are mapped in ``title_rows.py``. Every field of ``Item`` and ``Hold``
comes back equal. Times come back in UTC (PostgreSQL
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

from collections.abc import Collection, Iterable, Mapping
from typing import Any

import asyncpg
import orjson

from kulkuri.holds.adapters.title_cache import CachedTitle, TitleCache
from kulkuri.holds.adapters.title_rows import (
    HOLD_COLUMNS,
    HOLD_TYPES,
    ITEM_COLUMNS,
    ITEM_TYPES,
    OPEN_HOLD_STATUSES,
    HoldRow,
    ItemRow,
    check_aware,
    hold_from_row,
    hold_row,
    item_from_row,
    item_row,
)
from kulkuri.holds.domain.entities import CLOSED_HOLD
from kulkuri.holds.domain.title import Title
from kulkuri.shared.db.schema import checked_schema


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
    also: tuple[tuple[str, str, str | None], ...] = (),
    first_param: int = 1,
) -> str:
    """``also``: (column, value inserted, value on update or None to keep the stored one)
    beyond the unnest arrays, which are parameters ``first_param`` onwards."""
    params = ", ".join(f"${i}::{kind}[]" for i, kind in enumerate(types, first_param))
    names = ", ".join([*columns, *(c for c, _, _ in also)])
    values = ", ".join(["u.*", *(v for _, v, _ in also)])
    updates = [f"{c} = EXCLUDED.{c}" for c in columns if c not in (key, "bib_id")]
    updates += [f"{c} = {v}" for c, _, v in also if v is not None]
    return f"""
        INSERT INTO {table} AS t ({names})
        SELECT {values} FROM unnest({params}) AS u
        ON CONFLICT ({key}) DO UPDATE SET {", ".join(updates)}
        WHERE t.bib_id = EXCLUDED.bib_id"""


class TitleRepository:
    def __init__(
        self,
        connection: asyncpg.Connection,
        *,
        schema: str = "holds",
        cache: TitleCache | None = None,
    ) -> None:
        self.connection = connection
        self.cache = cache
        s = checked_schema(schema)
        self._schema = s
        self._items_sql = (
            f"SELECT {', '.join(ITEM_COLUMNS)} FROM {s}.items"
            " WHERE bib_id = ANY($1::text[]) ORDER BY ordinal, item_id"
        )
        columns = ", ".join(HOLD_COLUMNS[:-3])
        holds = f"SELECT {columns}, history::text, passed_through, status_since"
        order = " ORDER BY ordinal, placed_at, hold_id"
        self._holds_sql = f"{holds} FROM {s}.holds WHERE bib_id = ANY($1::text[]){order}"
        self._open_holds_sql = (
            f"{holds} FROM {s}.holds WHERE bib_id = ANY($1::text[]) AND status = ANY($2::text[])"
            + order
        )
        self._holds_by_id_sql = f"{holds} FROM {s}.holds WHERE hold_id = ANY($1::text[]){order}"
        self._versions_sql = (
            f"SELECT bib_id, version FROM {s}.titles WHERE bib_id = ANY($1::text[])"
        )
        # An item's status_since: when a transaction last changed its status.
        since = "CASE WHEN t.status = EXCLUDED.status THEN t.status_since ELSE now() END"
        save_items = _upsert_sql(
            f"{s}.items",
            ITEM_COLUMNS,
            ITEM_TYPES,
            "item_id",
            also=(("status_since", "now()", since),),
        )
        save_holds = _upsert_sql(
            f"{s}.holds",
            HOLD_COLUMNS,
            HOLD_TYPES,
            "hold_id",
            also=(("ordinal", f"nextval('{s}.hold_ordinals')", None),),
            first_param=len(ITEM_TYPES) + 1,
        )
        titles = len(ITEM_TYPES) + len(HOLD_TYPES) + 1
        # Items, holds and the new versions of their titles in one statement (one round
        # trip); the counts tell whether a row belonged to another title.
        self._save_sql = f"""
            WITH saved_items AS ({save_items} RETURNING 1),
                 saved_holds AS ({save_holds} RETURNING 1),
                 bumped AS (
                    INSERT INTO {s}.titles AS t (bib_id, version)
                    SELECT b, nextval('{s}.title_versions') FROM unnest(${titles}::text[]) b
                    ON CONFLICT (bib_id) DO UPDATE SET version = EXCLUDED.version
                    RETURNING bib_id, version)
            SELECT (SELECT count(*) FROM saved_items), (SELECT count(*) FROM saved_holds),
                   (SELECT array_agg(bib_id) FROM bumped),
                   (SELECT array_agg(version) FROM bumped)"""
        self._owners_sql = {
            "item": f"SELECT item_id, bib_id FROM {s}.items WHERE item_id = ANY($1::text[])",
            "hold": f"SELECT hold_id, bib_id FROM {s}.holds WHERE hold_id = ANY($1::text[])",
        }
        # Per title of this transaction: its version and its rows as last loaded or saved.
        self._entries: dict[str, CachedTitle] = {}
        # The bib_id each named hold that ``load`` looked up is stored under.
        self.hold_owners: dict[str, str] = {}

    async def item_owners(self, item_ids: Collection[str]) -> dict[str, str]:
        """The bib_id each known copy id is stored under, so a handler can refuse an id that
        another title already owns before it is saved. (For hold ids, ``load`` with
        ``named_holds`` fills ``hold_owners``.)"""
        if not item_ids:
            return {}
        rows = await self.connection.fetch(self._owners_sql["item"], list(item_ids))
        return {row[0]: row[1] for row in rows}

    async def hold_owners_of(self, hold_ids: Collection[str]) -> dict[str, str]:
        """The bib_id each known hold id is stored under (for holds ``load`` did not look
        up: one named by events of two titles in a batch is looked up for one of them)."""
        if not hold_ids:
            return {}
        rows = await self.connection.fetch(self._owners_sql["hold"], list(hold_ids))
        return {row[0]: row[1] for row in rows}

    async def load(
        self,
        bib_ids: Collection[str],
        *,
        closed_holds: bool = True,
        named_holds: Mapping[str, str] | None = None,
    ) -> dict[str, Title]:
        """The titles of ``bib_ids``; a title with no rows is an empty ``Title``.

        ``closed_holds=False``: only open holds, plus the closed ones ``named_holds`` names
        (hold id to the bib_id an event gave it); titles come from the cache, if there is
        one, when it has them at their version. The stored title of every named hold not in
        memory is then in ``hold_owners`` (one query for both).
        """
        if isinstance(bib_ids, str):
            raise TypeError("load takes a collection of bib ids, not one")
        wanted = sorted(set(bib_ids))
        if not wanted:
            return {}
        # Writers of titles (the consumers, the jobs) take the titles' locks first, in one
        # order, so two never load the same title and overwrite each other's save.
        await self.connection.execute(
            "SELECT pg_advisory_xact_lock(hashtext('kulkuri.title:' || b))"
            " FROM unnest($1::text[]) b",
            wanted,
        )
        # Read after the locks are held: a statement's snapshot starts with the statement.
        versions: dict[str, int] = dict(await self.connection.fetch(self._versions_sql, wanted))
        entries = self._entries
        missing = wanted
        if self.cache is not None and not closed_holds:
            cached = self.cache.take(wanted)
            for bib_id, entry in cached.items():
                if entry.version is not None and entry.version == versions.get(bib_id):
                    entries[bib_id] = entry
            missing = [bib_id for bib_id in wanted if bib_id not in entries]
            self.cache.hits += len(wanted) - len(missing)
            self.cache.misses += len(missing)
        for bib_id in missing:
            entries[bib_id] = CachedTitle(Title(bib_id), versions.get(bib_id))
        if missing:
            await self._read_rows(missing, closed_holds)
        if named_holds and not closed_holds:
            absent = [
                hold_id
                for hold_id, bib_id in named_holds.items()
                if bib_id in entries and hold_id not in entries[bib_id].title.holds
            ]
            if absent:
                rows = await self.connection.fetch(self._holds_by_id_sql, absent)
                self.hold_owners.update((row[0], row[1]) for row in rows)
                self._add_holds(
                    row
                    for row in rows
                    if row[1] in entries and row[0] not in entries[row[1]].title.holds
                )
        return {bib_id: entries[bib_id].title for bib_id in wanted}

    async def _read_rows(self, bib_ids: list[str], closed_holds: bool) -> None:
        entries = self._entries
        for row in await self.connection.fetch(self._items_sql, bib_ids):
            item = item_from_row(row)
            entry = entries[row[1]]
            entry.title.items[item.item_id] = item
            entry.items[item.item_id] = tuple(row)
        if closed_holds:
            rows = await self.connection.fetch(self._holds_sql, bib_ids)
        else:
            rows = await self.connection.fetch(self._open_holds_sql, bib_ids, OPEN_HOLD_STATUSES)
        self._add_holds(rows)

    def _add_holds(self, rows: Iterable[asyncpg.Record]) -> None:
        for row in rows:
            entry = self._entries[row[1]]
            hold, legacy = hold_from_row(row)
            entry.title.holds[hold.hold_id] = hold
            if legacy:
                entry.holds.pop(hold.hold_id, None)  # to be written in full on the next save
            else:
                entry.holds[hold.hold_id] = hold_row(row[1], hold)

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
        for bib_id, title in batch.items():
            entry = self._entries.get(bib_id)
            if entry is None or entry.title is not title:
                entry = self._entries[bib_id] = CachedTitle(title, None)
            seen_items, seen_holds = entry.items, entry.holds
            for ordinal, item in enumerate(title.items.values()):
                row = item_row(bib_id, ordinal, item)
                if item.item_id in items:
                    other = items[item.item_id][1]
                    raise TitleConflict("item", {item.item_id: (other, bib_id)})
                if seen_items.get(item.item_id) != row:
                    check_aware(item.last_returned_at, item.item_id)
                    items[item.item_id] = row
            for hold in title.holds.values():
                row = hold_row(bib_id, hold)
                if hold.hold_id in holds:
                    other = holds[hold.hold_id][1]
                    raise TitleConflict("hold", {hold.hold_id: (other, bib_id)})
                if seen_holds.get(hold.hold_id) != row:
                    if not hold.history:
                        raise ValueError(f"{hold.hold_id}: a hold without history")
                    for at in (hold.placed_at, hold.expires_at, *(at for _, at in hold.history)):
                        check_aware(at, hold.hold_id)
                    holds[hold.hold_id] = row
        if not items and not holds:
            return
        item_rows, hold_rows = list(items.values()), list(holds.values())
        item_columns: list[Any] = list(zip(*item_rows, strict=True)) or [[]] * len(ITEM_TYPES)
        no_holds: list[Any] = [[]] * (len(HOLD_TYPES) - 1)  # status_since appended below
        hold_columns: list[Any] = list(zip(*hold_rows, strict=True)) or no_holds
        hold_columns[7] = [orjson.dumps(history).decode() for history in hold_columns[7]]
        hold_columns.append([row[7][-1][1] for row in hold_rows])  # status_since: last move
        written = sorted({row[1] for row in item_rows} | {row[1] for row in hold_rows})
        saved = await self.connection.fetchrow(
            self._save_sql, *item_columns, *hold_columns, written
        )
        assert saved is not None
        if saved[0] != len(item_rows):
            await self._conflict("item", item_rows)
        if saved[1] != len(hold_rows):
            await self._conflict("hold", hold_rows)
        for bib_id, version in zip(saved[2], saved[3], strict=True):
            self._entries[bib_id].version = version
        for item_id, row in items.items():
            self._entries[row[1]].items[item_id] = row
        for hold_id, row in holds.items():
            self._entries[row[1]].holds[hold_id] = row

    def keep(self, titles: Iterable[Title]) -> None:
        """Give titles this transaction loaded or saved to the cache, without their closed
        holds. Call it after the last save, and only for titles no failed step touched."""
        if self.cache is None:
            return
        kept = []
        for title in titles:
            entry = self._entries.get(title.bib_id)
            if entry is None or entry.title is not title:
                continue
            closed = [h for h, hold in title.holds.items() if hold.status in CLOSED_HOLD]
            for hold_id in closed:
                del title.holds[hold_id]
                entry.holds.pop(hold_id, None)
            kept.append(entry)
        self.cache.put(kept)

    async def _conflict(self, kind: str, rows: list[tuple[Any, ...]]) -> None:
        wanted = {row[0]: row[1] for row in rows}
        stored = await self.connection.fetch(self._owners_sql[kind], list(wanted))
        owners = {r[0]: (r[1], wanted[r[0]]) for r in stored if r[1] != wanted[r[0]]}
        raise TitleConflict(kind, owners)
