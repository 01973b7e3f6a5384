"""Transfers and crates kept in PostgreSQL: decisions create and change transfers, scans move
them and their crates, and every change leaves an event in the outbox."""

from __future__ import annotations

import asyncpg
import orjson
import pytest

from kulkuri.shared.messaging import MOVEMENTS, TRANSPORT
from kulkuri.transport.domain.packing import NewCrate, PackingPlan
from kulkuri.transport.service_layer.packing_service import PackingService
from kulkuri.transport.service_layer.scan_service import ScanService
from tests.integration.transport.fixtures import (
    HOLLOLA,
    HUB,
    MONDAY,
    ORIMATTILA,
    cancelled,
    decide,
    requested,
    retargeted,
    scan,
    via_hub,
)

pytestmark = pytest.mark.integration


async def status_of(pool: asyncpg.Pool, transfer_id: str) -> str:
    return str(
        await pool.fetchval(
            "SELECT status FROM transport.transfers WHERE transfer_id = $1", transfer_id
        )
    )


def crate_of(plan: PackingPlan, transfer_id: str) -> NewCrate:
    """The new crate the plan packs the transfer into (other tests' copies wait at the same
    libraries, so a plan may open several)."""
    (crate_id,) = [a.crate_id for a in plan.assignments if a.transfer_id == transfer_id]
    (crate,) = [c for c in plan.new_crates if c.crate_id == crate_id]
    return crate


async def test_a_requested_transfer_is_stored_once_however_often_it_is_delivered(
    pool: asyncpg.Pool, unique: str
) -> None:
    item = f"i-{unique}"
    first = await decide(pool, via_hub(), requested(item, 1, HOLLOLA, ORIMATTILA))
    again = await decide(pool, via_hub(), requested(item, 1, HOLLOLA, ORIMATTILA))

    assert await status_of(pool, f"{item}:1") == "requested"
    assert [m.topic for m in first.outbox] == [MOVEMENTS]
    moved = orjson.loads(first.outbox[0].value)["data"]
    assert (moved["location"], moved["next_stop"]) == (HOLLOLA, HUB)
    assert again.outbox == []


async def test_a_copy_travels_via_the_hub_and_its_receipt_is_published(
    pool: asyncpg.Pool, unique: str
) -> None:
    item, legs = f"i-{unique}", via_hub()
    await decide(pool, legs, requested(item, 1, HOLLOLA, ORIMATTILA))
    scans = ScanService(legs)
    assert (await scans.apply(pool, [(scan("pulled", item, HOLLOLA, 5), None)]))[
        0
    ].outcome == "accepted"
    packing = await PackingService(legs, capacity=10).plan(pool, HOLLOLA, MONDAY.date(), MONDAY)
    crate = crate_of(packing.plan, f"{item}:1")
    assert (crate.next_stop, crate.final_destination) == (HUB, ORIMATTILA)

    results = await scans.apply(
        pool,
        [
            (scan("packed", item, HOLLOLA, 10, crate=crate.crate_id), None),
            (scan("loaded", crate.crate_id, HOLLOLA, 20, run=f"run-a-{unique}"), None),
            (scan("unloaded", crate.crate_id, HUB, 60), None),
            (scan("loaded", crate.crate_id, HUB, 90, run=f"run-b-{unique}"), None),
            (scan("unloaded", crate.crate_id, ORIMATTILA, 150), None),
            (scan("received", item, ORIMATTILA, 160), None),
        ],
    )

    assert [r.outcome for r in results] == ["accepted"] * 6, results
    assert await status_of(pool, f"{item}:1") == "received"
    crate_status = await pool.fetchval(
        "SELECT status FROM transport.crates WHERE crate_id = $1", crate.crate_id
    )
    assert crate_status == "emptied"
    published = await pool.fetch(
        "SELECT topic, value FROM transport.outbox WHERE id = $1", f"received:{item}:1"
    )
    assert [row["topic"] for row in published] == [TRANSPORT]
    assert orjson.loads(published[0]["value"])["data"]["library"] == ORIMATTILA


