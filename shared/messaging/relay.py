"""The outbox relay: publishes committed outbox rows in order, then marks them sent.

One relay per service schema is active at a time (a PostgreSQL advisory lock elects it), so
rows leave in commit order however many replicas run. It wakes on NOTIFY from the writing
transaction and polls as a fallback. A crash after publishing but before marking republishes
those rows on restart: at-least-once on the wire, deduplicated downstream by event id.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from aiokafka.partitioner import DefaultPartitioner
from aiokafka.producer.message_accumulator import BatchBuilder

from kulkuri.shared.db.outbox import OutboxStore, StoredOutboxMessage
from kulkuri.shared.messaging.retry import is_transient
from kulkuri.shared.observability.metrics import MessagingMetrics
from kulkuri.shared.settings import OutboxSettings

log = logging.getLogger(__name__)

BACKLOG_READ_INTERVAL_S = 5.0
PARTITION_CACHE_SIZE = 100_000


class OutboxRelay:
    def __init__(
        self,
        *,
        service: str,
        pool: asyncpg.Pool,
        store: OutboxStore,
        producer: AIOKafkaProducer,
        settings: OutboxSettings,
        metrics: MessagingMetrics,
        after_publish: Callable[[Sequence[StoredOutboxMessage]], Awaitable[None]] | None = None,
    ) -> None:
        """``after_publish`` runs between publishing and marking sent (a test crash point)."""
        self.service = service
        self._pool = pool
        self._store = store
        self._producer = producer
        self._settings = settings
        self._metrics = metrics
        self._after_publish = after_publish
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self.is_leader = False
        self._backlog_read_at = -BACKLOG_READ_INTERVAL_S
        self._partitioner = DefaultPartitioner()
        self._partition_of: dict[tuple[str, int, bytes], int] = {}

    def request_stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    async def run(self) -> None:
        """Relay until stopped, riding out database and broker outages with backoff."""
        delay = self._settings.poll_interval_s
        while not self._stopping.is_set():
            try:
                await self._run_as_leader()
                return
            except Exception as exc:
                if not is_transient(exc):
                    raise
                log.warning("outbox relay interrupted, retrying in %.1fs: %r", delay, exc)
                await self._wait(delay)
                delay = min(delay * 2, 30.0)

    async def _run_as_leader(self) -> None:
        async with self._pool.acquire() as conn:
            await self._become_leader(conn)
            if self._stopping.is_set():
                return
            await conn.add_listener(self._store.notify_channel, self._on_notify)
            try:
                while not self._stopping.is_set():
                    published = await self.publish_once(conn)
                    if published < self._settings.batch_size:
                        await self._wait(self._settings.poll_interval_s)
            finally:
                self.is_leader = False
                if not conn.is_closed():
                    await conn.remove_listener(self._store.notify_channel, self._on_notify)
                    await conn.execute("SELECT pg_advisory_unlock_all()")

    async def publish_once(self, conn: asyncpg.Connection) -> int:
        """Publish up to one batch of pending rows; returns how many were published."""
        pending = await self._store.pending(conn, self._settings.batch_size)
        if pending:
            # Wait for every broker ack (acks=all) before marking anything sent.
            await asyncio.gather(*await self._send(pending))
            if self._after_publish is not None:
                await self._after_publish(pending)
            await self._store.mark_published(conn, [row.seq for row in pending])
            for topic, count in Counter(row.message.topic for row in pending).items():
                self._metrics.outbox_published.labels(self.service, topic).inc(count)
        # Counting the backlog reads all of it, so it is counted every few seconds. In between,
        # a round that found less than a batch has caught up: nothing was left when it looked
        # (a query per round would add a round trip to every decision's way out).
        now = time.monotonic()
        if now - self._backlog_read_at >= BACKLOG_READ_INTERVAL_S:
            self._backlog_read_at = now
            await self._update_backlog(conn)
        elif len(pending) < self._settings.batch_size:
            self._metrics.outbox_backlog.labels(self.service).set(0)
            self._metrics.outbox_oldest_age.labels(self.service).set(0)
        return len(pending)

    async def _send(self, pending: Sequence[StoredOutboxMessage]) -> list[asyncio.Future[Any]]:
        """Hand the rows to the producer as record batches, one run per partition in row
        order; the partition is the one ``send`` would choose (murmur2 of the key). A future
        per batch instead of per record: per-record sends cost more than the rest of a round.
        """
        partitions: dict[str, list[int]] = {}
        builders: dict[tuple[str, int], list[BatchBuilder]] = {}
        for row in pending:
            message = row.message
            known = partitions.get(message.topic)
            if known is None:
                known = partitions[message.topic] = sorted(
                    await self._producer.partitions_for(message.topic)
                )
            partition = self._partition(message.topic, message.key, known)
            runs = builders.setdefault((message.topic, partition), [])
            record = {
                "timestamp": None,
                "key": message.key,
                "value": message.value,
                "headers": list(message.headers),
            }
            if not runs or not runs[-1].append(**record):  # the open batch is full
                runs.append(self._producer.create_batch())
                if not runs[-1].append(**record):
                    raise ValueError(f"outbox row {row.seq} does not fit in a record batch")
        futures = []
        for (topic, partition), runs in builders.items():
            for batch in runs:
                # A closed batch is sent at once: an open one would wait out the producer's
                # linger for records that never come (the round's rows are all in it).
                batch.close()
                futures.append(await self._producer.send_batch(batch, topic, partition=partition))
        return futures

    def _partition(self, topic: str, key: bytes | None, partitions: list[int]) -> int:
        if key is None:
            return int(self._partitioner(None, partitions, partitions))
        # Keys (a title's bib_id) repeat, and murmur2 is pure Python: remember the answers
        # for the current partition count.
        cache_key = (topic, len(partitions), key)
        partition = self._partition_of.get(cache_key)
        if partition is None:
            if len(self._partition_of) >= PARTITION_CACHE_SIZE:
                self._partition_of.clear()
            partition = self._partition_of[cache_key] = self._partitioner(
                key, partitions, partitions
            )
        return partition

    async def _become_leader(self, conn: asyncpg.Connection) -> None:
        key = f"kulkuri.outbox.{self._store.schema}"
        while not self._stopping.is_set():
            if await conn.fetchval("SELECT pg_try_advisory_lock(hashtext($1))", key):
                self.is_leader = True
                log.info("outbox relay is active", extra={"schema": self._store.schema})
                return
            await self._wait(self._settings.poll_interval_s)

    async def _wait(self, seconds: float) -> None:
        # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation that
        # arrives as the wake-up fires, and the relay would then never stop.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._wake.wait()
        self._wake.clear()

    async def _update_backlog(self, conn: asyncpg.Connection) -> None:
        backlog = await self._store.backlog(conn)
        self._metrics.outbox_backlog.labels(self.service).set(backlog.count)
        self._metrics.outbox_oldest_age.labels(self.service).set(backlog.oldest_age_s)

    def _on_notify(self, *_: object) -> None:
        self._wake.set()
