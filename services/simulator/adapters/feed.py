"""What the simulated staff and patrons hear from the system: the holds service's decisions
about this run's titles and every route plan, read from the broker as they are published.

One consumer, no group: it is assigned every partition of the topics it reads and starts at
their ends, so it sees what is published after the run starts. It also notes the last
offset it saw on each partition of the transport topics, which ``settling`` compares with
the services' committed offsets. (Tansu reports a partition's end low when its last records
came in one batch, so a few older records may be read at the start; they are ignored.)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from datetime import date, datetime
from types import TracebackType
from typing import Self

from aiokafka import AIOKafkaConsumer
from aiokafka.structs import TopicPartition

from kulkuri.shared.errors import InvalidEventError
from kulkuri.shared.events import HOLDS_EVENTS, ROUTING_EVENTS, EventCodec, HoldsEvent
from kulkuri.shared.events.routing import RoutePlanData, RoutePlanPublished
from kulkuri.shared.messaging import HOLDS, MOVEMENTS, ROUTES, TRANSPORT, ensure_topics
from kulkuri.shared.messaging.security import client_security
from kulkuri.shared.settings import KafkaSettings

log = logging.getLogger(__name__)

WATCHED = (HOLDS, ROUTES, MOVEMENTS, TRANSPORT)


class DecisionFeed:
    def __init__(self, bootstrap_servers: str, kafka: KafkaSettings, run: str) -> None:
        self._bootstrap = bootstrap_servers
        self._kafka = kafka
        self._prefix = f"sim-{run}-".encode()
        self._holds: EventCodec[HoldsEvent] = EventCodec(HOLDS_EVENTS)
        self._routes: EventCodec[RoutePlanPublished] = EventCodec(ROUTING_EVENTS)  # type: ignore[arg-type]
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap_servers,
            enable_auto_commit=False,
            fetch_max_wait_ms=kafka.fetch_max_wait_ms,
            **client_security(kafka),
        )
        self._decisions: deque[HoldsEvent] = deque()
        self._plans: list[RoutePlanData] = []
        self._plan_arrived = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.seen: dict[TopicPartition, int] = {}  # the last offset read per partition
        self.last_record_at = time.monotonic()

    async def __aenter__(self) -> Self:
        await ensure_topics(
            self._bootstrap, WATCHED, partitions=self._kafka.default_partitions, kafka=self._kafka
        )
        await self._consumer.start()
        partitions = [
            TopicPartition(topic, p)
            for topic in WATCHED
            for p in sorted(self._consumer.partitions_for_topic(topic) or ())
        ]
        self._consumer.assign(partitions)
        await self._consumer.seek_to_end(*partitions)
        for partition in partitions:  # resolve the positions now, before anything is sent
            await self._consumer.position(partition)
        self._task = asyncio.create_task(self._read(), name="simulator-feed")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._consumer.stop()

    async def rewind(self) -> None:
        """Read from the start again: the broker was replaced by an empty one on the same
        address, so the old positions lie past every partition's end."""
        self.seen.clear()
        await self._consumer.seek_to_beginning(*self._consumer.assignment())

    def check(self) -> None:
        """Raise what stopped the reader, if it stopped: the run must not wait on a dead feed."""
        if self._task is not None and self._task.done() and not self._task.cancelled():
            error = self._task.exception()
            raise RuntimeError("the decision feed stopped") from error

    def drain(self) -> list[HoldsEvent]:
        """The decisions received since the last call, in the order they arrived."""
        self.check()
        found = list(self._decisions)
        self._decisions.clear()
        return found

    async def plan_for(
        self, day: date, planned_after: datetime, timeout: float
    ) -> RoutePlanData | None:
        """The first plan of ``day`` planned after ``planned_after``; None after ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            for plan in self._plans:
                if plan.service_day == day and plan.planned_at > planned_after:
                    return plan
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.check()
            self._plan_arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._plan_arrived.wait(), left)

    async def _read(self) -> None:
        while True:
            batches = await self._consumer.getmany(timeout_ms=200, max_records=2000)
            for partition, records in batches.items():
                if not records:
                    continue
                self.seen[partition] = records[-1].offset
                self.last_record_at = time.monotonic()
                for record in records:
                    self._take(partition.topic, record.key, record.value)

    def _take(self, topic: str, key: bytes | None, value: bytes | None) -> None:
        try:
            if topic == HOLDS and key is not None and key.startswith(self._prefix):
                self._decisions.append(self._holds.decode(value))
            elif topic == ROUTES:
                self._plans.append(self._routes.decode(value).data)
                self._plan_arrived.set()
        except InvalidEventError as exc:
            log.warning("ignored an undecodable record", extra={"topic": topic, "detail": str(exc)})
