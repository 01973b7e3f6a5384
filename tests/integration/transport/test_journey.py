"""A hold filled from another library, followed through every step by API and events: the
holds service requests the transfer, staff and drivers scan it from shelf to shelf via the
hub, and the receipt makes the hold ready for pickup. And holds cancelled before their copies
left home: the transfers are sent back to the library they stand at, staff find them on its
receiving list and scan them in there, and the copies are on the shelf again."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest

from kulkuri.shared.auth import Role
from kulkuri.shared.events import (
    CirculationEvent,
    HoldCancelled,
    HoldCancelledData,
    HoldPlaced,
    HoldPlacedData,
    ItemAdded,
    ItemAddedData,
)
from kulkuri.shared.messaging import CIRCULATION
from tests.integration.holds_runtime import config_for as holds_config
from tests.integration.holds_runtime import running_holds
from tests.integration.transport.transport_runtime import (
    HUB,
    RunningTransport,
    config_for,
    running_transport,
)
from tests.kafka_tools import encoded, produce
from tests.waiting import eventually

pytestmark = pytest.mark.integration

HOLLOLA, ASIKKALA = "85708", "85033"
WHEN = datetime(2026, 8, 3, 10, 0, tzinfo=UTC)  # a Monday: Hollola is open


@pytest.fixture
async def services(
    bootstrap_servers: str, database_url: str, unique: str
) -> AsyncIterator[RunningTransport]:
    async with (
        running_holds(
            holds_config(f"holds-{unique}"),
            bootstrap_servers=bootstrap_servers,
            database_url=database_url,
        ),
        running_transport(
            config_for(f"transport-{unique}"),
            bootstrap_servers=bootstrap_servers,
            database_url=database_url,
        ) as transport,
    ):
        yield transport


async def fetchval(database_url: str, sql: str, *args: object) -> object:
    conn = await asyncpg.connect(database_url)
    try:
        return await conn.fetchval(sql, *args)
    finally:
        await conn.close()


async def test_a_hold_is_ready_after_its_copy_travelled_via_the_hub(
    services: RunningTransport, bootstrap_servers: str, database_url: str, unique: str
) -> None:
    item, bib, hold = f"it-{unique}", f"bib-{unique}", f"hold-{unique}"
    events = [
        ItemAdded.create(
            id=f"add-{item}",
            source="urn:ils:test",
            time=WHEN,
            data=ItemAddedData(
                item_id=item,
                bib_id=bib,
                owning_library=HOLLOLA,
                collection="adult-fiction",
                format="book",
                added_at=WHEN,
            ),
        ),
        HoldPlaced.create(
            id=f"place-{hold}",
            source="urn:ils:test",
            time=WHEN,
            data=HoldPlacedData(hold_id=hold, bib_id=bib, pickup_library=ASIKKALA, placed_at=WHEN),
        ),
    ]
    await produce(bootstrap_servers, CIRCULATION, [encoded(e) for e in events])
    transfer_id = f"{item}:1"
    api, hollola = services.client, services.token(Role.STAFF, HOLLOLA)

    async def requested() -> bool:
        found = await api.get(f"/transport/transfers/{transfer_id}", headers=hollola)
        return found.status_code == 200

    await eventually(requested, what="the transfer requested by the holds service")
    pull_list = await api.get(f"/transport/libraries/{HOLLOLA}/pull-list", headers=hollola)
    assert transfer_id in [line["transfer_id"] for line in pull_list.json()["lines"]]

    async def scan(headers: dict[str, str], **body: str) -> dict[str, object]:
        answer = await api.post("/transport/scans", json=body, headers=headers)
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    await scan(hollola, kind="pulled", barcode=item, library=HOLLOLA)
    plan = await api.post(f"/transport/libraries/{HOLLOLA}/packing-plan", headers=hollola)
    (crate,) = [c for c, ts in plan.json()["crates"].items() if transfer_id in ts]
    await scan(hollola, kind="packed", barcode=item, library=HOLLOLA, crate_id=crate)
    driver = services.token(Role.DRIVER)
    await scan(driver, kind="loaded", barcode=crate, library=HOLLOLA, van_run=f"r1-{unique}")
    await scan(driver, kind="unloaded", barcode=crate, library=HUB)
    await scan(driver, kind="loaded", barcode=crate, library=HUB, van_run=f"r2-{unique}")
    await scan(driver, kind="unloaded", barcode=crate, library=ASIKKALA)
    asikkala = services.token(Role.STAFF, ASIKKALA)
    await scan(asikkala, kind="received", barcode=item, library=ASIKKALA)

    story = (await api.get(f"/transport/transfers/{transfer_id}", headers=asikkala)).json()
    assert [step["status"] for step in story["history"]] == [
        "requested",
        "pulled",
        "packed",
        "loaded",
        "unloaded",
        "loaded",
        "unloaded",
        "received",
    ]
    assert [step["where"] for step in story["history"]][-4:] == [HUB, HUB, ASIKKALA, ASIKKALA]

    async def hold_ready() -> bool:
        status = await fetchval(
            database_url, "SELECT status FROM holds.holds WHERE hold_id = $1", hold
        )
        return status == "ready"

    await eventually(hold_ready, what="the hold ready for pickup at Asikkala")


def held_copy(unique: str, collection: str = "adult-nonfiction") -> list[CirculationEvent]:
    """A copy of Hollola's, and a hold on its title picked up at Asikkala."""
    item, bib, hold = f"it-{unique}", f"bib-{unique}", f"hold-{unique}"
    return [
        ItemAdded.create(
            id=f"add-{item}",
            source="urn:ils:test",
            time=WHEN,
            data=ItemAddedData(
                item_id=item,
                bib_id=bib,
                owning_library=HOLLOLA,
                collection=collection,  # adult-nonfiction: return_to_owner in the Lastu sample
                format="book",
                added_at=WHEN,
            ),
        ),
        HoldPlaced.create(
            id=f"place-{hold}",
            source="urn:ils:test",
            time=WHEN,
            data=HoldPlacedData(hold_id=hold, bib_id=bib, pickup_library=ASIKKALA, placed_at=WHEN),
        ),
    ]


