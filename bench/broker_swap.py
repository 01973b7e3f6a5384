"""A fresh broker at a quiet cut-off: a stand-in for retention in runs of many simulated days.

Tansu's memory store keeps every record batch and a fetch costs time in proportion to the
batches its partition holds, so a simulated year on one broker slows to a crawl (see
docs/benchmarks.md, "Helmet year"). Apache Kafka drops old segments by retention; here,
every ``every`` cut-offs, once nothing is in flight, the broker is restarted empty on the
same port:

1. wait until every outbox is published and every consumer group has committed the end of
   every partition it reads (the services then hold nothing the old broker still has);
2. read the lane worker's changelog topics (its tables) and stop the worker;
3. restart the broker (same port, empty), create the same topics, write the changelogs back
   as compacted (the last record per key) and start the worker, which recovers its tables;
4. the services and the simulator reconnect to the address they know; their positions lie
   past the new ends, so they read from the start (``auto_offset_reset="earliest"``).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import date

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from kulkuri.shared.db.outbox import OutboxStore
from kulkuri.shared.local.broker import LocalBroker
from kulkuri.transport.lanes.process import LaneWorkerProcess

Record = tuple[bytes | None, bytes | None]  # key, value
QUIET_TIMEOUT_S = 120.0


@dataclass
class BrokerSwap:
    broker: LocalBroker
    db_url: str
    lanes: LaneWorkerProcess
    every: int
    cut_offs: int = 0
    swaps: list[float] = field(default_factory=list)  # wall seconds each took

    async def __call__(self, day: date) -> bool:
        self.cut_offs += 1
        if self.every <= 0 or self.cut_offs % self.every:
            return False
        began = time.monotonic()
        if not await _quiet(self.broker.bootstrap_servers, self.db_url):
            self.cut_offs -= 1  # try again at the next cut-off
            print(f"  {day}: not quiet within {QUIET_TIMEOUT_S:g} s; the broker stays")
            return False
        topics, changelogs = await _snapshot(self.broker.bootstrap_servers)
        await asyncio.to_thread(self.lanes.stop)
        await asyncio.to_thread(self.broker.restart)
        await _restore(self.broker.bootstrap_servers, topics, changelogs)
        await asyncio.to_thread(self.lanes.start)
        self.swaps.append(round(time.monotonic() - began, 1))
        kept = sum(len(records) for records in changelogs.values())
        print(f"  {day}: fresh broker in {self.swaps[-1]} s ({kept} table records kept)")
        return True


async def _quiet(bootstrap: str, db_url: str) -> bool:
    deadline = time.monotonic() + QUIET_TIMEOUT_S
    while time.monotonic() < deadline:
        if not await _unpublished(db_url) and not await _behind(bootstrap):
            return True
        await asyncio.sleep(0.5)  # polling the system's state, with a deadline
    return False


async def _unpublished(db_url: str) -> int:
    conn = await asyncpg.connect(db_url)
    try:
        schemas = await conn.fetch(
            "SELECT table_schema FROM information_schema.tables WHERE table_name = 'outbox'"
        )
        return sum([(await OutboxStore(row[0]).backlog(conn)).count for row in schemas])
    finally:
        await conn.close()


async def _behind(bootstrap: str) -> list[str]:
    """The groups with a committed offset short of its partition's end."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await admin.start()
    await reader.start()
    try:
        partitions = [
            TopicPartition(t, p)
            for t in await reader.topics()
            for p in reader.partitions_for_topic(t) or ()
        ]
        ends = await reader.end_offsets(partitions)
        behind = []
        for group, *_ in await admin.list_consumer_groups():
            # Named partitions: Tansu cannot answer an OffsetFetch for all of a group's.
            committed = await admin.list_consumer_group_offsets(group, partitions=partitions)
            if any(0 <= meta.offset < ends[tp] for tp, meta in committed.items()):
                behind.append(group)
        return behind
    finally:
        await reader.stop()
        await admin.close()


async def _snapshot(
    bootstrap: str,
) -> tuple[dict[str, int], dict[TopicPartition, list[Record]]]:
    """Every topic's partition count, and each changelog partition compacted."""
    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await reader.start()
    try:
        topics = {t: len(reader.partitions_for_topic(t) or ()) for t in await reader.topics()}
        logs = [
            TopicPartition(t, p)
            for t in topics
            if t.endswith("-changelog")
            for p in range(topics[t])
        ]
        ends = await reader.end_offsets(logs) if logs else {}
        changelogs = {tp: await _compacted(reader, tp, ends[tp]) for tp in logs}
        return topics, changelogs
    finally:
        await reader.stop()


async def _compacted(reader: AIOKafkaConsumer, tp: TopicPartition, end: int) -> list[Record]:
    reader.assign([tp])
    await reader.seek_to_beginning(tp)
    latest: dict[bytes | None, bytes | None] = {}
    while await reader.position(tp) < end:
        for record in (await reader.getmany(tp, timeout_ms=1000)).get(tp, []):
            latest.pop(record.key, None)  # keeps the order of last writes
            latest[record.key] = record.value
    return [(k, v) for k, v in latest.items() if v is not None]


async def _restore(
    bootstrap: str, topics: dict[str, int], changelogs: dict[TopicPartition, list[Record]]
) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(t, n, 1) for t, n in topics.items() if n])
    finally:
        await admin.close()
    # One record a batch, as the lane worker writes them: Tansu reports a partition's end
    # as its last batch's first offset + 1, and recovery reads up to that end.
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", enable_idempotence=False, max_batch_size=1
    )
    await producer.start()
    try:
        for tp, records in changelogs.items():
            sent = [
                await producer.send(tp.topic, value, key=key, partition=tp.partition)
                for key, value in records
            ]
            await asyncio.gather(*sent)
    finally:
        await producer.stop()
