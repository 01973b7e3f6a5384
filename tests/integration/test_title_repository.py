"""``Title`` aggregates saved and loaded in batches on the real database: every field comes
back, a loaded title goes on as the saved one would have, and a batch costs one statement
per table."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from typing import Any

import asyncpg
import pytest

from kulkuri.holds.adapters.title_repository import TitleConflict, TitleRepository
from kulkuri.holds.adapters.title_rows import ITEM_TYPES
from kulkuri.holds.bootstrap import MIGRATIONS
from kulkuri.holds.domain.decisions import Decision, TransferReason, TransferRequested
from kulkuri.holds.domain.model import HoldStatus, ItemStatus
from kulkuri.holds.domain.title import Title
from kulkuri.shared.db.migrations import MigrationSet, current_revision, downgrade, upgrade
from tests.unit.holds.consortia import (
    FLOATING,
    HEINOLA,
    HOME,
    LAHTI,
    LIIPOLA,
    SYSMA,
    at,
    consortium,
    take,
)

pytestmark = pytest.mark.integration

RULES = consortium()
HELSINKI_SUMMER = timezone(timedelta(hours=3))


@pytest.fixture
async def conn(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    await upgrade(MIGRATIONS, database_url)
    connection = await asyncpg.connect(database_url)
    try:
        yield connection
    finally:
        await connection.close()


class Statements:
    """The statements sent on a connection that touch the items or holds tables (asyncpg's
    query logger; asyncpg's own type introspection, once per connection, is left out)."""

    def __init__(self, connection: asyncpg.Connection) -> None:
        self.queries: list[tuple[str, Any]] = []
        connection.add_query_logger(lambda q: self.queries.append((q.query, q.args)))

    async def take(self) -> list[tuple[str, Any]]:
        """The statements since the last take, with their arguments."""
        await asyncio.sleep(0)  # asyncpg calls the loggers soon after, not at once
        taken, self.queries = self.queries, []
        return [(q, a) for q, a in taken if "holds.items" in q or "holds.holds" in q]


def busy_title(bib_id: str) -> Title:
    """A title in most of the states the domain knows: a copy travelling home, one re-targeted
    to the next hold, a hold ready on the shelf, one collected, one queued, one cancelled, a
    withdrawn copy, and times with a UTC offset other than zero."""
    p = f"{bib_id}/"
    book = Title(bib_id)
    book.add_item(RULES, p + "i1", LAHTI, HOME, "book", at(-30))
    book.add_item(RULES, p + "i2", HEINOLA, FLOATING, "book", at(-30))
    book.add_item(RULES, p + "i3", SYSMA, FLOATING, "book", at(-30))
    book.add_item(RULES, p + "i4", LIIPOLA, FLOATING, "book", at(-30))
    book.add_item(RULES, p + "i5", LIIPOLA, FLOATING, "dvd", at(-30))
    book.item_checked_out(RULES, p + "i1", LAHTI, at(-20))
    book.item_checked_out(RULES, p + "i5", LIIPOLA, at(-20))
    book.item_returned(RULES, p + "i1", HEINOLA, at(-10))  # goes home to Lahti: i1:1
    book.place_hold(RULES, p + "h1", SYSMA, at(-5), at(60))  # i3, on Sysmä's own shelf
    book.place_hold(RULES, p + "h2", LIIPOLA, at(-4))  # i4 at Liipola
    book.place_hold(RULES, p + "h3", LAHTI, at(-3))  # i2 travels from Heinola: i2:1
    book.place_hold(RULES, p + "h4", HEINOLA, at(-2))  # queued
    book.item_returned(RULES, p + "i3", SYSMA, at(-1))  # pulled: h1 ready
    book.cancel_hold(RULES, p + "h3", at(-0.5))  # i2 re-targeted to h4 at Heinola
    book.item_checked_out(RULES, p + "i4", LIIPOLA, at(-0.4), hold_id=p + "h2")  # collected
    book.withdraw_item(RULES, p + "i5", at(-0.3))
    placed = at(0).astimezone(HELSINKI_SUMMER)
    book.place_hold(RULES, p + "h5", SYSMA, placed, placed + timedelta(days=90))  # queued
    take(book)
    return book


def digital_title(bib_id: str) -> Title:
    book = Title(bib_id)
    book.add_item(RULES, f"{bib_id}/e1", LAHTI, FLOATING, "ebook", at(-30))
    book.place_hold(RULES, f"{bib_id}/h1", LAHTI, at(-1))  # passed through
    take(book)
    return book


def state(title: Title) -> tuple[Any, ...]:
    """Everything a title holds, in its own order."""
    return (title.bib_id, list(title.items.items()), list(title.holds.items()), title.decisions)


def datetimes(title: Title) -> list[datetime]:
    found: list[datetime | None] = []
    for item in title.items.values():
        found.append(item.last_returned_at)
    for hold in title.holds.values():
        found += [hold.placed_at, hold.expires_at, *(at for _, at in hold.history)]
    return [d for d in found if d is not None]


def go_on(title: Title) -> list[Decision]:
    """The same events after the save, for the saved title and the loaded one."""
    p = f"{title.bib_id}/"
    title.transfer_received(RULES, p + "i2", HEINOLA, at(0.2))  # h4 ready
    title.transfer_received(RULES, p + "i1", LAHTI, at(0.3))  # trapped for h5: i1:2
    title.expire(RULES, at(2), pickup_window=timedelta(days=2))  # h1 ready since at(-1)
    title.item_checked_out(RULES, p + "i1", SYSMA, at(2.5))  # h5 was promised i1: cancelled
    title.item_returned(RULES, p + "i1", LIIPOLA, at(3))  # home again: i1:3
    return take(title)


async def test_a_title_comes_back_field_for_field_and_goes_on_the_same(
    conn: asyncpg.Connection, unique: str
) -> None:
    saved = {t.bib_id: t for t in (busy_title(f"{unique}-busy"), digital_title(f"{unique}-e"))}
    async with conn.transaction():
        await TitleRepository(conn).save(saved.values())
    async with conn.transaction():
        loaded = await TitleRepository(conn).load(list(saved))

    assert loaded.keys() == saved.keys()
    for bib_id, title in saved.items():
        assert state(loaded[bib_id]) == state(title)
        for at_ in datetimes(loaded[bib_id]):
            assert at_.tzinfo is not None
    busy, original = loaded[f"{unique}-busy"], saved[f"{unique}-busy"]
    p = f"{unique}-busy/"
    assert busy.item(p + "i1").transfer_reason is TransferReason.RETURN_TO_OWNER
    assert busy.item(p + "i2").transfer_id == p + "i2:1"
    assert busy.item(p + "i2").destination == HEINOLA
    assert busy.item(p + "i3").status is ItemStatus.ON_HOLD_SHELF
    assert busy.item(p + "i5").status is ItemStatus.WITHDRAWN
    assert busy.hold(p + "h2").status is HoldStatus.COLLECTED
    assert busy.hold(p + "h5").history[0][1].utcoffset() == timedelta(hours=3)
    assert loaded[f"{unique}-e"].hold(f"{unique}-e/h1").passed_through
    busy.check_invariants()

    after = go_on(busy)
    assert after == go_on(original)
    assert state(busy) == state(original)
    requested = [d.transfer_id for d in after if isinstance(d, TransferRequested)]
    assert requested == [p + "i1:2", p + "i1:3"]  # the counter went on from the database

    # And the changes are saved over the old rows.
    async with conn.transaction():
        await TitleRepository(conn).save([busy])
    async with conn.transaction():
        again = await TitleRepository(conn).load([busy.bib_id])
    assert state(again[busy.bib_id]) == state(original)


async def test_unknown_titles_load_empty(conn: asyncpg.Connection, unique: str) -> None:
    repo = TitleRepository(conn)
    loaded = await repo.load([f"{unique}-nothing", f"{unique}-neither"])
    assert {bib: (t.items, t.holds) for bib, t in loaded.items()} == {
        f"{unique}-nothing": ({}, {}),
        f"{unique}-neither": ({}, {}),
    }
    assert await repo.load([]) == {}


async def test_only_changed_rows_are_written(conn: asyncpg.Connection, unique: str) -> None:
    statements = Statements(conn)
    bib = f"{unique}-busy"
    async with conn.transaction():
        repo = TitleRepository(conn)
        await repo.save([busy_title(bib)])
        assert len(await statements.take()) == 1
    async with conn.transaction():
        repo = TitleRepository(conn)
        title = (await repo.load([bib]))[bib]
        await repo.save([title])
        assert len(await statements.take()) == 2, "load only (items, holds): nothing saved"
        title.transfer_received(RULES, f"{bib}/i2", HEINOLA, at(0.2))
        await repo.save([title])
        ((_, args),) = await statements.take()
        item_ids, hold_ids = list(args[0]), list(args[len(ITEM_TYPES)])
        assert (item_ids, hold_ids) == ([f"{bib}/i2"], [f"{bib}/h4"]), "one of each changed"


async def test_an_id_under_another_title_is_refused(conn: asyncpg.Connection, unique: str) -> None:
    first, second = Title(f"{unique}-1"), Title(f"{unique}-2")
    first.add_item(RULES, f"{unique}/i1", LAHTI, FLOATING, "book", at(0))
    second.add_item(RULES, f"{unique}/i1", LAHTI, FLOATING, "book", at(0))
    async with conn.transaction():
        await TitleRepository(conn).save([first])
    with pytest.raises(TitleConflict, match="i1"):
        async with conn.transaction():
            await TitleRepository(conn).save([second])
    with pytest.raises(TitleConflict, match="i1"):
        async with conn.transaction():
            await TitleRepository(conn).save([Title(f"{unique}-0"), second, first])
    with pytest.raises(ValueError, match="two Title objects"):
        await TitleRepository(conn).save([first, Title(first.bib_id)])
    naive = Title(f"{unique}-naive")
    naive.place_hold(RULES, f"{unique}/naive", LAHTI, datetime(2026, 11, 23, 10))
    with pytest.raises(ValueError, match="naive"):
        await TitleRepository(conn).save([naive])


async def test_rows_of_the_first_repository_load_as_titles(
    conn: asyncpg.Connection, unique: str
) -> None:
    bib, p = f"{unique}-old", f"{unique}/"
    # Rows as the service wrote them before migration 0002 (only 0001's columns).
    async with conn.transaction():
        await conn.execute(
            "INSERT INTO holds.items (item_id, bib_id, owning_library, current_library,"
            " collection, format, status, status_since) VALUES ($1, $2, $3, $4, $5, 'book',"
            " 'checked_out', $6)",
            p + "i1",
            bib,
            LAHTI,
            LIIPOLA,
            FLOATING,
            at(-1),
        )
        await conn.executemany(
            "INSERT INTO holds.holds (hold_id, bib_id, pickup_library, placed_at, expires_at,"
            " status, status_since) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            [
                (p + "h1", bib, LIIPOLA, at(-2), None, "filled", at(-1)),
                (p + "h2", bib, LAHTI, at(-2.5), at(9), "waiting", at(-2.5)),
            ],
        )
    repo = TitleRepository(conn)
    title = (await repo.load([bib]))[bib]
    assert title.item(p + "i1").status is ItemStatus.CHECKED_OUT
    assert title.item(p + "i1").current_library == LIIPOLA
    assert title.hold(p + "h1").history == [
        (HoldStatus.WAITING, at(-2)),
        (HoldStatus.COLLECTED, at(-1)),
    ]
    assert title.hold(p + "h2").history == [(HoldStatus.WAITING, at(-2.5))]
    assert list(title.holds) == [p + "h2", p + "h1"]  # in the order placed
    title.check_invariants()
    await repo.save([title])
    assert state((await TitleRepository(conn).load([bib]))[bib]) == state(title)