def cancelled(unique: str) -> HoldCancelled:
    hold, bib = f"hold-{unique}", f"bib-{unique}"
    return HoldCancelled.create(
        id=f"cancel-{hold}",
        source="urn:ils:test",
        time=WHEN,
        data=HoldCancelledData(hold_id=hold, bib_id=bib, cancelled_at=WHEN),
    )


class Desk:
    """Hollola's staff (and a driver) at the transport API."""

    def __init__(self, services: RunningTransport) -> None:
        self.api = services.client
        self.staff = services.token(Role.STAFF, HOLLOLA)
        self.driver = services.token(Role.DRIVER)

    async def transfer(self, transfer_id: str) -> dict[str, Any] | None:
        found = await self.api.get(f"/transport/transfers/{transfer_id}", headers=self.staff)
        return dict(found.json()) if found.status_code == 200 else None

    async def lines(self, kind: str) -> list[dict[str, Any]]:
        found = await self.api.get(
            f"/transport/libraries/{HOLLOLA}/{kind}-list", headers=self.staff
        )
        assert found.status_code == 200, found.text
        body = found.json()
        if kind == "packing":
            return [line for crate in body["crates"] for line in crate["lines"]]
        return list(body["lines"])

    async def scan(self, headers: dict[str, str], **body: str) -> dict[str, Any]:
        answer = await self.api.post("/transport/scans", json=body, headers=headers)
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    async def sent_back_home(self, transfer_id: str) -> None:
        async def retargeted() -> bool:
            found = await self.transfer(transfer_id)
            return found is not None and found["to_library"] == HOLLOLA

        await eventually(retargeted, what=f"{transfer_id} re-targeted to Hollola")


async def on_the_shelf_at_hollola(database_url: str, item: str) -> None:
    async def on_its_shelf() -> bool:
        conn = await asyncpg.connect(database_url)
        try:
            row = await conn.fetchrow(
                "SELECT status, current_library FROM holds.items WHERE item_id = $1", item
            )
        finally:
            await conn.close()
        return row is not None and tuple(row) == ("on_shelf", HOLLOLA)

    await eventually(on_its_shelf, what=f"{item} on its shelf at Hollola again")


