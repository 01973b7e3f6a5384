"""The routing service's composition root: the only place adapters meet handlers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
from fastapi import APIRouter

from kulkuri.routing.adapters.matrices import matrix_provider
from kulkuri.routing.adapters.matrix_settings import RoutingMatrixSettings
from kulkuri.routing.adapters.metrics import RoutingMetrics
from kulkuri.routing.adapters.network import build_places
from kulkuri.routing.adapters.plan_store import PlanStore
from kulkuri.routing.adapters.routing_config import RoutingConfig as NetworkFile
from kulkuri.routing.adapters.routing_config import load_routing_config, sample_path
from kulkuri.routing.config import RoutingConfig, RoutingSettings
from kulkuri.routing.entrypoints.http import routing_router
from kulkuri.routing.entrypoints.page_http import coordinator_page_router
from kulkuri.routing.entrypoints.replan_http import replan_router
from kulkuri.routing.service_layer.demand_handler import LaneDemandHandler
from kulkuri.routing.service_layer.planning import DayPlanner, NetworkDay, PlanningJob
from kulkuri.routing.solver import solver_named
from kulkuri.shared.auth import authority_from
from kulkuri.shared.auth_http import authenticator
from kulkuri.shared.db.migrations import MigrationSet
from kulkuri.shared.events import EventCodec
from kulkuri.shared.events.lanes import DEMAND_EVENTS
from kulkuri.shared.messaging import DEMAND, ROUTES
from kulkuri.shared.observability.metrics import MessagingMetrics
from kulkuri.shared.runtime import PeriodicJob, ServiceRuntime, ServiceSpec, Subscription

SERVICE = "routing"
MIGRATIONS = MigrationSet(schema="routing", script_location=Path(__file__).parent / "migrations")
ZONE = ZoneInfo("Europe/Helsinki")


def network_file(settings: RoutingSettings) -> NetworkFile:
    """The consortium's routing file if configured, else the shipped one of the network."""
    return load_routing_config(settings.config_file or sample_path(settings.network))


def network_days(network: NetworkFile) -> Callable[[date], NetworkDay]:
    def day(on: date) -> NetworkDay:
        vans = network.vans if on.weekday() in network.van_days else ()
        return NetworkDay(network.mode, network.hub, build_places(network, on), vans)

    return day


def day_planner(settings: RoutingSettings, network: NetworkFile) -> DayPlanner:
    return DayPlanner(
        network_days(network),
        matrix_provider(RoutingMatrixSettings()),
        solver_named(settings.engine),
        crate_capacity=settings.crate_capacity,
        time_limit_s=settings.time_limit_s,
    )


@dataclass(frozen=True)
class RoutingService:
    runtime: ServiceRuntime
    routers: list[APIRouter]
    planner: DayPlanner


def build_service(
    config: RoutingConfig,
    *,
    database_url: str,
    bootstrap_servers: str,
    metrics: MessagingMetrics,
) -> RoutingService:
    settings = config.routing
    network = network_file(settings)
    planner = day_planner(settings, network)
    store = PlanStore()
    job = PlanningJob(planner, store, ZONE)

    async def plan_waiting_days(pool: asyncpg.Pool) -> None:
        while await job(pool) is not None:  # every day waiting, one after another
            pass

    gauges = RoutingMetrics(metrics.registry)

    async def refresh_gauges(pool: asyncpg.Pool) -> None:
        await gauges.refresh(pool, datetime.now(UTC).astimezone(ZONE).date())

    spec = ServiceSpec(
        name=SERVICE,
        migrations=MIGRATIONS,
        subscriptions=[
            Subscription(
                group_id=settings.consumer_group,
                topics=[DEMAND],
                codec=EventCodec(DEMAND_EVENTS),
                handler=LaneDemandHandler(store),
            )
        ],
        output_topics=[ROUTES],
        periodic_jobs=[
            PeriodicJob("routing-planner", settings.plan_check_interval_s, plan_waiting_days),
            PeriodicJob("routing-gauges", settings.gauge_interval_s, refresh_gauges),
        ],
    )
    runtime = ServiceRuntime(
        spec=spec,
        database_url=database_url,
        bootstrap_servers=bootstrap_servers,
        metrics=metrics,
        kafka=config.kafka,
        database=config.database,
        outbox_settings=config.outbox,
    )
    names = {library.id: library.name for library in network.libraries}
    principal = authenticator(authority_from(config.auth))
    routers = [
        routing_router(lambda: runtime.pool, principal, planner, names, ZONE),
        replan_router(lambda: runtime.pool, principal, planner, ZONE),
        coordinator_page_router(lambda: runtime.pool, principal, planner, ZONE),
    ]
    return RoutingService(runtime, routers, planner)
