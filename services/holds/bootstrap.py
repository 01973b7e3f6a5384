"""The holds service's composition root: the only place adapters meet handlers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import asyncpg
from fastapi import APIRouter

from kulkuri.holds.adapters.consortium_config import (
    SAMPLE_LASTU,
    load_consortium_config,
    parse_consortium_config,
    write_sample_config,
)
from kulkuri.holds.adapters.metrics import HoldsMetrics
from kulkuri.holds.adapters.ortools_assignment import MinCostFlowSolver
from kulkuri.holds.adapters.title_cache import TitleCache
from kulkuri.holds.config import HoldsConfig, HoldsSettings
from kulkuri.holds.domain.consortium import Consortium
from kulkuri.holds.entrypoints.http import holds_router
from kulkuri.holds.service_layer.expiry import HoldExpiry
from kulkuri.holds.service_layer.handlers import CirculationHandler
from kulkuri.holds.service_layer.history_retention import HoldHistoryRetention
from kulkuri.holds.service_layer.reassignment_job import NightlyReassignment
from kulkuri.shared.auth import authority_from
from kulkuri.shared.auth_http import authenticator
from kulkuri.shared.db.migrations import MigrationSet
from kulkuri.shared.events import CIRCULATION_EVENTS, TRANSPORT_EVENTS, EventCodec
from kulkuri.shared.messaging import CIRCULATION, HOLDS, TRANSPORT
from kulkuri.shared.observability.metrics import MessagingMetrics
from kulkuri.shared.runtime import (
    FaultHooks,
    PeriodicJob,
    ServiceRuntime,
    ServiceSpec,
    Subscription,
)

SERVICE = "holds"
MIGRATIONS = MigrationSet(schema="holds", script_location=Path(__file__).parent / "migrations")


def load_consortium(settings: HoldsSettings) -> Consortium:
    """The consortium's own file if configured, else the shipped one for the named network
    (Lastu's sample file, or one built from the shipped library data for the others)."""
    if settings.consortium_config is not None:
        return load_consortium_config(settings.consortium_config)
    if settings.consortium.lower() == "lastu":
        return load_consortium_config(SAMPLE_LASTU)
    return parse_consortium_config(
        write_sample_config(settings.consortium), source=f"<{settings.consortium} sample>"
    )


def holds_spec(
    config: HoldsConfig, metrics: HoldsMetrics, consortium: Consortium | None = None
) -> ServiceSpec:
    members = consortium or load_consortium(config.holds)
    handler = CirculationHandler(members, metrics, cache=TitleCache(config.holds.title_cache_size))
    expiry = HoldExpiry(
        members, metrics, pickup_window=timedelta(days=config.holds.pickup_window_days)
    )
    return ServiceSpec(
        name=SERVICE,
        migrations=MIGRATIONS,
        subscriptions=[
            Subscription(
                group_id=config.holds.consumer_group,
                topics=[CIRCULATION],
                codec=EventCodec(CIRCULATION_EVENTS),
                handler=handler,
                consumers=config.holds.consumers,
            ),
            # Its own group and codec: a circulation event on the transport topic is an
            # unknown type there, and the transport stream's lag shows on its own. One
            # consumer: vans deliver a few thousand copies a day.
            Subscription(
                group_id=transport_group(config.holds.consumer_group),
                topics=[TRANSPORT],
                codec=EventCodec(TRANSPORT_EVENTS),
                handler=handler,
            ),
        ],
        output_topics=[HOLDS],
        periodic_jobs=[
            PeriodicJob("holds-gauges", config.holds.gauge_interval_s, metrics.refresh),
            PeriodicJob("holds-expiry", config.holds.expiry_interval_s, _discard(expiry)),
            history_retention_job(config.holds),
            *reassignment_jobs(config.holds, members, metrics),
        ],
    )


def reassignment_jobs(
    settings: HoldsSettings, consortium: Consortium, metrics: HoldsMetrics
) -> list[PeriodicJob]:
    """The nightly re-assignment, if enabled (``HOLDS_REASSIGN_ENABLED``)."""
    if not settings.reassign_enabled:
        return []
    job = NightlyReassignment(
        consortium,
        MinCostFlowSolver(),
        metrics,
        cutoff=settings.reassign_cutoff,
        grace=timedelta(minutes=settings.reassign_grace_minutes),
    )

    async def run(pool: asyncpg.Pool) -> None:
        await job(pool)

    return [PeriodicJob("holds-reassignment", settings.reassign_check_interval_s, run)]


def history_retention_job(settings: HoldsSettings) -> PeriodicJob:
    """Deletes closed holds past ``HOLDS_HISTORY_RETENTION_DAYS``."""
    retention = HoldHistoryRetention(timedelta(days=settings.history_retention_days))

    async def run(pool: asyncpg.Pool) -> None:
        await retention(pool)

    return PeriodicJob("holds-history-retention", settings.history_purge_interval_s, run)


def transport_group(consumer_group: str) -> str:
    """The group that reads the transport topic, named after the circulation group so that
    an instance given its own group (a second environment, a test) gets both."""
    return f"{consumer_group}-transport"


def _discard(job: HoldExpiry) -> Callable[[asyncpg.Pool], Awaitable[None]]:
    async def run(pool: asyncpg.Pool) -> None:
        await job(pool)

    return run


def build_runtime(
    config: HoldsConfig,
    *,
    database_url: str,
    bootstrap_servers: str,
    metrics: MessagingMetrics,
    consortium: Consortium | None = None,
    hooks: FaultHooks | None = None,
) -> ServiceRuntime:
    return ServiceRuntime(
        spec=holds_spec(config, HoldsMetrics(metrics.registry), consortium),
        database_url=database_url,
        bootstrap_servers=bootstrap_servers,
        metrics=metrics,
        kafka=config.kafka,
        database=config.database,
        outbox_settings=config.outbox,
        hooks=hooks or FaultHooks(),
    )


@dataclass(frozen=True)
class HoldsService:
    """The runtime (consumers, relay, jobs) and the read API that shares its pool."""

    runtime: ServiceRuntime
    routers: list[APIRouter]


def build_service(
    config: HoldsConfig,
    *,
    database_url: str,
    bootstrap_servers: str,
    metrics: MessagingMetrics,
    consortium: Consortium | None = None,
) -> HoldsService:
    """The holds service as ``kulkuri holds run`` and ``kulkuri up`` serve it: its API takes
    tokens signed with ``AUTH_TOKEN_SECRET``."""
    members = consortium or load_consortium(config.holds)
    runtime = build_runtime(
        config,
        database_url=database_url,
        bootstrap_servers=bootstrap_servers,
        metrics=metrics,
        consortium=members,
    )
    principal = authenticator(authority_from(config.auth))
    return HoldsService(runtime, [holds_router(lambda: runtime.pool, principal, members)])
