"""Fixtures of the transport service's integration tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from kulkuri.shared.db.migrations import upgrade
from kulkuri.transport.bootstrap import MIGRATIONS
from tests.integration.transport.transport_runtime import (
    RunningTransport,
    config_for,
    running_transport,
)


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    """A pool on the session database, its transport schema migrated."""
    await upgrade(MIGRATIONS, database_url)
    created = await asyncpg.create_pool(database_url, min_size=1, max_size=4)
    assert created is not None
    try:
        yield created
    finally:
        await created.close()


@pytest.fixture
async def transport(
    bootstrap_servers: str, database_url: str, unique: str
) -> AsyncIterator[RunningTransport]:
    """The transport service running in its own consumer group, its API in-process."""
    async with running_transport(
        config_for(f"transport-{unique}"),
        bootstrap_servers=bootstrap_servers,
        database_url=database_url,
    ) as running:
        yield running
