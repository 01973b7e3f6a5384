"""The whole system as the simulator's integration test runs it: the session's broker and
database, the holds, transport and routing services (their HTTP APIs in-process) and a lane
worker of its own, each on consumer groups of this test."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from kulkuri.shared.auth import TokenAuthority
from kulkuri.shared.messaging import DEMAND, MOVEMENTS
from kulkuri.simulator import SystemConnection, SystemNames
from kulkuri.transport.lanes.process import LaneWorkerProcess
from kulkuri.transport.lanes.settings import LaneSettings
from tests.integration.holds_runtime import config_for as holds_config
from tests.integration.holds_runtime import running_holds
from tests.integration.lanes.streams import worker_env
from tests.integration.routing.routing_runtime import config_for as routing_config
from tests.integration.routing.routing_runtime import running_routing
from tests.integration.transport.transport_runtime import SECRET, running_transport
from tests.integration.transport.transport_runtime import config_for as transport_config


@asynccontextmanager
async def running_system(
    bootstrap_servers: str, database_url: str, unique: str
) -> AsyncIterator[SystemConnection]:
    names = SystemNames(
        holds_group=f"sim-holds-{unique}",
        transport_group=f"sim-transport-{unique}",
        lanes_app_id=f"sim-lanes-{unique}",
    )
    # The lane worker reads the transport service's moves and feeds the routing service;
    # its own timer would tick on the wall clock, so the run's cut-offs alone publish.
    lanes = LaneSettings(
        app_id=names.lanes_app_id,
        movements_topic=MOVEMENTS,
        demand_topic=DEMAND,
        timer_interval_s=3600,
    )
    holds = holds_config(names.holds_group)
    transport = transport_config(names.transport_group)
    routing = routing_config(f"sim-routing-{unique}", time_limit_s=2.0)
    async with AsyncExitStack() as stack:
        worker = LaneWorkerProcess(bootstrap_servers, worker_env(lanes))
        starting = asyncio.create_task(asyncio.to_thread(worker.start))
        stack.callback(worker.stop)
        broker, database = bootstrap_servers, database_url
        await stack.enter_async_context(
            running_holds(holds, bootstrap_servers=broker, database_url=database)
        )
        api = await stack.enter_async_context(
            running_transport(transport, bootstrap_servers=broker, database_url=database)
        )
        await stack.enter_async_context(
            running_routing(routing, bootstrap_servers=broker, database_url=database)
        )
        await starting
        yield SystemConnection(
            bootstrap_servers,
            api.client,
            TokenAuthority(SECRET),
            kafka=transport.kafka,
            names=names,
            plan_timeout_s=60.0,
            settle_timeout_s=20.0,
        )
