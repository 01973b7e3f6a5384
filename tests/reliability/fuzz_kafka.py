"""Kafka for the reliability tests: produce many records at once and know where each landed,
read a group's committed offsets, read a topic back whole."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.structs import ConsumerRecord, RecordMetadata, TopicPartition

Header = tuple[str, bytes]
# Large batches: ten thousand records go out in a few produce requests, not one by one.
BATCH_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Outgoing:
    """One record to produce; ``value`` None is a tombstone."""

    key: bytes | None
    value: bytes | None
    headers: tuple[Header, ...] = ()


@dataclass(frozen=True)
class Placed:
    """Where a produced record landed."""

    partition: int
    offset: int


async def produce_all(bootstrap: str, topic: str, records: Sequence[Outgoing]) -> list[Placed]:
    """Send every record without waiting between them, then wait for all acks (acks=all);
    returns where each one landed, in the order given."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        enable_idempotence=False,  # Tansu has no idempotent producer
        acks="all",
        max_batch_size=BATCH_BYTES,
        max_request_size=4 * BATCH_BYTES,
        linger_ms=20,
    )
    await producer.start()
    try:
        sent = [
            await producer.send(topic, value=r.value, key=r.key, headers=list(r.headers) or None)
            for r in records
        ]
        metadata: list[RecordMetadata] = await asyncio.gather(*sent)
    finally:
        await producer.stop()
    return [Placed(m.partition, m.offset) for m in metadata]


async def committed_offsets(bootstrap: str, group: str, topic: str) -> dict[int, int]:
    """The group's committed offset per partition of ``topic`` (partitions without one are
    left out: nothing of them is committed). Asked as a member that never joins, so the
    group is left as it is (Tansu does not answer the admin client's OffsetFetch)."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False
    )
    await consumer.start()
    try:
        await consumer.topics()  # fetches the cluster's metadata
        partitions = consumer.partitions_for_topic(topic) or set()
        committed = {p: await consumer.committed(TopicPartition(topic, p)) for p in partitions}
    finally:
        await consumer.stop()
    return {p: offset for p, offset in committed.items() if offset is not None}


async def read_all(
    bootstrap: str, topic: str, *, at_least: int, timeout: float = 60.0
) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record of ``topic`` from the start, once at least ``at_least`` have arrived and a
    poll then brings nothing more; or what arrived within ``timeout`` (the caller's checks
    then say what is missing)."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"reader-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        session_timeout_ms=6000,
        max_partition_fetch_bytes=BATCH_BYTES,
    )
    await consumer.start()
    records: list[ConsumerRecord[bytes, bytes]] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=300, max_records=5000)
            got = [r for part in batch.values() for r in part]
            records.extend(got)
            if len(records) >= at_least and not got:
                break
    finally:
        await consumer.stop()
    return records
