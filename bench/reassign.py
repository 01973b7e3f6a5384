"""Nightly batch re-assignment against the greedy per-hold choice on a Helmet-scale day.

A synthetic day over the 70 real Helmet outlets (road costs: great circle x 1.3): titles with
long-tail (Zipf) popularity, open holds drawn by popularity with pickup libraries in
proportion to a size proxy, 1-6 copies per title (more for popular titles) placed by the same
proxy, each copy on its shelf (available tonight) with a fixed probability. Greedy: every hold,
oldest first per title, takes its best remaining copy (what ``place_hold`` does). Optimised:
the min-cost flow of ``MinCostFlowSolver`` on the same served holds.

Run: ``.venv/bin/python bench/reassign.py`` (writes ``bench/results/reassign.json``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import time
from pathlib import Path

from kulkuri.holds.adapters.ortools_assignment import MinCostFlowSolver
from kulkuri.holds.domain.consortium import Library, RoadEstimate, TransportCosts
from kulkuri.holds.domain.reassignment import (
    AvailableCopy,
    OpenHold,
    assignment_problem,
    check_complete,
    greedy_assignment,
    total_cost,
)
from kulkuri.shared.libraries import load_outlets

RESULTS = Path(__file__).resolve().parent / "results" / "reassign.json"
CUTOFF = dt.datetime(2026, 11, 24, 5, 0, tzinfo=dt.UTC)


def synthetic_day(
    args: argparse.Namespace, library_ids: list[str]
) -> tuple[list[OpenHold], list[AvailableCopy]]:
    rng = random.Random(args.seed)
    # Size proxy: a lognormal weight per outlet (no circulation figures are shipped), so a few
    # big libraries take most holds and copies, as in a real consortium.
    size = [rng.lognormvariate(0.0, args.size_sigma) for _ in library_ids]
    bibs = [f"bib{rank:05d}" for rank in range(args.titles)]
    popularity = [1.0 / (rank + 1) ** args.zipf for rank in range(args.titles)]
    holds = [
        OpenHold(
            f"h{i:06d}",
            bib,
            pickup,
            CUTOFF - dt.timedelta(minutes=rng.randrange(60 * 24 * 90)),
        )
        for i, (bib, pickup) in enumerate(
            zip(
                rng.choices(bibs, popularity, k=args.holds),
                rng.choices(library_ids, size, k=args.holds),
                strict=True,
            )
        )
    ]
    copies: list[AvailableCopy] = []
    for rank, bib in enumerate(bibs):
        # Popular titles get more copies: 6 for the top ~1 %, then down to 1 for the tail.
        count = max(1, min(6, 6 - int(rank / args.titles * 100) // 20))
        count = rng.randint(max(1, count - 1), count)
        for j, library in enumerate(rng.choices(library_ids, size, k=count)):
            if rng.random() < args.available:
                copies.append(AvailableCopy(f"{bib}-c{j}", bib, library))
    return holds, copies


def run(args: argparse.Namespace) -> dict[str, object]:
    outlets = load_outlets("Helmet")
    libraries = [Library(o.id, o.name, o.municipality, o.lat, o.lon) for o in outlets]
    costs = TransportCosts(RoadEstimate.between(libraries))
    holds, copies = synthetic_day(args, [lib.id for lib in libraries])

    started = time.perf_counter()
    greedy = greedy_assignment(holds, copies, costs.cost)
    greedy_s = time.perf_counter() - started

    started = time.perf_counter()
    problem = assignment_problem(holds, copies, costs.cost)
    built = time.perf_counter()
    optimised = MinCostFlowSolver().solve(problem)
    solved = time.perf_counter()
    check_complete(problem, optimised)

    greedy_m, optimised_m = total_cost(greedy), total_cost(optimised)
    return {
        "holds": len(holds),
        "titles": args.titles,
        "titles_with_holds": len({h.bib_id for h in holds}),
        "libraries": len(libraries),
        "available_copies": len(copies),
        "served_greedy": len(greedy),
        "served_optimised": len(optimised),
        "arcs": len(problem.pairs),
        "greedy_cost_km": round(greedy_m / 1000, 1),
        "optimised_cost_km": round(optimised_m / 1000, 1),
        "saving_pct": round(100 * (greedy_m - optimised_m) / greedy_m, 2) if greedy_m else 0.0,
        "ratio_optimised_to_greedy": round(optimised_m / greedy_m, 4) if greedy_m else 1.0,
        "greedy_s": round(greedy_s, 3),
        "build_s": round(built - started, 3),
        "flow_s": round(solved - built, 3),
        "solve_s": round(solved - started, 3),
        "seed": args.seed,
        "zipf_exponent": args.zipf,
        "available_share": args.available,
        "size_sigma": args.size_sigma,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--holds", type=int, default=30_000)
    parser.add_argument("--titles", type=int, default=8_000)
    parser.add_argument("--zipf", type=float, default=1.0, help="popularity exponent")
    parser.add_argument("--available", type=float, default=0.5, help="share of copies on shelf")
    parser.add_argument("--size-sigma", type=float, default=1.0, help="lognormal size spread")
    parser.add_argument("--seed", type=int, default=20261124)
    parser.add_argument("--no-write", action="store_true", help="do not write the JSON")
    args = parser.parse_args()
    result = run(args)
    width = max(len(key) for key in result)
    for key, value in result.items():
        print(f"{key:<{width}}  {value}")
    if not args.no_write:
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
