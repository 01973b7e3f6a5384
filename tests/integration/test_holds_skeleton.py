"""The holds service on the real broker and database: state follows the circulation events,
non-members are dead-lettered, and the operations endpoints tell the truth."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from prometheus_client import CollectorRegistry

from kulkuri.cli.stack import ops_app
from kulkuri.holds.adapters.consortium_config import SAMPLE_LASTU, load_consortium_config
from kulkuri.holds.adapters.metrics import HoldsMetrics
from kulkuri.holds.service_layer.expiry import HoldExpiry
from kulkuri.shared.db.pool import create_pool
from kulkuri.shared.events import (
    EventCodec,
    ItemAdded,
    ItemAddedData,
    ItemCheckedOut,
    ItemCheckedOutData,
    ItemReturned,
    ItemReturnedData,
)
from kulkuri.shared.messaging import CIRCULATION, HOLDS, dead_letter_topic
from kulkuri.shared.runtime import ServiceRuntime
from tests.integration.holds_runtime import config_for, running_holds
from tests.kafka_tools import encoded, hold_placed, metric, produce, read_topic
from tests.waiting import eventually, settled

pytestmark = pytest.mark.integration

LAHTI_MAIN, HOLLOLA = "85910", "85708"  # Lahden pääkirjasto, Hollolan pääkirjasto
WHEN = datetime(2026, 8, 3, 10, 0, tzinfo=UTC)  # a Monday: Lahden pääkirjasto is open
LATER = datetime(2026, 8, 4, 12, 0, tzinfo=UTC)


@pytest.fixture
async def holds(
    bootstrap_servers: str, database_url: str, unique: str
) -> AsyncIterator[tuple[ServiceRuntime, CollectorRegistry]]:
    registry = CollectorRegistry()
    async with running_holds(
        config_for(f"holds-{unique}"),
        bootstrap_servers=bootstrap_servers,
        database_url=database_url,
        registry=registry,
    ) as runtime:
        yield runtime, registry


def _added(item: str, bib: str, owner: str) -> ItemAdded:
    return ItemAdded.create(
        id=f"add-{item}",
        source="urn:ils:test",
        time=WHEN,
        data=ItemAddedData(
            item_id=item,
            bib_id=bib,
            owning_library=owner,
            collection="adult-fiction",
            format="book",
            added_at=WHEN,
        ),
    )


def _at(library: str, item: str, bib: str, kind: str, hold_id: str | None = None) -> Any:
    if kind == "returned":
        return ItemReturned.create(
            id=f"ret-{item}-{library}",
            source="urn:ils:test",
            time=LATER,
            data=ItemReturnedData(item_id=item, bib_id=bib, library=library, returned_at=LATER),
        )
    return ItemCheckedOut.create(
        id=f"out-{item}", source="urn:ils:test", time=LATER,
        data=ItemCheckedOutData(
            item_id=item, bib_id=bib, library=library, checked_out_at=LATER, hold_id=hold_id
        ),
    )  # fmt: skip


async def test_a_hold_is_filled_from_another_library_and_collected_at_its_pickup(
    holds: tuple[ServiceRuntime, CollectorRegistry],
    bootstrap_servers: str,
    database_url: str,
    unique: str,
) -> None:
    _, registry = holds
    bib, item = f"bib-{unique}", f"item-{unique}"
    placed = hold_placed(1, bib=bib, pickup=HOLLOLA, prefix=unique)
    stranger = hold_placed(2, bib=bib, pickup="99999", prefix=unique)
    events = [
        _added(item, bib, LAHTI_MAIN),
        placed,
        stranger,
        _at(HOLLOLA, f"nothing-{unique}", bib, "returned"),  # no such copy
        _at(HOLLOLA, item, bib, "returned"),  # checked in at the pickup: the transfer arrived
        _at(HOLLOLA, item, bib, "checked_out", placed.data.hold_id),
    ]
    await produce(
        bootstrap_servers, CIRCULATION, [(e.partition_key(), EventCodec.encode(e)) for e in events]
    )
    await eventually(lambda: settled(database_url, events), what="the events settled")
    conn = await asyncpg.connect(database_url)
    try:
        item_row = await conn.fetchrow("SELECT * FROM holds.items WHERE item_id = $1", item)
        hold_row = await conn.fetchrow(
            "SELECT * FROM holds.holds WHERE hold_id = $1", placed.data.hold_id
        )
        strangers = await conn.fetchval(
            "SELECT count(*) FROM holds.holds WHERE hold_id = $1", stranger.data.hold_id
        )
    finally:
        await conn.close()
    assert item_row is not None and hold_row is not None
    assert (item_row["status"], item_row["current_library"]) == ("checked_out", HOLLOLA)
    assert item_row["owning_library"] == LAHTI_MAIN
    assert hold_row["status"] == "collected"
    assert strangers == 0

    decisions = await read_topic(bootstrap_servers, HOLDS, at_least=4, key=bib.encode())
    assert [json.loads(r.value)["type"] for r in decisions] == [
        "kulkuri.holds.copy-assigned.v1",
        "kulkuri.holds.transfer-requested.v1",
        "kulkuri.holds.hold-ready-for-pickup.v1",
        "kulkuri.holds.hold-closed.v1",
    ]
    transfer = json.loads(decisions[1].value)["data"]
    assert (transfer["from_library"], transfer["to_library"], transfer["reason"]) == (
        LAHTI_MAIN,
        HOLLOLA,
        "hold",
    )
    letters = await read_topic(bootstrap_servers, dead_letter_topic(CIRCULATION), at_least=2)
    reasons = {
        dict(r.headers)["kulkuri-dlq-reason"]
        for r in letters
        if r.value in {EventCodec.encode(stranger), EventCodec.encode(events[3])}
    }
    assert reasons == {b"unknown_library", b"unknown_item"}
    assert metric(registry, "kulkuri_holds_decisions_total", kind="transfer-requested") >= 1
    assert metric(registry, "kulkuri_holds_decisions_total", kind="hold-closed") >= 1


async def test_waiting_holds_and_the_oldest_ones_age_are_measured(
    holds: tuple[ServiceRuntime, CollectorRegistry], bootstrap_servers: str, unique: str
) -> None:
    runtime, registry = holds
    waiting = hold_placed(1, bib=f"nothing-{unique}", pickup=HOLLOLA, prefix=unique)
    await produce(bootstrap_servers, CIRCULATION, [encoded(waiting)])
    await eventually(
        lambda: metric(registry, "kulkuri_holds_decisions_total", kind="hold-queued") >= 1,
        what="the hold queued",
    )
    fresh = CollectorRegistry()
    assert runtime.pool is not None
    await HoldsMetrics(fresh).refresh(runtime.pool)
    assert metric(fresh, "kulkuri_holds_waiting") >= 1
    # placed 2026-08-03: months before any run of this test
    assert metric(fresh, "kulkuri_holds_oldest_waiting_age_seconds") > 86_400


async def test_operations_endpoints_report_health_readiness_and_metrics(
    holds: tuple[ServiceRuntime, CollectorRegistry], database_url: str
) -> None:
    runtime, registry = holds
    app = ops_app(registry, [runtime])
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://holds"
    ) as client:
        assert (await client.get("/healthz")).json() == {"status": "ok"}
        ready = await client.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert set(ready.json()["checks"].values()) == {"ok"}
        exposition = (await client.get("/metrics")).text
        for name in (
            "kulkuri_events_consumed_total",
            "kulkuri_handler_duration_seconds",
            "kulkuri_outbox_backlog",
            "kulkuri_consumer_lag",
            "kulkuri_events_dead_lettered_total",
        ):
            assert f"# TYPE {name}" in exposition or f"# HELP {name}" in exposition, name

        # The database goes away (as the readiness check sees it: a pool that cannot serve).
        working, gone = runtime.pool, await create_pool(database_url)
        await gone.close()
        runtime.pool = gone
        try:
            not_ready = await client.get("/readyz")
        finally:
            runtime.pool = working
        assert not_ready.status_code == 503
        assert not_ready.json()["checks"]["holds:database"] != "ok"
        assert (await client.get("/healthz")).status_code == 200, "alive, just not ready"


async def test_a_hold_placed_before_its_copy_is_catalogued_waits_and_then_takes_it(
    holds: tuple[ServiceRuntime, CollectorRegistry], bootstrap_servers: str, unique: str
) -> None:
    bib = f"late-{unique}"
    placed = hold_placed(1, bib=bib, pickup=HOLLOLA, prefix=unique)
    resent = placed.model_copy(update={"id": f"{placed.id}-resent"})  # same hold, new event id
    events = [placed, placed, resent, _added(f"item-{unique}", bib, LAHTI_MAIN)]
    await produce(
        bootstrap_servers, CIRCULATION, [(e.partition_key(), EventCodec.encode(e)) for e in events]
    )
    decisions = [
        json.loads(r.value)["type"].split(".")[2]
        for r in await read_topic(bootstrap_servers, HOLDS, at_least=3, key=bib.encode())
    ]
    # Once queued (the duplicate delivery and the resent hold change nothing), then filled.
    assert decisions == ["hold-queued", "copy-assigned", "transfer-requested"]


async def test_a_hold_left_on_the_shelf_expires_and_its_copy_goes_to_the_next_hold(
    holds: tuple[ServiceRuntime, CollectorRegistry],
    bootstrap_servers: str,
    database_url: str,
    unique: str,
) -> None:
    runtime, _ = holds
    bib, item = f"shelf-{unique}", f"copy-{unique}"
    first = hold_placed(1, bib=bib, pickup=HOLLOLA, prefix=unique)
    second = hold_placed(2, bib=bib, pickup=LAHTI_MAIN, prefix=unique)
    events = [_added(item, bib, HOLLOLA), first, _at(HOLLOLA, item, bib, "returned"), second]
    await produce(
        bootstrap_servers, CIRCULATION, [(e.partition_key(), EventCodec.encode(e)) for e in events]
    )
    kinds = [
        json.loads(r.value)["type"].split(".")[2]
        for r in await read_topic(bootstrap_servers, HOLDS, at_least=3, key=bib.encode())
    ]
    assert kinds == ["copy-assigned", "hold-ready-for-pickup", "hold-queued"]

    two_weeks_later = LATER + timedelta(days=14)
    expiry = HoldExpiry(
        load_consortium_config(SAMPLE_LASTU),
        pickup_window=timedelta(days=7),
        clock=lambda: two_weeks_later,
    )
    assert runtime.pool is not None
    assert await expiry(runtime.pool) >= 2
    conn = await asyncpg.connect(database_url)
    try:
        statuses = dict(
            await conn.fetch("SELECT hold_id, status FROM holds.holds WHERE bib_id = $1", bib)
        )
    finally:
        await conn.close()
    assert statuses == {first.data.hold_id: "expired", second.data.hold_id: "in_transit"}
    later = [
        json.loads(r.value)
        for r in await read_topic(bootstrap_servers, HOLDS, at_least=6, key=bib.encode())
    ][3:]
    assert [e["type"].split(".")[2] for e in later] == [
        "hold-closed", "copy-assigned", "transfer-requested",
    ]  # fmt: skip
    assert later[2]["data"]["to_library"] == LAHTI_MAIN


async def test_a_copy_catalogued_under_a_second_title_is_refused_and_consumption_goes_on(
    holds: tuple[ServiceRuntime, CollectorRegistry], bootstrap_servers: str, unique: str
) -> None:
    runtime, registry = holds
    copy = f"twice-{unique}"
    first, second = _added(copy, f"a-{unique}", LAHTI_MAIN), _added(copy, f"b-{unique}", HOLLOLA)
    second = second.model_copy(update={"id": f"{second.id}-b"})
    after = hold_placed(9, bib=f"b-{unique}", pickup=HOLLOLA, prefix=unique)
    await produce(bootstrap_servers, CIRCULATION, [encoded(first)])

    async def stored() -> bool:
        assert runtime.pool is not None
        return bool(
            await runtime.pool.fetchval("SELECT count(*) FROM holds.items WHERE item_id = $1", copy)
        )

    await eventually(stored, what="the copy stored under its first title")
    await produce(bootstrap_servers, CIRCULATION, [encoded(second), encoded(after)])
    letters = await read_topic(
        bootstrap_servers, dead_letter_topic(CIRCULATION), at_least=1, key=f"b-{unique}".encode()
    )
    assert [dict(r.headers)["kulkuri-dlq-reason"] for r in letters] == [b"contradicts_state"]
    assert copy.encode() in dict(letters[0].headers)["kulkuri-dlq-detail"]
    kinds = [
        json.loads(r.value)["type"].split(".")[2]
        for r in await read_topic(bootstrap_servers, HOLDS, at_least=1, key=f"b-{unique}".encode())
    ]
    assert kinds == ["hold-queued"], "the next event of that title was still handled"
    assert metric(registry, "kulkuri_events_dead_lettered_total", reason="contradicts_state") >= 1
