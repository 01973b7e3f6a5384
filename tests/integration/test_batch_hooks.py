"""Handlers that work per batch see the batch's new events first and close the batch last."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest
from prometheus_client import CollectorRegistry

from kulkuri.shared.events import CirculationEvent
from kulkuri.shared.messaging import Transaction
from tests.integration.probe import (
    UNKNOWN_LIBRARY,
    ProbeHandler,
    effects,
    probe_runtime,
    probe_schema,
    run_until_handled,
)
from tests.kafka_tools import encoded, hold_placed, metric, produce
from tests.waiting import eventually

pytestmark = pytest.mark.integration


@dataclass
class BatchProbe(ProbeHandler):
    begun: list[list[str]] = field(default_factory=list)
    ended: int = 0

    async def begin_batch(self, events: Sequence[CirculationEvent], tx: Transaction) -> None:
        self.begun.append([e.id for e in events])

    async def end_batch(self, tx: Transaction) -> None:
        self.ended += 1
        await tx.connection.execute(
            f"INSERT INTO {self.schema}.effects (event_id, bib_id) VALUES ('end', 'batch')"
        )


async def test_begin_sees_only_new_events_and_end_closes_every_batch(
    bootstrap_servers: str, database_url: str, unique: str
) -> None:
    topic, schema = f"in-{unique}", probe_schema(unique)
    first, second = hold_placed(1), hold_placed(2)
    # One title: one partition, so the two arrive in one batch.
    third, rejected = (
        hold_placed(3, bib="bib-x"),
        hold_placed(4, bib="bib-x", pickup=UNKNOWN_LIBRARY),
    )
    await produce(bootstrap_servers, topic, [encoded(first), encoded(second)])

    def runtime(handler: BatchProbe, registry: CollectorRegistry):  # type: ignore[no-untyped-def]
        return probe_runtime(
            unique=unique,
            database_url=database_url,
            bootstrap_servers=bootstrap_servers,
            handler=handler,
            input_topic=topic,
            registry=registry,
        )

    one, registry = BatchProbe(schema=schema, output_topic=f"out-{unique}"), CollectorRegistry()
    await run_until_handled(runtime(one, registry), registry, 2, what="the first two events")
    assert sorted(e for batch in one.begun for e in batch) == ["ev-1", "ev-2"]
    assert one.ended == len(one.begun)

    # A redelivered event is not offered again; a rejected one is offered, then undone.
    await produce(bootstrap_servers, topic, [encoded(first), encoded(third), encoded(rejected)])
    two, registry = BatchProbe(schema=schema, output_topic=f"out-{unique}"), CollectorRegistry()
    again = runtime(two, registry)
    async with again:
        task = asyncio.create_task(again.run())
        await eventually(
            lambda: (
                metric(registry, "kulkuri_events_handled_total")
                + metric(registry, "kulkuri_events_dead_lettered_total")
                >= 3
            ),
            what="the three new deliveries settled",
        )
        again.request_stop()
        await task
    offered = {event_id for batch in two.begun for event_id in batch}
    assert "ev-1" not in offered and {"ev-3", "ev-4"} <= offered
    assert metric(registry, "kulkuri_events_dead_lettered_total", reason="unknown_library") == 1
    # The batch with the rejected event was begun, abandoned, and begun again event by event.
    assert two.begun.count(["ev-3", "ev-4"]) == 2
    assert two.ended == len(two.begun) - 1
    ids = [event_id for event_id, _ in await effects(database_url, schema)]
    assert sorted(i for i in ids if i != "end") == ["ev-1", "ev-2", "ev-3"]
    assert ids.count("end") >= 2, "end_batch's writes commit with the batch"
