"""Resolve the broker and database for a command: configured ones, or local real parts."""

from __future__ import annotations

import asyncio
import logging
from contextlib import AsyncExitStack

from kulkuri.shared.local import (
    LocalBroker,
    ensure_database,
    resolve_server_url,
    with_database,
)
from kulkuri.shared.settings import DatabaseSettings, KafkaSettings

log = logging.getLogger(__name__)

PREFERRED_BROKER_PORT = 9092


async def broker_for(kafka: KafkaSettings, stack: AsyncExitStack) -> str:
    """The configured brokers, or a Tansu broker started for this process's lifetime."""
    if kafka.bootstrap_servers:
        return kafka.bootstrap_servers
    try:
        broker = LocalBroker(PREFERRED_BROKER_PORT)
        await asyncio.to_thread(broker.start)
    except Exception:  # the port is taken: any free port will do locally
        broker = LocalBroker()
        await asyncio.to_thread(broker.start)
    stack.callback(broker.stop)
    log.info("started the local Tansu broker", extra={"bootstrap": broker.bootstrap_servers})
    return broker.bootstrap_servers


async def database_for(database: DatabaseSettings) -> str:
    """DATABASE_URL as given, or database ``name`` on the local or embedded server."""
    if database.url:
        return database.url
    server = await resolve_server_url(None)
    await ensure_database(server, database.name)
    return with_database(server, database.name)
