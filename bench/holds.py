"""Holds-service benchmark: throughput on a realistic event mix, and return-to-decision latency.

N events of a coherent Helmet stream (``bench/holds_events.py``: 70 libraries, a catalogue of
``ItemAdded``, then holds, cancels, checkouts with and without ``hold_id`` and returns) are
produced once into ``kulkuri.circulation.v1`` of a private Tansu broker (the service reads
that fixed topic, so the broker is fresh), then consumed in one run by:

``floor`` (before the holds run, and after it with the runtime idle)
    ``bench/consume.py``'s floor loop: raw ``getmany`` plus one set-based inbox insert of the
    batch's dedupe keys and one offset commit per batch, own group, own scratch schema.
``holds``
    the real holds runtime (``build_runtime`` with the Helmet consortium, a fresh
    ``CollectorRegistry``, ``KafkaSettings(max_batch_records=B)``): migrations into a scratch
    database, consumer, outbox relay. Time runs from the end of the first batch (the group
    join excluded) to the batch that settles the N-th event (handled + dead-lettered reach N,
    checked on the registry's counters); the first batch's records are not counted.

Ratio holds/floor uses the faster floor run (the stricter figure). The year-replay estimate
divides an assumed yearly Helmet event count (``YEAR_LOANS`` loans times this mix's events
per loan) by the holds rate.

``--latency`` (default on): with the runtime still running and its outbox drained, the
generator's stream continues at ``--latency-rate`` events/s for ``--latency-seconds``; every
``ItemReturned``'s send time is kept by item id, ``kulkuri.holds.v1`` is read from its end, and
the first decision naming that item (``data.item_id``) after the return is its answer:
latency = receive time − send time, through consumer, handler, outbox, NOTIFY and relay.
The measuring producer and reader run in a process of their own (``--latency-client
in-process``: in the service's process, as the first measurements did).

Run from the repository root::

    .venv/bin/python bench/holds.py [--events 1000000] [--batch 500] [--titles 5000]
        [--no-latency] [--latency-rate 500] [--latency-seconds 30]
        [--latency-client process|in-process|both] [--processes 1]
        [--output bench/results/holds.json]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import consume
from common import (
    RESULTS_DIR,
    Environment,
    Mark,
    RunResult,
    bench_environment,
    machine_summary,
    print_table,
    produce,
    write_results,
)
from holds_events import MIX, CirculationStream, Plan
from holds_latency import measure_latency
from holds_replicas import group_outcome, measure_group, replicas
from prometheus_client import CollectorRegistry

from kulkuri.holds.adapters.consortium_config import parse_consortium_config, write_sample_config
from kulkuri.holds.bootstrap import build_runtime
from kulkuri.holds.config import HoldsConfig, HoldsSettings
from kulkuri.holds.domain.consortium import Consortium
from kulkuri.shared.events import EventCodec
from kulkuri.shared.messaging import CIRCULATION
from kulkuri.shared.messaging.processing import Record
from kulkuri.shared.messaging.topics import ensure_topics
from kulkuri.shared.observability.metrics import MessagingMetrics
from kulkuri.shared.runtime import FaultHooks, ServiceRuntime, tune_gc_for_batches
from kulkuri.shared.settings import KafkaSettings

DEFAULT_OUTPUT = RESULTS_DIR / "holds.json"
TARGET_RATIO = 0.5
TARGET_YEAR_MINUTES = 60.0
TARGET_P99_MS = 100.0
# Assumption, not a measurement: Helmet (Helsinki, Espoo, Vantaa, Kauniainen) lends roughly
# 15 million items a year (order of magnitude of the loans Helmet's member cities report in
# the Finnish public library statistics, tilastot.kirjastot.fi; Helsinki alone ~ 8-9 M).
YEAR_LOANS = 15_000_000
YEAR_LOANS_SOURCE = (
    "assumption: ~15 M loans/year for Helmet (order of magnitude of the member cities' loans "
    "in the Finnish public library statistics, tilastot.kirjastot.fi); times this mix's "
    "events per loan"
)
SESSION_TIMEOUT_MS = 6_000
FETCH_TIMEOUT_MS = 500
RUN_TIMEOUT_S = 1_800.0
STALL_TIMEOUT_S = 120.0


GROUP = "kulkuri-holds-bench"


@dataclass(frozen=True)
class HoldsRun:
    events_per_s: float
    seconds: float
    details: dict[str, Any]  # figures only a one-process run has


def counter_total(metric: Any, **match: str) -> float:
    """The sum of a labelled counter's ``_total`` samples whose labels include ``match``."""
    total = 0.0
    for family in metric.collect():
        for sample in family.samples:
            if sample.name.endswith("_total") and all(
                sample.labels.get(k) == v for k, v in match.items()
            ):
                total += sample.value
    return total