async def test_two_thousand_titles_save_in_one_statement_and_load_in_one_per_table(
    conn: asyncpg.Connection, unique: str
) -> None:
    libraries = (LAHTI, LIIPOLA, HEINOLA, SYSMA)
    titles: list[Title] = []
    for n in range(2_000):
        book = Title(f"{unique}-{n}")
        for k, library in enumerate(libraries):
            book.add_item(RULES, f"{unique}-{n}/i{k}", library, FLOATING, "book", at(-30))
        book.place_hold(RULES, f"{unique}-{n}/h1", libraries[n % 4], at(-2))  # local copy
        book.place_hold(RULES, f"{unique}-{n}/h2", libraries[n % 4], at(-1))  # travels
        take(book)
        titles.append(book)
    statements = Statements(conn)

    async with conn.transaction():
        started = time.perf_counter()
        await TitleRepository(conn).save(titles)
        saved_in = time.perf_counter() - started
    assert len(await statements.take()) == 1
    async with conn.transaction():
        repo = TitleRepository(conn)
        started = time.perf_counter()
        loaded = await repo.load([t.bib_id for t in titles])
        loaded_in = time.perf_counter() - started
        assert len(await statements.take()) == 2
        started = time.perf_counter()
        await repo.save(loaded.values())
        unchanged_in = time.perf_counter() - started
        assert await statements.take() == []
    assert [state(loaded[t.bib_id]) for t in titles] == [state(t) for t in titles]
    counts = await conn.fetchrow(
        "SELECT (SELECT count(*) FROM holds.items WHERE bib_id LIKE $1),"
        " (SELECT count(*) FROM holds.holds WHERE bib_id LIKE $1)",
        f"{unique}-%",
    )
    assert tuple(counts) == (8_000, 4_000)
    print(
        f"\n2,000 titles (8,000 items, 4,000 holds): save {saved_in * 1e3:.0f} ms,"
        f" load {loaded_in * 1e3:.0f} ms, save unchanged {unchanged_in * 1e3:.0f} ms"
    )


