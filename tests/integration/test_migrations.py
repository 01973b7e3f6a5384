"""Migrations run with Alembic from an empty database, in each service's own schema."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from kulkuri.holds.bootstrap import MIGRATIONS as HOLDS
from kulkuri.shared.db.migrations import current_revision, downgrade, upgrade
from kulkuri.shared.local import drop_database, ensure_database, with_database

pytestmark = pytest.mark.integration


@pytest.fixture
async def empty_database(database_server_url: str) -> AsyncIterator[str]:
    name = f"kulkuri_empty_{uuid.uuid4().hex[:10]}"
    await ensure_database(database_server_url, name)
    yield with_database(database_server_url, name)
    await drop_database(database_server_url, name)


async def _tables(url: str, schema: str) -> set[str]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = $1", schema
        )
        return {r[0] for r in rows}
    finally:
        await conn.close()


async def test_holds_migrations_run_from_empty_down_to_base_and_up_again(
    empty_database: str,
) -> None:
    assert await current_revision(HOLDS, empty_database) is None
    await upgrade(HOLDS, empty_database)
    assert await current_revision(HOLDS, empty_database) == "0005"
    assert await _tables(empty_database, "holds") == {
        "alembic_version",
        "inbox",
        "outbox",
        "items",
        "holds",
        "titles",
        "reassignment_runs",
    }
    await upgrade(HOLDS, empty_database)  # idempotent at head
    await downgrade(HOLDS, empty_database)
    assert await _tables(empty_database, "holds") == {"alembic_version"}
    await upgrade(HOLDS, empty_database)
    assert "items" in await _tables(empty_database, "holds")


async def test_each_service_keeps_its_version_table_in_its_own_schema(
    empty_database: str,
) -> None:
    await upgrade(HOLDS, empty_database)
    assert await _tables(empty_database, "public") == set()
