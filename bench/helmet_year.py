"""A simulated year of the Helmet network through the whole system, and its outcome report.

On a private Tansu broker and a scratch database, the holds, transport and routing
services, the lane worker and the HTTP API run in one process as ``kulkuri up`` runs them
(``bench/simulator.py``'s ``through_the_stack``), and the circulation simulator drives them
for ``--days`` consecutive calendar days from ``--first-day`` (weekends included: patrons
borrow and return, staff pull and pack, and the routing service plans a day without vans).
At the end the outcome report is read from the system's own database, not from the
simulator's bookkeeping: the holds service's holds and their status history, the transport
service's transfers and crates, the routing service's stored plans, and the reports
service's annual statistics and cost sharing for the calendar year.

Run from the repository root (about an hour for the year on 2 cores)::

    .venv/bin/python bench/helmet_year.py [--first-day 2027-01-04] [--days 362]
        [--speed 43200] [--routing-time-limit 2] [--partitions 8]
        [--output bench/results/helmet_year.json]

A short run (``--days 4 --output /tmp/x.json``) measures the wall time a day and prints
the projection for a year.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import httpx
from broker_swap import BrokerSwap
from common import RESULTS_DIR, Environment, bench_environment, machine_summary, write_results
from helmet_year_outcomes import NETWORK, flat_figures, report_totals, system_outcomes
from simulator import through_the_stack

from kulkuri.outcomes.report import flat_report
from kulkuri.shared.auth import TokenAuthority
from kulkuri.shared.runtime import tune_gc_for_batches
from kulkuri.shared.settings import KafkaSettings
from kulkuri.simulator import SimulationConfig, SimulationSummary, SystemConnection, run_simulation
from kulkuri.simulator.core.config import HELSINKI
from kulkuri.transport.lanes.process import LaneWorkerProcess

DEFAULT_OUTPUT = RESULTS_DIR / "helmet_year.json"


def _rss_mb() -> tuple[float, float]:
    """This process's resident set now and at its peak, MB (Linux /proc)."""
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return round(fields.get("VmRSS", 0.0), 1), round(fields.get("VmHWM", 0.0), 1)


def _mem_available_mb() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def _load_avg() -> list[float]:
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


class DayClock:
    """Wall time between the run's cut-offs, from the simulator's progress lines."""

    def __init__(self) -> None:
        self.cut_offs: list[tuple[str, float]] = []
        self.began = time.monotonic()

    def __call__(self, text: str) -> None:
        now = time.monotonic()
        if text.endswith("waiting for the system, then for the day's plan"):
            day = text.split(":")[0]
            self.cut_offs.append((day, now))
            n = len(self.cut_offs)
            if n == 1 or n % 10 == 0:
                rss, peak = _rss_mb()
                print(
                    f"  {day}: day {n}, {now - self.began:.0f} s in, RSS {rss:.0f} MB"
                    f" (peak {peak:.0f}), available {_mem_available_mb():.0f} MB,"
                    f" load {' '.join(map(str, _load_avg()))}",
                    flush=True,
                )
        elif "cut-off" not in text and "plan version" not in text:
            print(f"  {text}", flush=True)

    def day_walls(self) -> list[float]:
        marks = [t for _, t in self.cut_offs]
        return [b - a for a, b in pairwise(marks)]


# -- the outcome report, from the system's database --------------------------------------------


async def year_through_the_stack(
    env: Environment, args: argparse.Namespace, clock: DayClock, swap: BrokerSwap | None
) -> SimulationSummary:
    config = SimulationConfig(
        network=NETWORK,
        days=args.days,
        speed=args.speed,
        seed=args.seed,
        run=args.run,
        first_day=args.first_day,
    )

    async def year(base: str, authority: TokenAuthority, kafka: KafkaSettings) -> SimulationSummary:
        async with httpx.AsyncClient(base_url=base, timeout=60.0) as client:
            system = SystemConnection(env.bootstrap, client, authority, kafka, at_cut_off=swap)
            return await run_simulation(config, system, progress=clock)

    return await through_the_stack(
        env,
        NETWORK,
        year,
        routing_time_limit_s=args.routing_time_limit,
        lanes=swap.lanes if swap is not None else None,
    )


