"""The lane-demand stream: a faust app that folds transfer moves into tables and publishes
each day's demand per lane at the cut-off.

Two tables, both in memory with their changelog topics on the broker (that is how a restarted
worker gets them back): ``transfers`` (transfer id -> its ledger entry, co-partitioned with
the movements topic) and ``published`` (day -> publications so far, beside the one-partition
control topic). Rules live in ``ledger.py``; this module only moves bytes.

Faust here runs at least once, without an idempotent producer or transactions, so it works on
Tansu as on Apache Kafka. It is slow (a few thousand events/s) and slow to start: it is meant
for this low-volume aggregation only, never for the circulation hot path.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any, cast

import faust
from aiokafka.structs import ConsumerRecord
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import StreamT, TableT

from kulkuri.shared.errors import InvalidEventError
from kulkuri.shared.events import (
    CONTENT_TYPE,
    MOVEMENT_EVENTS,
    EventCodec,
    LaneDemand,
    LaneDemandData,
    LaneLoad,
    TransferMoved,
)
from kulkuri.shared.messaging.dead_letters import dead_letter
from kulkuri.shared.messaging.topics import dead_letter_topic
from kulkuri.transport.lanes import ledger
from kulkuri.transport.lanes.commands import Publish, Tick, decode_command, encode_command
from kulkuri.transport.lanes.credentials import broker_credentials
from kulkuri.transport.lanes.settings import LaneConfig

log = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]
SOURCE = "urn:kulkuri:transport:lanes"


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class _ConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    def _create_worker_consumer(self, transport: Any) -> Any:
        consumer = super()._create_worker_consumer(transport)
        # Faust fixes fetch_max_wait_ms at 1500; Tansu holds every empty fetch that long, so
        # each quiet partition would stall the stream 1.5 s. aiokafka reads it at start().
        consumer._fetch_max_wait_ms = cast(LaneApp, self.app).fetch_max_wait_ms
        return consumer


class _Consumer(faust_aiokafka.Consumer):
    def _new_consumer_thread(self) -> _ConsumerThread:
        return _ConsumerThread(self, loop=self.loop, beacon=self.beacon)


class _Transport(faust_aiokafka.Transport):
    Consumer = _Consumer


class LaneApp(faust.App):
    """A faust app on the aiokafka driver with the consumer's fetch wait configurable."""

    fetch_max_wait_ms = 1500

    def _new_transport(self) -> Any:
        return _Transport(self.conf.broker_consumer, self)


