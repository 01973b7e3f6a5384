"""The figures of a harness run, flat and with units in their names, for
bench/results/reliability.json and docs/reliability.md."""

from __future__ import annotations

import datetime as dt
import os
import platform
from typing import Any

from tests.reliability.fault_plan import FaultKind
from tests.reliability.fault_run import COMMIT_REFUSED, HarnessReport

# Outputs compared between the runs, by category of the snapshot (fault_state.py).
_COUNTED = {
    "items": "holds.items",
    "holds": "holds.holds",
    "transfers": "transport.transfers",
    "decisions_published": "wire kulkuri.holds.v1",
    "movements_published": "wire kulkuri.transport.movements.v1",
}


def figures(report: HarnessReport) -> dict[str, Any]:
    stream, reference, faulty = report.stream, report.reference, report.faulty
    comparison = report.comparison
    struck = faulty.struck
    pauses = [s.seconds for s in struck if s.fault.kind is FaultKind.PAUSE]
    dead_letters = sum(
        n for c, n in _sizes(report).items() if c.startswith("wire ") and c.endswith(".dlq")
    )
    result: dict[str, Any] = {
        "events": len(stream),
        "titles": stream.titles,
        "seed": report.options.seed,
        "segments": len(struck) + 1,
        "faults_injected": len(struck),
        "kills": sum(s.fault.kind is FaultKind.KILL for s in struck),
        "broker_restarts": sum(s.fault.kind is FaultKind.BROKER_RESTART for s in struck),
        "postgres_restarts": sum(s.fault.kind is FaultKind.POSTGRES_RESTART for s in struck),
        "pauses": len(pauses),
        "pause_until_dropped_s_max": round(max(pauses, default=0.0), 1),
        "restarts_after_exit_on_their_own": faulty.total("crashes"),
        "offset_commits_refused_by_rebalance": faulty.log_count(COMMIT_REFUSED),
        "reference_run_s": round(reference.wall_s, 1),
        "reference_events_per_s": round(len(stream) / reference.wall_s),
        "faulty_run_s": round(faulty.wall_s, 1),
        "faulty_events_per_s": round(len(stream) / faulty.wall_s),
        "harness_wall_s": round(report.wall_s, 1),
        "records_published_again": faulty.snapshot.republished,
        "dead_letters": dead_letters,
        "lost_effects": comparison.count("lost"),
        "duplicated_effects": comparison.count("duplicated"),
        "changed_effects": comparison.count("changed"),
        "identical": comparison.ok,
        "reference_broker_storage": "memory://",
        "faulty_broker_storage": "s3:// (moto server)",
        "faults": [_describe(s.fault.describe(), s.handled, s.seconds) for s in struck],
        "cpu_count": os.cpu_count(),
        "machine": f"{platform.machine()} {platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    for name, category in _COUNTED.items():
        result[name] = reference.snapshot.count(category)
    return result


def _sizes(report: HarnessReport) -> dict[str, int]:
    return {c: len(rows) for c, rows in report.faulty.snapshot.rows.items()}


def _describe(fault: str, handled: int, seconds: float) -> str:
    return f"{fault} ({handled} events handled; {seconds:.1f} s)"
