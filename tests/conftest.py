"""Fixtures that start real parts: one Tansu broker and one scratch database per session."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator

import pytest

# The nightly re-assignment runs on the wall clock; a test run that crosses the cut-off must
# not re-plan other tests' holds. Its own tests drive it with a fixed clock.
os.environ.setdefault("HOLDS_REASSIGN_ENABLED", "false")
# Closed holds are deleted HOLDS_HISTORY_RETENTION_DAYS after they closed, by the wall clock;
# the tests' holds are dated months back, so a service started later in the session would
# delete the closed holds of the tests before it. Its own tests drive it with a fixed clock.
os.environ.setdefault("HOLDS_HISTORY_RETENTION_DAYS", "36500")

from kulkuri.shared.local import (
    LocalBroker,
    drop_database,
    ensure_database,
    resolve_server_url,
    with_database,
)


@pytest.fixture(scope="session")
def broker() -> Iterator[LocalBroker]:
    """A real Kafka-protocol broker (Tansu, memory storage) for the whole session."""
    with LocalBroker() as started:
        yield started


@pytest.fixture(scope="session")
def bootstrap_servers(broker: LocalBroker) -> str:
    return broker.bootstrap_servers


@pytest.fixture(scope="session")
def database_server_url() -> str:
    """DATABASE_URL's server if set, else 127.0.0.1:5432 if it answers, else embedded."""
    return asyncio.run(resolve_server_url(os.environ.get("DATABASE_URL")))


@pytest.fixture(scope="session")
def database_url(database_server_url: str) -> Iterator[str]:
    """A fresh database for this test session, dropped afterwards."""
    name = f"kulkuri_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(ensure_database(database_server_url, name))
    yield with_database(database_server_url, name)
    asyncio.run(drop_database(database_server_url, name))


@pytest.fixture
def unique() -> str:
    """A suffix that keeps one test's topics, groups and schemas apart from the others."""
    return uuid.uuid4().hex[:10]