async def measured(args: argparse.Namespace) -> dict[str, Any]:
    clock = DayClock()
    async with bench_environment("helmet_year") as env:
        began = time.perf_counter()
        load_start = _load_avg()
        swap = None
        if args.fresh_broker_every and env.broker is not None:
            lanes = LaneWorkerProcess(env.bootstrap)
            swap = BrokerSwap(env.broker, env.db_url, lanes, args.fresh_broker_every)
        summary = await year_through_the_stack(env, args, clock, swap)
        wall = time.perf_counter() - began
        load_end = _load_avg()
        rss, peak = _rss_mb()
        print("\n".join(f"  {line}" for line in summary.lines()), flush=True)
        last = summary.first_day + timedelta(days=args.days - 1)
        ends = datetime.combine(last, datetime.min.time(), tzinfo=HELSINKI) + timedelta(hours=22)
        figures = await system_outcomes(env.db_url, args.run, summary.first_day, ends)
        years = {d.year for d in (summary.first_day, ends.date())}
        reports: dict[str, Any] = {}
        if len(years) == 1:
            reports = await report_totals(env.db_url, years.pop())
    walls = clock.day_walls()
    last_day = summary.first_day + timedelta(days=args.days - 1)
    service_days = sum(
        1 for n in range(args.days) if (summary.first_day + timedelta(days=n)).weekday() < 5
    )
    result: dict[str, Any] = {
        "network": NETWORK,
        "scale": SimulationConfig(network=NETWORK).share,
        "first_day": summary.first_day.isoformat(),
        "last_day": last_day.isoformat(),
        "calendar_days": args.days,
        "service_days": service_days,
        "seed": args.seed,
        "run": args.run,
        "speed": args.speed,
        "routing_time_limit_s": args.routing_time_limit,
        "partitions": args.partitions,
        "fresh_broker_every_cut_offs": args.fresh_broker_every,
        "fresh_brokers": len(swap.swaps) if swap is not None else 0,
        "fresh_broker_wall_s_max": max(swap.swaps, default=0.0) if swap is not None else 0.0,
        "wall_s": round(wall, 1),
        "simulation_wall_s": summary.wall_s,
        "seeding_wall_s": summary.seeding_wall_s,
        "day_wall_median_s": round(sorted(walls)[len(walls) // 2], 2) if walls else None,
        "day_wall_max_s": round(max(walls), 2) if walls else None,
        "events_sent": summary.events_sent,
        "events_per_s": round(summary.events_sent / wall, 1),
        "sim_hold_placed_events": summary.events.get("hold-placed", 0),
        "sim_van_stops": summary.work.get("van_stops", 0),
        "sim_crates_loaded": summary.work.get("crates_loaded", 0),
        "sim_copies_received": summary.work.get("received", 0),
        "sim_scans_refused": sum(summary.refused_scans.values()),
        "sim_missed_plans": len(summary.missed_plans),
        "sim_unsettled_waits": summary.unsettled,
        "sim_most_behind_s": round(summary.most_behind_s, 2),
        "load_avg_1m_start": load_start[0],
        "load_avg_5m_start": load_start[1],
        "load_avg_1m_end": load_end[0],
        "load_avg_5m_end": load_end[1],
        "rss_end_mb": rss,
        "rss_peak_mb": peak,
        "mem_available_end_mb": _mem_available_mb(),
    }
    result |= flat_figures(figures) | reports
    result["sim_events_by_kind"] = ", ".join(f"{k} {v}" for k, v in summary.events.items())
    if walls:
        per_day = sum(walls) / len(walls)
        print(
            f"wall a day {per_day:.2f} s (median {result['day_wall_median_s']} s): "
            f"a year of 362 days would take about {per_day * 362 / 60:.0f} min "
            f"plus {summary.seeding_wall_s:.0f} s of seeding",
            flush=True,
        )
    return result


def add_offline(results: Path, report: Path, wall_s: float) -> None:
    """Add ``kulkuri outcomes compare --format json``'s report (``report``), run for the
    same number of service days, to the results file as ``offline_...`` keys."""
    summary = json.loads(results.read_text(encoding="utf-8"))
    summary |= flat_report(json.loads(report.read_text(encoding="utf-8")), "offline_")
    summary["offline_wall_s"] = wall_s
    write_results(results, summary)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--first-day", type=date.fromisoformat, default=date(2027, 1, 4))
    parser.add_argument("--days", type=int, default=362, help="calendar days (default: 2027)")
    parser.add_argument("--speed", type=float, default=43200.0, help="simulated s per wall s")
    parser.add_argument("--routing-time-limit", type=float, default=2.0, help="s per plan")
    parser.add_argument(
        "--partitions",
        type=int,
        default=8,
        help="partitions of each topic (Tansu's memory store slows as a partition grows)",
    )
    parser.add_argument(
        "--fresh-broker-every",
        type=int,
        default=30,
        metavar="CUT_OFFS",
        help="restart the broker empty at every so many quiet cut-offs (0: never); see"
        " bench/broker_swap.py",
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--run", default="", help="names the run's ids (default: start time)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="JSON results")
    parser.add_argument(
        "--add-offline",
        type=Path,
        metavar="REPORT",
        help="instead of a run: add this 'outcomes compare --format json' report to --output",
    )
    parser.add_argument("--offline-wall-s", type=float, default=0.0, help="its wall time")
    args = parser.parse_args(argv)
    if args.days < 1 or args.speed <= 0 or args.routing_time_limit <= 0 or args.partitions < 1:
        parser.error("--days, --speed, --routing-time-limit and --partitions must be positive")
    args.run = args.run or datetime.now().strftime("%Y%m%d%H%M%S")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.add_offline is not None:
        add_offline(args.output, args.add_offline, args.offline_wall_s)
        return 0
    tune_gc_for_batches()  # as in the services' process
    # Every KafkaSettings of the run (services, simulator) creates its topics this wide.
    os.environ["KAFKA_DEFAULT_PARTITIONS"] = str(args.partitions)
    started = machine_summary()["date"]
    summary = asyncio.run(measured(args))
    summary |= machine_summary()
    summary["date_start"] = started
    summary["database"] = "DATABASE_URL" if os.environ.get("DATABASE_URL") else "local server"
    summary["command"] = "python bench/helmet_year.py " + " ".join(
        sys.argv[1:] if argv is None else argv
    )
    write_results(args.output, summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
