"""The outbox relay on a real broker and database: restarts lose nothing, dedupe by id works."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer
from prometheus_client import CollectorRegistry

from kulkuri.shared.db.migrations import MigrationSet, upgrade
from kulkuri.shared.db.outbox import OutboxMessage, OutboxStore, StoredOutboxMessage
from kulkuri.shared.db.pool import create_pool
from kulkuri.shared.messaging import OutboxRelay, create_producer, ensure_topics
from kulkuri.shared.observability.metrics import MessagingMetrics
from kulkuri.shared.settings import KafkaSettings, OutboxSettings
from tests.integration.probe import PROBE_MIGRATIONS, probe_schema
from tests.kafka_tools import metric, read_topic
from tests.waiting import eventually

pytestmark = pytest.mark.integration


class SimulatedCrash(Exception):
    pass


def _messages(topic: str, n: int) -> list[OutboxMessage]:
    return [
        OutboxMessage(
            id=f"m-{i}",
            topic=topic,
            key=f"k-{i % 3}".encode(),
            value=f"payload-{i}".encode(),
            headers=(("ce_id", f"m-{i}".encode()),),
        )
        for i in range(n)
    ]


async def _relay_until(
    relay: OutboxRelay, condition_pool: asyncpg.Pool, store: OutboxStore
) -> None:
    task = asyncio.create_task(relay.run())

    async def drained() -> bool:
        async with condition_pool.acquire() as conn:
            return (await store.backlog(conn)).count == 0

    await eventually(drained, what="outbox drained")
    relay.request_stop()
    await task


async def test_relay_crash_after_publish_before_marking_republishes_and_loses_nothing(
    bootstrap_servers: str, database_url: str, unique: str
) -> None:
    schema, topic = probe_schema(unique), f"out-{unique}"
    await upgrade(MigrationSet(schema, PROBE_MIGRATIONS), database_url)
    await ensure_topics(bootstrap_servers, [topic], partitions=3)
    store = OutboxStore(schema)
    settings = OutboxSettings(batch_size=25, poll_interval_s=0.1)
    messages = _messages(topic, 60)
    pool = await create_pool(database_url)
    producer = create_producer(KafkaSettings(), bootstrap_servers)
    await producer.start()
    try:
        async with pool.acquire() as conn, conn.transaction():
            await store.add(conn, messages)

        async def crash(published: Sequence[StoredOutboxMessage]) -> None:
            raise SimulatedCrash

        crashing = OutboxRelay(
            service="probe",
            pool=pool,
            store=store,
            producer=producer,
            settings=settings,
            metrics=MessagingMetrics(CollectorRegistry()),
            after_publish=crash,
        )
        with pytest.raises(SimulatedCrash):
            await crashing.run()
        async with pool.acquire() as conn:
            assert (await store.backlog(conn)).count == 60, "nothing was marked sent"

        registry = CollectorRegistry()
        restarted = OutboxRelay(
            service="probe",
            pool=pool,
            store=store,
            producer=producer,
            settings=settings,
            metrics=MessagingMetrics(registry),
        )
        await _relay_until(restarted, pool, store)
        assert metric(registry, "kulkuri_outbox_published_total") == 60
        assert metric(registry, "kulkuri_outbox_backlog") == 0
    finally:
        await producer.stop()
        await pool.close()

    records = await read_topic(bootstrap_servers, topic, at_least=60 + 25)
    ids = [dict(r.headers)["ce_id"].decode() for r in records]
    # The crashed batch went out twice; deduplicated by id, every message arrived once.
    assert len(ids) == 60 + 25
    assert sorted(set(ids)) == sorted(m.id for m in messages)
    # Order per key is kept: each key's payloads arrive in outbox order (after dedupe).
    for key in (b"k-0", b"k-1", b"k-2"):
        seen = list(dict.fromkeys(r.value for r in records if r.key == key))
        assert seen == sorted(seen, key=lambda v: int(v.split(b"-")[1]))


async def test_only_one_relay_per_schema_is_active(
    bootstrap_servers: str, database_url: str, unique: str
) -> None:
    schema = probe_schema(unique)
    await upgrade(MigrationSet(schema, PROBE_MIGRATIONS), database_url)
    store = OutboxStore(schema)
    pool = await create_pool(database_url, max_size=4)
    producer = create_producer(KafkaSettings(), bootstrap_servers)
    await producer.start()
    relays = [
        OutboxRelay(
            service="probe",
            pool=pool,
            store=store,
            producer=producer,
            settings=OutboxSettings(poll_interval_s=0.1),
            metrics=MessagingMetrics(CollectorRegistry()),
        )
        for _ in range(2)
    ]
    tasks = [asyncio.create_task(r.run()) for r in relays]
    try:
        await eventually(lambda: any(r.is_leader for r in relays), what="a leader")
        assert sum(r.is_leader for r in relays) == 1
        leader = next(r for r in relays if r.is_leader)
        follower = next(r for r in relays if not r.is_leader)
        leader.request_stop()
        await eventually(lambda: follower.is_leader, what="the follower taking over")
    finally:
        for r in relays:
            r.request_stop()
        await asyncio.gather(*tasks)
        await producer.stop()
        await pool.close()


async def test_housekeeping_forgets_only_what_is_past_its_retention(
    bootstrap_servers: str, database_url: str, unique: str
) -> None:
    from kulkuri.shared.db.inbox import Inbox
    from kulkuri.shared.runtime import ServiceRuntime, ServiceSpec
    from kulkuri.shared.settings import InboxSettings

    schema = probe_schema(unique)
    runtime = ServiceRuntime(
        spec=ServiceSpec("probe", MigrationSet(schema, PROBE_MIGRATIONS), subscriptions=[]),
        database_url=database_url,
        bootstrap_servers=bootstrap_servers,
        metrics=MessagingMetrics(CollectorRegistry()),
        outbox_settings=OutboxSettings(retention_hours=1),
        inbox_settings=InboxSettings(retention_days=14),
    )
    async with runtime:
        assert runtime.pool is not None
        async with runtime.pool.acquire() as conn, conn.transaction():
            await Inbox(schema).claim(conn, ["old", "new"])
            await OutboxStore(schema).add(conn, _messages("t", 3))
            await conn.execute(
                f"UPDATE {schema}.inbox SET received_at = now() - interval '15 days' "
                "WHERE event_key = 'old'"
            )
            await conn.execute(
                f"UPDATE {schema}.outbox SET published_at = now() - interval '2 hours' "
                "WHERE id = 'm-0'"
            )
            await conn.execute(f"UPDATE {schema}.outbox SET published_at = now() WHERE id = 'm-1'")
        assert await runtime.purge_old_rows() == (1, 1)
        async with runtime.pool.acquire() as conn:
            assert await conn.fetchval(f"SELECT array_agg(event_key) FROM {schema}.inbox") == [
                "new"
            ]
            left = await conn.fetchval(f"SELECT array_agg(id ORDER BY id) FROM {schema}.outbox")
            assert left == ["m-1", "m-2"], "recently sent and unsent rows stay"


async def test_relayed_records_land_on_the_partition_send_would_choose_in_row_order(
    bootstrap_servers: str, database_url: str, unique: str
) -> None:
    schema, topic = probe_schema(unique), f"parts-{unique}"
    await upgrade(MigrationSet(schema, PROBE_MIGRATIONS), database_url)
    await ensure_topics(bootstrap_servers, [topic, f"{topic}-send"], partitions=3)
    store = OutboxStore(schema)
    # Twelve keys, so that every partition gets some; values larger than one default record
    # batch (16 KiB) can hold together, so one partition's rows span several batches.
    messages = [
        OutboxMessage(
            id=f"p-{i}",
            topic=topic,
            key=f"bib-{i % 12}".encode(),
            value=f"{i:05d}".encode() + b"." * 3_000,
        )
        for i in range(120)
    ]
    pool = await create_pool(database_url)
    producer = create_producer(KafkaSettings(), bootstrap_servers)
    await producer.start()
    try:
        async with pool.acquire() as conn, conn.transaction():
            await store.add(conn, messages)
        relay = OutboxRelay(
            service="probe",
            pool=pool,
            store=store,
            producer=producer,
            settings=OutboxSettings(batch_size=50, poll_interval_s=0.1),
            metrics=MessagingMetrics(CollectorRegistry()),
        )
        await _relay_until(relay, pool, store)
        chosen_by_send = {}
        for n in range(12):
            key = f"bib-{n}".encode()
            sent = await (await producer.send(f"{topic}-send", key=key, value=b"probe"))
            chosen_by_send[key] = sent.partition
    finally:
        await producer.stop()
        await pool.close()

    records = await read_topic(bootstrap_servers, topic, at_least=120)
    assert len(records) == 120
    assert {r.key: r.partition for r in records} == chosen_by_send
    assert len(set(chosen_by_send.values())) == 3
    for partition in range(3):
        numbers = [int(r.value[:5]) for r in records if r.partition == partition]
        assert numbers == sorted(numbers), "each partition keeps the rows' order"


async def test_a_commit_wakes_the_relay_without_waiting_for_its_poll(
    bootstrap_servers: str, database_url: str, unique: str
) -> None:
    schema, topic = probe_schema(unique), f"wake-{unique}"
    await upgrade(MigrationSet(schema, PROBE_MIGRATIONS), database_url)
    await ensure_topics(bootstrap_servers, [topic], partitions=1)
    store = OutboxStore(schema)
    pool = await create_pool(database_url)
    producer = create_producer(KafkaSettings(), bootstrap_servers)
    await producer.start()
    registry = CollectorRegistry()
    relay = OutboxRelay(
        service="probe",
        pool=pool,
        store=store,
        producer=producer,
        settings=OutboxSettings(poll_interval_s=600),  # only NOTIFY can wake it in time
        metrics=MessagingMetrics(registry),
    )
    task = asyncio.create_task(relay.run())
    try:
        await eventually(lambda: relay.is_leader, what="the relay leading")
        async with pool.acquire() as conn, conn.transaction():
            await store.add(conn, _messages(topic, 3))
        await eventually(
            lambda: metric(registry, "kulkuri_outbox_published_total") == 3,
            timeout=10,
            what="the rows published on NOTIFY",
        )
    finally:
        relay.request_stop()
        await task
        await producer.stop()
        await pool.close()


async def test_a_round_is_sent_without_waiting_out_the_producers_linger(
    bootstrap_servers: str, database_url: str, unique: str
) -> None:
    schema, topic = probe_schema(unique), f"linger-{unique}"
    await upgrade(MigrationSet(schema, PROBE_MIGRATIONS), database_url)
    await ensure_topics(bootstrap_servers, [topic], partitions=1)
    store = OutboxStore(schema)
    pool = await create_pool(database_url)
    # A linger far longer than the deadline below: an open batch would sit it out.
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap_servers, acks="all", linger_ms=30_000)
    await producer.start()
    relay = OutboxRelay(
        service="probe",
        pool=pool,
        store=store,
        producer=producer,
        settings=OutboxSettings(),
        metrics=MessagingMetrics(CollectorRegistry()),
    )
    try:
        async with pool.acquire() as conn:
            async with conn.transaction():
                await store.add(conn, _messages(topic, 3))
            async with asyncio.timeout(10):
                assert await relay.publish_once(conn) == 3
            assert (await store.backlog(conn)).count == 0
    finally:
        await producer.stop()
        await pool.close()
