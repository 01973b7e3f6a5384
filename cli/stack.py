"""Hosting: one or more service runtimes plus one HTTP server, in one event loop.

Containers run one service per process (``kulkuri holds run``); the local stack
(``kulkuri up``) runs them all together, sharing one metrics registry and one HTTP port.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Protocol, TypeVar

import typer
import uvicorn
from fastapi import APIRouter, FastAPI
from prometheus_client import CollectorRegistry

from kulkuri.cli.local_parts import database_for
from kulkuri.cli.shutdown import GracefulStop
from kulkuri.shared.observability.http import add_ops_routes
from kulkuri.shared.observability.logging import configure_logging
from kulkuri.shared.observability.metrics import MessagingMetrics
from kulkuri.shared.runtime import ServiceRuntime, tune_gc_for_batches
from kulkuri.shared.settings import HttpSettings, ServiceConfig, ShutdownSettings

log = logging.getLogger(__name__)


def ops_app(
    registry: CollectorRegistry,
    runtimes: Sequence[ServiceRuntime],
    routers: Sequence[APIRouter] = (),
) -> FastAPI:
    app = FastAPI(title="kulkuri", version="0.1.0")
    for router in routers:
        app.include_router(router)
    checks = {name: check for rt in runtimes for name, check in rt.readiness_checks().items()}
    return add_ops_routes(app, registry, checks)


async def serve(
    runtimes: Sequence[ServiceRuntime],
    registry: CollectorRegistry,
    http: HttpSettings,
    *,
    routers: Sequence[APIRouter] = (),
    jobs: Sequence[Callable[[], Awaitable[None]]] = (),
    until: Callable[[], Awaitable[None]] | None = None,
    shutdown: ShutdownSettings | None = None,
) -> None:
    """Start the runtimes and serve HTTP; then run ``jobs`` beside them. Stop everything in
    order (``cli/shutdown.py``) on SIGINT/SIGTERM, on any failure, or when ``until``
    completes; a stop asked for by a signal returns normally, within the grace period."""
    started: list[ServiceRuntime] = []
    with GracefulStop((shutdown or ShutdownSettings()).grace_s) as stop:
        try:
            if await stop.unless_requested(_start(runtimes, started)):
                await _run(runtimes, registry, http, routers, jobs, until, stop)
            else:
                log.info("stopped while starting")
        finally:
            for runtime in reversed(started):
                await runtime.close(stop.deadline)
            log.info("stopped")


async def _start(runtimes: Sequence[ServiceRuntime], started: list[ServiceRuntime]) -> None:
    for runtime in runtimes:
        await runtime.__aenter__()  # closes what it opened if it fails or is cancelled
        started.append(runtime)
    tune_gc_for_batches()


async def _run(
    runtimes: Sequence[ServiceRuntime],
    registry: CollectorRegistry,
    http: HttpSettings,
    routers: Sequence[APIRouter],
    jobs: Sequence[Callable[[], Awaitable[None]]],
    until: Callable[[], Awaitable[None]] | None,
    stop: GracefulStop,
) -> None:
    server = uvicorn.Server(
        uvicorn.Config(
            ops_app(registry, runtimes, routers),
            host=http.host,
            port=http.port,
            log_config=None,
            access_log=False,
            lifespan="off",
        )
    )
    # Signals stop us in order; uvicorn must not install its own handlers.
    server.capture_signals = _no_signal_capture  # type: ignore[method-assign]
    work = [asyncio.create_task(rt.run(), name=f"service:{rt.spec.name}") for rt in runtimes]
    work.append(asyncio.create_task(server.serve(), name="http"))
    background = [asyncio.create_task(_completed(job)) for job in jobs]
    stoppers = [asyncio.create_task(_completed(stop.requested.wait), name="signal")]
    if until is not None:
        stoppers.append(asyncio.create_task(_completed(until), name="until"))
    try:
        pending: set[asyncio.Task[None]] = {*work, *background, *stoppers}
        while True:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                error = task.exception()
                if error is not None:
                    raise error
            # A background job that finished is fine; anything else ends the run.
            if not done <= set(background):
                break
    finally:
        stop.begin()
        log.info("stopping: no new batches; those in flight may finish")
        for runtime in runtimes:
            runtime.request_stop()
        server.should_exit = True
        for task in [*background, *stoppers]:
            task.cancel()
        await stop.drain(work)
        await asyncio.gather(*background, *stoppers, return_exceptions=True)


async def _completed(job: Callable[[], Awaitable[object]]) -> None:
    await job()


@contextmanager
def _no_signal_capture() -> Iterator[None]:
    yield


class StandaloneService(Protocol):
    @property
    def runtime(self) -> ServiceRuntime: ...

    @property
    def routers(self) -> list[APIRouter]: ...


C = TypeVar("C", bound=ServiceConfig)


def run_alone(config: C, build: Callable[..., StandaloneService]) -> None:
    """Run one service in its own process (one per container) on the configured broker and
    database: ``build(config, database_url=, bootstrap_servers=, metrics=)``."""
    configure_logging(config.log)
    bootstrap = config.kafka.bootstrap_servers
    if not bootstrap:
        raise typer.BadParameter("set KAFKA_BOOTSTRAP_SERVERS (or use 'kulkuri up' locally)")

    async def run() -> None:
        registry = CollectorRegistry()
        service = build(
            config,
            database_url=await database_for(config.database),
            bootstrap_servers=bootstrap,
            metrics=MessagingMetrics(registry),
        )
        await serve(
            [service.runtime],
            registry,
            config.http,
            routers=service.routers,
            shutdown=config.shutdown,
        )

    asyncio.run(run())
