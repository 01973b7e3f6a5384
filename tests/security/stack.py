"""The services as they are deployed: each built by its composition root and served by its
own app (API, OpenAPI, /healthz, /readyz, /metrics: ``cli.stack.ops_app``), and the reports'
app (``kulkuri.reports.entrypoints.app``), all signing tokens with one key, running against
the session's broker and database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from prometheus_client import CollectorRegistry
from pydantic import SecretStr
from starlette.routing import BaseRoute

from kulkuri.cli.stack import StandaloneService, ops_app
from kulkuri.holds.bootstrap import build_service as build_holds
from kulkuri.reports.config import ReportsConfig
from kulkuri.reports.entrypoints.app import create_app as reports_app
from kulkuri.routing.bootstrap import build_service as build_routing
from kulkuri.shared.auth import Role, TokenAuthority
from kulkuri.shared.observability.metrics import MessagingMetrics
from kulkuri.shared.settings import AuthSettings, ServiceConfig
from kulkuri.transport.bootstrap import build_service as build_transport
from tests.integration.holds_runtime import config_for as holds_config
from tests.integration.routing.routing_runtime import config_for as routing_config
from tests.integration.transport.transport_runtime import config_for as transport_config

SECRET = "security-tests-secret-of-at-least-32-bytes"
AUTHORITY = TokenAuthority(SECRET)
SERVICES = ("holds", "transport", "routing", "reports")


def build_stack(group: str, *, database_url: str, bootstrap_servers: str) -> dict[str, Served]:
    """Each app built (nothing started), the consumer groups named after ``group``."""
    holds, transport, routing = (
        holds_config(f"{group}-holds"),
        transport_config(f"{group}-transport"),
        routing_config(f"{group}-routing"),
    )
    served: dict[str, Served] = {}
    where = {"database_url": database_url, "bootstrap_servers": bootstrap_servers}
    builds: list[tuple[str, ServiceConfig, Callable[..., StandaloneService]]] = [
        ("holds", holds, build_holds),
        ("transport", transport, build_transport),
        ("routing", routing, build_routing),
    ]
    for name, config, build in builds:
        config.auth.token_secret = SecretStr(SECRET)
        registry = CollectorRegistry()
        service = build(config, metrics=MessagingMetrics(registry), **where)
        served[name] = Served(ops_app(registry, [service.runtime], service.routers), service)
    reports = ReportsConfig(auth=AuthSettings(token_secret=SecretStr(SECRET)))
    served["reports"] = Served(reports_app(reports, database_url=database_url))
    return served


@dataclass
class Served:
    app: FastAPI
    service: StandaloneService | None = None  # None: an app with no consumers (reports)


def registered_routes(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path) of every route the app answers, HEAD aside (Starlette adds it to GET)."""
    return {
        (method, route.path)
        for route in _flat(app.routes)
        for method in (route.methods or ())
        if method != "HEAD"
    }


def _flat(routes: list[BaseRoute]) -> Iterator[Any]:
    """Routes (or, in FastAPI 0.16x, which keeps an included router as one entry, route
    contexts): each with ``path`` and ``methods``."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:
        yield from routes
        return
    yield from iter_route_contexts(routes)


def token(role: Role, library: str | None = None, *, authority: TokenAuthority = AUTHORITY) -> str:
    return authority.issue(role, library=library)


def expired_token(role: Role, library: str | None = None) -> str:
    long_ago = datetime.now(UTC) - timedelta(days=2)
    return AUTHORITY.issue(role, library=library, ttl=timedelta(hours=1), now=long_ago)


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


@dataclass
class RunningStack:
    served: dict[str, Served]
    clients: dict[str, httpx.AsyncClient]


@asynccontextmanager
async def running_stack(
    group: str, *, database_url: str, bootstrap_servers: str
) -> AsyncIterator[RunningStack]:
    """Every service started and running, each app served in-process (httpx over ASGI)."""
    served = build_stack(group, database_url=database_url, bootstrap_servers=bootstrap_servers)
    async with AsyncExitStack() as stack:
        runtimes = [
            await stack.enter_async_context(s.service.runtime)
            for s in served.values()
            if s.service is not None
        ]
        # httpx runs no lifespan: the reports' app opens its pool in its own.
        reports = served["reports"].app
        await stack.enter_async_context(reports.router.lifespan_context(reports))
        tasks = [asyncio.create_task(runtime.run()) for runtime in runtimes]
        try:
            clients = {
                name: await stack.enter_async_context(
                    httpx.AsyncClient(
                        transport=httpx.ASGITransport(app=s.app), base_url=f"http://{name}"
                    )
                )
                for name, s in served.items()
            }
            yield RunningStack(served, clients)
        finally:
            for runtime in runtimes:
                runtime.request_stop()
            await asyncio.gather(*tasks)
