"""One batch of records, one database transaction: inbox claim, handler effects, outbox.

This is the effectively-once core. The handler's writes, the inbox rows of the events it
handled, the events it publishes and the batch's dead letters commit together or not at all;
offsets are committed only afterwards, so a crash in between redelivers the batch and the
inbox turns every redelivered event into a no-op.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeAlias, TypeVar

import asyncpg
from aiokafka.structs import ConsumerRecord

from kulkuri.shared.db.inbox import Inbox
from kulkuri.shared.db.outbox import OutboxMessage, OutboxStore
from kulkuri.shared.errors import InvalidEventError
from kulkuri.shared.events.codec import EventCodec
from kulkuri.shared.events.envelope import CONTENT_TYPE, CloudEvent
from kulkuri.shared.messaging.dead_letters import dead_letter
from kulkuri.shared.messaging.usable import unusable
from kulkuri.shared.observability.logging import bind_event_id, unbind_event_id
from kulkuri.shared.observability.metrics import MessagingMetrics

EventT = TypeVar("EventT", bound=CloudEvent)
EventT_contra = TypeVar("EventT_contra", bound=CloudEvent, contravariant=True)
Record: TypeAlias = ConsumerRecord[bytes, bytes]


@dataclass
class Transaction:
    """What a handler may touch: the batch's connection, an outbox to publish through, and
    ``scratch``, where batch hooks keep what they know for the length of the batch."""

    connection: asyncpg.Connection
    outbox: list[OutboxMessage] = field(default_factory=list)
    scratch: dict[str, Any] = field(default_factory=dict)

    def publish(self, topic: str, event: CloudEvent) -> None:
        self.outbox.append(
            OutboxMessage(
                id=event.id,
                topic=topic,
                key=event.partition_key(),
                value=EventCodec.encode(event),
                headers=(("content-type", CONTENT_TYPE.encode()),),
            )
        )


class EventHandler(Protocol[EventT_contra]):
    """A service's handler: applies one event's effects inside ``tx``; idempotence across
    redeliveries is the inbox's job, but raising ``InvalidEventError`` must leave no writes
    that matter (the processor rolls back to a savepoint around the event), and no changed
    state in memory either.

    A handler may also define ``begin_batch(events, tx)`` and ``end_batch(tx)``: the first
    runs before the batch's first event with the events that are new to the inbox (to load
    their aggregates in one query), the second after its last (to save them in one
    statement and publish what they decided). Both run again if the batch is redone."""

    async def __call__(self, event: EventT_contra, tx: Transaction) -> None: ...


class BatchHooks(Protocol[EventT_contra]):
    async def begin_batch(self, events: Sequence[EventT_contra], tx: Transaction) -> None: ...

    async def end_batch(self, tx: Transaction) -> None: ...


@dataclass
class BatchResult:
    handled: int = 0
    duplicates: int = 0
    dead_lettered: int = 0


DecodedBatch: TypeAlias = tuple[list[tuple[Record, EventT]], list[tuple[Record, InvalidEventError]]]
"""The batch's valid events and its undecodable records with why."""


def _usable(conn: asyncpg.Connection) -> bool:
    """False for a held connection the server closed (a restart, a failover, an idle timeout)
    between batches. asyncpg hands such a connection back to its pool by itself and then
    answers every call on it, ``is_closed()`` included, with ``InterfaceError``; releasing it
    again is a no-op."""
    try:
        return not conn.is_closed()
    except asyncpg.InterfaceError:
        return False


class _IsolateEvents(Exception):
    """A handler rejected an event: redo the batch with a savepoint around each event."""


