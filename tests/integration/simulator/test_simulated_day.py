"""A short simulated day through the real broker, database and services: the eve's holds
and returns, the cut-off, the day's plan, the vans driving it, and the holds at the end."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import asyncpg
import orjson
import pytest

from kulkuri.simulator import Behaviour, SimulationConfig, StaffRoutine, run_simulation
from kulkuri.simulator.core.config import HELSINKI, default_first_day
from tests.integration.simulator.system import running_system

pytestmark = pytest.mark.integration

FILLED = ("assigned", "in_transit", "ready", "collected")
ENDED = ("cancelled", "expired")
JOURNEY = ["requested", "pulled", "packed", "loaded", "unloaded", "received"]

# Waiting holds whose title has a copy on an open shelf promised to no one: none should be.
_WAITING_WITHOUT_REASON = """
    SELECT h.hold_id FROM holds.holds h
     WHERE h.hold_id LIKE $1 AND h.status = 'waiting'
       AND EXISTS (SELECT 1 FROM holds.items i
                    WHERE i.bib_id = h.bib_id AND i.status = 'on_shelf' AND i.hold_id IS NULL)
"""


def short_day(run: str) -> SimulationConfig:
    """A small catalogue, busy patrons and an afternoon's eve, compressed 3600 times."""
    today = datetime.now(UTC).astimezone(HELSINKI).date()
    return SimulationConfig(
        network="Lastu",
        seed=11,
        run=run,
        speed=3600,
        first_day=default_first_day(today + timedelta(days=1)),
        scale=0.02,
        items=5000,
        behaviour=Behaviour(holds_per_loan=0.3),
        staff=StaffRoutine(pull_rounds=(time(14, 0), time(18, 0)), packing_at=time(19, 0)),
        eve_from=time(13, 0),
        last_day_ends=time(16, 30),
    )


async def test_a_short_day_through_the_system_leaves_every_hold_accounted_for(
    bootstrap_servers: str, database_url: str, unique: str
) -> None:
    config = short_day(f"it{unique}")
    async with running_system(bootstrap_servers, database_url, unique) as system:
        summary = await run_simulation(config, system)
    assert summary.plans.get(summary.first_day.isoformat(), 0) >= 1, summary.lines()
    assert summary.missed_plans == [] and summary.unsettled == 0, summary.lines()
    conn = await asyncpg.connect(database_url)
    try:
        holds = dict(
            await conn.fetch(
                "SELECT status, count(*) FROM holds.holds WHERE hold_id LIKE $1 GROUP BY status",
                f"sim-{config.run}-h%",
            )
        )
        unexplained = await conn.fetch(_WAITING_WITHOUT_REASON, f"sim-{config.run}-h%")
        journeys = await conn.fetch(
            "SELECT history FROM transport.transfers WHERE item_id LIKE $1 AND status = 'received'",
            f"sim-{config.run}-i%",
        )
    finally:
        await conn.close()
    assert sum(holds.values()) == summary.events["hold-placed"] > 0
    assert set(holds) <= {*FILLED, *ENDED, "waiting"}, holds
    assert sum(holds.get(s, 0) for s in FILLED) > 0
    assert unexplained == [], "a waiting hold's title had a copy free on a shelf"
    steps = [[step["status"] for step in orjson.loads(row["history"])] for row in journeys]
    assert JOURNEY in steps, f"no transfer went from a pull list to its destination: {steps}"
    assert summary.work["received"] == len(journeys)
