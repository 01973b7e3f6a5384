"""Titles kept in memory between transactions (``TitleCache``) on the real database: a title
is read again only when another writer changed it or the save that cached it never
committed, closed holds leave memory but come back when named, and ordinals keep a title's
holds in the order they were placed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from unittest.mock import ANY

import asyncpg
import pytest

from kulkuri.holds.adapters.title_cache import TitleCache
from kulkuri.holds.adapters.title_repository import TitleRepository
from kulkuri.holds.bootstrap import MIGRATIONS
from kulkuri.holds.domain.decisions import Anomaly
from kulkuri.holds.domain.model import HoldStatus
from kulkuri.holds.domain.title import Title
from kulkuri.shared.db.migrations import upgrade
from tests.integration.test_title_repository import Statements, busy_title, state
from tests.unit.holds.consortia import FLOATING, HEINOLA, LAHTI, SYSMA, at, consortium, take

pytestmark = pytest.mark.integration

RULES = consortium()


@pytest.fixture
async def conn(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    await upgrade(MIGRATIONS, database_url)
    connection = await asyncpg.connect(database_url)
    try:
        yield connection
    finally:
        await connection.close()


def row_reads(statements: list[tuple[str, object]]) -> list[str]:
    return [q for q, _ in statements if q.lstrip().startswith("SELECT")]


async def cycle(
    conn: asyncpg.Connection, cache: TitleCache, bib_id: str, change: object = None
) -> Title:
    """One consumer batch: load through the cache, maybe change, save, keep."""
    async with conn.transaction():
        repo = TitleRepository(conn, cache=cache)
        title = (await repo.load([bib_id], closed_holds=False))[bib_id]
        if callable(change):
            change(title)
            take(title)
        await repo.save([title])
        repo.keep([title])
    return title


async def one_copy_in_cache(conn: asyncpg.Connection, cache: TitleCache, bib: str) -> None:
    """A stored title of one copy, and a batch that took it into ``cache``."""
    book = Title(bib)
    book.add_item(RULES, f"{bib}/i1", LAHTI, FLOATING, "book", at(0))
    async with conn.transaction():
        await TitleRepository(conn).save([book])
    await cycle(conn, cache, bib)


async def test_an_unchanged_title_is_served_from_memory(
    conn: asyncpg.Connection, unique: str
) -> None:
    bib = f"{unique}-busy"
    async with conn.transaction():
        await TitleRepository(conn).save([busy_title(bib)])
    cache = TitleCache()
    first = await cycle(conn, cache, bib)
    statements = Statements(conn)

    second = await cycle(conn, cache, bib, lambda t: t.place_hold(RULES, f"{bib}/h6", LAHTI, at(1)))

    assert second is first, "the same object, not a new read"
    assert row_reads(await statements.take()) == [], "no item or hold rows read"
    assert (cache.hits, cache.misses) == (1, 1)
    async with conn.transaction():
        fresh = (await TitleRepository(conn).load([bib], closed_holds=False))[bib]
    assert state(fresh) == state(second)


async def test_a_title_another_writer_changed_is_read_again(
    conn: asyncpg.Connection, unique: str
) -> None:
    bib = f"{unique}-busy"
    async with conn.transaction():
        await TitleRepository(conn).save([busy_title(bib)])
    cache = TitleCache()
    cached = await cycle(conn, cache, bib)
    async with conn.transaction():  # e.g. the expiry job, which keeps no cache
        other = TitleRepository(conn)
        title = (await other.load([bib]))[bib]
        title.cancel_hold(RULES, f"{bib}/h4", at(1))
        take(title)
        await other.save([title])

    again = await cycle(conn, cache, bib)

    assert again is not cached
    assert again.item(f"{bib}/i2").hold_id != f"{bib}/h4", "the other writer's change"
    assert f"{bib}/h4" not in again.holds, "now cancelled, so no longer in memory"
    assert cache.misses == 2


async def test_a_save_that_never_committed_is_not_served(
    conn: asyncpg.Connection, unique: str
) -> None:
    bib, cache = f"{unique}-t", TitleCache()
    await one_copy_in_cache(conn, cache, bib)

    async def batch_whose_commit_fails() -> None:
        async with conn.transaction():
            repo = TitleRepository(conn, cache=cache)
            title = (await repo.load([bib], closed_holds=False))[bib]
            title.place_hold(RULES, f"{bib}/h1", SYSMA, at(1))
            await repo.save([title])
            repo.keep([title])
            raise RuntimeError("the commit failed")

    with pytest.raises(RuntimeError):
        await batch_whose_commit_fails()
    assert bib in cache, "kept, but under a version the database never committed"

    async with conn.transaction():
        loaded = (await TitleRepository(conn, cache=cache).load([bib], closed_holds=False))[bib]
    assert loaded.holds == {}, "the hold was rolled back with its save"
    assert loaded.item(f"{bib}/i1").hold_id is None


async def test_a_title_left_half_changed_by_a_failed_batch_is_read_again(
    conn: asyncpg.Connection, unique: str
) -> None:
    bib, cache = f"{unique}-t", TitleCache()
    await one_copy_in_cache(conn, cache, bib)
    async with conn.transaction():
        repo = TitleRepository(conn, cache=cache)
        title = (await repo.load([bib], closed_holds=False))[bib]
        title.place_hold(RULES, f"{bib}/h1", SYSMA, at(1))  # then the batch fails: no keep

    assert bib not in cache
    again = await cycle(conn, cache, bib)
    assert again.holds == {}


async def test_closed_holds_leave_memory_and_come_back_when_named(
    conn: asyncpg.Connection, unique: str
) -> None:
    bib = f"{unique}-busy"
    async with conn.transaction():
        await TitleRepository(conn).save([busy_title(bib)])
    cache = TitleCache()
    title = await cycle(conn, cache, bib)
    assert {h.status for h in title.holds.values()} <= {
        HoldStatus.WAITING,
        HoldStatus.ASSIGNED,
        HoldStatus.IN_TRANSIT,
        HoldStatus.READY,
    }
    collected, cancelled = f"{bib}/h2", f"{bib}/h3"
    assert collected not in title.holds and cancelled not in title.holds

    async with conn.transaction():
        repo = TitleRepository(conn, cache=cache)
        named = {collected: bib, cancelled: bib, f"{bib}/new": bib}
        again = (await repo.load([bib], closed_holds=False, named_holds=named))[bib]
        assert again is title
        assert again.hold(collected).status is HoldStatus.COLLECTED
        again.cancel_hold(RULES, cancelled, at(2))  # a second cancellation: an anomaly
        assert take(again) == [Anomaly("hold_already_closed", cancelled, ANY)]
        statements = Statements(conn)
        await repo.save([again])
        assert await statements.take() == [], "named closed holds are not written back"
        repo.keep([again])
    assert collected not in title.holds


async def test_holds_placed_after_closed_ones_load_in_placement_order(
    conn: asyncpg.Connection, unique: str
) -> None:
    bib = f"{unique}-busy"
    async with conn.transaction():
        await TitleRepository(conn).save([busy_title(bib)])
    cache = TitleCache()
    await cycle(conn, cache, bib, lambda t: t.place_hold(RULES, f"{bib}/h6", HEINOLA, at(1)))

    async with conn.transaction():
        full = (await TitleRepository(conn).load([bib]))[bib]
    assert list(full.holds) == [f"{bib}/h{n}" for n in range(1, 7)]


def test_the_least_recently_used_titles_leave_a_full_cache() -> None:
    from kulkuri.holds.adapters.title_cache import CachedTitle

    cache = TitleCache(capacity=2)
    cache.put([CachedTitle(Title(b), 1) for b in ("a", "b")])
    assert cache.take(["a"]).keys() == {"a"}
    cache.put([CachedTitle(Title("a"), 2), CachedTitle(Title("c"), 3)])
    assert ("a" in cache, "b" in cache, "c" in cache) == (True, False, True)
    with pytest.raises(ValueError, match="at least one"):
        TitleCache(capacity=0)


async def test_a_named_hold_stored_under_another_title_is_reported_not_borrowed(
    conn: asyncpg.Connection, unique: str
) -> None:
    owner, other = Title(f"{unique}-owner"), Title(f"{unique}-other")
    owner.place_hold(RULES, f"{unique}/h1", LAHTI, at(0))
    async with conn.transaction():
        await TitleRepository(conn).save([owner, other])
    async with conn.transaction():
        repo = TitleRepository(conn, cache=TitleCache())
        named = {f"{unique}/h1": other.bib_id, f"{unique}/new": other.bib_id}
        loaded = await repo.load([other.bib_id], closed_holds=False, named_holds=named)
    assert loaded[other.bib_id].holds == {}
    assert repo.hold_owners == {f"{unique}/h1": owner.bib_id}
