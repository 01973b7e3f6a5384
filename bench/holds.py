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
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import consume
from common import (
    RESULTS_DIR,
    bench_environment,
    machine_summary,
    print_table,
    produce,
    write_results,
)
from holds_events import MIX, CirculationStream, Plan
from holds_runs import RUN_TIMEOUT_S, in_one_process, in_replicas

from kulkuri.holds.adapters.consortium_config import parse_consortium_config, write_sample_config
from kulkuri.holds.domain.consortium import Consortium
from kulkuri.shared.events import EventCodec
from kulkuri.shared.messaging import CIRCULATION
from kulkuri.shared.messaging.topics import ensure_topics
from kulkuri.shared.runtime import tune_gc_for_batches

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


def build_messages(
    consortium: Consortium, events: int, plan: Plan
) -> tuple[list[tuple[bytes, bytes]], CirculationStream, float]:
    started = time.perf_counter()
    stream = CirculationStream(sorted(consortium.libraries), plan)
    encode = EventCodec.encode
    messages = [(e.partition_key(), encode(e)) for e in stream.events(events)]
    return messages, stream, time.perf_counter() - started


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
        if "latency_floor_p99_ms" in s:
            print(
                f"broker floor (a stand-in that decides nothing): p50 / p90 / p99 "
                f"{s['latency_floor_p50_ms']:.1f} / {s['latency_floor_p90_ms']:.1f} / "
                f"{s['latency_floor_p99_ms']:.1f} ms; service p99 / floor p99 "
                f"{s['latency_p99_ratio_to_floor']:.2f}"
            )
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
