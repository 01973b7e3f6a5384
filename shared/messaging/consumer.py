"""The consumer loop: fetch a batch, process it in one transaction, then commit offsets.

Auto-commit is off. Offsets move only after the batch's database transaction committed, so
a crash anywhere loses nothing; redelivery is made harmless by the inbox. Transient faults
retry the whole batch with exponential backoff; when retries run out the loop stops with a
``FatalError`` and no offset moves, so valid events are never dead-lettered for a fault of
ours.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import CommitFailedError

from kulkuri.shared.errors import FatalError
from kulkuri.shared.messaging.processing import BatchResult, Record
from kulkuri.shared.messaging.retry import backoff_delay, is_transient
from kulkuri.shared.messaging.security import client_security
from kulkuri.shared.observability.metrics import MessagingMetrics
from kulkuri.shared.settings import KafkaSettings

log = logging.getLogger(__name__)


class BatchProcessor(Protocol):
    """Decodes a fetched batch once, then commits it (again, if a transient fault retries)."""

    def decode(self, records: Sequence[Record]) -> Any: ...

    async def commit(self, batch: Any) -> BatchResult: ...


class EventConsumer:
    def __init__(
        self,
        *,
        service: str,
        topics: Sequence[str],
        group_id: str,
        bootstrap_servers: str,
        settings: KafkaSettings,
        processor: BatchProcessor,
        metrics: MessagingMetrics,
        after_processed: Callable[[Sequence[Record]], Awaitable[None]] | None = None,
    ) -> None:
        """``after_processed`` runs between the database commit and the offset commit; it
        exists so tests can crash the consumer exactly there."""
        self.service = service
        self.group_id = group_id
        self._settings = settings
        self._processor = processor
        self._metrics = metrics
        self._after_processed = after_processed
        self._stopping = asyncio.Event()
        self._consumer = AIOKafkaConsumer(
            *topics,
            bootstrap_servers=bootstrap_servers,
            group_id=group_id,
            client_id=f"{settings.client_id}-{service}",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=settings.max_batch_records,
            fetch_max_wait_ms=settings.fetch_max_wait_ms,
            session_timeout_ms=settings.session_timeout_ms,
            max_poll_interval_ms=settings.max_poll_interval_ms,
            **client_security(settings),
        )
        self._started = False
        self._committing: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self._consumer.start()
        self._started = True

    async def stop(self) -> None:
        """Leave the group without committing anything not yet processed."""
        self._stopping.set()
        if self._started:
            self._started = False
            await self._consumer.stop()

    def request_stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        try:
            while not self._stopping.is_set():
                batches = await self._consumer.getmany(
                    timeout_ms=self._settings.fetch_timeout_ms,
                    max_records=self._settings.max_batch_records,
                )
                if not batches or self._stopping.is_set():
                    # Asked to stop while fetching: the records stay uncommitted, and whoever
                    # owns their partitions next reads them again.
                    continue
                records = [record for part in batches.values() for record in part]
                with self._metrics.batch_seconds.labels(self.service).time():
                    await self._process_with_retries(records)
                    if self._after_processed is not None:
                        await self._after_processed(records)
                # The offsets go to the broker while the next batch is fetched and processed:
                # a round trip less between a record's arrival and its effects. Commits stay
                # in order, each after the one before it.
                await self._settle_commit()
                self._committing = asyncio.create_task(self._commit(batches))
                self._record_lag(batches)
        finally:
            try:
                await self._settle_commit()
            except Exception:  # redelivered to the group's next reader; the inbox dedupes it
                log.warning("the last offset commit failed", exc_info=True)

    async def _settle_commit(self) -> None:
        committing, self._committing = self._committing, None
        if committing is not None:
            await committing

    async def _process_with_retries(self, records: list[Record]) -> None:
        s = self._settings
        batch = self._processor.decode(records)
        for attempt in range(1, s.retry_attempts + 1):
            try:
                await self._processor.commit(batch)
                return
            except Exception as exc:
                if not is_transient(exc):
                    log.critical("batch failed with a non-transient fault", exc_info=True)
                    raise FatalError(f"{type(exc).__name__}: {exc}") from exc
                if attempt == s.retry_attempts:
                    log.critical("batch failed after %d attempts", attempt, exc_info=True)
                    raise FatalError(f"gave up after {attempt} attempts: {exc!r}") from exc
                self._metrics.batch_retries.labels(self.service).inc()
                delay = backoff_delay(
                    attempt, initial_s=s.retry_initial_backoff_s, max_s=s.retry_max_backoff_s
                )
                log.warning("transient fault, retry %d in %.2fs: %r", attempt, delay, exc)
                await asyncio.sleep(delay)

    async def _commit(self, batches: dict[TopicPartition, list[Record]]) -> None:
        offsets = {tp: records[-1].offset + 1 for tp, records in batches.items()}
        try:
            await self._consumer.commit(offsets)
        except CommitFailedError:
            # The group rebalanced: the new owner gets these records again and the inbox
            # makes them no-ops, so nothing is lost by not committing here.
            log.warning("offset commit failed after a rebalance; records will be redelivered")

    def _record_lag(self, batches: dict[TopicPartition, list[Record]]) -> None:
        for tp, records in batches.items():
            highwater = self._consumer.highwater(tp)
            if highwater is None:
                continue
            lag = max(0, highwater - (records[-1].offset + 1))
            self._metrics.consumer_lag.labels(self.service, tp.topic, str(tp.partition)).set(lag)
