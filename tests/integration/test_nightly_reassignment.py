"""The nightly re-assignment on the real database: at the cut-off, holds whose copies are not
yet pulled get cheaper copies, their decisions go to the outbox, the day's report is right
and readable on the API, and the day is never re-assigned twice."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from datetime import datetime, time, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from kulkuri.holds.adapters.metrics import HoldsMetrics
from kulkuri.holds.adapters.ortools_assignment import MinCostFlowSolver
from kulkuri.holds.adapters.title_repository import TitleRepository
from kulkuri.holds.bootstrap import MIGRATIONS
from kulkuri.holds.domain.reassignment import Assignment, AssignmentProblem, AssignmentSolver
from kulkuri.holds.domain.title import Title
from kulkuri.holds.entrypoints.http import holds_router
from kulkuri.holds.service_layer.reassignment_job import NightlyReassignment
from kulkuri.shared.auth import Role, TokenAuthority
from kulkuri.shared.auth_http import authenticator
from kulkuri.shared.db.migrations import MigrationSet, upgrade
from kulkuri.shared.db.pool import create_pool
from kulkuri.shared.messaging import HOLDS
from tests.kafka_tools import metric
from tests.unit.holds.consortia import (
    FLOATING,
    HEINOLA,
    LAHTI,
    LIIPOLA,
    MONDAY,
    SYSMA,
    at,
    consortium,
    take,
)

pytestmark = pytest.mark.integration

# Lopsided costs make the day's one-at-a-time choices worse than the best (see each title).
RULES = consortium(
    cost_changes={(HEINOLA, LAHTI): 4_000, (LIIPOLA, SYSMA): 20_000, (SYSMA, LIIPOLA): 200_000},
    closed=[(HEINOLA, MONDAY - timedelta(days=1))],
)
CUTOFF = time(5, 0)  # Helsinki: 03:00 UTC in November
TUESDAY_CUTOFF = at(1, 3)
JUST_AFTER = TUESDAY_CUTOFF + timedelta(minutes=1)


def stocked(bib_id: str, copies: list[tuple[str, str]]) -> Title:
    """A title with copies on their owners' shelves since long before the day."""
    book = Title(bib_id)
    for item_id, library in copies:
        book.add_item(RULES, item_id, library, FLOATING, "book", at(-30))
    return book


def the_day() -> list[Title]:
    """Titles as the per-hold rule left them by Tuesday's cut-off."""
    swap = stocked("swap", [("i-heinola", HEINOLA), ("i-liipola", LIIPOLA)])
    swap.place_hold(RULES, "old", LAHTI, at(0, 10))  # Liipola's copy, 3 km
    swap.place_hold(RULES, "new", SYSMA, at(0, 11))  # then Heinola's, 45 km (best: 4 + 20)
    local = stocked("local", [("i-lahti", LAHTI), ("i-sysma", SYSMA)])
    local.place_hold(RULES, "h-lahti", LAHTI, at(0, 10))  # its own shelf, 0 km
    local.place_hold(RULES, "h-liipola", LIIPOLA, at(0, 11))  # Sysmä's, 200 km (best: 60 + 3)
    best = stocked("best", [("i-best", LIIPOLA)])
    best.place_hold(RULES, "h-best", LAHTI, at(0, 10))  # 3 km: already the least
    pulled = stocked("pulled", [("i-far", SYSMA), ("i-near", LIIPOLA)])
    pulled.item_checked_out(RULES, "i-near", LIIPOLA, at(-9))
    pulled.place_hold(RULES, "h-pulled", LAHTI, at(-1, 10))  # Sunday: on Monday's pull list
    pulled.item_returned(RULES, "i-near", LIIPOLA, at(0, 12))  # Monday: shelved at Liipola
    waiting = stocked("waiting", [("i-closed", HEINOLA)])
    waiting.place_hold(RULES, "h-waiting", SYSMA, at(-1, 10))  # Heinola was shut on Sunday
    for book in (swap, local, best, pulled, waiting):
        take(book)
    return [swap, local, best, pulled, waiting]


@pytest.fixture
async def schema(database_url: str, unique: str) -> str:
    own = MigrationSet(schema=f"holds_{unique}", script_location=MIGRATIONS.script_location)
    await upgrade(own, database_url)
    conn = await asyncpg.connect(database_url)
    try:
        await TitleRepository(conn, schema=own.schema).save(the_day())
    finally:
        await conn.close()
    return own.schema


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    created = await create_pool(database_url)
    yield created
    await created.close()


def job(
    schema: str,
    registry: CollectorRegistry | None = None,
    *,
    clock: Callable[[], datetime] = lambda: JUST_AFTER,
    solver: AssignmentSolver | None = None,
    batch_titles: int = 500,
) -> NightlyReassignment:
    return NightlyReassignment(
        RULES,
        solver or MinCostFlowSolver(),
        HoldsMetrics(registry or CollectorRegistry()),
        cutoff=CUTOFF,
        grace=timedelta(hours=2),
        clock=clock,
        schema=schema,
        batch_titles=batch_titles,
    )


