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

from kulkuri.cli.demo import DemoPlan
from kulkuri.cli.local_parts import broker_for, database_for
from kulkuri.cli.stack import serve
from kulkuri.holds.bootstrap import build_service as build_holds
from kulkuri.holds.bootstrap import load_consortium
from kulkuri.holds.config import HoldsConfig
from kulkuri.reports.config import ReportsSettings
from kulkuri.reports.entrypoints.http import reports_router_on
from kulkuri.routing.bootstrap import build_service as build_routing
from kulkuri.routing.config import RoutingConfig
from kulkuri.shared.auth import Role, authority_from
from kulkuri.shared.observability.metrics import MessagingMetrics
from kulkuri.simulator import SimulationSummary, run_simulated_day
from kulkuri.simulator.adapters.settling import SystemNames
from kulkuri.transport.bootstrap import build_service as build_transport
from kulkuri.transport.config import TransportConfig
from kulkuri.transport.lanes.process import LaneWorkerProcess

console = Console(stderr=True)


async def run_local_stack(
    config: HoldsConfig, plan: DemoPlan, exit_after_demo: bool, speed: float = 1800.0
) -> None:
    """Broker and database (local unless configured), every service, the lane worker, one
    HTTP port for all, and the demo: a simulated day of the network (``kulkuri.simulator``)."""
    async with AsyncExitStack() as stack:
        bootstrap = await broker_for(config.kafka, stack)
        database_url = await database_for(config.database)
        registry = CollectorRegistry()
        metrics = MessagingMetrics(registry)
        consortium = load_consortium(config.holds)
        _make_up_token_secret(config)
        holds = build_holds(
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
        simulated: list[SimulationSummary] = []

        async def demo() -> None:
            authority = authority_from(transport_config.auth)
            assert authority is not None
            summary = await run_simulated_day(
                bootstrap,
                api_base=base,
                authority=authority,
                network=config.holds.consortium,
                speed=speed,
                seed=plan.seed,
                run=plan.run,
                kafka=config.kafka,
                # The simulator waits on the services' consumer groups: the ones they run.
                names=SystemNames(
                    holds_group=config.holds.consumer_group,
                    transport_group=transport_config.transport.consumer_group,
                ),
                progress=lambda text: console.print(f"simulator: {text}", soft_wrap=True),
            )
            for line in summary.lines():
                console.print(line, soft_wrap=True)
            simulated.append(summary)
            console.print(
                f"[green]the simulated day's plan: {base}/coordinator?day={summary.first_day}[/]"
            )

        async def simulated_day() -> None:
            while not simulated:  # noqa: ASYNC110 (bounded by the caller)
                await asyncio.sleep(0.2)

        base = f"http://{config.http.host}:{config.http.port}"
        console.print(
            f"kulkuri is up: broker {bootstrap}, metrics {base}/metrics, "
            f"health {base}/healthz, readiness {base}/readyz, API {base}/docs "
            "(Ctrl-C stops)"
        )
        _print_local_token(transport_config, base)
        await serve(
            [holds.runtime, transport.runtime, routing.runtime],
            registry,
            config.http,
            routers=[
                *holds.routers,
                *transport.routers,
                *routing.routers,
                # The reports read all three schemas: any service's pool of the one database.
                reports_router_on(
                    lambda: routing.runtime.pool,
                    authority_from(config.auth),
                    ReportsSettings(network=config.holds.consortium),
                ),
            ],
            jobs=[demo],
            until=(lambda: asyncio.wait_for(simulated_day(), 900)) if exit_after_demo else None,
        )


def _local_routing_config(holds: HoldsConfig, transport: TransportConfig) -> RoutingConfig:
    """The routing service beside them: the same network, broker and token key."""
    config = RoutingConfig(
        kafka=holds.kafka, database=holds.database, http=holds.http, auth=transport.auth
    )
    config.routing.network = holds.holds.consortium
    return config


def _make_up_token_secret(config: HoldsConfig) -> None:
    """A token secret made up for this run unless AUTH_TOKEN_SECRET is set; every service of
    the local stack takes tokens signed with it."""
    if config.auth.token_secret is None:
        config.auth.token_secret = SecretStr(secrets.token_urlsafe(32))


def _local_transport_config(holds: HoldsConfig) -> TransportConfig:
    """The transport service beside the local holds service: same network, broker and token
    key."""
    config = TransportConfig(
        kafka=holds.kafka, database=holds.database, http=holds.http, auth=holds.auth
    )
    config.transport.network = holds.holds.consortium
    return config


def _print_local_token(config: TransportConfig, base: str) -> None:
    authority = authority_from(config.auth)
    assert authority is not None
    token = authority.issue(Role.COORDINATOR)
    console.print(f"coordinator page: {base}/coordinator (sign in with: {token})", soft_wrap=True)