async def test_scans_out_of_order_or_unknown_are_rejected_with_what_was_expected(
    pool: asyncpg.Pool, unique: str
) -> None:
    item, legs = f"i-{unique}", via_hub()
    await decide(pool, legs, requested(item, 1, HOLLOLA, ORIMATTILA))
    results = await ScanService(legs).apply(
        pool,
        [
            (scan("received", item, ORIMATTILA, 1), None),
            (scan("pulled", f"nothing-{unique}", HOLLOLA, 2), None),
            (scan("pulled", item, ORIMATTILA, 3), None),
            (scan("loaded", f"K-{unique}", HOLLOLA, 4, run="r"), None),
            (scan("pulled", item, HOLLOLA, 5), None),
        ],
    )

    assert [(r.outcome, r.status, r.reason) for r in results] == [
        ("rejected", 409, "illegal_transition"),
        ("rejected", 404, "no_open_transfer"),
        ("rejected", 409, "illegal_transition"),
        ("rejected", 404, "unknown_crate"),
        ("accepted", 200, None),
    ]
    assert "expected an unload at the destination before receiving" in results[0].message
    assert f"expected a scan at {HOLLOLA}" in results[2].message
    assert await status_of(pool, f"{item}:1") == "pulled"


async def test_a_scan_sent_again_with_its_id_is_a_duplicate(
    pool: asyncpg.Pool, unique: str
) -> None:
    item, legs = f"i-{unique}", via_hub()
    await decide(pool, legs, requested(item, 1, HOLLOLA, ORIMATTILA))
    service = ScanService(legs)
    first = await service.apply(pool, [(scan("pulled", item, HOLLOLA, 1), f"s-{unique}")])
    second = await service.apply(pool, [(scan("pulled", item, HOLLOLA, 1), f"s-{unique}")])

    assert [first[0].outcome, second[0].outcome] == ["accepted", "duplicate"]


async def test_a_second_transfer_of_a_copy_waits_until_the_first_is_received(
    pool: asyncpg.Pool, unique: str
) -> None:
    item, legs = f"i-{unique}", via_hub()
    await decide(
        pool,
        legs,
        requested(item, 1, HOLLOLA, HUB),
        requested(item, 2, HUB, ORIMATTILA, hold="h9"),
    )
    assert await status_of(pool, f"{item}:2") == "waiting"
    service = ScanService(legs)
    await service.apply(pool, [(scan("pulled", item, HOLLOLA, 1), None)])
    packing = await PackingService(legs, capacity=5).plan(pool, HOLLOLA, MONDAY.date(), MONDAY)
    crate = crate_of(packing.plan, f"{item}:1").crate_id
    results = await service.apply(
        pool,
        [
            (scan("packed", item, HOLLOLA, 2, crate=crate), None),
            (scan("loaded", crate, HOLLOLA, 3, run="r1"), None),
            (scan("unloaded", crate, HUB, 30), None),
            (scan("received", item, HUB, 31), None),
        ],
    )

    assert [r.outcome for r in results] == ["accepted"] * 4, results
    assert await status_of(pool, f"{item}:2") == "requested"


async def test_a_retarget_changes_the_destination_and_keeps_the_history(
    pool: asyncpg.Pool, unique: str
) -> None:
    item, legs = f"i-{unique}", via_hub()
    later = MONDAY.replace(hour=9)
    await decide(
        pool,
        legs,
        requested(item, 1, HOLLOLA, ORIMATTILA),
        retargeted(item, 1, ORIMATTILA, HUB, later),
        retargeted(item, 1, ORIMATTILA, HUB, later),  # redelivered: no second change
    )
    row = await pool.fetchrow(
        "SELECT to_library, requested_to, history FROM transport.transfers WHERE transfer_id = $1",
        f"{item}:1",
    )
    assert (row["to_library"], row["requested_to"]) == (HUB, ORIMATTILA)
    assert [step["detail"] for step in orjson.loads(row["history"])] == [
        "requested",
        f"re-targeted from {ORIMATTILA} to {HUB}",
    ]
    await decide(pool, legs, cancelled(item, 1, later), cancelled(item, 1, later))
    assert await status_of(pool, f"{item}:1") == "cancelled"