class InboxBatchProcessor(Generic[EventT]):
    def __init__(
        self,
        *,
        service: str,
        consumer_group: str,
        pool: asyncpg.Pool,
        inbox: Inbox,
        outbox: OutboxStore,
        codec: EventCodec[EventT],
        handler: EventHandler[EventT],
        metrics: MessagingMetrics,
    ) -> None:
        self.service = service
        self.consumer_group = consumer_group
        self._pool = pool
        self._inbox = inbox
        self._outbox = outbox
        self._codec = codec
        self._handler = handler
        self._metrics = metrics
        self._timers: dict[str, Any] = {}
        self._hooks: BatchHooks[EventT] | None = (
            handler if hasattr(handler, "begin_batch") else None  # type: ignore[assignment]
        )
        self._conn: asyncpg.Connection | None = None

    async def commit(self, batch: DecodedBatch[EventT]) -> BatchResult:
        """Apply a decoded batch in one transaction; may be retried with the same batch."""
        events, dead = batch
        try:
            return await self._commit(events, dead, isolate=False)
        except _IsolateEvents:
            return await self._commit(events, dead, isolate=True)

    def decode(self, records: Sequence[Record]) -> DecodedBatch[EventT]:
        """Parse and validate once per fetched batch, however often its commit is retried."""
        events: list[tuple[Record, EventT]] = []
        dead: list[tuple[Record, InvalidEventError]] = []
        consumed: Counter[tuple[str, str]] = Counter()
        for record in records:
            try:
                event = self._codec.decode(record.value)
                problem = unusable(event)
                if problem is not None:
                    raise InvalidEventError("schema_violation", problem)
            except InvalidEventError as exc:
                dead.append((record, exc))
                consumed[record.topic, "invalid"] += 1
                continue
            events.append((record, event))
            consumed[record.topic, event.type] += 1
        for (topic, event_type), count in consumed.items():
            self._metrics.events_consumed.labels(self.service, topic, event_type).inc(count)
        return events, dead

    async def _commit(
        self,
        events: list[tuple[Record, EventT]],
        dead: list[tuple[Record, InvalidEventError]],
        *,
        isolate: bool,
    ) -> BatchResult:
        rejected: list[tuple[Record, InvalidEventError]] = []
        handled_types: list[str] = []
        duplicate_types: list[str] = []
        keys = [event.dedupe_key for _, event in events]
        conn = await self._connection()
        try:
            async with conn.transaction():
                fresh = await self._inbox.claim(conn, keys)
                tx = Transaction(conn)
                if self._hooks is not None:
                    await self._hooks.begin_batch(
                        [
                            event
                            for (_, event), key in zip(events, keys, strict=True)
                            if key in fresh
                        ],
                        tx,
                    )
                for (record, event), key in zip(events, keys, strict=True):
                    if key not in fresh:
                        duplicate_types.append(event.type)
                        continue
                    fresh.discard(key)  # the same event twice in one batch: handle it once
                    try:
                        await self._handle(event, tx, isolate)
                    except InvalidEventError as exc:
                        if not isolate:
                            raise _IsolateEvents from exc
                        rejected.append((record, exc))
                        continue
                    handled_types.append(event.type)
                if self._hooks is not None:
                    await self._hooks.end_batch(tx)
                letters = [self._dead_letter(record, exc) for record, exc in [*dead, *rejected]]
                await self._outbox.add(conn, [*tx.outbox, *letters])
        except _IsolateEvents:
            raise
        except BaseException:
            await self._drop_connection()  # it may be broken; the retry gets a fresh one
            raise
        self._count(handled_types, duplicate_types, [*dead, *rejected])
        return BatchResult(
            handled=len(handled_types),
            duplicates=len(duplicate_types),
            dead_lettered=len(dead) + len(rejected),
        )

    async def _connection(self) -> asyncpg.Connection:
        # One connection held across batches: a pool round trip (and its reset query) per
        # batch costs more than the batch's own bookkeeping.
        if self._conn is not None and not _usable(self._conn):
            await self._drop_connection()
        if self._conn is None:
            self._conn = await self._pool.acquire()
        return self._conn

    async def _drop_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            await self._pool.release(conn)

    async def close(self) -> None:
        """Give the held connection back to the pool (before the pool closes)."""
        await self._drop_connection()

    async def _handle(self, event: EventT, tx: Transaction, isolate: bool) -> None:
        started = time.perf_counter()
        token = bind_event_id(event.id)
        try:
            if isolate:
                async with tx.connection.transaction():  # a savepoint
                    outbox_mark = len(tx.outbox)
                    try:
                        await self._handler(event, tx)
                    except InvalidEventError:
                        del tx.outbox[outbox_mark:]
                        raise
            else:
                await self._handler(event, tx)
        finally:
            unbind_event_id(token)
        timer = self._timers.get(event.type)
        if timer is None:
            timer = self._timers[event.type] = self._metrics.handler_seconds.labels(
                self.service, event.type
            )
        timer.observe(time.perf_counter() - started)

    def _dead_letter(self, record: Record, exc: InvalidEventError) -> OutboxMessage:
        return dead_letter(
            record,
            consumer_group=self.consumer_group,
            reason=exc.reason,
            error_class=type(exc).__name__,
            detail=exc.detail,
        )

    def _count(
        self,
        handled: list[str],
        duplicates: list[str],
        dead: list[tuple[Record, InvalidEventError]],
    ) -> None:
        m = self._metrics
        for event_type, count in Counter(handled).items():
            m.events_handled.labels(self.service, event_type, "handled").inc(count)
        for event_type, count in Counter(duplicates).items():
            m.events_handled.labels(self.service, event_type, "duplicate").inc(count)
        for (topic, reason), count in Counter((r.topic, e.reason) for r, e in dead).items():
            m.events_dead_lettered.labels(self.service, topic, reason).inc(count)
