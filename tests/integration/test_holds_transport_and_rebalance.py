"""The holds service on the real broker and database, beyond circulation: transfers received
on the transport topic make holds ready (or are dead-lettered naming what is wrong), and
returned copies of a rebalance collection go where the title's demand per copy is highest.

Each test's consumer groups read the shared topics from their start, so waits are on this
test's own events (their keys in ``holds.inbox``), never on counts."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kulkuri.holds.adapters.consortium_config import SAMPLE_LASTU, load_consortium_config
from kulkuri.holds.adapters.demand import DemandCounts
from kulkuri.holds.domain.consortium import Consortium
from kulkuri.holds.service_layer.expiry import HoldExpiry
from kulkuri.shared.events import (
    CloudEvent,
    HoldCancelled,
    HoldCancelledData,
    HoldPlaced,
    HoldPlacedData,
    ItemAdded,
    ItemAddedData,
    ItemCheckedOut,
    ItemCheckedOutData,
    ItemReturned,
    ItemReturnedData,
    TransferReceived,
    TransferReceivedData,
)
from kulkuri.shared.messaging import CIRCULATION, HOLDS, TRANSPORT, dead_letter_topic
from kulkuri.shared.runtime import ServiceRuntime
from tests.integration.holds_runtime import config_for, running_holds
from tests.kafka_tools import encoded, produce, read_topic
from tests.waiting import eventually, settled

pytestmark = pytest.mark.integration

LAHTI_MAIN, HOLLOLA = "85910", "85708"  # 10.9 km apart by the sample's road estimate
WHEN = datetime(2026, 8, 3, 10, 0, tzinfo=UTC)  # a Monday: both libraries are open
LATER = datetime(2026, 8, 4, 12, 0, tzinfo=UTC)
YOUNG_ADULT = "young-adult"  # the Lastu sample's rebalance collection
ILS, VANS = "urn:ils:test", "urn:kulkuri:transport"


@pytest.fixture
def lastu() -> Consortium:
    return load_consortium_config(SAMPLE_LASTU)


@pytest.fixture
async def holds(
    bootstrap_servers: str, database_url: str, unique: str, lastu: Consortium
) -> AsyncIterator[ServiceRuntime]:
    async with running_holds(
        config_for(f"holds-{unique}"),
        bootstrap_servers=bootstrap_servers,
        database_url=database_url,
        consortium=lastu,
    ) as runtime:
        yield runtime


# -- events ---------------------------------------------------------------------------------


def added(item: str, bib: str, owner: str, collection: str = "adult-fiction") -> ItemAdded:
    data = ItemAddedData(
        item_id=item,
        bib_id=bib,
        owning_library=owner,
        collection=collection,
        format="book",
        added_at=WHEN,
    )
    return ItemAdded.create(id=f"add-{item}", source=ILS, time=WHEN, data=data)


def placed(hold: str, bib: str, pickup: str, at: datetime = WHEN) -> HoldPlaced:
    data = HoldPlacedData(hold_id=hold, bib_id=bib, pickup_library=pickup, placed_at=at)
    return HoldPlaced.create(id=f"place-{hold}", source=ILS, time=at, data=data)


def cancelled(hold: str, bib: str) -> HoldCancelled:
    at = WHEN + timedelta(hours=2)
    data = HoldCancelledData(hold_id=hold, bib_id=bib, cancelled_at=at, reason="patron")
    return HoldCancelled.create(id=f"cancel-{hold}", source=ILS, time=at, data=data)


def checked_out(item: str, bib: str, library: str) -> ItemCheckedOut:
    at = WHEN + timedelta(hours=1)
    data = ItemCheckedOutData(item_id=item, bib_id=bib, library=library, checked_out_at=at)
    return ItemCheckedOut.create(id=f"out-{item}", source=ILS, time=at, data=data)


def returned(item: str, bib: str, library: str) -> ItemReturned:
    data = ItemReturnedData(item_id=item, bib_id=bib, library=library, returned_at=LATER)
    return ItemReturned.create(id=f"ret-{item}", source=ILS, time=LATER, data=data)


def received(transfer: str, item: str, bib: str, library: str) -> TransferReceived:
    data = TransferReceivedData(
        transfer_id=transfer, item_id=item, bib_id=bib, library=library, received_at=LATER
    )
    return TransferReceived.create(id=f"recv-{item}-{library}", source=VANS, time=LATER, data=data)


# -- waiting and reading ----------------------------------------------------------------------


async def send(bootstrap: str, topic: str, events: Sequence[CloudEvent]) -> None:
    await produce(bootstrap, topic, [encoded(e) for e in events])


async def handled(runtime: ServiceRuntime, events: Sequence[CloudEvent]) -> None:
    """Until every one of ``events`` is in the inbox: handled, or rejected by the handler."""
    await eventually(
        lambda: settled(runtime.database_url, events), what=f"{len(events)} events in the inbox"
    )


async def decisions(bootstrap: str, bib: str, at_least: int) -> list[dict[str, Any]]:
    records = await read_topic(bootstrap, HOLDS, at_least=at_least, key=bib.encode())
    return [json.loads(r.value) for r in records]


def kinds(events: list[dict[str, Any]]) -> list[str]:
    return [e["type"].split(".")[2] for e in events]


# -- transfers received ---------------------------------------------------------------------


async def test_a_transfer_received_at_the_pickup_library_makes_the_hold_ready(
    holds: ServiceRuntime, bootstrap_servers: str, unique: str
) -> None:
    bib, item, hold = f"bib-{unique}", f"item-{unique}", f"hold-{unique}"
    circulation = [added(item, bib, LAHTI_MAIN), placed(hold, bib, HOLLOLA)]
    await send(bootstrap_servers, CIRCULATION, circulation)
    await handled(holds, circulation)
    assert holds.pool is not None
    transfer = await holds.pool.fetchval(
        "SELECT transfer_id FROM holds.items WHERE item_id = $1", item
    )
    assert transfer == f"{item}:1"

    arrival = received(transfer, item, bib, HOLLOLA)
    await send(bootstrap_servers, TRANSPORT, [arrival])
    await handled(holds, [arrival])
    hold_row = await holds.pool.fetchrow("SELECT * FROM holds.holds WHERE hold_id = $1", hold)
    item_row = await holds.pool.fetchrow("SELECT * FROM holds.items WHERE item_id = $1", item)
    assert hold_row is not None and item_row is not None
    assert (hold_row["status"], hold_row["item_id"]) == ("ready", item)
    assert (item_row["status"], item_row["current_library"]) == ("on_hold_shelf", HOLLOLA)

    published = await decisions(bootstrap_servers, bib, at_least=3)
    assert kinds(published) == ["copy-assigned", "transfer-requested", "hold-ready-for-pickup"]
    ready = published[2]["data"]
    assert (ready["hold_id"], ready["item_id"], ready["library"]) == (hold, item, HOLLOLA)


async def test_bad_transfers_are_dead_lettered_naming_the_copy_or_library_and_the_next_is_handled(
    holds: ServiceRuntime, bootstrap_servers: str, unique: str
) -> None:
    bib, on_loan, travelling = f"bib-{unique}", f"loaned-{unique}", f"sent-{unique}"
    ghost = f"ghost-{unique}"
    circulation = [
        added(on_loan, bib, LAHTI_MAIN),
        checked_out(on_loan, bib, LAHTI_MAIN),
        added(travelling, bib, LAHTI_MAIN),
        placed(f"hold-{unique}", bib, HOLLOLA),  # takes the copy on the shelf: travelling
    ]
    await send(bootstrap_servers, CIRCULATION, circulation)
    await handled(holds, circulation)

    wrong_topic = placed(f"stray-{unique}", bib, HOLLOLA)
    bad = [
        received(f"{ghost}:1", ghost, bib, HOLLOLA),
        received(f"{travelling}:1", travelling, bib, "99999"),
        received(f"{on_loan}:1", on_loan, bib, HOLLOLA),
    ]
    good = received(f"{travelling}:1", travelling, bib, HOLLOLA)
    await send(bootstrap_servers, TRANSPORT, [*bad, wrong_topic, good])
    await handled(holds, [*bad, good])

    letters = await read_topic(
        bootstrap_servers, dead_letter_topic(TRANSPORT), at_least=4, key=bib.encode()
    )
    headers = [dict(r.headers) for r in letters]
    assert {(h["kulkuri-dlq-reason"], h["kulkuri-dlq-topic"]) for h in headers} == {
        (b"unknown_item", TRANSPORT.encode()),
        (b"unknown_library", TRANSPORT.encode()),
        (b"contradicts_state", TRANSPORT.encode()),
        (b"unknown_type", TRANSPORT.encode()),
    }
    detail = {h["kulkuri-dlq-reason"]: h["kulkuri-dlq-detail"] for h in headers}
    assert ghost.encode() in detail[b"unknown_item"]
    assert b"99999" in detail[b"unknown_library"]
    assert on_loan.encode() in detail[b"contradicts_state"]
    assert holds.pool is not None
    status = await holds.pool.fetchval(
        "SELECT status FROM holds.holds WHERE hold_id = $1", f"hold-{unique}"
    )
    assert status == "ready", "the valid transfer after the bad ones was still handled"


# -- rebalancing ------------------------------------------------------------------------------


def demand_elsewhere(bib: str, copy: str, holds_at_hollola: int) -> list[CloudEvent]:
    """A young-adult copy of Lahti's on loan while ``holds_at_hollola`` holds are placed at
    Hollola and cancelled again: demand there, but nothing waiting when the copy returns."""
    holds = [placed(f"{bib}-h{n}", bib, HOLLOLA) for n in range(holds_at_hollola)]
    return [
        added(copy, bib, LAHTI_MAIN, YOUNG_ADULT),
        checked_out(copy, bib, LAHTI_MAIN),
        *holds,
        *(cancelled(h.data.hold_id, bib) for h in holds),
    ]


async def test_a_returned_rebalance_copy_goes_where_demand_per_copy_is_highest_if_it_pays(
    holds: ServiceRuntime, bootstrap_servers: str, unique: str
) -> None:
    wanted, unwanted = f"ya-{unique}", f"ya-quiet-{unique}"
    history = [
        *demand_elsewhere(wanted, f"copy-{wanted}", holds_at_hollola=3),
        *demand_elsewhere(unwanted, f"copy-{unwanted}", holds_at_hollola=1),
    ]
    await send(bootstrap_servers, CIRCULATION, history)
    await handled(holds, history)  # so the returns' demand comes from the holds table

    returns = [
        returned(f"copy-{wanted}", wanted, LAHTI_MAIN),
        returned(f"copy-{unwanted}", unwanted, LAHTI_MAIN),
    ]
    await send(bootstrap_servers, CIRCULATION, returns)
    await handled(holds, returns)

    # 3 holds a copy at Hollola against none at Lahti: a gain of 3, worth 30 km > 10.9 km.
    sent = (await decisions(bootstrap_servers, wanted, at_least=7))[-1]
    assert sent["type"] == "kulkuri.holds.transfer-requested.v1"
    assert {k: sent["data"][k] for k in ("item_id", "from_library", "to_library", "reason")} == {
        "item_id": f"copy-{wanted}",
        "from_library": LAHTI_MAIN,
        "to_library": HOLLOLA,
        "reason": "rebalance",
    }
    # One hold is a gain of 1, below the sample's min_gain of 2: the copy stays.
    kept = (await decisions(bootstrap_servers, unwanted, at_least=3))[-1]
    assert (kept["type"], kept["data"]["library"]) == ("kulkuri.holds.item-shelved.v1", LAHTI_MAIN)


async def test_demand_counts_holds_per_pickup_library_within_the_window(
    holds: ServiceRuntime, bootstrap_servers: str, unique: str, lastu: Consortium
) -> None:
    bib = f"window-{unique}"
    window = timedelta(days=lastu.rebalance.window_days)
    history = [
        added(f"copy-{bib}", bib, LAHTI_MAIN, YOUNG_ADULT),
        placed(f"{bib}-old", bib, HOLLOLA, at=LATER - window - timedelta(hours=1)),
        placed(f"{bib}-h1", bib, HOLLOLA, at=WHEN),
        placed(f"{bib}-h2", bib, HOLLOLA, at=WHEN + timedelta(minutes=5)),
        placed(f"{bib}-h3", bib, LAHTI_MAIN, at=WHEN),
        placed(f"{bib}-next", bib, LAHTI_MAIN, at=LATER + timedelta(minutes=1)),
    ]
    await send(bootstrap_servers, CIRCULATION, history)
    await handled(holds, history)
    assert holds.pool is not None
    async with holds.pool.acquire() as conn:
        demand = await DemandCounts(lastu).load(conn, [bib, f"nothing-{unique}"], until=LATER)
    assert demand is not None
    assert demand.counts == {bib: {HOLLOLA: 2, LAHTI_MAIN: 1}, f"nothing-{unique}": {}}


async def test_a_rebalance_copy_freed_by_an_expired_hold_goes_where_demand_per_copy_is_highest(
    holds: ServiceRuntime, bootstrap_servers: str, unique: str, lastu: Consortium
) -> None:
    bib, copy = f"ya-shelf-{unique}", f"copy-ya-shelf-{unique}"
    history = [
        *demand_elsewhere(bib, copy, holds_at_hollola=4),
        placed(f"{bib}-local", bib, LAHTI_MAIN, at=WHEN + timedelta(hours=3)),
        returned(copy, bib, LAHTI_MAIN),  # on Lahti's hold shelf for the local hold
    ]
    await send(bootstrap_servers, CIRCULATION, history)
    await handled(holds, history)

    two_weeks_later = LATER + timedelta(days=14)
    expiry = HoldExpiry(lastu, pickup_window=timedelta(days=7), clock=lambda: two_weeks_later)
    assert holds.pool is not None
    assert await expiry(holds.pool) >= 2

    # Hollola: 4 holds a copy; Lahti: its 1 expired hold over the copy kept there. A gain of 3.
    published = await decisions(bootstrap_servers, bib, at_least=13)
    assert kinds(published)[-3:] == ["hold-ready-for-pickup", "hold-closed", "transfer-requested"]
    sent = published[-1]["data"]
    assert (sent["from_library"], sent["to_library"], sent["reason"]) == (
        LAHTI_MAIN,
        HOLLOLA,
        "rebalance",
    )
