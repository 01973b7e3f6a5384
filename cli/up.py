"""``kulkuri up``: the whole system in one process on local defaults.

Containers run one service per process; locally the services share one event loop, one
metrics registry and one HTTP port, and the lane-demand worker (faust) runs as a child.
"""

from __future__ import annotations

import asyncio
import secrets
from contextlib import AsyncExitStack
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry
from pydantic import SecretStr
from rich.console import Console

from kulkuri.cli.demo import DemoPlan, produce_demo
from kulkuri.cli.local_parts import broker_for, database_for
from kulkuri.cli.stack import serve
from kulkuri.holds.bootstrap import build_service as build_holds
from kulkuri.holds.bootstrap import load_consortium
from kulkuri.holds.config import HoldsConfig
from kulkuri.reports.config import ReportsSettings
from kulkuri.reports.entrypoints.http import reports_router_on
from kulkuri.routing.bootstrap import ZONE
from kulkuri.routing.bootstrap import build_service as build_routing
from kulkuri.routing.config import RoutingConfig
from kulkuri.shared.auth import Role, authority_from
from kulkuri.shared.libraries import load_outlets
from kulkuri.shared.observability.metrics import MessagingMetrics
from kulkuri.shared.runtime import ServiceRuntime
from kulkuri.shared.settings import KafkaSettings
from kulkuri.transport.bootstrap import build_service as build_transport
from kulkuri.transport.config import TransportConfig
from kulkuri.transport.lanes.commands import Publish, send_commands
from kulkuri.transport.lanes.process import LaneWorkerProcess
from kulkuri.transport.lanes.settings import LaneSettings

console = Console(stderr=True)
_UNSENT_SQL = "SELECT count(*) FROM transport.outbox WHERE published_at IS NULL"


async def run_local_stack(config: HoldsConfig, plan: DemoPlan, exit_after_demo: bool) -> None:
    """Broker and database (local unless configured), every service, the lane worker, one
    HTTP port for all, and the demo producer."""
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
        libraries = load_outlets(config.holds.consortium)
        sent: list[int] = []

        async def all_handled() -> None:
            # Polling a metric is the simplest condition here; the caller bounds it.
            while not sent or _settled(metrics) < sent[0]:  # noqa: ASYNC110
                await asyncio.sleep(0.2)

        async def demo() -> None:
            sent.append(await produce_demo(bootstrap, libraries, plan, kafka=config.kafka))
            console.print(f"[green]demo producer sent {sent[0]} circulation records[/]")
            await all_handled()
            console.print(f"[green]all {sent[0]} demo records handled or dead-lettered[/]")
            await _publish_todays_demand(bootstrap, transport.runtime, config.kafka)

        async def planned_today() -> None:
            await all_handled()
            while not await _has_plan_today(routing.runtime):  # noqa: ASYNC110 (bounded by caller)
                await asyncio.sleep(0.2)
            console.print("[green]today's route plan is ready: see /coordinator[/]")

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
            until=(lambda: asyncio.wait_for(planned_today(), 180)) if exit_after_demo else None,
        )


async def _publish_todays_demand(
    bootstrap: str, transport: ServiceRuntime, kafka: KafkaSettings
) -> None:
    """Once the transport service has published the demo's transfer moves, ask the lane
    worker for today's demand now rather than at tomorrow's cut-off, so the routing service
    plans today and the coordinator page has a day to show."""
    # Polling the outbox: its rows are the moves the lane worker must have seen first.
    while transport.pool is None or await transport.pool.fetchval(_UNSENT_SQL):  # noqa: ASYNC110
        await asyncio.sleep(0.2)
    today = datetime.now(UTC).astimezone(ZONE).date()
    await send_commands(bootstrap, LaneSettings(), [Publish(today)], kafka=kafka)
    console.print(f"[green]asked for the lane demand of {today}[/]")


async def _has_plan_today(routing: ServiceRuntime) -> bool:
    if routing.pool is None:
        return False
    today = datetime.now(UTC).astimezone(ZONE).date()
    found = await routing.pool.fetchval(
        "SELECT count(*) FROM routing.plans WHERE service_day = $1", today
    )
    return bool(found)


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
