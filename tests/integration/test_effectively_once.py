"""Effectively-once on a real broker and database: inbox, commit order, dead letters, retries."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence

import pytest
from prometheus_client import CollectorRegistry

from kulkuri.shared.errors import FatalError
from kulkuri.shared.messaging import dead_letter_topic
from kulkuri.shared.messaging.processing import Record
from kulkuri.shared.runtime import FaultHooks, ServiceRuntime
from tests.integration.probe import (
    UNKNOWN_LIBRARY,
    ProbeHandler,
    effects,
    probe_runtime,
    probe_schema,
    run_until_handled,
)
from tests.kafka_tools import encoded, hold_placed, metric, produce, read_topic

pytestmark = pytest.mark.integration


class SimulatedCrash(Exception):
    """Stands for the process dying at a chosen point."""


ProbeFactory = Callable[..., ServiceRuntime]


@pytest.fixture
def probe(bootstrap_servers: str, database_url: str, unique: str) -> ProbeFactory:
    """Builds this test's probe runtime: ``probe(handler, registry=..., hooks=...)``."""

    def build(
        handler: ProbeHandler,
        *,
        registry: CollectorRegistry | None = None,
        hooks: FaultHooks | None = None,
    ) -> ServiceRuntime:
        return probe_runtime(
            unique=unique,
            database_url=database_url,
            bootstrap_servers=bootstrap_servers,
            handler=handler,
            input_topic=f"in-{unique}",
            registry=registry,
            hooks=hooks,
        )

    return build


async def test_crash_between_db_commit_and_offset_commit_causes_no_second_effect(
    bootstrap_servers: str, database_url: str, unique: str, probe: ProbeFactory
) -> None:
    topic, out = f"in-{unique}", f"out-{unique}"
    schema = probe_schema(unique)
    events = [hold_placed(i) for i in range(20)]
    await produce(bootstrap_servers, topic, [encoded(e) for e in events])

    async def crash(records: Sequence[Record]) -> None:
        raise SimulatedCrash

    first = ProbeHandler(schema=schema, output_topic=out)
    runtime = probe(first, hooks=FaultHooks(after_processed=crash))
    with pytest.raises(SimulatedCrash):
        async with runtime:
            await runtime.run()
    committed = await effects(database_url, schema)
    assert committed, "the first batch's transaction should have committed before the crash"

    registry = CollectorRegistry()
    second = ProbeHandler(schema=schema, output_topic=out)
    restarted = probe(second, registry=registry)
    await run_until_handled(restarted, registry, len(events), what="all 20 events after restart")

    # The crashed batch was redelivered (its offsets were never committed)...
    duplicates = metric(registry, "kulkuri_events_handled_total", outcome="duplicate")
    assert duplicates == len(committed)
    # ...and yet every event has exactly one effect and one published echo.
    assert sorted(e for e, _ in await effects(database_url, schema)) == sorted(e.id for e in events)
    echoes = await read_topic(bootstrap_servers, out, at_least=len(events))
    # The relay may republish rows it sent just before the crash (at-least-once on the wire);
    # deduplicated by event id, as every consumer does, each event was published once.
    echo_ids = {json.loads(r.value)["id"] for r in echoes}
    assert echo_ids == {f"echo-{e.id}" for e in events}


