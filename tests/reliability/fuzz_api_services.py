"""The holds, transport and routing services as deployed (each its own app: API, OpenAPI,
health and metrics, ``cli.stack.ops_app``), running on the session's broker and database in
an event loop of their own, in a thread, each served by uvicorn on a free local port.

Schemathesis calls an API synchronously, and the services' pools belong to the loop they
were opened in: a loop in a thread of its own serves both, over real HTTP."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import AsyncExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

import uvicorn
from prometheus_client import CollectorRegistry
from pydantic import SecretStr

from kulkuri.cli.stack import StandaloneService, ops_app
from kulkuri.holds.bootstrap import build_service as build_holds
from kulkuri.routing.bootstrap import build_service as build_routing
from kulkuri.shared.auth import Role, TokenAuthority
from kulkuri.shared.observability.metrics import MessagingMetrics
from kulkuri.shared.settings import ServiceConfig
from kulkuri.transport.bootstrap import build_service as build_transport
from tests.integration.holds_runtime import config_for as holds_config
from tests.integration.routing.routing_runtime import config_for as routing_config
from tests.integration.transport.transport_runtime import config_for as transport_config

SECRET = "api-fuzz-secret-of-at-least-32-bytes!!"
AUTHORITY = TokenAuthority(SECRET)
HOLLOLA = "85708"


def bearer(role: Role, library: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {AUTHORITY.issue(role, library=library)}"}


@dataclass(frozen=True)
class ServedApis:
    """Each service's base URL."""

    urls: dict[str, str]


def _builds(group: str) -> list[tuple[str, ServiceConfig, Callable[..., StandaloneService]]]:
    # Plans are searched briefly: a fuzzed day is planned many times over.
    return [
        ("holds", holds_config(f"{group}-holds"), build_holds),
        ("transport", transport_config(f"{group}-transport"), build_transport),
        ("routing", routing_config(f"{group}-routing", time_limit_s=0.2), build_routing),
    ]


def described_apis() -> list[dict[str, Any]]:
    """The OpenAPI descriptions of holds, transport and routing, from the apps as built."""
    described = []
    for _, config, build in _builds("described"):
        service = build(
            config,
            database_url="postgresql://unused/none",  # nothing connects before a start
            bootstrap_servers="unused:9092",
            metrics=MessagingMetrics(CollectorRegistry()),
        )
        described.append(ops_app(CollectorRegistry(), [service.runtime], service.routers).openapi())
    return described


async def _serve(
    group: str,
    database_url: str,
    bootstrap: str,
    sockets: dict[str, socket.socket],
    ready: threading.Event,
    stop: asyncio.Event,
) -> None:
    async with AsyncExitStack() as stack:
        servers = []
        for name, config, build in _builds(group):
            config.auth.token_secret = SecretStr(SECRET)
            registry = CollectorRegistry()
            service = build(
                config,
                database_url=database_url,
                bootstrap_servers=bootstrap,
                metrics=MessagingMetrics(registry),
            )
            # The runtime opens the pool the API reads through; its consumers run too.
            runtime = await stack.enter_async_context(service.runtime)
            app = ops_app(registry, [runtime], service.routers)
            http = uvicorn.Config(app, log_config=None, access_log=False, lifespan="off")
            servers.append((uvicorn.Server(http), sockets[name]))
        # The sockets listen already: requests wait in their backlog until uvicorn accepts.
        tasks = [asyncio.create_task(server.serve(sockets=[sock])) for server, sock in servers]
        ready.set()
        await stop.wait()
        for server, _ in servers:
            server.should_exit = True
        await asyncio.gather(*tasks)


@contextmanager
def served_apis(group: str, *, database_url: str, bootstrap: str) -> Iterator[ServedApis]:
    sockets = {name: _listening() for name in ("holds", "transport", "routing")}
    ready = threading.Event()
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    failure: list[BaseException] = []

    def run() -> None:
        try:
            loop.run_until_complete(_serve(group, database_url, bootstrap, sockets, ready, stop))
        except BaseException as exc:  # reported to the test thread
            failure.append(exc)
            ready.set()
        finally:
            loop.close()

    thread = threading.Thread(target=run, name="api-fuzz-services", daemon=True)
    thread.start()
    assert ready.wait(timeout=120), "the services did not start within 120 s"
    if failure:
        raise failure[0]
    try:
        yield ServedApis(
            {name: f"http://127.0.0.1:{sock.getsockname()[1]}" for name, sock in sockets.items()}
        )
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(timeout=60)
        for sock in sockets.values():
            sock.close()
        if failure:
            raise failure[0]


def _listening() -> socket.socket:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    return sock
