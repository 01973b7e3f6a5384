"""Waiting on conditions with a deadline: the only way tests synchronise with the services."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence

import asyncpg

from kulkuri.shared.events.envelope import CloudEvent


async def eventually(
    condition: Callable[[], Awaitable[bool]] | Callable[[], bool],
    *,
    timeout: float = 30.0,
    interval: float = 0.05,
    what: str = "condition",
) -> None:
    """Poll ``condition`` until it is true; fail the test with ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if not isinstance(result, bool):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(interval)


async def settled(database_url: str, events: Sequence[CloudEvent], schema: str = "holds") -> bool:
    """Every one of ``events`` handled or dead-lettered: its key is in the service's inbox.
    (A test's consumer group reads the shared topics from the start, earlier tests' events
    too, so counting handled events says nothing about these.)"""
    keys = [event.dedupe_key for event in events]
    conn = await asyncpg.connect(database_url)
    try:
        count = await conn.fetchval(
            f"SELECT count(*) FROM {schema}.inbox WHERE event_key = ANY($1::text[])", keys
        )
    finally:
        await conn.close()
    return bool(count == len(set(keys)))
