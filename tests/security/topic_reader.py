"""Reading what was written to kulkuri's topics after a moment: their ends then, and every
record from there to their ends now."""

from __future__ import annotations

import time

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.structs import ConsumerRecord

Offsets = dict[TopicPartition, int]


async def kulkuri_ends(bootstrap: str) -> Offsets:
    """The end offset of every partition of every ``kulkuri.*`` topic."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        topics = sorted(t for t in await consumer.topics() if t.startswith("kulkuri."))
        partitions = [
            TopicPartition(topic, p)
            for topic in topics
            for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        ends: Offsets = await consumer.end_offsets(partitions)
        return ends
    finally:
        await consumer.stop()


async def records_since(
    bootstrap: str, starts: Offsets, *, timeout: float = 30.0
) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record from ``starts`` (topics created since count from 0) to the ends now."""
    ends = await kulkuri_ends(bootstrap)
    wanted = {tp: starts.get(tp, 0) for tp in ends if ends[tp] > starts.get(tp, 0)}
    if not wanted:
        return []
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()
    records: list[ConsumerRecord[bytes, bytes]] = []
    try:
        consumer.assign(list(wanted))
        for tp, offset in wanted.items():
            consumer.seek(tp, offset)
        deadline = time.monotonic() + timeout
        while True:
            batch = await consumer.getmany(timeout_ms=500)
            records.extend(r for part in batch.values() for r in part)
            behind = [tp for tp in wanted if await consumer.position(tp) < ends[tp]]
            # Tansu reports an end below a batch's last records: read until a poll is empty.
            if not behind and not batch:
                return records
            if time.monotonic() > deadline:
                raise AssertionError(f"still behind on {behind} after {timeout}s")
    finally:
        await consumer.stop()
