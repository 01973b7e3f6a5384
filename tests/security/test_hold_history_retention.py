"""Retention of hold history on the real database: holds closed longer ago than the retention
are deleted with their history; open holds, recently closed ones and any a copy still names
stay, and the titles load whole afterwards."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta

import asyncpg
import pytest
from prometheus_client import CollectorRegistry

from kulkuri.holds.adapters.metrics import HoldsMetrics
from kulkuri.holds.adapters.title_repository import TitleRepository
from kulkuri.holds.bootstrap import MIGRATIONS, holds_spec
from kulkuri.holds.config import HoldsConfig
from kulkuri.holds.domain.model import HoldStatus
from kulkuri.holds.domain.title import Title
from kulkuri.holds.service_layer.history_retention import HoldHistoryRetention
from kulkuri.reports.config import ReportsSettings
from kulkuri.shared.db.migrations import MigrationSet, upgrade
from kulkuri.shared.db.pool import create_pool
from tests.unit.holds.consortia import FLOATING, LAHTI, LIIPOLA, at, consortium, take

pytestmark = pytest.mark.integration

RULES = consortium()
NOW = at(0)
RETENTION = timedelta(days=90)


def history() -> list[Title]:
    """Holds closed 199 and 100 days ago, one closed 10 days ago, one waiting 200 days, and
    one closed 199 days ago that a copy still names (a row no current rule writes)."""
    lent = Title("lent")
    lent.add_item(RULES, "i-lent", LAHTI, FLOATING, "book", at(-300))
    lent.place_hold(RULES, "collected-old", LAHTI, at(-200))
    lent.item_checked_out(RULES, "i-lent", LAHTI, at(-199), hold_id="collected-old")
    lent.item_returned(RULES, "i-lent", LAHTI, at(-150))
    lent.place_hold(RULES, "cancelled-old", LIIPOLA, at(-120))
    lent.cancel_hold(RULES, "cancelled-old", at(-100))
    lent.place_hold(RULES, "cancelled-recent", LAHTI, at(-20))
    lent.cancel_hold(RULES, "cancelled-recent", at(-10))
    wanted = Title("wanted")  # no copy: its hold waits
    wanted.place_hold(RULES, "waiting-old", LAHTI, at(-200))
    named = Title("named")
    named.add_item(RULES, "i-named", LAHTI, FLOATING, "book", at(-300))
    named.place_hold(RULES, "named-old", LIIPOLA, at(-200))
    named.cancel_hold(RULES, "named-old", at(-199))
    for book in (lent, wanted, named):
        take(book)
    return [lent, wanted, named]


@pytest.fixture
async def schema(database_url: str, unique: str) -> str:
    own = MigrationSet(schema=f"holds_{unique}", script_location=MIGRATIONS.script_location)
    await upgrade(own, database_url)
    conn = await asyncpg.connect(database_url)
    try:
        await TitleRepository(conn, schema=own.schema).save(history())
        await conn.execute(
            f"UPDATE {own.schema}.items SET hold_id = 'named-old' WHERE item_id = 'i-named'"
        )
    finally:
        await conn.close()
    return own.schema


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    created = await create_pool(database_url)
    yield created
    await created.close()


async def holds(pool: asyncpg.Pool, schema: str) -> dict[str, str]:
    return dict(await pool.fetch(f"SELECT hold_id, status FROM {schema}.holds"))


async def test_holds_closed_before_the_retention_are_deleted_and_no_others(
    pool: asyncpg.Pool, schema: str
) -> None:
    before = await holds(pool, schema)
    assert before["collected-old"] == HoldStatus.COLLECTED
    assert before["cancelled-old"] == before["named-old"] == HoldStatus.CANCELLED
    # One hold per batch: the job goes on until a batch comes back short.
    retention = HoldHistoryRetention(RETENTION, schema=schema, batch=1, clock=lambda: NOW)

    assert await retention(pool) == 2
    assert await holds(pool, schema) == {
        "cancelled-recent": HoldStatus.CANCELLED,
        "waiting-old": HoldStatus.WAITING,
        "named-old": HoldStatus.CANCELLED,
    }
    assert await retention(pool) == 0

    async with pool.acquire() as conn:
        titles = await TitleRepository(conn, schema=schema).load(["lent", "wanted"])
    for title in titles.values():
        title.check_invariants()
    assert set(titles["lent"].holds) == {"cancelled-recent"}
    assert set(titles["lent"].items) == {"i-lent"}

    # The history is gone ten days after the last one closed, and not before.
    later = HoldHistoryRetention(RETENTION, schema=schema, clock=lambda: NOW + timedelta(days=79))
    assert await later(pool) == 0
    latest = HoldHistoryRetention(RETENTION, schema=schema, clock=lambda: NOW + timedelta(days=81))
    assert await latest(pool) == 1
    assert "cancelled-recent" not in await holds(pool, schema)


def test_the_retention_is_a_setting_and_runs_on_the_holds_schedule(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HOLDS_HISTORY_RETENTION_DAYS", "30")
    monkeypatch.setenv("HOLDS_HISTORY_PURGE_INTERVAL_S", "600")
    config = HoldsConfig()
    assert config.holds.history_retention_days == 30
    jobs = {
        job.name: job for job in holds_spec(config, HoldsMetrics(CollectorRegistry())).periodic_jobs
    }
    assert jobs["holds-history-retention"].interval_s == 600
    monkeypatch.setenv("HOLDS_HISTORY_RETENTION_DAYS", "0.5")
    with pytest.raises(ValueError, match="history_retention_days"):
        HoldsConfig()


def test_by_default_a_calendar_year_of_holds_lasts_until_annual_reporting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("HOLDS_HISTORY_RETENTION_DAYS", raising=False)
    kept = HoldsConfig().holds.history_retention_days

    # A hold closed on 1 January is still there on 31 March of the next year...
    assert kept >= (date(2027, 3, 31) - date(2026, 1, 1)).days
    # ... and the reports, which warn about holds already deleted, assume the same default.
    assert ReportsSettings().holds_retention_days == kept