async def test_a_copy_whose_hold_is_cancelled_before_it_left_home_is_back_on_its_shelf(
    services: RunningTransport, bootstrap_servers: str, database_url: str, unique: str
) -> None:
    await produce(bootstrap_servers, CIRCULATION, [encoded(e) for e in held_copy(unique)])
    item, transfer_id = f"it-{unique}", f"it-{unique}:1"
    desk = Desk(services)

    async def requested() -> bool:
        return await desk.transfer(transfer_id) is not None

    await eventually(requested, what="the transfer requested by the holds service")
    assert transfer_id in [line["transfer_id"] for line in await desk.lines("pull")]
    await produce(bootstrap_servers, CIRCULATION, [encoded(cancelled(unique))])
    await desk.sent_back_home(transfer_id)

    assert transfer_id not in [line["transfer_id"] for line in await desk.lines("pull")]
    (line,) = [line for line in await desk.lines("receiving") if line["transfer_id"] == transfer_id]
    assert (line["stays_here"], line["status"], line["crate_id"]) == (True, "requested", None)
    await desk.scan(desk.staff, kind="received", barcode=item, library=HOLLOLA)

    story = await desk.transfer(transfer_id)
    assert story is not None and story["status"] == "received"
    last = story["history"][-1]
    assert (last["status"], last["where"], last["detail"]) == (
        "received",
        HOLLOLA,
        "received where it stood: it had not left",
    )
    assert [step["status"] for step in story["history"]] == ["requested", "requested", "received"]
    await on_the_shelf_at_hollola(database_url, item)
    assert transfer_id not in [line["transfer_id"] for line in await desk.lines("receiving")]


async def test_a_packed_copy_sent_back_home_is_taken_out_of_its_crate_and_the_crate_goes_on(
    services: RunningTransport, bootstrap_servers: str, database_url: str, unique: str
) -> None:
    stays, goes = f"{unique}-a", f"{unique}-b"
    events = [*held_copy(stays), *held_copy(goes)]
    await produce(bootstrap_servers, CIRCULATION, [encoded(e) for e in events])
    desk = Desk(services)
    ids = {name: f"it-{name}:1" for name in (stays, goes)}

    async def pulled_both() -> bool:
        lines = {line["transfer_id"] for line in await desk.lines("pull")}
        return set(ids.values()) <= lines

    await eventually(pulled_both, what="both transfers on Hollola's pull list")
    for name in (stays, goes):
        await desk.scan(desk.staff, kind="pulled", barcode=f"it-{name}", library=HOLLOLA)
    plan = await desk.api.post(f"/transport/libraries/{HOLLOLA}/packing-plan", headers=desk.staff)
    (crate,) = [c for c, ts in plan.json()["crates"].items() if ids[stays] in ts]
    for name in (stays, goes):
        packed = {"crate_id": crate}  # one crate for Asikkala, carried whole via the hub
        await desk.scan(desk.staff, kind="packed", barcode=f"it-{name}", library=HOLLOLA, **packed)
    await produce(bootstrap_servers, CIRCULATION, [encoded(cancelled(stays))])
    await desk.sent_back_home(ids[stays])

    assert ids[stays] not in [line["transfer_id"] for line in await desk.lines("packing")]
    assert ids[goes] in [line["transfer_id"] for line in await desk.lines("packing")]
    (line,) = [line for line in await desk.lines("receiving") if line["transfer_id"] == ids[stays]]
    assert (line["stays_here"], line["status"], line["crate_id"]) == (True, "packed", crate)
    await desk.scan(desk.staff, kind="received", barcode=f"it-{stays}", library=HOLLOLA)

    label = await desk.api.get(f"/transport/crates/{crate}", headers=desk.staff)
    assert label.json()["item_count"] == 1
    run = f"r1-{unique}"
    loaded = await desk.scan(
        desk.driver, kind="loaded", barcode=crate, library=HOLLOLA, van_run=run
    )
    assert loaded["transfers"] == [ids[goes]]
    story = await desk.transfer(ids[stays])
    assert story is not None
    assert (story["status"], story["crate_id"]) == ("received", None)
    await on_the_shelf_at_hollola(database_url, f"it-{stays}")