# -- throughput -----------------------------------------------------------------------------


class BatchClock:
    """``after_processed`` hook: marks the end of the first batch and of the N-th record."""

    def __init__(self, target: int) -> None:
        self.target = target
        self.records = self.batches = self.first_records = 0
        self.first: Mark | None = None
        self.last: Mark | None = None
        self.done = asyncio.Event()
        self.last_progress = time.monotonic()

    async def __call__(self, records: Sequence[Record]) -> None:
        self.records += len(records)
        self.batches += 1
        self.last_progress = time.monotonic()
        if self.first is None:
            self.first = Mark.now()
            self.first_records = self.records
        if self.records >= self.target and self.last is None:
            self.last = Mark.now()
            self.done.set()


def holds_config(env: Environment, batch: int, partitions: int, consumers: int) -> HoldsConfig:
    return HoldsConfig(
        holds=HoldsSettings(consortium="Helmet", consumer_group=GROUP, consumers=consumers),
        kafka=KafkaSettings(
            bootstrap_servers=env.bootstrap,
            client_id="kulkuri-holds-bench",
            max_batch_records=batch,
            fetch_timeout_ms=FETCH_TIMEOUT_MS,
            session_timeout_ms=SESSION_TIMEOUT_MS,
            default_partitions=partitions,
        ),
    )


async def unpublished(db_url: str) -> int:
    conn = await asyncpg.connect(db_url)
    try:
        count: int = await conn.fetchval(
            "SELECT count(*) FROM holds.outbox WHERE published_at IS NULL"
        )
        return count
    finally:
        await conn.close()


async def wait_drained(db_url: str, timeout_s: float = 300.0) -> float:
    """Seconds until the relay has published every outbox row."""
    started = time.perf_counter()
    while await unpublished(db_url):
        if time.perf_counter() - started > timeout_s:
            raise RuntimeError("the outbox relay did not drain")
        await asyncio.sleep(0.05)
    return time.perf_counter() - started


async def measure_holds(
    runtime: ServiceRuntime, clock: BatchClock, metrics: MessagingMetrics, events: int
) -> tuple[RunResult, dict[str, Any]]:
    while not clock.done.is_set():
        await asyncio.sleep(0.05)
        if clock.first is not None and time.monotonic() - clock.last_progress > STALL_TIMEOUT_S:
            raise RuntimeError(f"holds: stalled after {clock.records} of {events} records")
    assert clock.first is not None and clock.last is not None
    handled = counter_total(metrics.events_handled, outcome="handled")
    duplicates = counter_total(metrics.events_handled, outcome="duplicate")
    dead = counter_total(metrics.events_dead_lettered)
    if handled + duplicates + dead != events:
        raise AssertionError(f"holds: handled {handled} + dup {duplicates} + dead {dead} != N")
    reasons: dict[str, int] = {}
    for family in metrics.events_dead_lettered.collect():
        for sample in family.samples:
            if sample.name.endswith("_total") and sample.value:
                reasons[sample.labels["reason"]] = int(sample.value)
    result = RunResult(
        "holds", clock.records - clock.first_records, clock.batches - 1, clock.first, clock.last
    )
    return result, {
        "handled": int(handled),
        "duplicates": int(duplicates),
        "dead_lettered": int(dead),
        "dead_letter_reasons": reasons,
    }


# -- driver ---------------------------------------------------------------------------------


