"""Fixtures of the reports' integration tests: the routing, transport and holds schemas
migrated under names of this test's own, so what a test stores is all the reports see."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from kulkuri.holds.bootstrap import MIGRATIONS as HOLDS
from kulkuri.reports.adapters.report_queries import ReportSchemas
from kulkuri.routing.bootstrap import MIGRATIONS as ROUTING
from kulkuri.shared.db.migrations import MigrationSet, upgrade
from kulkuri.transport.bootstrap import MIGRATIONS as TRANSPORT


@pytest.fixture
async def schemas(database_url: str, unique: str) -> ReportSchemas:
    names = ReportSchemas(f"routing_{unique}", f"transport_{unique}", f"holds_{unique}")
    for service, schema in (
        (ROUTING, names.routing),
        (TRANSPORT, names.transport),
        (HOLDS, names.holds),
    ):
        await upgrade(MigrationSet(schema, service.script_location), database_url)
    return names


@pytest.fixture
async def conn(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(database_url)
    try:
        yield connection
    finally:
        await connection.close()
