"""Plumbing shared by the benchmarks in ``bench/``: set-up, events, timing, results.

Scripts import it by its plain name (``from common import ...``): run as
``.venv/bin/python bench/<name>.py``, a script's own directory is first on ``sys.path``.
:func:`bench_environment` gives a private Tansu broker and a scratch database;
:func:`load_topic` produces real ``HoldPlaced`` events into a new topic; :class:`Mark` and
:class:`RunResult` time a loop (wall clock, this process's CPU, the cyclic GC via
:data:`GC_TIMER`); :func:`run_repeats` runs the variants in alternating order;
:func:`run_summary` and :func:`machine_summary` build the flat JSON result (units in the key
names) that :func:`write_results` writes and :func:`print_runs` shows as a table.
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
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer

from kulkuri.shared.db.schema import messaging_tables_v1
from kulkuri.shared.events import EventCodec, HoldPlaced, HoldPlacedData
from kulkuri.shared.local import (
    LocalBroker,
    drop_database,
    ensure_database,
    resolve_server_url,
    with_database,
)
from kulkuri.shared.messaging.topics import ensure_topics

RESULTS_DIR = Path(__file__).resolve().parent / "results"
SOURCE = "urn:ils:koha:lastu"
BROKER = "tansu memory:// (LocalBroker)"
# Tansu's memory storage keeps every record in RAM (about 700 MB per 400k small events).
MAX_EVENTS = 300_000

# -- timing ---------------------------------------------------------------------------------


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
    """One measured loop: ``events`` records in ``batches`` batches between two marks."""

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

    def describe(self) -> str:
        return (
            f"{self.events_per_s:>9,.0f} events/s ({self.seconds:.2f}s, {self.batches} "
            f"batches, client CPU {self.client_cpu_share:.0%}, GC {self.gc_share:.0%})"
        )


def run_order(variants: Sequence[str], repeat: int) -> tuple[str, ...]:
    """a b c, then c b a, ...: drift over the run (memory, caches) hits every variant alike."""
    return tuple(variants) if repeat % 2 == 0 else tuple(reversed(variants))


async def run_repeats(
    variants: Sequence[str], repeats: int, run_one: Callable[[str, int], Awaitable[RunResult]]
) -> dict[str, list[RunResult]]:
    """Each variant ``repeats`` times in :func:`run_order`; ``run_one(variant, run_number)``
    (run numbers count from 1 over the whole benchmark). Prints each run as it ends."""
    results: dict[str, list[RunResult]] = {v: [] for v in variants}
    run = 0
    for repeat in range(repeats):
        for variant in run_order(variants, repeat):
            run += 1
            result = await run_one(variant, run)
            results[variant].append(result)
            print(f"  {variant:<6} run {repeat + 1}: {result.describe()}", flush=True)
    return results


async def profiled(label: str, run: Awaitable[RunResult], stats_path: Path) -> RunResult:
    """Await one (unmeasured) run under cProfile; stats to ``stats_path``, top 25 printed."""
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        result = await run
    finally:
        profiler.disable()
    profiler.dump_stats(stats_path)
    print(f"  {label} under cProfile: {result.events_per_s:,.0f} events/s; stats in {stats_path}")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    return result


# -- broker and database --------------------------------------------------------------------


@dataclass(frozen=True)
class Environment:
    bootstrap: str
    db_url: str
    broker: LocalBroker | None = None  # the private broker, where the run started one


@asynccontextmanager
async def bench_environment(name: str) -> AsyncIterator[Environment]:
    """A private broker and a scratch database ``kulkuri_bench_<name>_<pid>`` for one run.

    ``DATABASE_URL`` (if set) names the PostgreSQL server; the broker is stopped and the
    database dropped on the way out, whatever happened. :data:`GC_TIMER` runs meanwhile.
    """
    server_url = await resolve_server_url(os.environ.get("DATABASE_URL"))
    db_name = f"kulkuri_bench_{name}_{os.getpid()}"
    broker = LocalBroker()
    await asyncio.to_thread(broker.start)
    gc.callbacks.append(GC_TIMER)
    try:
        await ensure_database(server_url, db_name)
        yield Environment(broker.bootstrap_servers, with_database(server_url, db_name), broker)
    finally:
        gc.callbacks.remove(GC_TIMER)
        await asyncio.to_thread(broker.stop)
        await drop_database(server_url, db_name)


async def fresh_schema(db_url: str, schema: str) -> None:
    """(Re)create ``schema`` with the shared ``inbox`` and ``outbox`` tables."""
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


async def produce(bootstrap: str, topic: str, messages: Sequence[tuple[bytes, bytes]]) -> float:
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
                await producer.send(topic, value, key=key)
                for key, value in messages[offset : offset + window]
            ]
            await asyncio.gather(*pending)
        await producer.flush()
    finally:
        await producer.stop()
    return time.perf_counter() - started


async def load_topic(
    env: Environment, topic: str, *, events: int, partitions: int
) -> dict[str, Any]:
    """Create ``topic`` and produce ``events`` fresh events into it; the set-up's summary."""
    print(f"building {events:,} HoldPlaced events ...", flush=True)
    messages = make_events(events)
    event_bytes = statistics.fmean(len(value) for _, value in messages)
    await ensure_topics(env.bootstrap, [topic], partitions=partitions)
    produce_s = await produce(env.bootstrap, topic, messages)
    print(
        f"produced {events:,} events ({event_bytes:.0f} B mean) on {partitions} partitions "
        f"in {produce_s:.1f}s",
        flush=True,
    )
    return {
        "events": events,
        "partitions": partitions,
        "event_bytes_mean": round(event_bytes, 1),
        "produce_s": round(produce_s, 2),
    }