async def test_migrations_go_down_to_0001_and_up_again_keeping_titles(
    database_url: str, unique: str
) -> None:
    own = MigrationSet(schema=f"holds_{unique}", script_location=MIGRATIONS.script_location)
    await upgrade(own, database_url, "0001")
    conn = await asyncpg.connect(database_url)
    try:
        shape_0001 = await columns(conn, own.schema)
        await upgrade(own, database_url)
        assert await current_revision(own, database_url) == "0005"
        book = busy_title(f"{unique}-busy")
        await TitleRepository(conn, schema=own.schema).save([book])

        await downgrade(own, database_url, "0001")
        assert await current_revision(own, database_url) == "0001"
        assert await columns(conn, own.schema) == shape_0001
        n_items = await conn.fetchval(f"SELECT count(*) FROM {own.schema}.items")
        assert n_items == len(book.items)  # 0001's columns keep their data

        await upgrade(own, database_url)
        # 0003 gave the title that was already stored a version.
        versions = await conn.fetch(f"SELECT bib_id FROM {own.schema}.titles")
        assert [r[0] for r in versions] == [book.bib_id]
        again = (await TitleRepository(conn, schema=own.schema).load([book.bib_id]))[book.bib_id]
        assert again.items.keys() == book.items.keys()
        assert {h.hold_id: h.status for h in again.holds.values()} == {
            h.hold_id: h.status for h in book.holds.values()
        }
        await downgrade(own, database_url)
    finally:
        await conn.execute(f"DROP SCHEMA IF EXISTS {own.schema} CASCADE")
        await conn.close()


async def columns(conn: asyncpg.Connection, schema: str) -> dict[str, list[tuple[str, ...]]]:
    rows = await conn.fetch(
        """SELECT table_name, column_name, data_type, is_nullable, column_default
             FROM information_schema.columns WHERE table_schema = $1
            ORDER BY table_name, ordinal_position""",
        schema,
    )
    shape: dict[str, list[tuple[str, ...]]] = {}
    for r in rows:
        shape.setdefault(r[0], []).append(tuple(r[1:]))
    return shape
