"""A probe service for the messaging tests: its handler's every call leaves a row.

The effects table has no key of its own, so a second handling of one event would show as a
second row: only the inbox stands between a redelivery and a duplicate effect.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
from prometheus_client import CollectorRegistry

from kulkuri.shared.db.migrations import MigrationSet
from kulkuri.shared.errors import InvalidEventError, TransientError
from kulkuri.shared.events import (
    CIRCULATION_EVENTS,
    CirculationEvent,
    EventCodec,
    HoldPlaced,
    HoldPlacedData,
)
from kulkuri.shared.messaging import Transaction
from kulkuri.shared.observability.metrics import MessagingMetrics
from kulkuri.shared.runtime import FaultHooks, ServiceRuntime, ServiceSpec, Subscription
from kulkuri.shared.settings import KafkaSettings, OutboxSettings
from tests.kafka_tools import metric
from tests.waiting import eventually

PROBE_MIGRATIONS = Path(__file__).parent / "probe_migrations"
UNKNOWN_LIBRARY = "nowhere"
FAST_KAFKA = KafkaSettings(
    session_timeout_ms=6000, fetch_timeout_ms=100, retry_initial_backoff_s=0.01
)


@dataclass
class ProbeHandler:
    """Records each call; rejects pickups at an unknown library after writing (so the
    savepoint must undo it); fails transiently ``transient_failures`` times on request."""

    schema: str
    output_topic: str
    transient_failures: int = 0
    calls: list[str] = field(default_factory=list)

    async def __call__(self, event: CirculationEvent, tx: Transaction) -> None:
        self.calls.append(event.id)
        if self.transient_failures > 0:
            self.transient_failures -= 1
            raise TransientError("database briefly unavailable")
        await tx.connection.execute(
            f"INSERT INTO {self.schema}.effects (event_id, bib_id) VALUES ($1, $2)",
            event.id,
            event.data.bib_id,
        )
        if getattr(event.data, "pickup_library", None) == UNKNOWN_LIBRARY:
            raise InvalidEventError("unknown_library", "library 'nowhere' is not a member")
        tx.publish(self.output_topic, _echo(event))


def _echo(event: CirculationEvent) -> HoldPlaced:
    return HoldPlaced.create(
        id=f"echo-{event.id}",
        source="urn:kulkuri:probe",
        time=datetime.now(UTC),
        data=HoldPlacedData(
            hold_id=f"echo-{event.id}",
            bib_id=event.data.bib_id,
            pickup_library="85033",
            placed_at=datetime.now(UTC),
        ),
    )


def probe_runtime(
    *,
    unique: str,
    database_url: str,
    bootstrap_servers: str,
    handler: ProbeHandler,
    input_topic: str,
    registry: CollectorRegistry | None = None,
    hooks: FaultHooks | None = None,
) -> ServiceRuntime:
    schema = probe_schema(unique)
    spec = ServiceSpec(
        name="probe",
        migrations=MigrationSet(schema=schema, script_location=PROBE_MIGRATIONS),
        subscriptions=[
            Subscription(
                group_id=f"probe-{unique}",
                topics=[input_topic],
                codec=EventCodec(CIRCULATION_EVENTS),
                handler=handler,
            )
        ],
        output_topics=[handler.output_topic],
    )
    return ServiceRuntime(
        spec=spec,
        database_url=database_url,
        bootstrap_servers=bootstrap_servers,
        metrics=MessagingMetrics(registry or CollectorRegistry()),
        kafka=FAST_KAFKA,
        outbox_settings=OutboxSettings(poll_interval_s=0.1),
        hooks=hooks or FaultHooks(),
    )


def probe_schema(unique: str) -> str:
    return f"probe_{unique}"


async def effects(database_url: str, schema: str) -> list[tuple[str, str]]:
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch(f"SELECT event_id, bib_id FROM {schema}.effects ORDER BY 1")
        return [(r[0], r[1]) for r in rows]
    finally:
        await conn.close()


async def run_until_handled(
    runtime: ServiceRuntime, registry: CollectorRegistry, count: int, *, what: str
) -> None:
    """Run the runtime until ``count`` events were handled or found duplicate, then stop it."""
    async with runtime:
        task = asyncio.create_task(runtime.run())
        await eventually(
            lambda: metric(registry, "kulkuri_events_handled_total") >= count, what=what
        )
        runtime.request_stop()
        await task
