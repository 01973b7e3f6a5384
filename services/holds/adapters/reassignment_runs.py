"""The ``reassignment_runs`` table (migration 0004): which days were re-assigned, how far a
run got, and its report, which the read API shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import asyncpg
from pydantic import BaseModel, ConfigDict, computed_field

from kulkuri.shared.db.schema import checked_schema

_COLUMNS = (
    "day, cutoff, started_at, finished_at, last_bib_id, titles, titles_changed, "
    "holds_reassigned, holds_filled, cost_before_m, cost_after_m, decisions, solve_s"
)


class ReassignmentReport(BaseModel):
    """One night's re-assignment: the per-hold choice's transport against the plan's, for the
    holds the plan served. ``finished_at`` is unset while the run is under way (or if it was
    cut short and not resumed within its window)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    day: date
    cutoff: datetime
    started_at: datetime
    finished_at: datetime | None
    titles: int  # titles planned
    titles_changed: int
    holds_reassigned: int  # holds that had a copy and were given another
    holds_filled: int  # waiting holds given a copy
    cost_before_m: int
    cost_after_m: int
    decisions: int  # decisions published
    solve_s: float  # planning time: building and solving the problems

    @computed_field  # type: ignore[prop-decorator]
    @property
    def saving_m(self) -> int:
        return self.cost_before_m - self.cost_after_m

    @computed_field  # type: ignore[prop-decorator]
    @property
    def saving_pct(self) -> float:
        if not self.cost_before_m:
            return 0.0
        return round(100 * self.saving_m / self.cost_before_m, 2)


@dataclass(frozen=True)
class BatchFigures:
    titles: int
    titles_changed: int
    holds_reassigned: int
    holds_filled: int
    cost_before_m: int
    cost_after_m: int
    decisions: int
    solve_s: float


def _report(row: asyncpg.Record) -> ReassignmentReport:
    return ReassignmentReport(**{k: v for k, v in row.items() if k != "last_bib_id"})


class ReassignmentRuns:
    def __init__(self, schema: str = "holds") -> None:
        s = checked_schema(schema)
        table = f"{s}.reassignment_runs"
        self._begin_sql = f"""
            INSERT INTO {table} (day, cutoff, started_at) VALUES ($1, $2, $3)
            ON CONFLICT (day) DO NOTHING"""
        self._get_sql = f"SELECT {_COLUMNS} FROM {table} WHERE day = $1"
        self._add_sql = f"""
            UPDATE {table} SET last_bib_id = $2, titles = titles + $3,
                   titles_changed = titles_changed + $4, holds_reassigned = holds_reassigned + $5,
                   holds_filled = holds_filled + $6, cost_before_m = cost_before_m + $7,
                   cost_after_m = cost_after_m + $8, decisions = decisions + $9,
                   solve_s = solve_s + $10
             WHERE day = $1"""
        self._finish_sql = (
            f"UPDATE {table} SET finished_at = $2 WHERE day = $1 RETURNING {_COLUMNS}"
        )
        self._latest_sql = f"SELECT {_COLUMNS} FROM {table} ORDER BY day DESC LIMIT 1"

    async def begin(
        self, conn: asyncpg.Connection, day: date, cutoff: datetime, at: datetime
    ) -> tuple[ReassignmentReport, str | None]:
        """The day's run, recorded as started at ``at`` if it was not yet, and the last title
        it committed (``None``: none yet)."""
        await conn.execute(self._begin_sql, day, cutoff, at)
        row = await conn.fetchrow(self._get_sql, day)
        assert row is not None
        return _report(row), row["last_bib_id"]

    async def add_batch(
        self, conn: asyncpg.Connection, day: date, last_bib_id: str, figures: BatchFigures
    ) -> None:
        """In the batch's own transaction, so the figures count what was committed."""
        await conn.execute(
            self._add_sql,
            day,
            last_bib_id,
            figures.titles,
            figures.titles_changed,
            figures.holds_reassigned,
            figures.holds_filled,
            figures.cost_before_m,
            figures.cost_after_m,
            figures.decisions,
            figures.solve_s,
        )

    async def finish(self, conn: asyncpg.Connection, day: date, at: datetime) -> ReassignmentReport:
        row = await conn.fetchrow(self._finish_sql, day, at)
        assert row is not None
        return _report(row)

    async def latest(self, db: asyncpg.Pool | asyncpg.Connection) -> ReassignmentReport | None:
        row = await db.fetchrow(self._latest_sql)
        return None if row is None else _report(row)