class LaneStream:
    """The app, its topics and tables, and the handlers its agents call."""

    def __init__(self, config: LaneConfig, bootstrap_servers: str, clock: Clock) -> None:
        kafka, lanes = config.kafka, config.lanes
        self.settings = lanes
        self.clock = clock
        self.cutoff = lanes.cutoff_rule()
        self.codec: EventCodec[TransferMoved] = EventCodec(MOVEMENT_EVENTS)  # type: ignore[arg-type]
        partitions = kafka.default_partitions
        self.app = LaneApp(
            lanes.app_id,
            broker=f"kafka://{bootstrap_servers.split(',')[0]}",
            store="memory://",
            datadir=str(lanes.data_dir / lanes.app_id),
            processing_guarantee="at_least_once",  # no transactions: Tansu has none
            producer_acks=-1,
            web_enabled=False,
            topic_partitions=partitions,
            topic_replication_factor=kafka.replication_factor,
            consumer_auto_offset_reset="earliest",
            # Tansu holds a first JoinGroup for half the session timeout.
            broker_session_timeout=kafka.session_timeout_ms / 1000,
            broker_heartbeat_interval=min(3.0, kafka.session_timeout_ms / 3000),
            broker_commit_interval=lanes.commit_interval_s,
            broker_client_id=f"{kafka.client_id}-lanes",
            broker_credentials=broker_credentials(kafka),
            # aiokafka always lets a batch take its first record, so 1 byte means one record.
            producer_max_batch_size=1 if lanes.single_record_batches else 1024 * 1024,
        )
        self.app.fetch_max_wait_ms = kafka.fetch_max_wait_ms
        raw: dict[str, Any] = {"key_type": bytes, "value_type": bytes}
        raw |= {"key_serializer": "raw", "value_serializer": "raw"}
        self.moves = self.app.topic(lanes.movements_topic, partitions=partitions, **raw)
        self.demand_topic = self.app.topic(lanes.demand_topic, **raw)
        self.dead_letters = self.app.topic(dead_letter_topic(lanes.movements_topic), **raw)
        self.control = self.app.topic(
            lanes.control_topic, partitions=1, value_serializer="json", key_serializer="raw"
        )
        json_schema: faust.Schema[Any, Any] = faust.Schema(
            key_serializer="json", value_serializer="json"
        )
        self.transfers = self.app.Table("transfers", partitions=partitions, schema=json_schema)
        self.published = self.app.Table("published", partitions=1, default=int, schema=json_schema)
        self.app.agent(self.moves, name="fold-moves")(self._fold_moves)
        self.app.agent(self.control, name="control")(self._control)
        self.app.timer(lanes.timer_interval_s)(self._tick)

    # -- agents -------------------------------------------------------------------------------

    async def _fold_moves(self, stream: StreamT[Any]) -> AsyncIterator[None]:
        async for event in stream.events():
            message = event.message
            try:
                moved = self.codec.decode(message.value)
            except InvalidEventError as exc:
                await self._dead_letter(message, exc)
                continue
            self.fold(moved)
            yield None

    def fold(self, moved: TransferMoved) -> None:
        data = moved.data
        move = ledger.Move(
            data.transfer_id, data.status, data.location, data.next_stop, data.crate_id,
            data.moved_at,
        )  # fmt: skip
        stored = self.transfers.get(data.transfer_id)
        entry = ledger.fold(ledger.from_record(stored) if stored else None, move, self.cutoff)
        if entry is not None:
            self.transfers[data.transfer_id] = ledger.to_record(entry)

    async def _dead_letter(self, message: Any, exc: InvalidEventError) -> None:
        record = ConsumerRecord(
            message.topic, message.partition, message.offset, message.timestamp,
            message.timestamp_type, message.key, message.value, message.checksum,
            message.serialized_key_size, message.serialized_value_size,
            tuple(message.headers or ()),
        )  # fmt: skip
        letter = dead_letter(
            record,
            consumer_group=self.settings.app_id,
            reason=exc.reason,
            error_class=type(exc).__name__,
            detail=exc.detail,
        )
        log.warning("dead-lettered a move", extra={"reason": exc.reason, "detail": exc.detail})
        await self.dead_letters.send(
            key=letter.key, value=letter.value, headers=list(letter.headers)
        )

    async def _control(self, stream: StreamT[Any]) -> AsyncIterator[None]:
        async for value in stream:
            try:
                command = decode_command(value)
            except ValueError as exc:
                log.warning("ignored a control record", extra={"detail": str(exc)})
                continue
            match command:
                case Tick(now):
                    day = self.cutoff.due_day(now, _PublishedDays(self.published))
                    if day is not None:
                        await self.publish(day, now)
                case Publish(day):
                    await self.publish(day, self.clock())
            yield None

    async def _tick(self) -> None:
        await self.control.send(key=b"lanes", value=encode_command(Tick(self.clock())))

    # -- publication --------------------------------------------------------------------------

    async def publish(self, day: dt.date, now: dt.datetime) -> None:
        """Send ``day``'s demand, then count the publication (a crash in between repeats it
        with the same event id, which routing recognises)."""
        missing = self._partitions_elsewhere()
        if missing:
            log.error("not publishing a partial demand", extra={"partitions_elsewhere": missing})
            return
        counted = ledger.demand((ledger.from_record(r) for r in self.transfers.values()), day)
        number = int(self.published[day.isoformat()]) + 1
        event = demand_event(counted, self.cutoff.instant(day), now, number)
        await self.demand_topic.send(
            key=event.partition_key(),
            value=EventCodec.encode(event),
            headers=[("content-type", CONTENT_TYPE.encode())],
        )
        self.published[day.isoformat()] = number
        log.info(
            "published lane demand",
            extra={"day": day.isoformat(), "publication": number, "items": counted.items},
        )

    def _partitions_elsewhere(self) -> list[int]:
        """Partitions of the transfers table held by another worker: the demand must count
        every transfer, so it is published only by a worker holding them all."""
        held = {tp.partition for tp in self.app.assignor.assigned_actives()
                if tp.topic == self.settings.movements_topic}  # fmt: skip
        return [p for p in range(self.transfers.partitions or 0) if p not in held]


class _PublishedDays:
    """The published table seen as a set of days, for :meth:`ledger.CutOff.due_day`."""

    def __init__(self, table: TableT[Any, Any]) -> None:
        self._table = table

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and int(self._table.get(day.isoformat(), 0)) > 0


def demand_event(
    counted: ledger.DayDemand, cutoff_at: dt.datetime, now: dt.datetime, number: int
) -> LaneDemand:
    lanes = [
        LaneLoad(
            from_library=lane.lane.from_library,
            to_library=lane.lane.to_library,
            items=lane.items,
            crates=lane.crates,
            carried_over=lane.carried_over,
        )
        for lane in counted.lanes
    ]
    return LaneDemand.create(
        id=f"lane-demand:{counted.day.isoformat()}:{number}",
        source=SOURCE,
        time=now,
        data=LaneDemandData(
            service_day=counted.day,
            cutoff_at=cutoff_at,
            lanes=lanes,
            items=counted.items,
            crates=counted.crates,
            published_at=now,
        ),
    )


def create_lane_app(
    config: LaneConfig, *, bootstrap_servers: str, clock: Clock = utc_now
) -> LaneStream:
    """The lane stream for one worker; nothing connects until a faust worker starts it."""
    return LaneStream(config, bootstrap_servers, clock)