async def copies(pool: asyncpg.Pool, schema: str) -> dict[str, str | None]:
    rows = await pool.fetch(f"SELECT hold_id, item_id FROM {schema}.holds")
    return {row[0]: row[1] for row in rows}


async def outbox(pool: asyncpg.Pool, schema: str) -> list[dict[str, Any]]:
    rows = await pool.fetch(f"SELECT topic, value FROM {schema}.outbox ORDER BY seq")
    assert {row[0] for row in rows} <= {HOLDS}
    return [json.loads(row[1]) for row in rows]


async def test_the_cutoff_gives_holds_cheaper_copies_once_and_reports_it(
    pool: asyncpg.Pool, schema: str
) -> None:
    registry = CollectorRegistry()
    report = await job(schema, registry)(pool)

    assert report is not None and report.finished_at is not None
    assert (report.titles, report.titles_changed) == (4, 3)  # "pulled" was not a candidate
    assert (report.holds_reassigned, report.holds_filled) == (4, 1)
    assert report.cost_before_m == 48_000 + 200_000 + 3_000 + 45_000
    assert report.cost_after_m == 24_000 + 63_000 + 3_000 + 45_000
    assert (report.saving_m, report.decisions) == (161_000, 10)
    assert await copies(pool, schema) == {
        "old": "i-heinola",
        "new": "i-liipola",
        "h-lahti": "i-sysma",
        "h-liipola": "i-lahti",
        "h-best": "i-best",
        "h-pulled": "i-far",
        "h-waiting": "i-closed",
    }
    events = await outbox(pool, schema)
    kinds = [(e["data"]["bib_id"], e["type"].split(".")[2]) for e in events]
    assert sorted(kinds) == sorted(
        [("swap", "copy-assigned"), ("swap", "transfer-retargeted")] * 2
        + [("local", "copy-assigned"), ("local", "transfer-retargeted")]
        + [("local", "copy-assigned"), ("local", "transfer-requested")]
        + [("waiting", "copy-assigned"), ("waiting", "transfer-requested")]
    )
    decided = {datetime.fromisoformat(e["data"]["decided_at"]) for e in events}
    assert decided == {TUESDAY_CUTOFF}
    assert metric(registry, "kulkuri_holds_reassignment_cost_metres", when="after") == 135_000
    assert metric(registry, "kulkuri_holds_reassignment_savings_metres_total") == 161_000
    assert metric(registry, "kulkuri_holds_reassignment_holds_total", change="reassigned") == 4

    # A second round the same day, a restart, another replica: nothing is applied again.
    again = job(schema, clock=lambda: JUST_AFTER + timedelta(hours=1))
    assert await again(pool) is None
    assert len(await outbox(pool, schema)) == 10

    authority = TokenAuthority("reassignment-test-secret-of-32-bytes")
    app = FastAPI()
    app.include_router(holds_router(lambda: pool, authenticator(authority), RULES, schema=schema))
    transport = httpx.ASGITransport(app=app)
    operator = {"Authorization": f"Bearer {authority.issue(Role.OPERATOR)}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://holds") as http:
        latest = (await http.get("/holds/reassignment/latest", headers=operator)).json()
    assert latest["day"] == "2026-11-24"
    assert (latest["cost_before_m"], latest["cost_after_m"]) == (296_000, 135_000)
    assert latest["saving_pct"] == 54.39


async def test_nothing_runs_before_the_cutoff_or_after_its_grace(
    pool: asyncpg.Pool, schema: str
) -> None:
    for moment in (TUESDAY_CUTOFF - timedelta(minutes=1), TUESDAY_CUTOFF + timedelta(hours=2)):
        assert await job(schema, clock=stopped_at(moment))(pool) is None
    assert await pool.fetchval(f"SELECT count(*) FROM {schema}.reassignment_runs") == 0
    assert await outbox(pool, schema) == []


def stopped_at(moment: datetime) -> Callable[[], datetime]:
    return lambda: moment


class FailsOnce:
    """Solves the first batch, fails the second: a run cut short half-way."""

    def __init__(self) -> None:
        self.calls = 0

    def solve(self, problem: AssignmentProblem) -> list[Assignment]:
        self.calls += 1
        if self.calls == 2:
            raise RuntimeError("the process died")
        return MinCostFlowSolver().solve(problem)


async def test_a_run_cut_short_resumes_after_the_last_committed_title(
    pool: asyncpg.Pool, schema: str
) -> None:
    with pytest.raises(RuntimeError):
        await job(schema, solver=FailsOnce(), batch_titles=1)(pool)
    row = await pool.fetchrow(f"SELECT * FROM {schema}.reassignment_runs")
    assert row is not None and row["finished_at"] is None
    assert (row["last_bib_id"], row["titles"]) == ("best", 1)  # titles go in bib_id order

    report = await job(schema, batch_titles=1)(pool)
    assert report is not None and report.finished_at is not None
    assert (report.titles, report.cost_before_m, report.cost_after_m) == (4, 296_000, 135_000)
    assert len(await outbox(pool, schema)) == 10
