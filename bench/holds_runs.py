"""The holds service's runs for ``bench/holds.py``: in one process (timed by the runtime's
own batches, checked on its registry) or as replicas (``bench/holds_replicas.py``), then,
with the service idle, the second floor run and the latency phases."""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
import consume
from common import Environment, Mark, RunResult
from holds_events import CirculationStream
from holds_latency import measure_latency
from holds_latency_floor import measure_floor
from holds_replicas import group_outcome, measure_group, replicas
from prometheus_client import CollectorRegistry

from kulkuri.holds.bootstrap import build_runtime
from kulkuri.holds.config import HoldsConfig, HoldsSettings
from kulkuri.holds.domain.consortium import Consortium
from kulkuri.shared.messaging.processing import Record
from kulkuri.shared.observability.metrics import MessagingMetrics
from kulkuri.shared.runtime import FaultHooks, ServiceRuntime
from kulkuri.shared.settings import KafkaSettings

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
        # The broker's share: a stand-in that decides nothing, in the same run.
        latency |= await measure_floor(
            env,
            stream,
            rate=args.latency_rate,
            seconds=args.latency_seconds,
            partitions=args.partitions,
        )
        latency["latency_p99_ratio_to_floor"] = round(
            latency["latency_p99_ms"] / latency["latency_floor_p99_ms"], 2
        )
    return latency
