"""Consume-path benchmark: what effectively-once costs, and what the shared consumer adds.

One run starts a private Tansu broker, creates one scratch PostgreSQL database, produces N
real ``HoldPlaced`` CloudEvents (keyed by ``bib_id``) once into one topic, and then consumes
that topic from the beginning with three loops, each with its own consumer group and its own
fresh ``inbox``/``outbox`` tables (``messaging_tables_v1``) in its own schema:

``raw``
    ``AIOKafkaConsumer.getmany(max_records=B)`` and one offset commit per batch, auto-commit
    off, no parsing. The ceiling of the client and broker.
``floor``
    The raw loop plus, before each offset commit, one PostgreSQL transaction with one
    set-based ``INSERT INTO <schema>.inbox (event_key) SELECT unnest($1::text[]) ON CONFLICT
    DO NOTHING`` of the batch's dedupe keys. Each key is ``source + " " + id`` taken from
    ``orjson.loads(value)`` (the same key the shared inbox uses, parsed as cheaply as Python
    allows but without schema validation). The least any effectively-once consumer pays.
``shared``
    ``kulkuri.shared.messaging.EventConsumer`` with ``InboxBatchProcessor``: the real
    ``EventCodec(CIRCULATION_EVENTS)`` schema validation, the inbox claim, the (empty) outbox,
    a no-op handler and the metrics on a fresh ``CollectorRegistry``. Driven through the
    public API; a counting wrapper around the processor asks the consumer to stop once it
    has seen N records.

All loops use the same batch size B. Time runs from the first non-empty batch (so the
consumer-group join, which Tansu holds for half the session timeout, is excluded) to the
last offset commit; the rate is N divided by that time. After each loop the benchmark
checks that exactly N records were consumed and, for ``floor`` and ``shared``, that the
inbox holds exactly N rows (and, for ``shared``, that the outbox is empty and every event
was handled once). The loops run ``--repeats`` times in alternating order (a b c, c b a,
...) and the median of each is reported, because broker, database and client share the
machine's cores.

Run from the repository root::

    .venv/bin/python bench/consume.py [--events 200000] [--batch 500] [--partitions 3]

``--profile-shared FILE`` adds one extra, unmeasured ``shared`` run under cProfile and
writes its stats to FILE (read them with ``python -m pstats FILE``).

Tansu's memory storage keeps every record in RAM (about 700 MB per 400k small events), so
``--events`` is capped at 300,000.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import datetime as dt
import gc
import json
import os
import platform
import pstats
import random
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from prometheus_client import CollectorRegistry

from kulkuri.shared.db.inbox import Inbox
from kulkuri.shared.db.outbox import OutboxStore
from kulkuri.shared.db.pool import create_pool
from kulkuri.shared.db.schema import messaging_tables_v1
from kulkuri.shared.events import (
    CIRCULATION_EVENTS,
    CirculationEvent,
    EventCodec,
    HoldPlaced,
    HoldPlacedData,
)
from kulkuri.shared.local import (
    LocalBroker,
    drop_database,
    ensure_database,
    resolve_server_url,
    with_database,
)
from kulkuri.shared.messaging import EventConsumer, InboxBatchProcessor, Transaction
from kulkuri.shared.messaging.processing import BatchResult, Record
from kulkuri.shared.messaging.topics import ensure_topics
from kulkuri.shared.observability.metrics import MessagingMetrics
from kulkuri.shared.settings import KafkaSettings

VARIANTS = ("raw", "floor", "shared")
TARGET_SHARED_TO_FLOOR = 0.8
MAX_EVENTS = 300_000
TOPIC = "kulkuri.bench.circulation.v1"
SERVICE = "bench"
SOURCE = "urn:ils:koha:lastu"
SESSION_TIMEOUT_MS = 6_000
FETCH_TIMEOUT_MS = 500
# A loop that has started but then sees no record for this long has lost records: fail.
STALL_TIMEOUT_S = 60.0
# Bounds the group join plus the whole loop; generous, only there so a fault cannot hang.
RUN_TIMEOUT_S = 900.0
DEFAULT_OUTPUT = Path(__file__).resolve().parent / "results" / "consume.json"
FLOOR_EVENT_ID = "orjson.loads(value): source + ' ' + id (the inbox's dedupe key)"

Batches = dict[TopicPartition, list[Record]]


class GcTimer:
    """Wall time spent in the cyclic garbage collector, summed via ``gc.callbacks``."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started


