"""The nightly batch re-assignment, on a timer: at the cut-off before the pull lists are
printed, the holds whose copies are not yet pulled get the copies that make the day's
transport least (``domain/pull_window.py`` says what "not yet pulled" means, and
``domain/day_plan.py`` how the plan is made).

The job is asked every ``interval`` and acts once per local day: from the cut-off until
``grace`` after it (later, the day's lists are out and the plan would contradict them). A
session advisory lock lets one process run it at a time; the ``reassignment_runs`` row of the
day makes a finished day a no-op, so a restart, a second replica or a second round the same
day re-applies nothing.

A set-based query picks the titles that may change (a hold assigned in the window, or a
waiting hold beside a copy free on a shelf), in ``bib_id`` order. They are handled in batches,
one transaction each: the titles are loaded (which takes their locks, so consumers wait),
planned as one problem, changed, saved, and their decisions published through the outbox,
together with the batch's figures and its last ``bib_id`` on the day's row. A run cut short
resumes after the last committed title, and the figures count every title once.
"""

from __future__ import annotations

import logging
import time as clock_time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import asyncpg

from kulkuri.holds.adapters.decision_events import decision_event
from kulkuri.holds.adapters.metrics import HoldsMetrics
from kulkuri.holds.adapters.reassignment_runs import (
    BatchFigures,
    ReassignmentReport,
    ReassignmentRuns,
)
from kulkuri.holds.adapters.title_repository import TitleRepository
from kulkuri.holds.domain.consortium import Consortium
from kulkuri.holds.domain.day_plan import plan_day
from kulkuri.holds.domain.pull_window import PullWindow, reassign, title_day
from kulkuri.holds.domain.reassignment import AssignmentSolver
from kulkuri.holds.service_layer.handlers import DEFAULT_ZONE
from kulkuri.shared.db.outbox import OutboxStore
from kulkuri.shared.db.schema import checked_schema
from kulkuri.shared.events.holds import HoldsEvent
from kulkuri.shared.messaging import HOLDS, Transaction

log = logging.getLogger(__name__)

_LOCK_KEY = "kulkuri.holds.reassignment"


class NightlyReassignment:
    """``cancel_transfers``: whether the plan may call off a transfer requested for a copy
    still on its shelf (``transfer-cancelled`` with reason ``reassigned``); False keeps
    every requested transfer and only re-targets."""

    def __init__(
        self,
        consortium: Consortium,
        solver: AssignmentSolver,
        metrics: HoldsMetrics | None = None,
        *,
        cutoff: time,
        grace: timedelta,
        zone: ZoneInfo = DEFAULT_ZONE,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        schema: str = "holds",
        batch_titles: int = 500,
        cancel_transfers: bool = True,
    ) -> None:
        self.consortium = consortium
        self.solver = solver
        self.metrics = metrics
        self.cutoff = cutoff
        self.grace = grace
        self.zone = zone
        self.clock = clock
        self.schema = checked_schema(schema)
        self.batch_titles = batch_titles
        self.cancel_transfers = cancel_transfers
        self.runs = ReassignmentRuns(schema)
        s = self.schema
        # A superset of the titles with something to plan; the domain decides exactly.
        self._candidates_sql = f"""
            SELECT bib_id FROM {s}.holds
             WHERE status IN ('assigned', 'in_transit') AND status_since > $1
               AND status_since <= $2 AND bib_id > $3
            UNION
            SELECT h.bib_id FROM {s}.holds h
             WHERE h.status = 'waiting' AND NOT h.passed_through AND h.bib_id > $3
               AND EXISTS (SELECT 1 FROM {s}.items i WHERE i.bib_id = h.bib_id
                           AND i.status = 'on_shelf' AND i.hold_id IS NULL)
            ORDER BY 1"""

    def due(self, now: datetime) -> PullWindow | None:
        """The window whose cut-off passed less than ``grace`` ago, if one did."""
        window = PullWindow.ending_on(now.astimezone(self.zone).date(), self.cutoff, self.zone)
        return window if window.cutoff <= now < window.cutoff + self.grace else None

    async def __call__(self, pool: asyncpg.Pool) -> ReassignmentReport | None:
        """One check: runs the day's re-assignment if it is due and not done; returns the
        finished run's report, or None if there was nothing to do."""
        window = self.due(self.clock())
        if window is None:
            return None
        async with pool.acquire() as conn:
            if not await conn.fetchval("SELECT pg_try_advisory_lock(hashtext($1))", _LOCK_KEY):
                return None  # another process is running it
            try:
                return await self.run(conn, window)
            finally:
                await conn.execute("SELECT pg_advisory_unlock(hashtext($1))", _LOCK_KEY)

    async def run(self, conn: asyncpg.Connection, window: PullWindow) -> ReassignmentReport | None:
        """Re-assign the window's day unless its run finished; the caller holds the job lock."""
        report, last_bib_id = await self.runs.begin(conn, window.day, window.cutoff, self.clock())
        if report.finished_at is not None:
            return None
        rows = await conn.fetch(
            self._candidates_sql, window.opened, window.cutoff, last_bib_id or ""
        )
        bib_ids = [row[0] for row in rows]
        for start in range(0, len(bib_ids), self.batch_titles):
            batch = bib_ids[start : start + self.batch_titles]
            async with conn.transaction():
                figures, outgoing = await self._batch(conn, window, batch)
                await self.runs.add_batch(conn, window.day, batch[-1], figures)
            if self.metrics is not None:
                self.metrics.count(outgoing)
        report = await self.runs.finish(conn, window.day, self.clock())
        if self.metrics is not None:
            self.metrics.reassignment.finished(report)
        log.info("nightly re-assignment done", extra={"report": report.model_dump(mode="json")})
        return report

    async def _batch(
        self, conn: asyncpg.Connection, window: PullWindow, bib_ids: Sequence[str]
    ) -> tuple[BatchFigures, list[HoldsEvent]]:
        """Plan and change one batch of titles; the figures and the events it published."""
        repository = TitleRepository(conn, schema=self.schema)
        titles = await repository.load(bib_ids, closed_holds=False)
        started = clock_time.perf_counter()
        plan = plan_day(
            [title_day(title, self.consortium, window) for title in titles.values()],
            self.consortium.costs.cost,
            self.solver,
            self.consortium.open_sources_on(window.day),
            cancel_transfers=self.cancel_transfers,
        )
        solve_s = clock_time.perf_counter() - started
        outgoing: list[HoldsEvent] = []
        changed = [t for t in plan.titles if t.changes_anything]
        for title_plan in changed:
            title = titles[title_plan.bib_id]
            reassign(title, self.consortium, window, title_plan)
            cause = f"reassignment {title.bib_id} {window.cutoff.isoformat()}"
            outgoing.extend(
                decision_event(
                    d, bib_id=title.bib_id, cause=cause, index=i, decided_at=window.cutoff
                )
                for i, d in enumerate(title.decisions)
            )
            title.decisions.clear()
        await repository.save(titles[t.bib_id] for t in changed)
        tx = Transaction(conn)
        for event in outgoing:
            tx.publish(HOLDS, event)
        await OutboxStore(self.schema).add(conn, tx.outbox)
        figures = BatchFigures(
            titles=len(plan.titles),
            titles_changed=len(changed),
            holds_reassigned=plan.holds_reassigned,
            holds_filled=plan.holds_filled,
            cost_before_m=plan.cost_before,
            cost_after_m=plan.cost_after,
            decisions=len(outgoing),
            solve_s=solve_s,
        )
        return figures, outgoing
