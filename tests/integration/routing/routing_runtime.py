"""The routing service running against the session's broker and database, its HTTP API
served in-process (httpx over ASGI), as tests start it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
from fastapi import FastAPI
from prometheus_client import CollectorRegistry
from pydantic import SecretStr

from kulkuri.routing.bootstrap import RoutingService, build_service
from kulkuri.routing.config import RoutingConfig
from kulkuri.shared.auth import Role, TokenAuthority
from kulkuri.shared.observability.metrics import MessagingMetrics
from kulkuri.shared.settings import KafkaSettings

SECRET = "routing-test-secret-of-thirty-two-bytes"


def config_for(group: str, *, time_limit_s: float = 2.0) -> RoutingConfig:
    config = RoutingConfig(kafka=KafkaSettings(session_timeout_ms=6000, fetch_timeout_ms=100))
    config.routing.consumer_group = group
    config.routing.time_limit_s = time_limit_s
    config.routing.plan_check_interval_s = 0.2
    config.auth.token_secret = SecretStr(SECRET)
    return config


@dataclass
class RunningRouting:
    service: RoutingService
    client: httpx.AsyncClient

    @staticmethod
    def token(role: Role) -> dict[str, str]:
        return {"Authorization": f"Bearer {TokenAuthority(SECRET).issue(role)}"}


@asynccontextmanager
async def running_routing(
    config: RoutingConfig, *, bootstrap_servers: str, database_url: str
) -> AsyncIterator[RunningRouting]:
    service = build_service(
        config,
        database_url=database_url,
        bootstrap_servers=bootstrap_servers,
        metrics=MessagingMetrics(CollectorRegistry()),
    )
    app = FastAPI()
    for router in service.routers:
        app.include_router(router)
    async with service.runtime as runtime:
        task = asyncio.create_task(runtime.run())
        try:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://kulkuri") as client:
                yield RunningRouting(service, client)
        finally:
            runtime.request_stop()
            await task
