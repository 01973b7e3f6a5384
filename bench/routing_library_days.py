"""Library days on the real networks: OR-Tools against PyVRP, and against the fixed loop.

Generated days (``bench/routing_days.py``: demand from opening hours, fixed seeds) on the
shipped Lastu and Helmet networks (hub mode, great-circle matrix) are planned by OR-Tools
as the service runs it (``hub_legs=auto``: one trip per van on these days, PyVRP's model),
by OR-Tools with ``hub_legs=hub_nodes`` (a van may reload at the hub) and by PyVRP, each at
the same time limit, two solves at a time. Every plan is re-timed and costed by one yardstick, and
so is today's practice: the fixed daily loop over every library.

    .venv/bin/python bench/routing_library_days.py --time-limit 20
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from common import RESULTS_DIR, machine_summary, print_table, write_results
from routing_days import evaluate, network_problem

from kulkuri.outcomes.routes.yardstick import fixed_loop, trips_of
from kulkuri.routing.domain.problem import SolveLimits
from kulkuri.routing.solver import UnsupportedConstraintError, solver_named

VARIANTS = {
    "ortools": ("ortools", {}),
    "ortools_hub_nodes": ("ortools", {"hub_legs": "hub_nodes"}),
    "pyvrp": ("pyvrp", {}),
}
OURS = ("ortools", "ortools_hub_nodes")
FIRST_DAY = date(2026, 8, 17)  # a Monday in the shipped opening hours (2026-07-26..08-22)


def seed_of(network: str, day: date) -> int:
    return sum(network.encode()) * 1000 + day.toordinal() % 1000


def solve_day(
    network: str, day: date, variant: str, time_limit_s: float, extra: dict[str, str]
) -> dict[str, Any]:
    problem = network_problem(network, day, "hub", seed_of(network, day))
    engine, knobs = VARIANTS[variant]
    knobs = {**knobs, **extra} if engine == "ortools" else knobs
    started = time.perf_counter()
    try:
        plan = solver_named(engine).solve(problem, SolveLimits(time_limit_s, extra=dict(knobs)))
    except UnsupportedConstraintError as error:
        return {"network": network, "day": str(day), "variant": variant, "error": str(error)}
    crates = {s.shipment_id: s.crates for s in problem.shipments}
    figures = evaluate(
        problem, trips_of(problem, plan), sum(crates[d.shipment_id] for d in plan.dropped)
    )
    return {
        "network": network,
        "day": str(day),
        "variant": variant,
        "wall_s": round(time.perf_counter() - started, 1),
        "shipments": len(problem.shipments),
        "crates": sum(crates.values()),
        **asdict(figures),
    }


def baseline(network: str, day: date) -> dict[str, Any]:
    problem = network_problem(network, day, "hub", seed_of(network, day))
    trips, missed = fixed_loop(problem)
    figures = evaluate(problem, trips)
    return {
        "network": network,
        "day": str(day),
        "variant": "fixed_loop",
        "missed_libraries": len(missed),
        **asdict(figures),
    }


def _complete(*rows: dict[str, Any]) -> bool:
    return all("error" not in r and r["dropped_crates"] == 0 for r in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--time-limit", type=float, default=20.0, help="seconds per solve")
    parser.add_argument("--networks", default="Lastu,Helmet")
    parser.add_argument("--days", type=int, default=5, help="weekdays from 2026-08-17")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--knob", action="append", default=[], help="OR-Tools key=value")
    parser.add_argument("--output", type=Path, default=RESULTS_DIR / "routing_library_days.json")
    args = parser.parse_args(argv)
    knobs = dict(k.split("=", 1) for k in args.knob)
    networks = args.networks.split(",")
    variants = args.variants.split(",")
    days = [FIRST_DAY + timedelta(days=d) for d in range(args.days)]
    load_before = os.getloadavg()
    tasks = [(n, d, v) for n in networks for d in days for v in variants]
    print(f"{len(tasks)} solves, {args.time_limit:g} s each, load {load_before[0]:.2f}")
    rows = [baseline(n, d) for n in networks for d in days]
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(solve_day, n, d, v, args.time_limit, knobs) for n, d, v in tasks]
        for future in futures:
            row = future.result()
            rows.append(row)
            print(f"  {row}", flush=True)
    summary: dict[str, Any] = {
        "time_limit_s": args.time_limit,
        "ortools_knobs": knobs,
        "jobs": args.jobs,
        "days": [str(d) for d in days],
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
    }
    table = []
    for network in networks:
        key = network.lower()
        mine = {(r["day"], r["variant"]): r for r in rows if r["network"] == network}
        for variant in ["fixed_loop", *variants]:
            got = [mine[str(d), variant] for d in days if "error" not in mine[str(d), variant]]
            if not got:
                continue
            for figure in ("km", "van_hours", "cost_eur", "vans", "dropped_crates", "late"):
                summary[f"{key}_{variant}_{figure}_mean"] = round(
                    statistics.fmean(r[figure] for r in got), 2
                )
            table.append(
                [network, variant]
                + [
                    f"{summary[f'{key}_{variant}_{f}_mean']:g}"
                    for f in ("km", "van_hours", "cost_eur", "vans", "dropped_crates", "late")
                ]
            )
        for ours, theirs in itertools.product(OURS, ("pyvrp",)):
            pairs = [
                (mine[str(d), ours], mine[str(d), theirs])
                for d in days
                if (str(d), ours) in mine and (str(d), theirs) in mine
            ]
            # Only days both served in full (an engine with no plan drops every crate).
            ratios = [o["cost_eur"] / p["cost_eur"] for o, p in pairs if _complete(o, p)]
            name = f"{key}_ratio_{ours}_{theirs}"
            summary[f"{name}_days"] = len(ratios)
            if ratios:
                summary[f"{name}_mean"] = round(statistics.fmean(ratios), 4)
                summary[f"{name}_max"] = round(max(ratios), 4)
        for ours in OURS:
            if (str(days[0]), ours) not in mine:
                continue
            loop = [mine[str(d), "fixed_loop"] for d in days]
            best = [mine[str(d), ours] for d in days]
            for figure in ("km", "van_hours", "cost_eur"):
                saved = statistics.fmean(
                    1 - b[figure] / x[figure] for b, x in zip(best, loop, strict=True)
                )
                summary[f"{key}_{ours}_vs_loop_{figure}_saved_pct"] = round(100 * saved, 1)
    print_table(
        ["network", "plan", "km", "van-h", "cost EUR", "vans", "dropped", "late"], table, "<<>>>>>>"
    )
    for k, v in summary.items():
        if "ratio" in k or "saved" in k:
            print(f"  {k} = {v}")
    machine = machine_summary()
    machine.pop("broker", None)
    machine.pop("gc_thresholds", None)
    write_results(args.output, {**summary, **machine, "per_day": rows})
    return 0


if __name__ == "__main__":
    sys.exit(main())
