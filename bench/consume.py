"""Consume-path benchmark: what effectively-once costs, and what the shared consumer adds.

N real ``HoldPlaced`` CloudEvents (keyed by ``bib_id``) are produced once into one topic of
a private Tansu broker, then consumed from the beginning by three loops, each with its own
consumer group and its own fresh ``inbox``/``outbox`` schema (``messaging_tables_v1``) in
one scratch PostgreSQL database, all with the same batch size B:

``raw``
    ``AIOKafkaConsumer.getmany(max_records=B)`` and one offset commit per batch, auto-commit
    off, no parsing: the ceiling of client and broker.
``floor``
    raw plus, before each offset commit, one transaction with one ``INSERT INTO
    <schema>.inbox (event_key) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING`` of the
    batch's dedupe keys (``source + " " + id`` from ``orjson.loads(value)``, no schema
    validation): the least any effectively-once consumer pays.
``shared``
    ``EventConsumer`` with ``InboxBatchProcessor`` through the public API: the real
    ``EventCodec(CIRCULATION_EVENTS)`` validation, inbox claim, (empty) outbox, a no-op
    handler, metrics on a fresh ``CollectorRegistry``; a counting wrapper around the
    processor stops the consumer after N records.

All loops run under the services' GC settings: ``tune_gc_for_batches()`` is called once
after set-up, before the first loop, as the service entry point does after start-up. Time
runs from the first non-empty batch (the group join is excluded) to the last offset commit.
Each loop checks its result (N records; N inbox rows; for ``shared`` N handled, an empty
outbox). Loops run ``--repeats`` times in alternating order (a b c, c b a, ...); medians
are reported, with this process's CPU time and its time in the cyclic GC as shares of wall
time. Set-up, timing and results: ``bench/common.py``; the figures: docs/benchmarks.md.

Run from the repository root (or ``make bench-consume``)::

    .venv/bin/python bench/consume.py [--events 200000] [--batch 500] [--repeats 3]
        [--partitions 3] [--output bench/results/consume.json] [--profile-shared FILE]

``--profile-shared FILE``: one extra, unmeasured ``shared`` run under cProfile, stats to FILE.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import asyncpg
import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition
from common import (
    RESULTS_DIR,
    Environment,
    Mark,
    RunResult,
    add_run_arguments,
    bench_environment,
    check_run_arguments,
    fresh_schema,
    load_topic,
    machine_summary,
    print_runs,
    profiled,
    run_repeats,
    run_summary,
    table_count,
    write_results,
)
from prometheus_client import CollectorRegistry

from kulkuri.shared.db.inbox import Inbox
from kulkuri.shared.db.outbox import OutboxStore
from kulkuri.shared.db.pool import create_pool
from kulkuri.shared.events import CIRCULATION_EVENTS, CirculationEvent, EventCodec
from kulkuri.shared.messaging import EventConsumer, InboxBatchProcessor, Transaction
from kulkuri.shared.messaging.processing import BatchResult, DecodedBatch, Record
from kulkuri.shared.observability.metrics import MessagingMetrics
from kulkuri.shared.runtime import tune_gc_for_batches
from kulkuri.shared.settings import KafkaSettings

VARIANTS = ("raw", "floor", "shared")
TARGET_SHARED_TO_FLOOR = 0.8
TOPIC = "kulkuri.bench.circulation.v1"
SERVICE = "bench"
SESSION_TIMEOUT_MS = 6_000
FETCH_TIMEOUT_MS = 500
# A loop that has started but then sees no record for this long has lost records: fail.
STALL_TIMEOUT_S = 60.0
# Bounds the group join plus the whole loop; generous, only there so a fault cannot hang.
RUN_TIMEOUT_S = 900.0
DEFAULT_OUTPUT = RESULTS_DIR / "consume.json"
FLOOR_EVENT_ID = "orjson.loads(value): source + ' ' + id (the inbox's dedupe key)"
GC_SETTINGS = "kulkuri.shared.runtime.tune_gc_for_batches() before the first loop"

Batches = dict[TopicPartition, list[Record]]

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


async def run_raw(env: Environment, *, run: int, batch: int, events: int) -> RunResult:
    seen, batches, first, last = await consume_loop(
        env.bootstrap, group_id=f"bench-raw-{run}", batch=batch, events=events, on_batch=None
    )
    if seen != events:
        raise AssertionError(f"raw: consumed {seen} records, expected {events}")
    return RunResult("raw", seen, batches, first, last)


async def run_floor(env: Environment, *, run: int, batch: int, events: int) -> RunResult:
    schema = f"bench_floor_{run}"
    await fresh_schema(env.db_url, schema)
    sql = f"INSERT INTO {schema}.inbox (event_key) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING"
    conn = await asyncpg.connect(env.db_url)
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
            env.bootstrap,
            group_id=f"bench-floor-{run}",
            batch=batch,
            events=events,
            on_batch=insert_keys,
        )
    finally:
        await conn.close()
    rows = await table_count(env.db_url, schema, "inbox")
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

    def decode(self, records: Sequence[Record]) -> DecodedBatch[CirculationEvent]:
        if self.first is None:
            self.first = Mark.now()
        self.records += len(records)
        return self._inner.decode(records)

    async def commit(self, batch: DecodedBatch[CirculationEvent]) -> BatchResult:
        result = await self._inner.commit(batch)
        self.batches += 1
        self.handled += result.handled
        self.duplicates += result.duplicates
        self.dead += result.dead_lettered
        if self.records >= self._target and self._stop is not None:
            # Checked by run() after this batch's offset commit: the loop ends there.
            self._stop()
        return result


async def run_shared(env: Environment, *, run: int, batch: int, events: int) -> RunResult:
    schema = f"bench_shared_{run}"
    await fresh_schema(env.db_url, schema)
    group_id = f"bench-shared-{run}"
    metrics = MessagingMetrics(CollectorRegistry())
    pool = await create_pool(env.db_url, min_size=1, max_size=2)
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
            bootstrap_servers=env.bootstrap,
            settings=KafkaSettings(
                bootstrap_servers=env.bootstrap,
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
            await processor.close()  # it holds one connection across batches
    finally:
        await pool.close()
    inbox_rows = await table_count(env.db_url, schema, "inbox")
    outbox_rows = await table_count(env.db_url, schema, "outbox")
    c = counting
    got = (c.records, c.handled, inbox_rows, c.duplicates, c.dead, outbox_rows)
    if got != (events, events, events, 0, 0, 0):
        raise AssertionError(
            f"shared: records {c.records}, handled {c.handled}, duplicates {c.duplicates}, "
            f"dead-lettered {c.dead}, inbox rows {inbox_rows}, outbox rows {outbox_rows}; "
            f"expected {events} records, handled and inbox rows, nothing else"
        )
    assert c.first is not None
    return RunResult("shared", c.records, c.batches, c.first, last)


# -- driver ---------------------------------------------------------------------------------

LOOPS = {"raw": run_raw, "floor": run_floor, "shared": run_shared}


async def run_variant(
    variant: str, env: Environment, *, run: int, batch: int, events: int
) -> RunResult:
    async with asyncio.timeout(RUN_TIMEOUT_S):
        return await LOOPS[variant](env, run=run, batch=batch, events=events)


async def benchmark(args: argparse.Namespace) -> dict[str, Any]:
    async with bench_environment("consume") as env:
        loaded = await load_topic(env, TOPIC, events=args.events, partitions=args.partitions)
        tune_gc_for_batches()  # what the service entry point does after start-up

        def run_one(variant: str, run: int) -> Awaitable[RunResult]:
            return run_variant(variant, env, run=run, batch=args.batch, events=args.events)

        results = await run_repeats(VARIANTS, args.repeats, run_one)
        if args.profile_shared is not None:
            extra = len(VARIANTS) * args.repeats + 1
            await profiled("shared", run_one("shared", extra), args.profile_shared)
    summary: dict[str, Any] = {
        "events": args.events,
        "batch_size": args.batch,
        "partitions": args.partitions,
        "repeats": args.repeats,
        **loaded,
    }
    for variant in VARIANTS:
        summary.update(run_summary(variant, results[variant]))
    rate = {v: summary[f"{v}_events_per_s"] for v in VARIANTS}
    summary["ratio_shared_to_floor"] = round(rate["shared"] / rate["floor"], 3)
    summary["ratio_shared_to_raw"] = round(rate["shared"] / rate["raw"], 3)
    summary["ratio_floor_to_raw"] = round(rate["floor"] / rate["raw"], 3)
    summary["target_ratio_shared_to_floor"] = TARGET_SHARED_TO_FLOOR
    summary["meets_target"] = summary["ratio_shared_to_floor"] >= TARGET_SHARED_TO_FLOOR
    summary["floor_event_id"] = FLOOR_EVENT_ID
    summary["gc_settings"] = GC_SETTINGS
    return summary | machine_summary()


def report(summary: dict[str, Any]) -> None:
    print()
    print(
        f"{summary['events']:,} events, batch {summary['batch_size']}, "
        f"{summary['partitions']} partitions, median of {summary['repeats']}"
    )
    print_runs(summary, VARIANTS)
    verdict = "meets" if summary["meets_target"] else "misses"
    print(
        f"shared/floor {summary['ratio_shared_to_floor']:.3f} ({verdict} the "
        f"{TARGET_SHARED_TO_FLOOR} target), shared/raw {summary['ratio_shared_to_raw']:.3f}, "
        f"floor/raw {summary['ratio_floor_to_raw']:.3f}"
    )


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    add_run_arguments(parser, output=DEFAULT_OUTPUT)
    parser.add_argument(
        "--profile-shared",
        type=Path,
        default=None,
        metavar="FILE",
        help="after the measured runs, profile one extra shared run; cProfile stats to FILE",
    )
    args = parser.parse_args(argv)
    check_run_arguments(parser, args)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    summary = asyncio.run(benchmark(args))
    report(summary)
    write_results(args.output, summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
