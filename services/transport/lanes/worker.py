"""Running one lane worker: declare the topics, then let faust own the event loop.

A faust worker runs its own loop until SIGTERM or SIGINT, so each worker is a process of its
own (``python -m kulkuri.transport.lanes`` or ``kulkuri lanes run``); tests and the benchmark
start it as a subprocess and wait for its ready file.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import faust
from aiokafka import AIOKafkaConsumer

from kulkuri.shared.errors import FatalError
from kulkuri.shared.messaging.security import client_security
from kulkuri.shared.messaging.topics import dead_letter_topic, ensure_topics
from kulkuri.shared.observability.logging import configure_logging
from kulkuri.shared.settings import KafkaSettings
from kulkuri.transport.lanes.app import Clock, LaneStream, create_lane_app, utc_now
from kulkuri.transport.lanes.settings import LaneConfig


class _Worker(faust.Worker):
    def __init__(self, *args: Any, ready_file: Path | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._ready_file = ready_file

    async def on_startup_finished(self) -> None:
        # Called once the tables are recovered from their changelogs and the agents run.
        await super().on_startup_finished()
        if self._ready_file is not None:
            self._ready_file.parent.mkdir(parents=True, exist_ok=True)
            self._ready_file.touch()


async def declare_topics(config: LaneConfig, bootstrap_servers: str) -> None:
    """Create the topics before any client can auto-create them with other partition counts
    (Tansu gives a topic produced to before creation its own count)."""
    lanes, kafka = config.lanes, config.kafka
    shared = [lanes.movements_topic, lanes.demand_topic, dead_letter_topic(lanes.movements_topic)]
    await ensure_topics(
        bootstrap_servers,
        shared,
        partitions=kafka.default_partitions,
        replication_factor=kafka.replication_factor,
        kafka=kafka,
    )
    await ensure_topics(
        bootstrap_servers,
        [lanes.control_topic],
        partitions=1,
        replication_factor=kafka.replication_factor,
        kafka=kafka,
    )
    found = await _partition_count(bootstrap_servers, lanes.movements_topic, kafka)
    if found != kafka.default_partitions:
        # The transfers table is co-partitioned with the movements: faust would refuse every
        # move. Say so once, at start.
        raise FatalError(
            f"{lanes.movements_topic} has {found} partitions, the lane tables expect "
            f"{kafka.default_partitions} (KAFKA_DEFAULT_PARTITIONS)"
        )


async def _partition_count(bootstrap_servers: str, topic: str, kafka: KafkaSettings) -> int:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers, **client_security(kafka))
    await consumer.start()
    try:
        await consumer.topics()  # fetches the cluster's metadata
        return len(consumer.partitions_for_topic(topic) or ())
    finally:
        await consumer.stop()


def run_worker(config: LaneConfig, bootstrap_servers: str, *, clock: Clock = utc_now) -> None:
    """Run a lane worker in this process until it is signalled to stop."""
    configure_logging(config.log)
    if config.lanes.ready_file is not None:
        config.lanes.ready_file.unlink(missing_ok=True)
    config.lanes.data_dir.mkdir(parents=True, exist_ok=True)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    loop.run_until_complete(declare_topics(config, bootstrap_servers))
    stream: LaneStream = create_lane_app(config, bootstrap_servers=bootstrap_servers, clock=clock)
    worker = _Worker(
        stream.app,
        loop=loop,
        loglevel=config.log.level,
        quiet=True,
        redirect_stdouts=False,
        ready_file=config.lanes.ready_file,
    )
    worker.execute_from_commandline()
