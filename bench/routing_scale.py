"""A national day: 720 outlets, 50 vans at 16 regional depots (the shipped finland.toml).

Direct mode (each crate picked up and delivered by one van), great-circle matrix, demand
from ``bench/routing_days.py`` (each open library sends one or two lanes within its
region; a few thousand crates). The solver's progress callback timestamps every improving
solution: the time to the first plan and to a plan within 1 % of the final one. Each engine
runs in its own process (one core each).

    .venv/bin/python bench/routing_scale.py --time-limit 120
    .venv/bin/python bench/routing_scale.py --engines ortools --knob first_solution=SAVINGS
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

from common import RESULTS_DIR, machine_summary, print_table, write_results
from routing_days import evaluate, network_problem

from kulkuri.outcomes.routes.yardstick import trips_of
from kulkuri.routing.domain.problem import SolveLimits
from kulkuri.routing.solver import Progress, solver_named

DAY = date(2026, 8, 21)  # a Friday: no outlet has two separate windows (PyVRP takes one)
SEED = 2026


def solve(engine: str, time_limit_s: float, knobs: dict[str, str], seed: int) -> dict[str, Any]:
    started = time.perf_counter()
    problem = network_problem("Finland", DAY, "direct", seed)
    built = time.perf_counter() - started
    seen: list[Progress] = []
    extra = knobs if engine == "ortools" else {}
    plan = solver_named(engine).solve(problem, SolveLimits(time_limit_s, extra=extra), seen.append)
    crates = {s.shipment_id: s.crates for s in problem.shipments}
    dropped = sum(crates[d.shipment_id] for d in plan.dropped)
    figures = evaluate(problem, trips_of(problem, plan), dropped)
    final = plan.stats.objective if plan.stats else None
    close = next((p for p in seen if final is not None and p.objective <= final * 1.01), None)
    return {
        "engine": engine,
        "knobs": extra,
        "places": len(problem.places),
        "open_places": sum(1 for p in problem.places if p.windows),
        "vans": len(problem.vans),
        "depots": len({v.depot for v in problem.vans}),
        "shipments": len(problem.shipments),
        "crates": sum(crates.values()),
        "build_s": round(built, 2),
        "first_plan_s": round(seen[0].elapsed_s, 2) if seen else None,
        "first_objective_eur": round(seen[0].objective / 100, 2) if seen else None,
        "within_1pct_s": round(close.elapsed_s, 2) if close else None,
        "final_objective_eur": round(final / 100, 2) if final is not None else None,
        "solutions": len(seen),
        "strategy": plan.stats.strategy if plan.stats else "",
        "wall_s": round(plan.stats.wall_s, 1) if plan.stats else None,
        "dropped_shipments": len(plan.dropped),
        "plan": asdict(figures),
        "progress": [(round(p.elapsed_s, 2), round(p.objective / 100, 2)) for p in seen],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--time-limit", type=float, default=120.0)
    parser.add_argument("--engines", default="ortools,pyvrp")
    parser.add_argument("--knob", action="append", default=[], help="OR-Tools key=value")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--output", type=Path, default=RESULTS_DIR / "routing_scale.json")
    args = parser.parse_args(argv)
    knobs = dict(k.split("=", 1) for k in args.knob)
    engines = args.engines.split(",")
    load_before = os.getloadavg()
    print(f"national day {DAY}, {args.time_limit:g} s, load {load_before[0]:.2f}", flush=True)
    with ProcessPoolExecutor(max_workers=len(engines)) as pool:
        futures = [pool.submit(solve, e, args.time_limit, knobs, args.seed) for e in engines]
        results = [f.result() for f in futures]
    summary: dict[str, Any] = {
        "day": str(DAY),
        "seed": args.seed,
        "time_limit_s": args.time_limit,
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
    }
    rows = []
    for r in results:
        e = r["engine"]
        for key in (
            "shipments",
            "crates",
            "first_plan_s",
            "within_1pct_s",
            "final_objective_eur",
            "dropped_shipments",
            "solutions",
            "strategy",
        ):
            summary[f"{e}_{key}"] = r[key]
        for key in ("km", "van_hours", "cost_eur", "vans"):
            summary[f"{e}_{key}"] = r["plan"][key]
        rows.append(
            [
                e,
                str(r["first_plan_s"]),
                str(r["within_1pct_s"]),
                f"{r['final_objective_eur']:,}",
                str(r["plan"]["km"]),
                str(r["plan"]["van_hours"]),
                str(r["plan"]["vans"]),
                str(r["dropped_shipments"]),
            ]
        )
    print(
        f"{results[0]['open_places']} open outlets, {results[0]['shipments']} shipments, "
        f"{results[0]['crates']} crates, {results[0]['vans']} vans at "
        f"{results[0]['depots']} depots"
    )
    print_table(
        ["engine", "first s", "1 % s", "objective EUR", "km", "van-h", "vans", "dropped"],
        rows,
        "<>>>>>>>",
    )
    machine = machine_summary()
    machine.pop("broker", None)
    machine.pop("gc_thresholds", None)
    write_results(args.output, {**summary, **machine, "runs": results})
    return 0


if __name__ == "__main__":
    sys.exit(main())
