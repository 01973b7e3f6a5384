"""The inbox claims each event key once, across transactions and within one batch."""

from __future__ import annotations

import asyncpg
import pytest

from kulkuri.shared.db.inbox import Inbox
from kulkuri.shared.db.migrations import MigrationSet, upgrade
from tests.integration.probe import PROBE_MIGRATIONS, probe_schema

pytestmark = pytest.mark.integration


async def test_only_keys_never_seen_before_are_claimed(database_url: str, unique: str) -> None:
    schema = probe_schema(unique)
    await upgrade(MigrationSet(schema, PROBE_MIGRATIONS), database_url)
    inbox = Inbox(schema)
    conn = await asyncpg.connect(database_url)
    try:
        async with conn.transaction():
            assert await inbox.claim(conn, ["a", "b", "b"]) == {"a", "b"}
        async with conn.transaction():
            assert await inbox.claim(conn, ["b", "c", "a", "d", "c"]) == {"c", "d"}
        async with conn.transaction():
            assert await inbox.claim(conn, ["a", "d"]) == set()
        rolled_back = conn.transaction()
        await rolled_back.start()
        assert await inbox.claim(conn, ["e"]) == {"e"}
        await rolled_back.rollback()
        async with conn.transaction():
            assert await inbox.claim(conn, ["e", "a"]) == {"e"}, "a rolled-back claim is undone"
    finally:
        await conn.close()
