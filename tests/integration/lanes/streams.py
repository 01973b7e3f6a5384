"""Helpers of the lane tests: moves to produce, waiting for the worker, its publications."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.structs import TopicPartition

from kulkuri.shared.events import EventCodec, LaneDemand, TransferMoved, TransferMovedData
from kulkuri.shared.events.lanes import DEMAND_EVENTS
from kulkuri.transport.lanes.settings import LaneSettings
from tests.kafka_tools import read_topic
from tests.waiting import eventually

HELSINKI = ZoneInfo("Europe/Helsinki")
DEMAND_CODEC: EventCodec[LaneDemand] = EventCodec(DEMAND_EVENTS)  # type: ignore[arg-type]


def worker_env(settings: LaneSettings) -> dict[str, str]:
    return {
        f"TRANSPORT_LANES_{name.upper()}": str(value)
        for name, value in json.loads(settings.model_dump_json()).items()
        if name in {"app_id", "movements_topic", "demand_topic", "timer_interval_s"}
    }


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=HELSINKI)


def moved(
    transfer: str,
    status: str,
    at: dt.datetime,
    *,
    location: str | None,
    next_stop: str | None,
    crate: str | None = None,
    to_library: str | None = None,
) -> tuple[bytes, bytes]:
    event = TransferMoved.create(
        id=f"{transfer}:{status}:{at.isoformat()}",
        source="urn:kulkuri:transport",
        time=at,
        data=TransferMovedData(
            transfer_id=transfer,
            item_id=transfer.rpartition(":")[0],
            status=status,
            location=location,
            next_stop=next_stop,
            to_library=to_library or next_stop or "00000",
            crate_id=crate,
            moved_at=at,
        ),
    )
    return event.partition_key(), EventCodec.encode(event)


async def produce(bootstrap: str, topic: str, records: Sequence[tuple[bytes, bytes]]) -> None:
    """One record per batch: Tansu counts a partition's end from its last batch's first
    offset, so batched records would let :func:`consumed` answer too early."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=False, acks="all")
    await producer.start()
    try:
        for key, value in records:
            await producer.send_and_wait(topic, value=value, key=key)
    finally:
        await producer.stop()


async def consumed(bootstrap: str, group: str, topic: str) -> bool:
    """The group has committed every record now on ``topic`` (so it folded them all)."""
    # Not subscribed, so it never joins the worker's group: it only reads its offsets.
    # (The admin client's offset listing does not decode Tansu's answer.)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False
    )
    await consumer.start()
    try:
        await consumer.topics()  # fetches the cluster's metadata
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        ends = await consumer.end_offsets(partitions)
        committed = {tp: await consumer.committed(tp) for tp in partitions}
    finally:
        await consumer.stop()
    return bool(ends) and all((committed[tp] or 0) >= end for tp, end in ends.items())


async def wait_consumed(bootstrap: str, settings: LaneSettings, timeout: float = 60.0) -> None:
    await eventually(
        lambda: consumed(bootstrap, settings.app_id, settings.movements_topic),
        timeout=timeout,
        interval=0.2,
        what=f"{settings.app_id} to commit all of {settings.movements_topic}",
    )


async def publications(
    bootstrap: str, settings: LaneSettings, day: dt.date, *, at_least: int
) -> list[LaneDemand]:
    """The day's lane-demand events, in order: at least ``at_least``, plus any that follow."""
    records = await read_topic(
        bootstrap, settings.demand_topic, at_least=at_least, key=day.isoformat().encode()
    )
    return [DEMAND_CODEC.decode(record.value) for record in records]


def lanes_of(event: LaneDemand, libraries: set[str]) -> list[tuple[str, str, int, int, int]]:
    """(from, to, items, crates, carried over) of the lanes between ``libraries``."""
    return [
        (lane.from_library, lane.to_library, lane.items, lane.crates, lane.carried_over)
        for lane in event.data.lanes
        if lane.from_library in libraries and lane.to_library in libraries
    ]