async def test_invalid_events_are_dead_lettered_with_reason_and_consumption_goes_on(
    bootstrap_servers: str, database_url: str, unique: str, probe: ProbeFactory
) -> None:
    topic, out = f"in-{unique}", f"out-{unique}"
    schema = probe_schema(unique)
    good = [hold_placed(i) for i in range(6)]
    rejected = hold_placed(99, pickup=UNKNOWN_LIBRARY)
    bad_json = (b"bib-1", b'{"id": "broken",')
    unknown_type = (b"bib-1", encoded(good[0])[1].replace(b"hold-placed", b"book-eaten"))
    schema_violation = (b"bib-1", encoded(good[1])[1].replace(b'"pickup_library"', b'"pickup"'))
    records = [
        encoded(good[0]),
        bad_json,
        encoded(good[1]),
        unknown_type,
        encoded(good[2]),
        schema_violation,
        encoded(rejected),
        *[encoded(e) for e in good[3:]],
    ]
    await produce(bootstrap_servers, topic, records)

    registry = CollectorRegistry()
    runtime = probe(ProbeHandler(schema=schema, output_topic=out), registry=registry)
    async with runtime:
        task = asyncio.create_task(runtime.run())
        letters = await read_topic(bootstrap_servers, dead_letter_topic(topic), at_least=4)
        runtime.request_stop()
        await task

    by_reason = {dict(r.headers)["kulkuri-dlq-reason"].decode(): r for r in letters}
    assert len(letters) == 4
    assert set(by_reason) == {"bad_json", "unknown_type", "schema_violation", "unknown_library"}
    assert by_reason["bad_json"].value == bad_json[1], "the original bytes, unchanged"
    assert by_reason["unknown_type"].value == unknown_type[1]
    assert by_reason["unknown_library"].value == encoded(rejected)[1]
    headers = dict(by_reason["schema_violation"].headers)
    assert headers["kulkuri-dlq-topic"].decode() == topic
    assert int(headers["kulkuri-dlq-offset"]) >= 0
    assert int(headers["kulkuri-dlq-partition"]) in range(3)
    assert headers["kulkuri-dlq-error-class"] == b"InvalidEventError"
    assert b"pickup_library" in headers["kulkuri-dlq-detail"]
    assert headers["kulkuri-dlq-consumer-group"].decode() == f"probe-{unique}"
    # Every valid event took effect; the rejected one left nothing behind.
    assert sorted(e for e, _ in await effects(database_url, schema)) == sorted(e.id for e in good)
    assert metric(registry, "kulkuri_events_dead_lettered_total", reason="bad_json") == 1
    assert metric(registry, "kulkuri_events_dead_lettered_total", reason="unknown_library") == 1


async def test_transient_faults_are_retried_and_never_dead_letter_a_valid_event(
    bootstrap_servers: str, database_url: str, unique: str, probe: ProbeFactory
) -> None:
    topic, out = f"in-{unique}", f"out-{unique}"
    schema = probe_schema(unique)
    events = [hold_placed(i) for i in range(5)]
    await produce(bootstrap_servers, topic, [encoded(e) for e in events])

    registry = CollectorRegistry()
    handler = ProbeHandler(schema=schema, output_topic=out, transient_failures=2)
    runtime = probe(handler, registry=registry)
    await run_until_handled(
        runtime, registry, len(events), what="events handled after transient faults"
    )

    assert metric(registry, "kulkuri_batch_retries_total") >= 2
    assert metric(registry, "kulkuri_events_dead_lettered_total") == 0
    assert sorted(e for e, _ in await effects(database_url, schema)) == sorted(e.id for e in events)


async def test_the_same_event_delivered_twice_has_one_effect(
    bootstrap_servers: str, database_url: str, unique: str, probe: ProbeFactory
) -> None:
    topic, out = f"in-{unique}", f"out-{unique}"
    schema = probe_schema(unique)
    event = hold_placed(1)
    later = hold_placed(2, bib=event.data.bib_id)
    # Same id twice in one batch, and again after another event of the same title.
    await produce(
        bootstrap_servers, topic, [encoded(event), encoded(event), encoded(later), encoded(event)]
    )
    registry = CollectorRegistry()
    runtime = probe(ProbeHandler(schema=schema, output_topic=out), registry=registry)
    await run_until_handled(runtime, registry, 4, what="4 deliveries")
    assert metric(registry, "kulkuri_events_handled_total", outcome="duplicate") == 2
    assert sorted(e for e, _ in await effects(database_url, schema)) == ["ev-1", "ev-2"]


async def test_a_fault_that_outlasts_the_retries_stops_the_service_and_loses_nothing(
    bootstrap_servers: str, database_url: str, unique: str, probe: ProbeFactory
) -> None:
    topic, out = f"in-{unique}", f"out-{unique}"
    schema = probe_schema(unique)
    events = [hold_placed(i) for i in range(5)]
    await produce(bootstrap_servers, topic, [encoded(e) for e in events])

    broken = ProbeHandler(schema=schema, output_topic=out, transient_failures=1_000)
    runtime = probe(broken)
    with pytest.raises(FatalError):
        async with runtime:
            await runtime.run()
    assert await effects(database_url, schema) == []

    registry = CollectorRegistry()
    restarted = probe(ProbeHandler(schema=schema, output_topic=out), registry=registry)
    await run_until_handled(
        restarted, registry, len(events), what="events handled after the restart"
    )
    assert metric(registry, "kulkuri_events_dead_lettered_total") == 0
    assert sorted(e for e, _ in await effects(database_url, schema)) == sorted(e.id for e in events)