def build_messages(
    consortium: Consortium, events: int, plan: Plan
) -> tuple[list[tuple[bytes, bytes]], CirculationStream, float]:
    started = time.perf_counter()
    stream = CirculationStream(sorted(consortium.libraries), plan)
    encode = EventCodec.encode
    messages = [(e.partition_key(), encode(e)) for e in stream.events(events)]
    return messages, stream, time.perf_counter() - started


async def in_one_process(
    env: Environment,
    args: argparse.Namespace,
    consortium: Consortium,
    stream: CirculationStream,
    floors: list[RunResult],
) -> tuple[HoldsRun, dict[str, Any], dict[str, Any]]:
    metrics = MessagingMetrics(CollectorRegistry())
    clock = BatchClock(args.events)
    runtime = build_runtime(
        holds_config(env, args.batch, args.partitions, args.consumers),
        database_url=env.db_url,
        bootstrap_servers=env.bootstrap,
        metrics=metrics,
        consortium=consortium,
        hooks=FaultHooks(after_processed=clock),
    )
    async with runtime:
        service = asyncio.create_task(runtime.run(), name="holds-runtime")
        try:
            async with asyncio.timeout(RUN_TIMEOUT_S):
                holds, outcome = await measure_holds(runtime, clock, metrics, args.events)
            print(f"  holds          : {holds.describe()}", flush=True)
            run = HoldsRun(
                holds.events_per_s,
                holds.seconds,
                {
                    "holds_ms_per_batch": round(1000 * holds.seconds / holds.batches, 2),
                    "holds_client_cpu_share": round(holds.client_cpu_share, 3),
                    "holds_gc_share": round(holds.gc_share, 3),
                },
            )
            latency = await after_the_run(
                env,
                args,
                stream,
                floors,
                drained=lambda: outcome.update(
                    decisions_published=int(counter_total(metrics.outbox_published))
                ),
            )
        finally:
            runtime.request_stop()
            await service
    return run, outcome, latency


async def in_replicas(
    env: Environment, args: argparse.Namespace, stream: CirculationStream, floors: list[RunResult]
) -> tuple[HoldsRun, dict[str, Any], dict[str, Any]]:
    async with replicas(
        env, args.processes, batch=args.batch, partitions=args.partitions, consumers=args.consumers
    ):
        async with asyncio.timeout(RUN_TIMEOUT_S):
            group = await measure_group(env, GROUP, args.events, stall_timeout_s=STALL_TIMEOUT_S)
        print(
            f"  holds ({args.processes} processes): {group.events_per_s:,.0f} events/s"
            f" ({group.seconds:.2f}s)",
            flush=True,
        )
        # Before the latency phase adds its events; the outbox holds every decision (the
        # relay may not have published them all yet).
        outcome = await group_outcome(env.db_url)
        latency = await after_the_run(env, args, stream, floors)
    if outcome["inbox_rows"] + outcome["dead_lettered"] < args.events:
        raise AssertionError(f"replicas: {outcome} does not account for {args.events} events")
    # The inbox holds each event once: redeliveries after a rebalance are not told apart.
    outcome.update(handled=outcome["inbox_rows"], dead_letter_reasons={})
    run = HoldsRun(group.events_per_s, group.seconds, {})
    return run, outcome, latency


