"""The simulated ILS's producer: circulation events onto ``kulkuri.circulation.v1`` as the
contract asks (keyed by ``bib_id``, structured CloudEvents, ``acks=all``), through the
project's producer, remembering the last offset it wrote on each partition so the runner can
tell when the holds service has handled everything sent."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from types import TracebackType
from typing import Any, Self

from kulkuri.shared.events import CONTENT_TYPE, CirculationEvent, EventCodec
from kulkuri.shared.messaging import CIRCULATION, create_producer
from kulkuri.shared.settings import KafkaSettings

_HEADERS = [("content-type", CONTENT_TYPE.encode())]


class CirculationProducer:
    def __init__(self, bootstrap_servers: str, kafka: KafkaSettings) -> None:
        self._producer = create_producer(kafka, bootstrap_servers)
        self._pending: list[asyncio.Future[Any]] = []
        self.last_offsets: dict[int, int] = {}  # partition -> last offset written
        self.sent = 0

    async def __aenter__(self) -> Self:
        await self._producer.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc is None:
                await self.flush()
        finally:
            await self._producer.stop()

    async def send(self, events: Iterable[CirculationEvent]) -> None:
        """Queue the events (the producer batches them); ``flush`` waits for the broker."""
        for event in events:
            self._pending.append(
                await self._producer.send(
                    CIRCULATION,
                    value=EventCodec.encode(event),
                    key=event.partition_key(),
                    headers=_HEADERS,
                )
            )
            self.sent += 1

    def forget_offsets(self) -> None:
        """The broker was replaced by an empty one: what was written is no longer there."""
        self.last_offsets.clear()

    async def flush(self) -> None:
        pending, self._pending = self._pending, []
        for metadata in await asyncio.gather(*pending):
            previous = self.last_offsets.get(metadata.partition, -1)
            self.last_offsets[metadata.partition] = max(previous, metadata.offset)
