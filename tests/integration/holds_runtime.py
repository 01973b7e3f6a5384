"""The holds service running against the session's broker and database, as tests start it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from prometheus_client import CollectorRegistry

from kulkuri.holds.adapters.consortium_config import SAMPLE_LASTU, load_consortium_config
from kulkuri.holds.bootstrap import build_runtime
from kulkuri.holds.config import HoldsConfig
from kulkuri.holds.domain.consortium import Consortium
from kulkuri.shared.observability.metrics import MessagingMetrics
from kulkuri.shared.runtime import ServiceRuntime
from kulkuri.shared.settings import KafkaSettings


def config_for(group: str) -> HoldsConfig:
    """Its own consumer group; a short session and fetch timeout, so joins and stops are quick."""
    config = HoldsConfig(kafka=KafkaSettings(session_timeout_ms=6000, fetch_timeout_ms=100))
    config.holds.consumer_group = group
    return config


@asynccontextmanager
async def running_holds(
    config: HoldsConfig,
    *,
    bootstrap_servers: str,
    database_url: str,
    registry: CollectorRegistry | None = None,
    consortium: Consortium | None = None,
) -> AsyncIterator[ServiceRuntime]:
    """The runtime started and running (the Lastu sample unless ``consortium``); stopped and
    awaited on exit."""
    runtime = build_runtime(
        config,
        database_url=database_url,
        bootstrap_servers=bootstrap_servers,
        metrics=MessagingMetrics(registry or CollectorRegistry()),
        consortium=consortium or load_consortium_config(SAMPLE_LASTU),
    )
    async with runtime:
        task = asyncio.create_task(runtime.run())
        try:
            yield runtime
        finally:
            runtime.request_stop()
            await task
