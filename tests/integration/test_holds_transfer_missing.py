"""The holds service on the real broker and database: a copy declared missing on the transport
topic leaves circulation and its hold is filled from another copy, or waits at its place in
the queue; an overdue copy is no decision and no dead letter.

Waits are on this test's own events in ``holds.inbox`` and on its own title's records, as in
``test_holds_transport_and_rebalance.py``, whose event builders these tests share."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import timedelta

import asyncpg
import pytest

from kulkuri.shared.events import (
    CloudEvent,
    TransferMissing,
    TransferMissingData,
    TransferOverdue,
    TransferOverdueData,
)
from kulkuri.shared.messaging import CIRCULATION, HOLDS, TRANSPORT, dead_letter_topic
from kulkuri.shared.runtime import ServiceRuntime
from tests.integration.holds_runtime import config_for, running_holds
from tests.integration.test_holds_transport_and_rebalance import (
    HOLLOLA,
    LAHTI_MAIN,
    LATER,
    VANS,
    WHEN,
    added,
    decisions,
    handled,
    kinds,
    placed,
    send,
)
from tests.kafka_tools import read_topic

pytestmark = pytest.mark.integration

LIIPOLA = "85520"  # 11.3 km from Hollola: the next cheapest source after Lahti's 10.9 km


@pytest.fixture
async def holds(
    bootstrap_servers: str, database_url: str, unique: str
) -> AsyncIterator[ServiceRuntime]:
    async with running_holds(
        config_for(f"holds-{unique}"),
        bootstrap_servers=bootstrap_servers,
        database_url=database_url,
    ) as runtime:
        yield runtime


def missing(item: str, bib: str, hold: str | None, last_seen: str | None = None) -> TransferMissing:
    data = TransferMissingData(
        transfer_id=f"{item}:1",
        item_id=item,
        bib_id=bib,
        hold_id=hold,
        from_library=LAHTI_MAIN,
        to_library=HOLLOLA,
        last_seen_library=last_seen,
        reason="overdue",
        declared_at=LATER,
    )
    return TransferMissing.create(id=f"lost-{item}", source=VANS, time=LATER, data=data)


def overdue(item: str, bib: str) -> TransferOverdue:
    data = TransferOverdueData(
        transfer_id=f"{item}:1",
        item_id=item,
        bib_id=bib,
        from_library=LAHTI_MAIN,
        to_library=HOLLOLA,
        status="loaded",
        due_by=WHEN + timedelta(hours=20),
        detected_at=LATER,
    )
    return TransferOverdue.create(id=f"late-{item}", source=VANS, time=LATER, data=data)


async def through(
    holds: ServiceRuntime, bootstrap: str, topic: str, events: Sequence[CloudEvent]
) -> None:
    await send(bootstrap, topic, events)
    await handled(holds, events)


async def row(pool: asyncpg.Pool | None, table: str, key: str, value: str) -> asyncpg.Record:
    assert pool is not None
    found = await pool.fetchrow(f"SELECT * FROM holds.{table} WHERE {key} = $1", value)
    assert found is not None, f"no {table} row with {key} = {value!r}"
    return found


async def test_a_copy_declared_missing_gives_its_hold_the_next_cheapest_copy_and_is_not_used(
    holds: ServiceRuntime, bootstrap_servers: str, unique: str
) -> None:
    bib, lost, spare = f"bib-{unique}", f"lost-{unique}", f"spare-{unique}"
    hold, later_hold = f"hold-{unique}", f"later-{unique}"
    setup = [added(lost, bib, LAHTI_MAIN), added(spare, bib, LIIPOLA), placed(hold, bib, HOLLOLA)]
    await through(holds, bootstrap_servers, CIRCULATION, setup)
    assert (await row(holds.pool, "items", "item_id", lost))["transfer_id"] == f"{lost}:1"

    await through(holds, bootstrap_servers, TRANSPORT, [missing(lost, bib, hold, LAHTI_MAIN)])
    published = await decisions(bootstrap_servers, bib, at_least=4)
    assert kinds(published) == [
        "copy-assigned",
        "transfer-requested",
        "copy-assigned",
        "transfer-requested",
    ]
    again = published[3]["data"]
    assert (again["transfer_id"], again["item_id"], again["hold_id"]) == (f"{spare}:1", spare, hold)
    assert (again["from_library"], again["to_library"]) == (LIIPOLA, HOLLOLA)
    assert published[2]["data"]["item_id"] == spare
    lost_row = await row(holds.pool, "items", "item_id", lost)
    assert (lost_row["status"], lost_row["hold_id"], lost_row["transfer_id"]) == (
        "missing",
        None,
        None,
    )
    hold_row = await row(holds.pool, "holds", "hold_id", hold)
    assert (hold_row["status"], hold_row["item_id"]) == ("in_transit", spare)

    # With the spare copy taken, a new hold waits: the missing copy is no source any more.
    await through(holds, bootstrap_servers, CIRCULATION, [placed(later_hold, bib, LAHTI_MAIN)])
    waiting = await row(holds.pool, "holds", "hold_id", later_hold)
    assert (waiting["status"], waiting["item_id"]) == ("waiting", None)


async def test_a_hold_whose_only_copy_went_missing_waits_at_its_place_in_the_queue(
    holds: ServiceRuntime, bootstrap_servers: str, unique: str
) -> None:
    bib, lost, new = f"bib-{unique}", f"lost-{unique}", f"new-{unique}"
    first, second = f"first-{unique}", f"second-{unique}"
    setup = [
        added(lost, bib, LAHTI_MAIN),
        placed(first, bib, HOLLOLA),
        placed(second, bib, HOLLOLA, at=WHEN + timedelta(minutes=1)),
    ]
    await through(holds, bootstrap_servers, CIRCULATION, setup)
    await through(holds, bootstrap_servers, TRANSPORT, [missing(lost, bib, first)])

    published = await decisions(bootstrap_servers, bib, at_least=4)
    assert kinds(published) == ["copy-assigned", "transfer-requested", "hold-queued", "hold-queued"]
    requeued = published[3]["data"]
    assert (requeued["hold_id"], requeued["position"]) == (first, 1)
    assert (await row(holds.pool, "holds", "hold_id", first))["status"] == "waiting"
    assert (await row(holds.pool, "items", "item_id", lost))["status"] == "missing"

    # The next copy goes to the first hold, ahead of the one placed after it.
    await through(holds, bootstrap_servers, CIRCULATION, [added(new, bib, LAHTI_MAIN)])
    refilled = await row(holds.pool, "holds", "hold_id", first)
    assert (refilled["status"], refilled["item_id"]) == ("in_transit", new)
    assert (await row(holds.pool, "holds", "hold_id", second))["status"] == "waiting"


async def test_an_overdue_copy_is_no_decision_nor_dead_letter_while_bad_losses_are_dead_lettered(
    holds: ServiceRuntime, bootstrap_servers: str, unique: str
) -> None:
    bib, late, hold, ghost = f"bib-{unique}", f"late-{unique}", f"hold-{unique}", f"ghost-{unique}"
    await through(
        holds,
        bootstrap_servers,
        CIRCULATION,
        [added(late, bib, LAHTI_MAIN), placed(hold, bib, HOLLOLA)],
    )
    assert holds.pool is not None
    version = await holds.pool.fetchval("SELECT version FROM holds.titles WHERE bib_id = $1", bib)

    # On one partition in this order: a dead letter of the overdue would come before theirs.
    transport = [overdue(late, bib), missing(ghost, bib, None), missing(late, bib, hold, "99999")]
    await through(holds, bootstrap_servers, TRANSPORT, transport)

    letters = await read_topic(
        bootstrap_servers, dead_letter_topic(TRANSPORT), at_least=2, key=bib.encode()
    )
    reasons = [dict(r.headers)["kulkuri-dlq-reason"] for r in letters]
    assert reasons == [b"unknown_item", b"unknown_library"]
    assert ghost.encode() in dict(letters[0].headers)["kulkuri-dlq-detail"]
    assert (
        await holds.pool.fetchval("SELECT version FROM holds.titles WHERE bib_id = $1", bib)
        == version
    ), "the overdue copy's title was not written"
    written = await holds.pool.fetchval(
        "SELECT count(*) FROM holds.outbox WHERE topic = $1 AND key = $2", HOLDS, bib.encode()
    )
    assert written == 2, "only the hold's copy-assigned and transfer-requested"
    item = await row(holds.pool, "items", "item_id", late)
    assert (item["status"], item["hold_id"]) == ("in_transit", hold)
