"""The transport service's composition root: the only place adapters meet handlers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
from fastapi import APIRouter

from kulkuri.shared.auth import authority_from
from kulkuri.shared.db.migrations import MigrationSet
from kulkuri.shared.events import HOLDS_EVENTS, EventCodec
from kulkuri.shared.events.scans import SCAN_EVENTS
from kulkuri.shared.libraries import load_outlets
from kulkuri.shared.messaging import DEMAND, HOLDS, MOVEMENTS, SCANS, TRANSPORT
from kulkuri.shared.observability.metrics import MessagingMetrics
from kulkuri.shared.runtime import PeriodicJob, ServiceRuntime, ServiceSpec, Subscription
from kulkuri.transport.adapters.metrics import TransportMetrics
from kulkuri.transport.config import TransportConfig, TransportSettings
from kulkuri.transport.domain.legs import PackingMode
from kulkuri.transport.entrypoints.auth import authenticator
from kulkuri.transport.entrypoints.http import transport_router
from kulkuri.transport.entrypoints.scan_http import scan_router
from kulkuri.transport.service_layer.decisions import HoldsDecisionHandler
from kulkuri.transport.service_layer.legs_policy import Legs
from kulkuri.transport.service_layer.overdue import ZONE, OverdueCheck, OverdueLimits
from kulkuri.transport.service_layer.packing_service import PackingService
from kulkuri.transport.service_layer.scan_service import ScanEventHandler, ScanService

SERVICE = "transport"
MIGRATIONS = MigrationSet(schema="transport", script_location=Path(__file__).parent / "migrations")

Clock = Callable[[], datetime]


def legs_of(settings: TransportSettings) -> Legs:
    return Legs(hub=settings.hub, packing=PackingMode(settings.packing))


def overdue_check(
    settings: TransportSettings, metrics: TransportMetrics | None, clock: Clock | None = None
) -> OverdueCheck:
    limits = OverdueLimits(settings.overdue_delivery_days, settings.missing_delivery_days)
    return OverdueCheck(
        limits, legs_of(settings), metrics, clock=clock or (lambda: datetime.now(UTC))
    )


def transport_spec(
    config: TransportConfig, metrics: TransportMetrics, scans: ScanService
) -> ServiceSpec:
    settings = config.transport
    legs = legs_of(settings)
    overdue = overdue_check(settings, metrics)

    async def check_overdue(pool: asyncpg.Pool) -> None:
        await overdue(pool)

    async def refresh_gauges(pool: asyncpg.Pool) -> None:
        await metrics.refresh(pool, datetime.now(UTC), ZONE)

    return ServiceSpec(
        name=SERVICE,
        migrations=MIGRATIONS,
        subscriptions=[
            Subscription(
                group_id=settings.consumer_group,
                topics=[HOLDS],
                codec=EventCodec(HOLDS_EVENTS),
                handler=HoldsDecisionHandler(legs.waiting_stop),
            ),
            Subscription(
                group_id=f"{settings.consumer_group}-scans",
                topics=[SCANS],
                codec=EventCodec(SCAN_EVENTS),
                handler=ScanEventHandler(scans, frozenset(library_names(settings))),
            ),
        ],
        output_topics=[TRANSPORT, MOVEMENTS, DEMAND],
        periodic_jobs=[
            PeriodicJob("transport-gauges", settings.gauge_interval_s, refresh_gauges),
            PeriodicJob("transport-overdue", settings.overdue_interval_s, check_overdue),
        ],
    )


@dataclass(frozen=True)
class TransportService:
    """The runtime (consumers, relay, jobs) and the HTTP routers that share its pool."""

    runtime: ServiceRuntime
    routers: list[APIRouter]


def library_names(settings: TransportSettings) -> dict[str, str]:
    return {outlet.id: outlet.name for outlet in load_outlets(settings.network)}


def build_service(
    config: TransportConfig,
    *,
    database_url: str,
    bootstrap_servers: str,
    metrics: MessagingMetrics,
) -> TransportService:
    settings = config.transport
    own = TransportMetrics(metrics.registry)
    legs = legs_of(settings)
    scans = ScanService(legs, own)
    runtime = ServiceRuntime(
        spec=transport_spec(config, own, scans),
        database_url=database_url,
        bootstrap_servers=bootstrap_servers,
        metrics=metrics,
        kafka=config.kafka,
        database=config.database,
        outbox_settings=config.outbox,
    )
    names = library_names(settings)
    principal = authenticator(authority_from(config.auth))

    def pool() -> asyncpg.Pool | None:
        return runtime.pool

    packing = PackingService(legs, settings.crate_capacity)
    routers = [
        scan_router(pool, scans, principal, frozenset(names)),
        transport_router(pool, principal, names, legs, packing, ZONE),
    ]
    return TransportService(runtime, routers)
