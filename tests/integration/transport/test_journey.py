"""A hold filled from another library, followed through every step by API and events: the
holds service requests the transfer, staff and drivers scan it from shelf to shelf via the
hub, and the receipt makes the hold ready for pickup."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import pytest

from kulkuri.shared.auth import Role
from kulkuri.shared.events import HoldPlaced, HoldPlacedData, ItemAdded, ItemAddedData
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