GC_TIMER = GcTimer()


@dataclass(frozen=True)
class Mark:
    """A point in the run: wall clock, this process's CPU time, time spent in the GC."""

    wall: float
    cpu: float
    gc: float

    @classmethod
    def now(cls) -> Mark:
        return cls(time.perf_counter(), time.process_time(), GC_TIMER.seconds)


@dataclass(frozen=True)
class RunResult:
    variant: str
    events: int
    batches: int
    first: Mark
    last: Mark

    @property
    def seconds(self) -> float:
        return self.last.wall - self.first.wall

    @property
    def events_per_s(self) -> float:
        return self.events / self.seconds

    @property
    def client_cpu_share(self) -> float:
        """The benchmark process's CPU time over wall time (1.0 = one core busy)."""
        return (self.last.cpu - self.first.cpu) / self.seconds

    @property
    def gc_share(self) -> float:
        return (self.last.gc - self.first.gc) / self.seconds


# -- events ---------------------------------------------------------------------------------


def make_events(count: int, *, seed: int = 2026) -> list[tuple[bytes, bytes]]:
    """``count`` encoded ``HoldPlaced`` events as (key, value), keyed by ``bib_id``."""
    rng = random.Random(seed)
    start = dt.datetime(2026, 8, 3, 8, 0, tzinfo=dt.UTC)
    libraries = [f"lastu-{n:02d}" for n in range(40)]
    messages: list[tuple[bytes, bytes]] = []
    for i in range(count):
        placed = start + dt.timedelta(seconds=i)
        event = HoldPlaced.create(
            id=f"hp-{i:08d}",
            source=SOURCE,
            time=placed,
            data=HoldPlacedData(
                hold_id=f"h-{i:08d}",
                bib_id=f"bib-{rng.randrange(20_000):06d}",
                pickup_library=rng.choice(libraries),
                placed_at=placed,
            ),
        )
        messages.append((event.partition_key(), EventCodec.encode(event)))
    return messages


