"""``kulkuri up``: the whole system in one process on local defaults.

Containers run one service per process; locally the services share one event loop, one
metrics registry and one HTTP port, and the lane-demand worker (faust) runs as a child.
"""

from __future__ import annotations

import asyncio
import secrets
from contextlib import AsyncExitStack

from prometheus_client import CollectorRegistry
from pydantic import SecretStr
from rich.console import Console

from kulkuri.cli.demo import DemoPlan, produce_demo
from kulkuri.cli.local_parts import broker_for, database_for
from kulkuri.cli.stack import serve
from kulkuri.holds.bootstrap import build_runtime as build_holds
from kulkuri.holds.bootstrap import load_consortium
from kulkuri.holds.config import HoldsConfig
from kulkuri.holds.entrypoints.http import holds_router
from kulkuri.routing.bootstrap import build_service as build_routing
from kulkuri.routing.config import RoutingConfig
from kulkuri.shared.auth import Role, authority_from
from kulkuri.shared.libraries import load_outlets
from kulkuri.shared.observability.metrics import MessagingMetrics
from kulkuri.transport.bootstrap import build_service as build_transport
from kulkuri.transport.config import TransportConfig
from kulkuri.transport.lanes.process import LaneWorkerProcess

console = Console(stderr=True)


async def run_local_stack(config: HoldsConfig, plan: DemoPlan, exit_after_demo: bool) -> None:
    """Broker and database (local unless configured), every service, the lane worker, one
    HTTP port for all, and the demo producer."""
    async with AsyncExitStack() as stack:
        bootstrap = await broker_for(config.kafka, stack)
        database_url = await database_for(config.database)
        registry = CollectorRegistry()
        metrics = MessagingMetrics(registry)
        consortium = load_consortium(config.holds)
        runtime = build_holds(
            config,
            database_url=database_url,
            bootstrap_servers=bootstrap,
            metrics=metrics,
            consortium=consortium,
        )
        transport_config = _local_transport_config(config)
        # The lane-demand stream runs its own event loop (faust), so in a child process.
        lanes = LaneWorkerProcess(bootstrap)
        await asyncio.to_thread(lanes.start)
        stack.callback(lanes.stop)
        transport = build_transport(
            transport_config,
            database_url=database_url,
            bootstrap_servers=bootstrap,
            metrics=metrics,
        )
        routing = build_routing(
            _local_routing_config(config, transport_config),
            database_url=database_url,
            bootstrap_servers=bootstrap,
            metrics=metrics,
        )
        libraries = load_outlets(config.holds.consortium)
        sent: list[int] = []

        async def demo() -> None:
            sent.append(await produce_demo(bootstrap, libraries, plan))
            console.print(f"[green]demo producer sent {sent[0]} circulation records[/]")

        async def all_handled() -> None:
            # Polling a metric is the simplest condition here; the caller bounds it.
            while not sent or _settled(metrics) < sent[0]:  # noqa: ASYNC110
                await asyncio.sleep(0.2)
            console.print(f"[green]all {sent[0]} demo records handled or dead-lettered[/]")

        base = f"http://{config.http.host}:{config.http.port}"
        console.print(
            f"kulkuri is up: broker {bootstrap}, metrics {base}/metrics, "
            f"health {base}/healthz, readiness {base}/readyz, API {base}/docs "
            "(Ctrl-C stops)"
        )
        _print_local_token(transport_config, base)
        await serve(
            [runtime, transport.runtime, routing.runtime],
            registry,
            config.http,
            routers=[
                holds_router(lambda: runtime.pool, consortium),
                *transport.routers,
                *routing.routers,
            ],
            jobs=[demo],
            until=(lambda: asyncio.wait_for(all_handled(), 120)) if exit_after_demo else None,
        )


def _local_routing_config(holds: HoldsConfig, transport: TransportConfig) -> RoutingConfig:
    """The routing service beside them: the same network, broker and token key."""
    config = RoutingConfig(
        kafka=holds.kafka, database=holds.database, http=holds.http, auth=transport.auth
    )
    config.routing.network = holds.holds.consortium
    return config


def _local_transport_config(holds: HoldsConfig) -> TransportConfig:
    """The transport service beside the local holds service: same network and broker; a
    token secret made up for this run unless AUTH_TOKEN_SECRET is set."""
    config = TransportConfig(kafka=holds.kafka, database=holds.database, http=holds.http)
    config.transport.network = holds.holds.consortium
    if config.auth.token_secret is None:
        config.auth.token_secret = SecretStr(secrets.token_urlsafe(32))
    return config


def _print_local_token(config: TransportConfig, base: str) -> None:
    authority = authority_from(config.auth)
    assert authority is not None
    token = authority.issue(Role.COORDINATOR)
    console.print(f"coordinator page: {base}/coordinator (sign in with: {token})", soft_wrap=True)


def _settled(metrics: MessagingMetrics) -> float:
    total = 0.0
    for family in (metrics.events_handled, metrics.events_dead_lettered):
        for metric in family.collect():
            total += sum(
                s.value
                for s in metric.samples
                if s.name.endswith("_total") and s.labels.get("service") == "holds"
            )
    return total
