"""Small real-Kafka helpers for tests: produce records, read a topic back."""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.structs import ConsumerRecord
from prometheus_client import CollectorRegistry

from kulkuri.shared.events import CloudEvent, EventCodec, HoldPlaced, HoldPlacedData


async def produce(bootstrap: str, topic: str, records: Sequence[tuple[bytes, bytes]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=False, acks="all")
    await producer.start()
    try:
        for key, value in records:
            await producer.send(topic, value=value, key=key)
        await producer.flush()
    finally:
        await producer.stop()


async def read_topic(
    bootstrap: str,
    topic: str,
    *,
    at_least: int,
    timeout: float = 30.0,
    key: bytes | None = None,
) -> list[ConsumerRecord[bytes, bytes]]:
    """Read the topic from the start until ``at_least`` records (with ``key``, if given)
    arrived, then a little more (until a poll returns nothing) so extra records are seen."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"reader-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        session_timeout_ms=6000,
    )
    await consumer.start()
    records: list[ConsumerRecord[bytes, bytes]] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            got = [r for part in batch.values() for r in part if key is None or r.key == key]
            records.extend(got)
            if len(records) >= at_least and not got:
                return records
        raise AssertionError(f"{topic}: {len(records)} records after {timeout}s, want {at_least}")
    finally:
        await consumer.stop()


def hold_placed(
    n: int, *, bib: str | None = None, pickup: str = "85033", prefix: str = "ev"
) -> HoldPlaced:
    now = datetime(2026, 8, 3, 9, 0, tzinfo=UTC)
    return HoldPlaced.create(
        id=f"{prefix}-{n}",
        source="urn:ils:test",
        time=now,
        data=HoldPlacedData(
            hold_id=f"hold-{prefix}-{n}",
            bib_id=bib or f"bib-{n % 7}",
            pickup_library=pickup,
            placed_at=now,
        ),
    )


def encoded(event: CloudEvent) -> tuple[bytes, bytes]:
    return event.partition_key(), EventCodec.encode(event)


def metric(registry: CollectorRegistry, name: str, **labels: str) -> float:
    """Sum of a metric's samples whose labels include ``labels`` (0 when absent)."""
    total = 0.0
    for family in registry.collect():
        for sample in family.samples:
            if sample.name == name and labels.items() <= sample.labels.items():
                total += sample.value
    return total