async def produce(bootstrap: str, messages: Sequence[tuple[bytes, bytes]]) -> float:
    """Produce all messages with many sends outstanding; return the seconds it took."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        client_id="kulkuri-bench-producer",
        acks="all",
        enable_idempotence=False,
        linger_ms=20,
        max_batch_size=1024 * 1024,
        request_timeout_ms=60_000,
    )
    await producer.start()
    started = time.perf_counter()
    try:
        window = 20_000  # bounds the number of pending futures, not the throughput
        for offset in range(0, len(messages), window):
            pending = [
                await producer.send(TOPIC, value, key=key)
                for key, value in messages[offset : offset + window]
            ]
            await asyncio.gather(*pending)
        await producer.flush()
    finally:
        await producer.stop()
    return time.perf_counter() - started


# -- database -------------------------------------------------------------------------------


async def fresh_schema(db_url: str, schema: str) -> None:
    conn = await asyncpg.connect(db_url)
    try:
        async with conn.transaction():
            await conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            await conn.execute(f"CREATE SCHEMA {schema}")
            for statement in messaging_tables_v1(schema):
                await conn.execute(statement)
    finally:
        await conn.close()


async def table_count(db_url: str, schema: str, table: str) -> int:
    conn = await asyncpg.connect(db_url)
    try:
        count: int = await conn.fetchval(f"SELECT count(*) FROM {schema}.{table}")
        return count
    finally:
        await conn.close()


# -- (a) and (b): hand-written loops --------------------------------------------------------


async def consume_loop(
    bootstrap: str,
    *,
    group_id: str,
    batch: int,
    events: int,
    on_batch: Callable[[Batches], Awaitable[None]] | None,
) -> tuple[int, int, Mark, Mark]:
    """getmany → ``on_batch`` → commit until ``events`` records: (records, batches, marks)."""
    consumer = AIOKafkaConsumer(
        TOPIC,
        bootstrap_servers=bootstrap,
        group_id=group_id,
        client_id=f"kulkuri-bench-{group_id}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=batch,
        session_timeout_ms=SESSION_TIMEOUT_MS,
    )
    await consumer.start()
    try:
        seen = batches = 0
        first: Mark | None = None
        last_records = time.monotonic()
        while seen < events:
            got = await consumer.getmany(timeout_ms=FETCH_TIMEOUT_MS, max_records=batch)
            if not got:
                if first is not None and time.monotonic() - last_records > STALL_TIMEOUT_S:
                    raise RuntimeError(f"{group_id}: stalled after {seen} of {events} records")
                continue
            if first is None:
                first = Mark.now()
            if on_batch is not None:
                await on_batch(got)
            await consumer.commit({tp: part[-1].offset + 1 for tp, part in got.items()})
            seen += sum(len(part) for part in got.values())
            batches += 1
            last_records = time.monotonic()
        last = Mark.now()
        assert first is not None
    finally:
        await consumer.stop()
    return seen, batches, first, last


async def run_raw(bootstrap: str, *, run: int, batch: int, events: int) -> RunResult:
    seen, batches, first, last = await consume_loop(
        bootstrap, group_id=f"bench-raw-{run}", batch=batch, events=events, on_batch=None
    )
    if seen != events:
        raise AssertionError(f"raw: consumed {seen} records, expected {events}")
    return RunResult("raw", seen, batches, first, last)


async def run_floor(bootstrap: str, db_url: str, *, run: int, batch: int, events: int) -> RunResult:
    schema = f"bench_floor_{run}"
    await fresh_schema(db_url, schema)
    sql = f"INSERT INTO {schema}.inbox (event_key) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING"
    conn = await asyncpg.connect(db_url)
    loads = orjson.loads

    async def insert_keys(got: Batches) -> None:
        keys = []
        for part in got.values():
            for record in part:
                event = loads(record.value)
                keys.append(f"{event['source']} {event['id']}")
        async with conn.transaction():
            await conn.execute(sql, keys)

    try:
        seen, batches, first, last = await consume_loop(
            bootstrap,
            group_id=f"bench-floor-{run}",
            batch=batch,
            events=events,
            on_batch=insert_keys,
        )
    finally:
        await conn.close()
    rows = await table_count(db_url, schema, "inbox")
    if seen != events or rows != events:
        raise AssertionError(f"floor: consumed {seen}, inbox rows {rows}, expected {events}")
    return RunResult("floor", seen, batches, first, last)


# -- (c): the shared consumer ---------------------------------------------------------------


async def noop_handler(event: CirculationEvent, tx: Transaction) -> None:
    pass


class CountingProcessor:
    """Delegates to the real processor; counts records and stops the consumer at the target."""

    def __init__(self, inner: InboxBatchProcessor[CirculationEvent], target: int) -> None:
        self._inner = inner
        self._target = target
        self._stop: Callable[[], None] | None = None
        self.records = self.batches = self.handled = self.duplicates = self.dead = 0
        self.first: Mark | None = None

    def stop_with(self, stop: Callable[[], None]) -> None:
        self._stop = stop

    async def process(self, records: Sequence[Record]) -> BatchResult:
        if self.first is None:
            self.first = Mark.now()
        result = await self._inner.process(records)
        self.records += len(records)
        self.batches += 1
        self.handled += result.handled
        self.duplicates += result.duplicates
        self.dead += result.dead_lettered
        if self.records >= self._target and self._stop is not None:
            # Checked by run() after this batch's offset commit: the loop ends there.
            self._stop()
        return result


async def run_shared(
    bootstrap: str, db_url: str, *, run: int, batch: int, events: int
) -> RunResult:
    schema = f"bench_shared_{run}"
    await fresh_schema(db_url, schema)
    group_id = f"bench-shared-{run}"
    metrics = MessagingMetrics(CollectorRegistry())
    pool = await create_pool(db_url, min_size=1, max_size=2)
    try:
        processor = InboxBatchProcessor[CirculationEvent](
            service=SERVICE,
            consumer_group=group_id,
            pool=pool,
            inbox=Inbox(schema),
            outbox=OutboxStore(schema),
            codec=EventCodec(CIRCULATION_EVENTS),
            handler=noop_handler,
            metrics=metrics,
        )
        counting = CountingProcessor(processor, events)
        consumer = EventConsumer(
            service=SERVICE,
            topics=[TOPIC],
            group_id=group_id,
            bootstrap_servers=bootstrap,
            settings=KafkaSettings(
                bootstrap_servers=bootstrap,
                client_id="kulkuri-bench",
                max_batch_records=batch,
                fetch_timeout_ms=FETCH_TIMEOUT_MS,
                session_timeout_ms=SESSION_TIMEOUT_MS,
            ),
            processor=counting,
            metrics=metrics,
        )
        counting.stop_with(consumer.request_stop)
        await consumer.start()
        try:
            await asyncio.create_task(consumer.run(), name=f"bench-{group_id}")
            last = Mark.now()
        finally:
            await consumer.stop()
    finally:
        await pool.close()
    inbox_rows = await table_count(db_url, schema, "inbox")
    outbox_rows = await table_count(db_url, schema, "outbox")
    c = counting
    if (c.records, c.handled, inbox_rows) != (events, events, events) or (
        c.duplicates,
        c.dead,
        outbox_rows,
    ) != (0, 0, 0):
        raise AssertionError(
            f"shared: records {c.records}, handled {c.handled}, duplicates {c.duplicates}, "
            f"dead-lettered {c.dead}, inbox rows {inbox_rows}, outbox rows {outbox_rows}; "
            f"expected {events} records, handled and inbox rows, nothing else"
        )
    assert c.first is not None
    return RunResult("shared", c.records, c.batches, c.first, last)


# -- driver ---------------------------------------------------------------------------------


async def run_variant(
    variant: str, bootstrap: str, db_url: str, *, run: int, batch: int, events: int
) -> RunResult:
    async with asyncio.timeout(RUN_TIMEOUT_S):
        if variant == "raw":
            return await run_raw(bootstrap, run=run, batch=batch, events=events)
        if variant == "floor":
            return await run_floor(bootstrap, db_url, run=run, batch=batch, events=events)
        return await run_shared(bootstrap, db_url, run=run, batch=batch, events=events)


def run_order(repeat: int) -> tuple[str, ...]:
    """a b c, then c b a, ...: drift over the run (memory, caches) hits every variant alike."""
    return VARIANTS if repeat % 2 == 0 else tuple(reversed(VARIANTS))


async def benchmark(args: argparse.Namespace) -> dict[str, Any]:
    print(f"building {args.events:,} HoldPlaced events ...", flush=True)
    messages = make_events(args.events)
    event_bytes = statistics.fmean(len(value) for _, value in messages)
    server_url = await resolve_server_url(os.environ.get("DATABASE_URL"))
    db_name = f"kulkuri_bench_consume_{os.getpid()}"
    broker = LocalBroker()
    await asyncio.to_thread(broker.start)
    gc.callbacks.append(GC_TIMER)
    try:
        await ensure_database(server_url, db_name)
        db_url = with_database(server_url, db_name)
        bootstrap = broker.bootstrap_servers
        await ensure_topics(bootstrap, [TOPIC], partitions=args.partitions)
        produce_s = await produce(bootstrap, messages)
        del messages
        print(
            f"produced {args.events:,} events ({event_bytes:.0f} B mean) on "
            f"{args.partitions} partitions in {produce_s:.1f}s",
            flush=True,
        )
        results: dict[str, list[RunResult]] = {v: [] for v in VARIANTS}
        run = 0
        for repeat in range(args.repeats):
            for variant in run_order(repeat):
                run += 1
                result = await run_variant(
                    variant, bootstrap, db_url, run=run, batch=args.batch, events=args.events
                )
                results[variant].append(result)
                print(
                    f"  {variant:<6} run {repeat + 1}: {result.events_per_s:>9,.0f} events/s "
                    f"({result.seconds:.2f}s, {result.batches} batches, client CPU "
                    f"{result.client_cpu_share:.0%}, GC {result.gc_share:.0%})",
                    flush=True,
                )
        if args.profile_shared is not None:
            await profile_shared(args, bootstrap, db_url, run + 1)
    finally:
        gc.callbacks.remove(GC_TIMER)
        await asyncio.to_thread(broker.stop)
        await drop_database(server_url, db_name)
    return summarise(args, results, event_bytes, produce_s)


async def profile_shared(args: argparse.Namespace, bootstrap: str, db_url: str, run: int) -> None:
    """One extra, unmeasured shared run under cProfile; stats go to ``--profile-shared``."""
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        result = await run_variant(
            "shared", bootstrap, db_url, run=run, batch=args.batch, events=args.events
        )
    finally:
        profiler.disable()
    profiler.dump_stats(args.profile_shared)
    print(
        f"  shared under cProfile: {result.events_per_s:,.0f} events/s; "
        f"stats in {args.profile_shared}",
        flush=True,
    )
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


def summarise(
    args: argparse.Namespace,
    results: dict[str, list[RunResult]],
    event_bytes: float,
    produce_s: float,
) -> dict[str, Any]:
    rate = {v: statistics.median(r.events_per_s for r in results[v]) for v in VARIANTS}
    summary: dict[str, Any] = {
        "events": args.events,
        "batch_size": args.batch,
        "partitions": args.partitions,
        "repeats": args.repeats,
        "event_bytes_mean": round(event_bytes, 1),
        "produce_s": round(produce_s, 2),
    }
    for variant in VARIANTS:
        runs = results[variant]
        summary[f"{variant}_events_per_s"] = round(rate[variant])
        summary[f"{variant}_ms_per_batch"] = round(
            statistics.median(1000 * r.seconds / r.batches for r in runs), 2
        )
        summary[f"{variant}_client_cpu_share"] = round(
            statistics.median(r.client_cpu_share for r in runs), 3
        )
        summary[f"{variant}_gc_share"] = round(statistics.median(r.gc_share for r in runs), 3)
        summary[f"{variant}_runs_events_per_s"] = [round(r.events_per_s) for r in runs]
        summary[f"{variant}_runs_s"] = [round(r.seconds, 3) for r in runs]
    summary["ratio_shared_to_floor"] = round(rate["shared"] / rate["floor"], 3)
    summary["ratio_shared_to_raw"] = round(rate["shared"] / rate["raw"], 3)
    summary["ratio_floor_to_raw"] = round(rate["floor"] / rate["raw"], 3)
    summary["target_ratio_shared_to_floor"] = TARGET_SHARED_TO_FLOOR
    summary["meets_target"] = summary["ratio_shared_to_floor"] >= TARGET_SHARED_TO_FLOOR
    summary["floor_event_id"] = FLOOR_EVENT_ID
    summary["broker"] = "tansu memory:// (LocalBroker)"
    summary["cpu_count"] = os.cpu_count()
    summary["machine"] = f"{platform.machine()} {platform.system()} {platform.release()}"
    summary["python"] = platform.python_version()
    summary["date"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    return summary


def print_table(summary: dict[str, Any]) -> None:
    print()
    print(
        f"{summary['events']:,} events, batch {summary['batch_size']}, "
        f"{summary['partitions']} partitions, median of {summary['repeats']}"
    )
    print(f"{'loop':<8} {'events/s':>10} {'ms/batch':>9} {'client CPU':>11} {'GC':>5}  runs")
    for v in VARIANTS:
        runs = ", ".join(f"{r:,}" for r in summary[f"{v}_runs_events_per_s"])
        print(
            f"{v:<8} {summary[f'{v}_events_per_s']:>10,} {summary[f'{v}_ms_per_batch']:>9.2f} "
            f"{summary[f'{v}_client_cpu_share']:>11.0%} {summary[f'{v}_gc_share']:>5.0%}  {runs}"
        )
    verdict = "meets" if summary["meets_target"] else "misses"
    print(
        f"shared/floor {summary['ratio_shared_to_floor']:.3f} ({verdict} the "
        f"{TARGET_SHARED_TO_FLOOR} target), shared/raw {summary['ratio_shared_to_raw']:.3f}, "
        f"floor/raw {summary['ratio_floor_to_raw']:.3f}"
    )


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=200_000, help="events to produce (N)")
    parser.add_argument("--batch", type=int, default=500, help="records per batch (B)")
    parser.add_argument("--partitions", type=int, default=3, help="partitions of the topic")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each loop; median")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="JSON results")
    parser.add_argument(
        "--profile-shared",
        type=Path,
        default=None,
        metavar="FILE",
        help="after the measured runs, profile one extra shared run; cProfile stats to FILE",
    )
    args = parser.parse_args(argv)
    if not 1 <= args.events <= MAX_EVENTS:
        parser.error(f"--events must be 1..{MAX_EVENTS} (Tansu keeps every record in memory)")
    if args.batch < 1 or args.partitions < 1 or args.repeats < 1:
        parser.error("--batch, --partitions and --repeats must be positive")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    summary = asyncio.run(benchmark(args))
    print_table(summary)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(f"results written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
