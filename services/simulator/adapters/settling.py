"""Has the system caught up? Kafka's own answer: the services' committed offsets.

Before a cut-off publishes a day's demand, the run waits until every stage has handled what
came before: the holds service every circulation event the simulator sent (its offsets are
known exactly), the transport service every decision on ``kulkuri.holds.v1``, the lane
worker every move on ``kulkuri.transport.movements.v1``, and the holds service every
receipt on ``kulkuri.transport.v1``, as far as the feed has seen them, with the feed quiet
for a moment (what one stage publishes, the next must have read). Committed offsets are read
by a consumer that names the group but never joins it.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer
from aiokafka.structs import TopicPartition

from kulkuri.shared.messaging import CIRCULATION, HOLDS, MOVEMENTS, TRANSPORT
from kulkuri.shared.messaging.security import client_security
from kulkuri.shared.settings import KafkaSettings
from kulkuri.simulator.adapters.feed import DecisionFeed

_POLL_S = 0.1
_QUIET_S = 0.6  # the feed heard nothing new for this long


@dataclass(frozen=True)
class SystemNames:
    """The consumer groups and lane worker the running services use (their defaults)."""

    holds_group: str = "kulkuri-holds"
    transport_group: str = "kulkuri-transport"
    lanes_app_id: str = "kulkuri-transport-lanes"

    @property
    def holds_transport_group(self) -> str:
        return f"{self.holds_group}-transport"  # as holds.bootstrap.transport_group names it


class Settling:
    def __init__(self, bootstrap_servers: str, kafka: KafkaSettings, names: SystemNames) -> None:
        self._bootstrap = bootstrap_servers
        self._kafka = kafka
        self.names = names
        self._readers: dict[str, AIOKafkaConsumer] = {}

    async def close(self) -> None:
        for reader in self._readers.values():
            await reader.stop()
        self._readers.clear()

    async def caught_up(self, produced: dict[int, int], feed: DecisionFeed, timeout: float) -> bool:
        """Wait until every stage has handled what was sent and seen; False on timeout."""
        deadline = time.monotonic() + timeout
        circulation = {TopicPartition(CIRCULATION, p): o for p, o in produced.items()}
        while time.monotonic() < deadline:
            stages = [(self.names.holds_group, circulation), *self._seen_stages(feed)]
            done = True
            for group, wanted in stages:
                if not await self._has_committed(group, wanted):
                    done = False
                    break
            if done and time.monotonic() - feed.last_record_at >= _QUIET_S:
                return True
            await asyncio.sleep(_POLL_S)
        return False

    def _seen_stages(self, feed: DecisionFeed) -> list[tuple[str, dict[TopicPartition, int]]]:
        by_topic: dict[str, dict[TopicPartition, int]] = {}
        for partition, offset in feed.seen.items():
            by_topic.setdefault(partition.topic, {})[partition] = offset
        return [
            (self.names.transport_group, by_topic.get(HOLDS, {})),
            (self.names.lanes_app_id, by_topic.get(MOVEMENTS, {})),
            (self.names.holds_transport_group, by_topic.get(TRANSPORT, {})),
        ]

    async def _has_committed(self, group: str, last: dict[TopicPartition, int]) -> bool:
        if not last:
            return True
        reader = await self._reader(group)
        for partition, offset in last.items():
            committed = await reader.committed(partition)
            if committed is None or committed <= offset:
                return False
        return True

    async def _reader(self, group: str) -> AIOKafkaConsumer:
        reader = self._readers.get(group)
        if reader is None:
            reader = AIOKafkaConsumer(
                bootstrap_servers=self._bootstrap,
                group_id=group,
                enable_auto_commit=False,
                **client_security(self._kafka),
            )
            await reader.start()
            self._readers[group] = reader
        return reader