async def after_the_run(
    env: Environment,
    args: argparse.Namespace,
    stream: CirculationStream,
    floors: list[RunResult],
    *,
    drained: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """With the service idle and its outbox drained (then ``drained`` runs): the second floor
    run, then latency."""
    drain_s = await wait_drained(env.db_url)
    if drained is not None:
        drained()
    print(f"  outbox drained {drain_s:.2f}s after", flush=True)
    # The service idles meanwhile; the topic still holds exactly N records.
    async with asyncio.timeout(RUN_TIMEOUT_S):
        floors.append(await consume.run_floor(env, run=2, batch=args.batch, events=args.events))
    print(f"  floor  (after) : {floors[1].describe()}", flush=True)
    latency: dict[str, Any] = {"outbox_drain_after_s": round(drain_s, 2)}
    if args.latency:
        latency |= await measure_latency(
            env,
            stream,
            rate=args.latency_rate,
            seconds=args.latency_seconds,
            in_process=args.latency_client == "in-process",
        )
        latency["latency_client"] = args.latency_client
        if args.latency_client == "both":  # then the earlier set-up, for comparison
            latency["latency_client"] = "process"
            again = await measure_latency(
                env, stream, rate=args.latency_rate, seconds=args.latency_seconds, in_process=True
            )
            latency |= {
                key.replace("latency_", "latency_in_process_"): value
                for key, value in again.items()
            }
    return latency


async def benchmark(args: argparse.Namespace) -> dict[str, Any]:
    consortium = parse_consortium_config(write_sample_config("Helmet"), source="<Helmet sample>")
    plan = Plan(titles=args.titles, seed=args.seed)
    print(f"building {args.events:,} events for {len(consortium.libraries)} libraries ...")
    messages, stream, build_s = build_messages(consortium, args.events, plan)
    counts = dict(stream.counts)
    event_bytes = statistics.fmean(len(v) for _, v in messages)
    print(f"built in {build_s:.1f}s ({event_bytes:.0f} B mean): {counts}", flush=True)
    summary: dict[str, Any] = {"events": args.events, "batch_size": args.batch}
    async with bench_environment("holds") as env:
        await ensure_topics(env.bootstrap, [CIRCULATION], partitions=args.partitions)
        produce_s = await produce(env.bootstrap, CIRCULATION, messages)
        del messages
        print(f"produced in {produce_s:.1f}s", flush=True)
        tune_gc_for_batches()  # what the service entry point does after start-up
        consume.TOPIC = CIRCULATION  # the floor loop reads the topic the service reads
        floors = []
        async with asyncio.timeout(RUN_TIMEOUT_S):
            floors.append(await consume.run_floor(env, run=1, batch=args.batch, events=args.events))
        print(f"  floor  (before): {floors[0].describe()}", flush=True)

        if args.processes == 1:
            holds, outcome, latency = await in_one_process(env, args, consortium, stream, floors)
        else:
            holds, outcome, latency = await in_replicas(env, args, stream, floors)

    floor = max(floors, key=lambda r: r.events_per_s)
    mix_events = sum(v for k, v in counts.items() if k != "item_added")
    loans = counts.get("checkout_hold", 0) + counts.get("checkout_walk_in", 0)
    per_loan = mix_events / loans
    year_events = round(YEAR_LOANS * per_loan)
    summary.update(
        {
            "partitions": args.partitions,
            "consumers": args.consumers,
            "titles": args.titles,
            "libraries": len(consortium.libraries),
            "seed": args.seed,
            "event_counts": counts,
            "mix_weights": MIX,
            "event_bytes_mean": round(event_bytes, 1),
            "build_s": round(build_s, 1),
            "produce_s": round(produce_s, 1),
            "processes": args.processes,
            "holds_events_per_s": round(holds.events_per_s),
            "holds_s": round(holds.seconds, 2),
            **holds.details,
            **outcome,
            "floor_events_per_s": round(floor.events_per_s),
            "floor_runs_events_per_s": [round(r.events_per_s) for r in floors],
            "ratio_holds_to_floor": round(holds.events_per_s / floor.events_per_s, 3),
            "target_ratio_holds_to_floor": TARGET_RATIO,
            "year_loans_assumed": YEAR_LOANS,
            "events_per_loan": round(per_loan, 3),
            "year_events_assumed": year_events,
            "year_events_source": YEAR_LOANS_SOURCE,
            "year_replay_minutes": round(year_events / holds.events_per_s / 60, 1),
            "target_year_replay_minutes": TARGET_YEAR_MINUTES,
            **latency,
        }
    )
    summary["meets_ratio_target"] = summary["ratio_holds_to_floor"] >= TARGET_RATIO
    summary["meets_year_target"] = summary["year_replay_minutes"] < TARGET_YEAR_MINUTES
    if "latency_p99_ms" in latency:
        summary["target_latency_p99_ms"] = TARGET_P99_MS
        summary["meets_latency_target"] = latency["latency_p99_ms"] < TARGET_P99_MS
    return summary | machine_summary()


def report(s: dict[str, Any]) -> None:
    print()
    print(
        f"{s['events']:,} events ({s['titles']:,} titles, {s['libraries']} libraries), batch "
        f"{s['batch_size']}, {s['partitions']} partitions"
    )
    one_process = "holds_ms_per_batch" in s
    print_table(
        ["loop", "events/s", "ms/batch", "client CPU", "GC"],
        [
            [
                "holds" if one_process else f"holds x{s['processes']}",
                f"{s['holds_events_per_s']:,}",
                f"{s['holds_ms_per_batch']:.2f}" if one_process else "",
                f"{s['holds_client_cpu_share']:.0%}" if one_process else "",
                f"{s['holds_gc_share']:.0%}" if one_process else "",
            ],
            ["floor", f"{s['floor_events_per_s']:,}", "", "", ""],
        ],
        "<>>>>",
    )
    verdict = "meets" if s["meets_ratio_target"] else "misses"
    print(
        f"holds/floor {s['ratio_holds_to_floor']:.3f} ({verdict} the {TARGET_RATIO} target); "
        f"dead-lettered {s['dead_lettered']} {s['dead_letter_reasons']}"
    )
    verdict = "meets" if s["meets_year_target"] else "misses"
    print(
        f"a Helmet year ({s['year_events_assumed']:,} events = {YEAR_LOANS:,} loans x "
        f"{s['events_per_loan']:.2f}): {s['year_replay_minutes']:.1f} min ({verdict} < 60)"
    )
    if "latency_p99_ms" in s:
        verdict = "meets" if s["meets_latency_target"] else "misses"
        print_table(
            ["rate/s", "returns", "matched", "p50 ms", "p90 ms", "p99 ms", "max ms"],
            [
                [
                    f"{s['latency_events_per_s']:.0f}",
                    f"{s['latency_returns']:,}",
                    f"{s['latency_matched']:,}",
                    f"{s['latency_p50_ms']:.1f}",
                    f"{s['latency_p90_ms']:.1f}",
                    f"{s['latency_p99_ms']:.1f}",
                    f"{s['latency_max_ms']:.1f}",
                ]
            ],
            ">>>>>>>",
        )
        print(f"return-to-decision p99 {verdict} the {TARGET_P99_MS:.0f} ms target")
        if "latency_in_process_p99_ms" in s:
            print(
                "with the measuring client in the service's process: p50 / p90 / p99"
                f" {s['latency_in_process_p50_ms']:.1f} / {s['latency_in_process_p90_ms']:.1f}"
                f" / {s['latency_in_process_p99_ms']:.1f} ms"
            )


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=1_000_000, help="events to produce (N)")
    parser.add_argument("--batch", type=int, default=500, help="max_batch_records (B)")
    parser.add_argument("--partitions", type=int, default=3, help="partitions of the topics")
    parser.add_argument("--titles", type=int, default=5_000, help="titles in the catalogue")
    parser.add_argument(
        "--consumers", type=int, default=3, help="consumers of the holds group (HOLDS_CONSUMERS)"
    )
    parser.add_argument(
        "--processes",
        type=int,
        default=1,
        help="replicas of the service, each a process with --consumers consumers",
    )
    parser.add_argument("--seed", type=int, default=2026, help="generator seed")
    parser.add_argument("--latency", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--latency-rate", type=float, default=500.0, help="events/s")
    parser.add_argument("--latency-seconds", type=float, default=30.0)
    parser.add_argument(
        "--latency-client",
        choices=("process", "in-process", "both"),
        default="process",
        help="the measuring producer and reader in a process of their own, or in the service's"
        " (both: one phase each, in that order)",
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="JSON results")
    args = parser.parse_args(argv)
    if args.events < 4 * args.titles or args.batch < 1 or args.partitions < 1:
        parser.error("--events must well exceed the catalogue; --batch, --partitions > 0")
    if args.processes < 1:
        parser.error("--processes must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    summary = asyncio.run(benchmark(args))
    report(summary)
    write_results(args.output, summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
