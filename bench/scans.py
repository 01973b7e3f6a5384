"""Scan benchmark: "pulled" scans per second through the transport service's HTTP API.

The workload is a library's morning pull list: staff at one library (Hollola, ``85708``, a
staff token of that library) scan N distinct copies off the shelf and their handhelds upload
the reads in batches of B (default 25) to ``POST /transport/scans/batch``, C handhelds
(default 4) at once, each with its own keep-alive ``httpx.AsyncClient``. Each scan carries
``scanned_at`` and (unless ``--no-scan-ids``) a ``scan_id``, as an upload after a stretch
offline does. Every copy has one requested transfer from Hollola to another Lastu library.

The service runs as it does in production, in its own process: ``kulkuri transport run``
(uvicorn, the transport runtime with its consumers, outbox relay and periodic jobs, GC tuned
by the entry point) on a private Tansu broker and a scratch database. A separate process
keeps the client's CPU out of the server's one Python core; the machine's cores are still
shared by server, PostgreSQL, broker and client, so the CPU time of each is reported.

The transfers are set up before the server takes traffic (not measured): the transport's own
domain and repository (``TransportLedger.request`` in a ``TransportUnitOfWork``, one
set-based save per 1,000), i.e. the rows the holds-decision consumer would write. Each run
gets its own copies, so every scan is a real "requested → pulled".

Variants, each run ``--repeats`` times in alternating order (median reported):

``api``
    N scans in batches of B over HTTP by C clients (the figure: ``scans_per_s``).
``raw``
    The same database work in its simplest form, by C asyncpg connections in this process:
    per batch of B one transaction with one ``UPDATE ... SET status, location,
    status_since, history = history || step WHERE item_id = $1 AND <open>`` per scan, on
    ``bench_raw.transfers``, a copy of ``transport.transfers`` (same rows, same indexes).
``single``
    ``--single-scans`` scans one per request to ``POST /transport/scans`` by C clients.
``raw_single``
    The ``raw`` UPDATE, one transaction per scan, by C connections.

Each run checks its result: every scan answered 200 and ``accepted``, and exactly that many
transfers ``pulled`` in the database afterwards (for raw: rows updated). Time runs from the
first request to the last answer. The server and set-up: ``bench/scan_server.py``; the
loops: ``bench/scan_loops.py``; timing and results: ``bench/common.py``; the figures:
docs/benchmarks.md.

Run from the repository root::

    .venv/bin/python bench/scans.py [--scans 10000] [--batch 25] [--clients 4]
        [--single-scans 1500] [--repeats 3] [--output bench/results/scans.json]
        [--no-scan-ids] [--no-write] [--profile-server FILE]

``--profile-server FILE``: run the server under cProfile (stats to FILE when it stops); the
figures of such a run are slowed by the profiler and not written unless ``--output`` is given.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from common import (
    RESULTS_DIR,
    Environment,
    bench_environment,
    machine_summary,
    print_table,
    run_order,
    write_results,
)
from scan_loops import CPU_PARTS, Run, run_api, run_raw
from scan_server import (
    LIBRARY,
    CpuProbe,
    Server,
    count_pulled,
    create_transfers,
    item_ids,
    start_server,
    stop_server,
    wait_ready,
)

DEFAULT_OUTPUT = RESULTS_DIR / "scans.json"
WARMUP_SCANS = 500
VARIANTS = ("api", "raw", "single", "raw_single")


def quantile_ms(values: Sequence[float], q: int) -> float:
    """The q-th percentile of ``values`` (seconds) in milliseconds."""
    if len(values) < 2:
        return round(1000 * values[0], 2) if values else 0.0
    return round(1000 * statistics.quantiles(values, n=100, method="inclusive")[q - 1], 2)


def plan(args: argparse.Namespace) -> dict[tuple[str, int], list[str]]:
    """The copies each (variant, repeat) scans: nobody scans a copy twice."""
    sizes = {"api": args.scans, "raw": args.scans}
    sizes |= {"single": args.single_scans, "raw_single": args.single_scans}
    return {
        (v, r): item_ids(v, r, sizes[v])
        for r in range(1, args.repeats + 1)
        for v in VARIANTS
        if sizes[v] > 0
    }


async def benchmark(args: argparse.Namespace) -> dict[str, Any]:
    runs: dict[str, list[Run]] = {v: [] for v in VARIANTS}
    work = plan(args)
    warmup = item_ids("warmup", 0, WARMUP_SCANS)
    async with bench_environment("scans") as env:
        server = start_server(env, args.profile_server)
        try:
            await wait_ready(server)  # migrations are done once it is ready
            total = sum(map(len, work.values())) + len(warmup)
            print(f"setting up {total:,} requested transfers ...", flush=True)
            setup_s = await create_transfers(
                env.db_url, [*warmup, *(i for items in work.values() for i in items)]
            )
            print(f"set up in {setup_s:.1f}s", flush=True)
            probe = CpuProbe.start(server.pid)
            await run_api(
                server,
                probe,
                warmup,
                batch=args.batch,
                clients=args.clients,
                scan_ids=args.scan_ids,
                variant="warmup",
            )
            variants = [v for v in VARIANTS if (v, 1) in work]
            for repeat in range(args.repeats):
                for variant in run_order(variants, repeat):
                    items = work[(variant, repeat + 1)]
                    run = await one_run(variant, items, server, probe, env, args)
                    runs[variant].append(run)
                    print(f"  {variant:<10} run {repeat + 1}: {run.describe()}", flush=True)
        finally:
            stop_server(server)
        if args.profile_server is not None:
            print(f"server profile (cProfile) in {args.profile_server}")
    return summarise(args, runs, setup_s)


async def one_run(
    variant: str,
    items: Sequence[str],
    server: Server,
    probe: CpuProbe,
    env: Environment,
    args: argparse.Namespace,
) -> Run:
    batch = 0 if variant in ("single", "raw_single") else args.batch
    if variant in ("api", "single"):
        run = await run_api(
            server,
            probe,
            items,
            batch=batch,
            clients=args.clients,
            scan_ids=args.scan_ids,
            variant=variant,
        )
        table = "transport.transfers"
    else:
        run = await run_raw(
            env.db_url, probe, items, batch=batch, clients=args.clients, variant=variant
        )
        table = "bench_raw.transfers"
    pulled = await count_pulled(env.db_url, table, items)
    if pulled != len(items):
        raise AssertionError(f"{variant}: {pulled} transfers pulled, expected {len(items)}")
    return run


def median_rate(runs: Sequence[Run]) -> int:
    return round(statistics.median(r.scans_per_s for r in runs))


def summarise(
    args: argparse.Namespace, runs: dict[str, list[Run]], setup_s: float
) -> dict[str, Any]:
    api, raw = runs["api"], runs["raw"]
    api_latencies = [x for r in api for x in r.latencies_s]
    summary: dict[str, Any] = {
        "scans": args.scans,
        "batch_size": args.batch,
        "clients": args.clients,
        "single_scans": args.single_scans,
        "repeats": args.repeats,
        "scan_ids": args.scan_ids,
        "library": LIBRARY,
        "server": "kulkuri transport run (separate process, uvicorn)",
        "server_profiled": args.profile_server is not None,
        "server_gc_settings": "tune_gc_for_batches() in kulkuri.cli.stack.serve",
        "setup_s": round(setup_s, 1),
        "scans_per_s": median_rate(api),
        "raw_updates_per_s": median_rate(raw),
    }
    summary["ratio_to_raw"] = round(summary["scans_per_s"] / summary["raw_updates_per_s"], 3)
    summary["p50_batch_ms"] = quantile_ms(api_latencies, 50)
    summary["p99_batch_ms"] = quantile_ms(api_latencies, 99)
    summary["max_batch_ms"] = round(1000 * max(api_latencies), 2)
    if runs["single"]:
        single, raw_single = runs["single"], runs["raw_single"]
        single_latencies = [x for r in single for x in r.latencies_s]
        summary["single_scans_per_s"] = median_rate(single)
        summary["raw_single_updates_per_s"] = median_rate(raw_single)
        summary["single_ratio_to_raw"] = round(
            summary["single_scans_per_s"] / summary["raw_single_updates_per_s"], 3
        )
        summary["p50_single_ms"] = quantile_ms(single_latencies, 50)
        summary["p99_single_ms"] = quantile_ms(single_latencies, 99)
    for variant, done in runs.items():
        if not done:
            continue
        for part in CPU_PARTS:
            summary[f"{variant}_{part}_cpu_share"] = round(
                statistics.median(r.cpu_share(part) for r in done), 3
            )
        summary[f"{variant}_runs_scans_per_s"] = [round(r.scans_per_s) for r in done]
        summary[f"{variant}_runs_s"] = [round(r.seconds, 3) for r in done]
    return summary | machine_summary()


def report(summary: dict[str, Any]) -> None:
    print()
    print(
        f"{summary['scans']:,} pulled scans per run in batches of {summary['batch_size']}, "
        f"{summary['clients']} clients; {summary['single_scans']:,} single scans; "
        f"median of {summary['repeats']}"
    )
    rate = {
        "api": summary["scans_per_s"],
        "raw": summary["raw_updates_per_s"],
        "single": summary.get("single_scans_per_s"),
        "raw_single": summary.get("raw_single_updates_per_s"),
    }
    rows = [
        [
            v,
            f"{rate[v]:,}",
            *(f"{summary[f'{v}_{part}_cpu_share']:.0%}" for part in CPU_PARTS),
            ", ".join(f"{r:,}" for r in summary[f"{v}_runs_scans_per_s"]),
        ]
        for v in VARIANTS
        if rate[v] is not None
    ]
    header = ["loop", "scans/s", *(f"{name} CPU" for name in CPU_PARTS.values()), "runs"]
    print_table(header, rows, "<>>>>><")
    print(
        f"api/raw {summary['ratio_to_raw']:.3f}; batch latency p50 {summary['p50_batch_ms']} ms, "
        f"p99 {summary['p99_batch_ms']} ms"
    )
    if "single_ratio_to_raw" in summary:
        print(
            f"single/raw_single {summary['single_ratio_to_raw']:.3f}; single-scan latency "
            f"p50 {summary['p50_single_ms']} ms, p99 {summary['p99_single_ms']} ms"
        )


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--scans", type=int, default=10_000, help="pulled scans per run (N)")
    parser.add_argument("--batch", type=int, default=25, help="scans per upload (B)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent handhelds (C)")
    parser.add_argument(
        "--single-scans", type=int, default=1_500, help="scans per single-scan run (0: none)"
    )
    parser.add_argument("--repeats", type=int, default=3, help="runs of each loop; median")
    parser.add_argument(
        "--scan-ids",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="send a scan_id with each scan (the service dedupes them)",
    )
    parser.add_argument("--output", type=Path, default=None, help="JSON results")
    parser.add_argument(
        "--profile-server",
        type=Path,
        default=None,
        metavar="FILE",
        help="run the server under cProfile; stats to FILE",
    )
    parser.add_argument("--no-write", action="store_true", help="do not write the JSON")
    args = parser.parse_args(argv)
    if args.scans < 1 or args.single_scans < 0 or args.repeats < 1:
        parser.error("--scans and --repeats must be positive, --single-scans not negative")
    if not 1 <= args.batch <= 1000 or args.clients < 1:
        parser.error("--batch must be 1..1000 (the API's limit), --clients positive")
    if args.output is None and args.profile_server is None:
        args.output = DEFAULT_OUTPUT
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    summary = asyncio.run(benchmark(args))
    report(summary)
    if args.output is not None and not args.no_write:
        write_results(args.output, summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
