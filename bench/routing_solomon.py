"""Solomon VRPTW and Li & Lim PDPTW: the routing solver against best-known solutions.

Reads the instances from ``../shared/data/vrp`` beside the repository (not shipped with
kulkuri; ``KULKURI_VRP_DATA`` names another place) and exits with a message when they are
absent. Each instance is solved by each engine at one time limit; OR-Tools and PyVRP run
side by side in worker processes (``--jobs``, one solve per core), both engines of one
instance at the same time, so both see the same machine load. Gaps are on the exact
Euclidean length of the routes found (``kulkuri.routing.adapters.vrp_instances``).

    .venv/bin/python bench/routing_solomon.py --time-limit 10
    .venv/bin/python bench/routing_solomon.py --only 'R1*,lrc1*' --engines ortools \\
        --knob metaheuristic=TABU_SEARCH --knob 'R*:first_solution=SAVINGS' --output /tmp/x.json
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from common import RESULTS_DIR, machine_summary, print_table, write_results

from kulkuri.routing.adapters.vrp_instances import (
    BKS_COLUMN,
    BKS_CONVENTION,
    SCALE,
    SETS,
    data_dir,
    gap_pct,
    instance_paths,
    load_instance,
    read_bks,
    solve_instance,
)
from kulkuri.routing.solver import ENGINES, solver_named

Knobs = list[tuple[str, str, str]]  # (instance name pattern, knob, value)


def solve_one(path: Path, engine: str, time_limit_s: float, knobs: Knobs) -> dict[str, Any]:
    """One instance with one engine: the figures of the plan, measured exactly."""
    instance = load_instance(path)
    chosen = {k: v for pattern, k, v in knobs if fnmatch.fnmatchcase(instance.name, pattern)}
    got = solve_instance(solver_named(engine), instance, time_limit_s, chosen)
    return {
        "instance": instance.name,
        "family": instance.family,
        "engine": engine,
        "knobs": chosen,
        "routes": got.routes,
        "length": round(got.length, 4),
        "scaled_length": got.scaled_length,
        "dropped": got.dropped,
        "feasible": got.feasible,
        "problems": got.problems[:3],
        "strategy": got.strategy,
        "wall_s": round(got.wall_s, 2),
    }


def summarise(kind: str, rows: list[dict[str, Any]], engines: list[str]) -> dict[str, Any]:
    """Per engine: mean and worst gap over the feasible instances, the infeasible count;
    and the ratio of OR-Tools's length to PyVRP's (mean over instances both solved)."""
    out: dict[str, Any] = {}
    by = {(r["engine"], r["instance"]): r for r in rows if r["set"] == kind}
    names = sorted({name for _, name in by})
    for engine in engines:
        mine = [by[engine, n] for n in names if (engine, n) in by]
        gaps = [r["gap_pct"] for r in mine if r["feasible"]]
        worst = max((r for r in mine if r["feasible"]), key=lambda r: r["gap_pct"], default=None)
        out[f"{kind}_{engine}_instances"] = len(mine)
        out[f"{kind}_{engine}_mean_gap_pct"] = round(statistics.fmean(gaps), 3) if gaps else None
        out[f"{kind}_{engine}_worst_gap_pct"] = round(max(gaps), 3) if gaps else None
        out[f"{kind}_{engine}_worst_instance"] = worst["instance"] if worst else None
        out[f"{kind}_{engine}_infeasible"] = sum(1 for r in mine if not r["feasible"])
        out[f"{kind}_{engine}_at_bks"] = sum(1 for g in gaps if g < 0.005)
    if {"ortools", "pyvrp"} <= set(engines):
        pairs = [
            (by["ortools", n], by["pyvrp", n])
            for n in names
            if ("ortools", n) in by and ("pyvrp", n) in by
        ]
        ratios = [o["length"] / p["length"] for o, p in pairs if o["feasible"] and p["feasible"]]
        if ratios:
            out[f"{kind}_ratio_ortools_pyvrp_mean"] = round(statistics.fmean(ratios), 4)
            out[f"{kind}_ratio_ortools_pyvrp_max"] = round(max(ratios), 4)
            out[f"{kind}_pyvrp_better"] = sum(1 for r in ratios if r > 1.0001)
            out[f"{kind}_ortools_better"] = sum(1 for r in ratios if r < 0.9999)
    return out


def family_table(rows: list[dict[str, Any]], engines: list[str]) -> None:
    families = sorted({(r["set"], r["family"]) for r in rows}, key=lambda f: (f[0] != "solomon", f))
    table = []
    for _, family in families:
        cells = [family, str(sum(1 for r in rows if r["family"] == family) // len(engines))]
        for engine in engines:
            mine = [r for r in rows if r["family"] == family and r["engine"] == engine]
            gaps = [r["gap_pct"] for r in mine if r["feasible"]]
            bad = sum(1 for r in mine if not r["feasible"])
            mean = f"{statistics.fmean(gaps):.2f}" if gaps else "-"
            cells += [mean, f"{max(gaps):.2f}" if gaps else "-", str(bad)]
        table.append(cells)
    header = ["family", "n"] + [f"{e} {c}" for e in engines for c in ("mean %", "worst %", "inf")]
    print_table(header, table, "<>" + ">>>" * len(engines))


def parse_knobs(values: list[str]) -> Knobs:
    """``key=value`` for every instance, ``PATTERN:key=value`` for names matching PATTERN."""
    knobs = []
    for value in values:
        pattern, _, setting = value.rpartition(":") if ":" in value else ("*", "", value)
        key, sep, knob_value = setting.partition("=")
        if not sep:
            raise ValueError(f"--knob {value!r}: expected [PATTERN:]key=value")
        knobs.append((pattern, key, knob_value))
    return knobs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds per solve")
    parser.add_argument("--sets", default=",".join(SETS), help="solomon,lilim")
    parser.add_argument("--only", default="*", help="instance name patterns, comma-separated")
    parser.add_argument("--engines", default=",".join(ENGINES), help="ortools,pyvrp")
    parser.add_argument("--knob", action="append", default=[], help="[PATTERN:]key=value")
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--output", type=Path, default=RESULTS_DIR / "routing_solomon.json")
    args = parser.parse_args(argv)
    root = data_dir()
    if root is None:
        print(
            "routing_solomon: no instances: expected ../shared/data/vrp/{solomon,lilim} beside "
            "the repository (or KULKURI_VRP_DATA); nothing to do",
            file=sys.stderr,
        )
        return 0
    sets = [s for s in args.sets.split(",") if s]
    engines = [e for e in args.engines.split(",") if e]
    patterns = args.only.split(",")
    knobs = parse_knobs(args.knob)
    paths = {
        kind: [
            p
            for p in instance_paths(root, kind)
            if any(fnmatch.fnmatch(p.stem.lower(), q.lower()) for q in patterns)
        ]
        for kind in sets
    }
    bks = {kind: read_bks(root / kind / "bks.csv", BKS_COLUMN[kind]) for kind in sets}
    tasks = [(kind, p, e) for kind in sets for p in paths[kind] for e in engines]
    print(
        f"{len(tasks)} solves ({args.time_limit:g} s each, {args.jobs} at a time, "
        f"load {os.getloadavg()[0]:.2f}); knobs {knobs or 'none'}",
        flush=True,
    )
    load_before = os.getloadavg()
    started = time.perf_counter()
    rows: list[dict[str, Any]] = []
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(solve_one, p, e, args.time_limit, knobs) for _, p, e in tasks]
        for (kind, _, _), future in zip(tasks, futures, strict=True):
            row = future.result()
            row["set"] = kind
            row["bks"] = bks[kind][row["instance"]]
            row["gap_pct"] = round(gap_pct(row["length"], row["bks"]), 3)
            rows.append(row)
            flag = "" if row["feasible"] else f"  INFEASIBLE {row['dropped']} dropped"
            print(
                f"  {row['instance']:<7} {row['engine']:<7} {row['routes']:>2} routes "
                f"{row['length']:>9.2f} (BKS {row['bks']:.2f}) gap {row['gap_pct']:>6.2f} %{flag}",
                flush=True,
            )
    summary: dict[str, Any] = {
        "time_limit_s": args.time_limit,
        "jobs": args.jobs,
        "scale": SCALE,
        "knobs": [f"{p}:{k}={v}" for p, k, v in knobs],
        "wall_s": round(time.perf_counter() - started, 1),
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
    }
    for kind in (s for s in sets if paths[s]):
        summary[f"{kind}_bks"] = BKS_CONVENTION[kind]
        summary.update(summarise(kind, rows, engines))
    family_table(rows, engines)
    print_table(
        ["key", "value"],
        [[k, str(v)] for k, v in summary.items() if k.startswith(tuple(sets))],
        "<<",
    )
    machine = machine_summary()
    machine.pop("broker", None)
    machine.pop("gc_thresholds", None)
    write_results(args.output, {**summary, **machine, "per_instance": rows})
    return 0


if __name__ == "__main__":
    sys.exit(main())
