"""The outcome report of a Helmet run through the system, read from its database while it runs.

``bench/helmet_year.py`` writes its report when the last day is done. A run that is to be
stopped before then (a broker that has slowed down, a machine needed back) can be read here
first: the same figures (``helmet_year_outcomes``), over the days up to the last whole one.
Point it at the run's scratch database (``kulkuri_bench_helmet_year_<pid>``) and the run id
(the middle part of its hold ids, ``sim-<run>-...``)::

    .venv/bin/python bench/helmet_year_read.py \\
        postgresql://postgres@127.0.0.1:5432/kulkuri_bench_helmet_year_<pid> <run> \\
        [--first-day 2027-01-04] [--output bench/results/helmet_year_read.json]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from common import RESULTS_DIR, machine_summary, write_results
from helmet_year_outcomes import flat_figures, report_totals, system_outcomes

from kulkuri.simulator.core.config import HELSINKI


async def read(db_url: str, run: str, first_day: date) -> dict[str, Any]:
    conn = await asyncpg.connect(db_url)
    try:
        latest: datetime | None = await conn.fetchval("SELECT max(placed_at) FROM holds.holds")
    finally:
        await conn.close()
    if latest is None:
        raise SystemExit("no holds in that database yet")
    # The day under way is not whole: the figures end with the day before.
    last_whole = latest.astimezone(HELSINKI).date() - timedelta(days=1)
    ends = datetime.combine(last_whole, datetime.min.time(), tzinfo=HELSINKI) + timedelta(hours=22)
    figures = await system_outcomes(db_url, run, first_day, ends)
    out: dict[str, Any] = {
        "run": run,
        "first_day": first_day.isoformat(),
        "last_whole_day": last_whole.isoformat(),
        "calendar_days": (last_whole - first_day).days + 1,
    }
    return out | flat_figures(figures) | await report_totals(db_url, first_day.year)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("database_url")
    parser.add_argument("run")
    parser.add_argument("--first-day", type=date.fromisoformat, default=date(2027, 1, 4))
    parser.add_argument("--output", type=Path, default=RESULTS_DIR / "helmet_year_read.json")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    summary = asyncio.run(read(args.database_url, args.run, args.first_day))
    summary |= machine_summary()
    write_results(args.output, summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
