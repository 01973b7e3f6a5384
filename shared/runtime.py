"""Runs one service: migrations, topics, consumers, outbox relay, readiness checks.

Services describe themselves with a :class:`ServiceSpec`; this module wires the shared
adapters around it. It is the composition the services' bootstraps build on, so every
service starts, stops and reports readiness the same way.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer

from kulkuri.shared.db.inbox import Inbox
from kulkuri.shared.db.migrations import MigrationSet, upgrade
from kulkuri.shared.db.outbox import OutboxStore, StoredOutboxMessage
from kulkuri.shared.db.pool import create_pool
from kulkuri.shared.events.codec import EventCodec
from kulkuri.shared.messaging.consumer import EventConsumer
from kulkuri.shared.messaging.processing import EventHandler, InboxBatchProcessor, Record
from kulkuri.shared.messaging.producer import create_producer
from kulkuri.shared.messaging.relay import OutboxRelay
from kulkuri.shared.messaging.topics import dead_letter_topic, ensure_topics
from kulkuri.shared.observability.http import ReadinessCheck
from kulkuri.shared.observability.metrics import MessagingMetrics
from kulkuri.shared.settings import (
    DatabaseSettings,
    InboxSettings,
    KafkaSettings,
    OutboxSettings,
)

log = logging.getLogger(__name__)


def tune_gc_for_batches() -> None:
    """Fewer, cheaper garbage collections for a process that decodes events in batches.

    A batch's events live until its transaction commits, so with the default thresholds they
    are promoted and full collections run every few thousand events (a tenth of the consume
    path's time in bench/consume.py). Freezing what start-up allocated keeps it out of every
    later collection; a higher first threshold lets a batch come and go between collections.
    """
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


@dataclass(frozen=True)
class Subscription:
    """One consumer group of a service: what it reads and who handles it.

    ``consumers``: how many members of the group this process runs. Each has its own
    partitions, database connection and batches, so one can compute while another waits
    on the database; they share ``handler``, which must keep per-batch state on the batch's
    ``Transaction`` (``scratch``), not on itself."""

    group_id: str
    topics: Sequence[str]
    codec: EventCodec[Any]
    handler: EventHandler[Any]
    consumers: int = 1

    def __post_init__(self) -> None:
        if self.consumers < 1:
            raise ValueError(f"{self.group_id}: consumers must be at least 1")


@dataclass(frozen=True)
class PeriodicJob:
    """Work a service repeats while it runs (refreshing gauges from the database, say).
    A failing round is logged and retried next round; it never stops the service."""

    name: str
    interval_s: float
    run: Callable[[asyncpg.Pool], Awaitable[None]]


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    migrations: MigrationSet
    subscriptions: Sequence[Subscription]
    output_topics: Sequence[str] = ()
    periodic_jobs: Sequence[PeriodicJob] = ()

    @property
    def schema(self) -> str:
        return self.migrations.schema


@dataclass
class FaultHooks:
    """Crash points for tests; production leaves them empty."""

    after_processed: Callable[[Sequence[Record]], Awaitable[None]] | None = None
    after_publish: Callable[[Sequence[StoredOutboxMessage]], Awaitable[None]] | None = None


@dataclass
class ServiceRuntime:
    spec: ServiceSpec
    database_url: str
    bootstrap_servers: str
    metrics: MessagingMetrics
    kafka: KafkaSettings = field(default_factory=KafkaSettings)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    outbox_settings: OutboxSettings = field(default_factory=OutboxSettings)
    inbox_settings: InboxSettings = field(default_factory=InboxSettings)
    hooks: FaultHooks = field(default_factory=FaultHooks)

    pool: asyncpg.Pool | None = field(default=None, init=False)
    producer: AIOKafkaProducer | None = field(default=None, init=False)
    consumers: list[EventConsumer] = field(default_factory=list, init=False)
    relay: OutboxRelay | None = field(default=None, init=False)
    # What start-up opened, in order; closed in reverse by ``close``.
    _closers: list[tuple[str, Callable[[], Awaitable[None]]]] = field(
        default_factory=list, init=False
    )

    async def __aenter__(self) -> ServiceRuntime:
        try:
            await self._start()
        except BaseException:
            await self.close()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self, deadline: float | None = None) -> None:
        """Stop in reverse order of start: consumers leave their groups (committing nothing
        more), their connections go back, the producer flushes, the pool closes.

        ``deadline`` (event-loop time) bounds it all, for an orchestrator that kills a pod
        after its grace period: a step still running then is abandoned, and the pool's
        connections are cut, so a transaction still open rolls back on the server."""
        self.request_stop()
        late = False
        while self._closers:
            name, step = self._closers.pop()
            try:
                async with asyncio.timeout_at(deadline):
                    await step()
            except TimeoutError:
                late = True
                log.warning("%s: %s did not stop before the deadline", self.spec.name, name)
            except Exception:  # the next steps must still run
                log.warning("%s: stopping %s failed", self.spec.name, name, exc_info=True)
        if late and self.pool is not None:
            self.pool.terminate()

    async def _start(self) -> None:
        spec = self.spec
        await upgrade(spec.migrations, self.database_url)
        inputs = self._input_topics()
        await ensure_topics(
            self.bootstrap_servers,
            [
                *inputs,
                *map(dead_letter_topic, inputs),
                *spec.output_topics,
            ],
            partitions=self.kafka.default_partitions,
            replication_factor=self.kafka.replication_factor,
            kafka=self.kafka,
        )
        self.pool = await create_pool(
            self.database_url,
            min_size=self.database.pool_min_size,
            max_size=self.database.pool_max_size,
        )
        self._closers.append(("database pool", self.pool.close))
        self.producer = create_producer(self.kafka, self.bootstrap_servers)
        await self.producer.start()
        self._closers.append(("producer", self.producer.stop))
        outbox = OutboxStore(spec.schema)
        inbox = Inbox(spec.schema)
        self.relay = OutboxRelay(
            service=spec.name,
            pool=self.pool,
            store=outbox,
            producer=self.producer,
            settings=self.outbox_settings,
            metrics=self.metrics,
            after_publish=self.hooks.after_publish,
        )
        # Started together, a group's members join in one round rather than one by one.
        await asyncio.gather(
            *(
                self._start_consumer(sub, inbox, outbox)
                for sub in spec.subscriptions
                for _ in range(sub.consumers)
            )
        )

    async def _start_consumer(self, sub: Subscription, inbox: Inbox, outbox: OutboxStore) -> None:
        assert self.pool is not None
        processor = InboxBatchProcessor(
            service=self.spec.name,
            consumer_group=sub.group_id,
            pool=self.pool,
            inbox=inbox,
            outbox=outbox,
            codec=sub.codec,
            handler=sub.handler,
            metrics=self.metrics,
        )
        self._closers.append((f"{sub.group_id} connection", processor.close))
        consumer = EventConsumer(
            service=self.spec.name,
            topics=sub.topics,
            group_id=sub.group_id,
            bootstrap_servers=self.bootstrap_servers,
            settings=self.kafka,
            processor=processor,
            metrics=self.metrics,
            after_processed=self.hooks.after_processed,
        )
        self._closers.append((f"{sub.group_id} consumer", consumer.stop))
        self.consumers.append(consumer)
        await consumer.start()

    def _input_topics(self) -> list[str]:
        return [topic for sub in self.spec.subscriptions for topic in sub.topics]

    async def run(self) -> None:
        """Run consumers and relay until one fails (then all stop) or all are asked to stop."""
        assert self.relay is not None, "use 'async with' first"
        workers = [
            asyncio.create_task(c.run(), name=f"consumer:{c.group_id}") for c in self.consumers
        ]
        workers.append(asyncio.create_task(self.relay.run(), name=f"relay:{self.spec.name}"))
        housekeeping = [
            asyncio.create_task(self._repeat(job), name=f"{job.name}:{self.spec.name}")
            for job in self._periodic_jobs()
        ]
        try:
            done, _ = await asyncio.wait(workers, return_when=asyncio.FIRST_EXCEPTION)
            for task in done:
                task.result()  # re-raise the first failure
            await asyncio.gather(*workers)
        finally:
            self.request_stop()  # loops end by themselves even if a cancellation is lost
            for task in [*workers, *housekeeping]:
                task.cancel()
            await asyncio.gather(*workers, *housekeeping, return_exceptions=True)

    async def purge_old_rows(self) -> tuple[int, int]:
        """Forget inbox keys and sent outbox rows past their retention; returns the counts."""
        assert self.pool is not None
        async with self.pool.acquire() as conn:
            inbox = await Inbox(self.spec.schema).purge_older_than(
                conn, self.inbox_settings.retention_days
            )
            outbox = await OutboxStore(self.spec.schema).purge_published_before(
                conn, self.outbox_settings.retention_hours
            )
        return inbox, outbox

    def _periodic_jobs(self) -> list[PeriodicJob]:
        async def purge(_: asyncpg.Pool) -> None:
            await self.purge_old_rows()

        interval = self.inbox_settings.housekeeping_interval_s
        return [PeriodicJob("purge", interval, purge), *self.spec.periodic_jobs]

    async def _repeat(self, job: PeriodicJob) -> None:
        assert self.pool is not None
        while True:
            try:
                await job.run(self.pool)
            except Exception:  # this round can wait for the next; it must not stop us
                log.warning("periodic job %s failed", job.name, exc_info=True)
            await asyncio.sleep(job.interval_s)  # a timer, not a wait

    def request_stop(self) -> None:
        for consumer in self.consumers:
            consumer.request_stop()
        if self.relay is not None:
            self.relay.request_stop()

    def readiness_checks(self) -> dict[str, ReadinessCheck]:
        async def database() -> None:
            assert self.pool is not None
            await self.pool.fetchval("SELECT 1")

        async def broker() -> None:
            assert self.producer is not None
            await self.producer.client.fetch_all_metadata()

        return {f"{self.spec.name}:database": database, f"{self.spec.name}:broker": broker}
