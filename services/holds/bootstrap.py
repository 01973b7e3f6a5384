"""The holds service's composition root: the only place adapters meet handlers."""

from __future__ import annotations

from pathlib import Path

from kulkuri.holds.config import HoldsConfig
from kulkuri.holds.domain.model import Consortium
from kulkuri.holds.service_layer.handlers import CirculationHandler
from kulkuri.shared.db.migrations import MigrationSet
from kulkuri.shared.events import CIRCULATION_EVENTS, EventCodec
from kulkuri.shared.libraries import load_outlets
from kulkuri.shared.messaging import CIRCULATION
from kulkuri.shared.observability.metrics import MessagingMetrics
from kulkuri.shared.runtime import FaultHooks, ServiceRuntime, ServiceSpec, Subscription

SERVICE = "holds"
MIGRATIONS = MigrationSet(schema="holds", script_location=Path(__file__).parent / "migrations")


def load_consortium(name: str) -> Consortium:
    return Consortium.of(name, (outlet.id for outlet in load_outlets(name)))


def holds_spec(config: HoldsConfig, consortium: Consortium | None = None) -> ServiceSpec:
    handler = CirculationHandler(consortium or load_consortium(config.holds.consortium))
    return ServiceSpec(
        name=SERVICE,
        migrations=MIGRATIONS,
        subscriptions=[
            Subscription(
                group_id=config.holds.consumer_group,
                topics=[CIRCULATION],
                codec=EventCodec(CIRCULATION_EVENTS),
                handler=handler,
            )
        ],
    )


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
        spec=holds_spec(config, consortium),
        database_url=database_url,
        bootstrap_servers=bootstrap_servers,
        metrics=metrics,
        kafka=config.kafka,
        database=config.database,
        outbox_settings=config.outbox,
        hooks=hooks or FaultHooks(),
    )
