"""The holds service's own metrics, beside the shared messaging ones."""

from __future__ import annotations

import time
from collections import Counter as Tally
from collections.abc import Iterable

import asyncpg
from prometheus_client import CollectorRegistry, Counter, Gauge

from kulkuri.holds.adapters.reassignment_runs import ReassignmentReport
from kulkuri.shared.events.holds import HoldsEvent

_TYPE_PREFIX = "kulkuri.holds."


class HoldsMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.decisions = Counter(
            "kulkuri_holds_decisions_total",
            "Decisions taken, by kind (copy-assigned, transfer-requested, ...). A batch redone "
            "after a fault counts its decisions again.",
            ["kind"],
            registry=registry,
        )
        self.waiting = Gauge(
            "kulkuri_holds_waiting", "Holds waiting for a copy.", registry=registry
        )
        self.oldest_waiting_age = Gauge(
            "kulkuri_holds_oldest_waiting_age_seconds",
            "Age of the oldest hold still waiting for a copy (0 when none waits).",
            registry=registry,
        )
        self.reassignment = ReassignmentMetrics(registry)

    def count(self, events: Iterable[HoldsEvent]) -> None:
        for kind, n in Tally(_kind(event.type) for event in events).items():
            self.decisions.labels(kind).inc(n)

    async def refresh(self, pool: asyncpg.Pool) -> None:
        """Read the waiting holds from the database (a periodic job, not per event)."""
        row = await pool.fetchrow(
            "SELECT count(*), min(placed_at) FROM holds.holds WHERE status = 'waiting'"
        )
        assert row is not None
        self.waiting.set(row[0])
        oldest = row[1]
        self.oldest_waiting_age.set(0 if oldest is None else time.time() - oldest.timestamp())


class ReassignmentMetrics:
    """The nightly re-assignment's figures, set when a run finishes."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.cost = Gauge(
            "kulkuri_holds_reassignment_cost_metres",
            "Transport of the holds the last nightly re-assignment served: the per-hold choice "
            "(when=before) and the plan (when=after).",
            ["when"],
            registry=registry,
        )
        self.savings = Counter(
            "kulkuri_holds_reassignment_savings_metres_total",
            "Transport saved by nightly re-assignments (the per-hold choice less the plan).",
            registry=registry,
        )
        self.holds = Counter(
            "kulkuri_holds_reassignment_holds_total",
            "Holds the nightly re-assignment gave another copy (change=reassigned) or a first "
            "copy (change=filled).",
            ["change"],
            registry=registry,
        )
        self.solve_seconds = Gauge(
            "kulkuri_holds_reassignment_solve_seconds",
            "Planning time of the last nightly re-assignment (building and solving).",
            registry=registry,
        )
        self.last_run = Gauge(
            "kulkuri_holds_reassignment_last_run_timestamp_seconds",
            "When the last nightly re-assignment finished (Unix time).",
            registry=registry,
        )

    def finished(self, report: ReassignmentReport) -> None:
        self.cost.labels("before").set(report.cost_before_m)
        self.cost.labels("after").set(report.cost_after_m)
        self.savings.inc(report.saving_m)  # never negative: the plan costs at most as much
        self.holds.labels("reassigned").inc(report.holds_reassigned)
        self.holds.labels("filled").inc(report.holds_filled)
        self.solve_seconds.set(report.solve_s)
        finished_at = report.finished_at or report.started_at
        self.last_run.set(finished_at.timestamp())


def _kind(event_type: str) -> str:
    # kulkuri.holds.transfer-requested.v1 -> transfer-requested
    return event_type.removeprefix(_TYPE_PREFIX).rsplit(".", 1)[0]