# -- results --------------------------------------------------------------------------------


def run_summary(prefix: str, runs: Sequence[RunResult]) -> dict[str, Any]:
    """Medians over ``runs`` plus the per-run figures, as flat ``<prefix>_...`` keys."""
    return {
        f"{prefix}_events_per_s": round(statistics.median(r.events_per_s for r in runs)),
        f"{prefix}_ms_per_batch": round(
            statistics.median(1000 * r.seconds / r.batches for r in runs), 2
        ),
        f"{prefix}_client_cpu_share": round(statistics.median(r.client_cpu_share for r in runs), 3),
        f"{prefix}_gc_share": round(statistics.median(r.gc_share for r in runs), 3),
        f"{prefix}_runs_events_per_s": [round(r.events_per_s) for r in runs],
        f"{prefix}_runs_s": [round(r.seconds, 3) for r in runs],
    }


def machine_summary() -> dict[str, Any]:
    """Where and when: broker, cores, machine, Python, GC thresholds, UTC time."""
    return {
        "broker": BROKER,
        "cpu_count": os.cpu_count(),
        "machine": f"{platform.machine()} {platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "gc_thresholds": list(gc.get_threshold()),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def write_results(path: Path, summary: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(f"results written to {path}")


def print_runs(summary: dict[str, Any], variants: Sequence[str]) -> None:
    """The :func:`run_summary` figures of each variant as a table."""
    rows = [
        [
            v,
            f"{summary[f'{v}_events_per_s']:,}",
            f"{summary[f'{v}_ms_per_batch']:.2f}",
            f"{summary[f'{v}_client_cpu_share']:.0%}",
            f"{summary[f'{v}_gc_share']:.0%}",
            ", ".join(f"{r:,}" for r in summary[f"{v}_runs_events_per_s"]),
        ]
        for v in variants
    ]
    print_table(["loop", "events/s", "ms/batch", "client CPU", "GC", "runs"], rows, "<>>>><")


def print_table(header: Sequence[str], rows: Sequence[Sequence[str]], align: str) -> None:
    """A plain text table; ``align`` has one ``<`` or ``>`` per column."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        cells = (f"{cell:{a}{w}}" for cell, a, w in zip(row, align, widths, strict=True))
        print("  ".join(cells).rstrip())


# -- command line ---------------------------------------------------------------------------


def add_run_arguments(parser: argparse.ArgumentParser, *, output: Path) -> None:
    """``--events``, ``--batch``, ``--partitions``, ``--repeats`` and ``--output``."""
    parser.add_argument("--events", type=int, default=200_000, help="events to produce (N)")
    parser.add_argument("--batch", type=int, default=500, help="records per batch (B)")
    parser.add_argument("--partitions", type=int, default=3, help="partitions of the topic")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each loop; median")
    parser.add_argument("--output", type=Path, default=output, help="JSON results")


def check_run_arguments(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if not 1 <= args.events <= MAX_EVENTS:
        parser.error(f"--events must be 1..{MAX_EVENTS} (Tansu keeps every record in memory)")
    if args.batch < 1 or args.partitions < 1 or args.repeats < 1:
        parser.error("--batch, --partitions and --repeats must be positive")
