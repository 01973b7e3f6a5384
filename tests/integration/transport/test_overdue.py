"""Overdue and loss: a copy loaded on a van and not received is reported overdue once after
its overdue limit in delivery days, and declared missing after the longer limit, which
tells the holds service to fill its hold again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
import orjson
import pytest

from kulkuri.shared.messaging import TRANSPORT
from kulkuri.transport.adapters.list_queries import ListQueries
from kulkuri.transport.service_layer.overdue import ZONE, OverdueCheck, OverdueLimits
from kulkuri.transport.service_layer.packing_service import PackingService
from kulkuri.transport.service_layer.scan_service import ScanService
from tests.integration.transport.fixtures import (
    HOLLOLA,
    MONDAY,
    ORIMATTILA,
    decide,
    requested,
    scan,
    via_hub,
)

pytestmark = pytest.mark.integration


async def loaded_on_monday(pool: asyncpg.Pool, item: str) -> None:
    legs = via_hub()
    await decide(pool, legs, requested(item, 1, HOLLOLA, ORIMATTILA))
    service = ScanService(legs)
    await service.apply(pool, [(scan("pulled", item, HOLLOLA, 1), None)])
    plan = await PackingService(legs, 50).plan(pool, HOLLOLA, MONDAY.date(), MONDAY)
    (crate,) = [a.crate_id for a in plan.plan.assignments if a.transfer_id == f"{item}:1"]
    results = await service.apply(
        pool,
        [
            (scan("packed", item, HOLLOLA, 2, crate=crate), None),
            (scan("loaded", crate, HOLLOLA, 3, run="r-monday"), None),
        ],
    )
    assert [r.outcome for r in results] == ["accepted", "accepted"], results


def check_at(when: datetime) -> OverdueCheck:
    return OverdueCheck(OverdueLimits(2, 5), via_hub(), clock=lambda: when)


async def published(pool: asyncpg.Pool, event_id: str) -> list[dict[str, object]]:
    rows = await pool.fetch("SELECT topic, value FROM transport.outbox WHERE id = $1", event_id)
    return [{"topic": r["topic"], **orjson.loads(r["value"])} for r in rows]


async def test_a_copy_not_received_by_its_second_delivery_day_is_reported_overdue_once(
    pool: asyncpg.Pool, unique: str
) -> None:
    item = f"od-{unique}"
    await loaded_on_monday(pool, item)
    # Loaded Monday, two delivery days: due by the end of Wednesday.
    await check_at(datetime(2026, 8, 5, 20, 0, tzinfo=UTC))(pool)
    assert await published(pool, f"overdue:{item}:1") == []

    await check_at(datetime(2026, 8, 6, 8, 0, tzinfo=UTC))(pool)
    await check_at(datetime(2026, 8, 6, 9, 0, tzinfo=UTC))(pool)

    (event,) = await published(pool, f"overdue:{item}:1")
    assert event["topic"] == TRANSPORT
    assert event["type"] == "kulkuri.transport.transfer-overdue.v1"
    data = event["data"]
    assert isinstance(data, dict)
    assert (data["status"], data["van_run"]) == ("loaded", "r-monday")
    assert datetime.fromisoformat(data["due_by"]) == datetime(2026, 8, 5, 21, 0, tzinfo=UTC)
    async with pool.acquire() as conn:
        listed = await ListQueries({}, ZONE).overdue(conn, 10_000)
    assert f"{item}:1" in [t["transfer_id"] for t in listed]


async def test_a_copy_still_missing_after_the_loss_limit_is_declared_missing(
    pool: asyncpg.Pool, unique: str
) -> None:
    item = f"ms-{unique}"
    await loaded_on_monday(pool, item)
    # Five delivery days from Monday: the next Monday; a weekend is not counted.
    await check_at(datetime(2026, 8, 10, 20, 0, tzinfo=UTC))(pool)
    status = await pool.fetchval(
        "SELECT status FROM transport.transfers WHERE transfer_id = $1", f"{item}:1"
    )
    assert status == "loaded"

    found = await check_at(datetime(2026, 8, 11, 9, 0, tzinfo=UTC))(pool)

    assert found.missing >= 1
    (event,) = await published(pool, f"missing:{item}:1")
    data = event["data"]
    assert isinstance(data, dict)
    assert (event["topic"], data["reason"], data["hold_id"]) == (TRANSPORT, "overdue", "h1")
    status = await pool.fetchval(
        "SELECT status FROM transport.transfers WHERE transfer_id = $1", f"{item}:1"
    )
    assert status == "missing"


async def test_copies_never_loaded_are_never_overdue(pool: asyncpg.Pool, unique: str) -> None:
    item = f"ok-{unique}"
    await decide(pool, via_hub(), requested(item, 1, HOLLOLA, ORIMATTILA))
    later = MONDAY + timedelta(days=30)
    await OverdueCheck(OverdueLimits(2, 5), via_hub(), clock=lambda: later)(pool)
    assert await published(pool, f"overdue:{item}:1") == []
    assert await published(pool, f"missing:{item}:1") == []
