"""Outcomes benchmark: ``kulkuri outcomes compare`` on the shipped networks, results flat.

Each run of ``--runs`` (``Network:days``) compares the Koha-like baseline with kulkuri's
policies on the same simulated demand (docs/outcomes.md), timed, and its figures are kept
as flat keys: ``lastu_baseline_items_moved``, ``helmet_kulkuri_van_km``, ... (the prefix is
the network's name, with the days when one network runs twice: ``helmet_260d_``).

Run from the repository root::

    .venv/bin/python bench/outcomes.py [--runs Lastu:10,Helmet:5] [--seed 2026]
        [--time-limit 5] [--output bench/results/outcomes.json]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from common import RESULTS_DIR, machine_summary, write_results

from kulkuri.outcomes.report import flat
from kulkuri.outcomes.run import compare_network

DEFAULT_OUTPUT = RESULTS_DIR / "outcomes.json"


def prefixes(runs: Sequence[tuple[str, int]]) -> list[str]:
    """``lastu_``; ``helmet_5d_`` and ``helmet_260d_`` when a network runs twice."""
    twice = Counter(network for network, _ in runs)
    return [
        f"{network.lower()}_{days}d_" if twice[network] > 1 else f"{network.lower()}_"
        for network, days in runs
    ]


def measure(runs: Sequence[tuple[str, int]], seed: int, time_limit_s: float) -> dict[str, Any]:
    summary: dict[str, Any] = {"seed": seed, "time_limit_s": time_limit_s}
    for (network, days), prefix in zip(runs, prefixes(runs), strict=True):
        began = time.perf_counter()
        comparison = compare_network(network, days, seed, time_limit_s=time_limit_s)
        wall = time.perf_counter() - began
        summary |= flat(comparison, prefix)
        summary[f"{prefix}wall_s"] = round(wall, 1)
        summary[f"{prefix}command"] = (
            f"kulkuri outcomes compare --network {network} --days {days} --seed {seed}"
            f" --time-limit {time_limit_s:g} --format json"
        )
        print(f"{network}, {days} service days: {wall:.1f} s", flush=True)
    return summary


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--runs", default="Lastu:10,Helmet:5", help="Network:days, ...")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--time-limit", type=float, default=5.0, help="solver s a day")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="JSON results")
    args = parser.parse_args(argv)
    try:
        args.runs = [(n, int(d)) for n, d in (r.split(":") for r in args.runs.split(","))]
    except ValueError:
        parser.error("--runs takes Network:days pairs, comma-separated")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    summary = measure(args.runs, args.seed, args.time_limit)
    write_results(args.output, summary | machine_summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
