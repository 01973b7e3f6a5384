"""The transport service running against the session's broker and database, with its HTTP
API served in-process (httpx over ASGI), as tests start it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
from fastapi import FastAPI
from prometheus_client import CollectorRegistry
from pydantic import SecretStr

from kulkuri.shared.auth import Role, TokenAuthority
from kulkuri.shared.observability.metrics import MessagingMetrics
from kulkuri.shared.settings import KafkaSettings
from kulkuri.transport.bootstrap import TransportService, build_service
from kulkuri.transport.config import TransportConfig

SECRET = "test-secret-of-at-least-thirty-two-bytes"
HUB = "85910"  # Lahden pääkirjasto


def config_for(group: str, *, hub: str | None = HUB) -> TransportConfig:
    config = TransportConfig(kafka=KafkaSettings(session_timeout_ms=6000, fetch_timeout_ms=100))
    config.transport.consumer_group = group
    config.transport.hub = hub
    config.auth.token_secret = SecretStr(SECRET)
    return config


@dataclass
class RunningTransport:
    service: TransportService
    client: httpx.AsyncClient
    registry: CollectorRegistry

    @staticmethod
    def token(role: Role, library: str | None = None) -> dict[str, str]:
        token = TokenAuthority(SECRET).issue(role, library=library)
        return {"Authorization": f"Bearer {token}"}


@asynccontextmanager
async def running_transport(
    config: TransportConfig, *, bootstrap_servers: str, database_url: str
) -> AsyncIterator[RunningTransport]:
    registry = CollectorRegistry()
    service = build_service(
        config,
        database_url=database_url,
        bootstrap_servers=bootstrap_servers,
        metrics=MessagingMetrics(registry),
    )
    app = FastAPI()
    for router in service.routers:
        app.include_router(router)
    async with service.runtime as runtime:
        task = asyncio.create_task(runtime.run())
        transport = httpx.ASGITransport(app=app)
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://kulkuri") as client:
                yield RunningTransport(service, client, registry)
        finally:
            runtime.request_stop()
            await task
