"""What people read and report: lists per library as JSON and printable pages, crate labels
with a barcode, a copy reported missing (which the holds service hears of), and scans that
arrive as events (dead-lettered with the reason when they cannot be applied)."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest

from kulkuri.shared.auth import Role
from kulkuri.shared.events.scans import ScanRecorded, ScanRecordedData
from kulkuri.shared.messaging import SCANS, TRANSPORT, dead_letter_topic
from kulkuri.transport.service_layer.legs_policy import Legs
from tests.integration.transport.fixtures import decide, requested
from tests.integration.transport.transport_runtime import HUB, RunningTransport
from tests.kafka_tools import encoded, produce, read_topic
from tests.waiting import eventually

pytestmark = pytest.mark.integration

HOLLOLA, ASIKKALA = "85708", "85033"


@pytest.fixture
async def transport(transport: RunningTransport, unique: str) -> RunningTransport:
    """The service, with a copy requested from Hollola to Asikkala."""
    pool = transport.service.runtime.pool
    assert pool is not None
    await decide(pool, Legs(hub=HUB), requested(f"ls-{unique}", 1, HOLLOLA, ASIKKALA))
    return transport


async def test_the_pull_list_prints_one_a4_page_per_library(
    transport: RunningTransport, unique: str
) -> None:
    coordinator = transport.token(Role.COORDINATOR)
    page = await transport.client.get(
        "/transport/lists/pull", params={"format": "html"}, headers=coordinator
    )
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "size: A4" in page.text
    assert f"ls-{unique}" in page.text
    assert "Hollolan pääkirjasto" in page.text
    as_json = await transport.client.get(
        "/transport/lists/pull", params={"format": "json"}, headers=coordinator
    )
    hollola = [v for v in as_json.json() if v["library_id"] == HOLLOLA]
    assert [line["item_id"] for line in hollola[0]["lines"]].count(f"ls-{unique}") == 1


async def test_packed_crates_show_on_the_packing_list_and_print_labels_with_barcodes(
    transport: RunningTransport, unique: str
) -> None:
    staff = transport.token(Role.STAFF, HOLLOLA)
    item = f"ls-{unique}"
    pulled = await transport.client.post(
        "/transport/scans",
        json={"kind": "pulled", "barcode": item, "library": HOLLOLA},
        headers=staff,
    )
    assert pulled.status_code == 200
    plan = (
        await transport.client.post(f"/transport/libraries/{HOLLOLA}/packing-plan", headers=staff)
    ).json()
    (crate,) = [c for c, ts in plan["crates"].items() if f"{item}:1" in ts]
    packed = await transport.client.post(
        "/transport/scans",
        json={"kind": "packed", "barcode": item, "library": HOLLOLA, "crate_id": crate},
        headers=staff,
    )
    assert packed.status_code == 200

    packing = (
        await transport.client.get(f"/transport/libraries/{HOLLOLA}/packing-list", headers=staff)
    ).json()
    (listed,) = [c for c in packing["crates"] if c["crate_id"] == crate]
    assert [line["item_id"] for line in listed["lines"]] == [item]
    assert (listed["next_stop"], listed["final_destination"]) == (HUB, ASIKKALA)
    labels = await transport.client.get(
        f"/transport/libraries/{HOLLOLA}/crate-labels", headers=staff
    )
    assert labels.status_code == 200
    assert "<svg" in labels.text and crate in labels.text
    receiving = await transport.client.get(
        f"/transport/libraries/{ASIKKALA}/receiving-list",
        headers=transport.token(Role.STAFF, ASIKKALA),
    )
    assert item in [line["item_id"] for line in receiving.json()["lines"]]


async def test_a_copy_reported_missing_is_announced_to_the_holds_service(
    transport: RunningTransport, bootstrap_servers: str, unique: str
) -> None:
    transfer_id = f"ls-{unique}:1"
    staff = transport.token(Role.STAFF, HOLLOLA)
    refused = await transport.client.post(
        f"/transport/transfers/{transfer_id}/missing", headers=staff
    )
    assert refused.status_code == 403
    answer = await transport.client.post(
        f"/transport/transfers/{transfer_id}/missing",
        headers=transport.token(Role.COORDINATOR),
    )
    assert answer.status_code == 200
    assert answer.json()["status"] == "missing"
    again = await transport.client.post(
        f"/transport/transfers/{transfer_id}/missing",
        headers=transport.token(Role.COORDINATOR),
    )
    assert again.status_code == 409

    records = await read_topic(
        bootstrap_servers, TRANSPORT, at_least=1, key=f"bib-ls-{unique}".encode()
    )
    (event,) = [orjson.loads(r.value) for r in records]
    assert event["type"] == "kulkuri.transport.transfer-missing.v1"
    assert (event["data"]["reason"], event["data"]["hold_id"]) == ("reported", "h1")


async def test_scans_arrive_as_events_too_and_bad_ones_are_dead_lettered(
    transport: RunningTransport, bootstrap_servers: str, unique: str
) -> None:
    item = f"ls-{unique}"
    now = datetime.now(UTC)

    def scan(event_id: str, barcode: str) -> ScanRecorded:
        data = ScanRecordedData(kind="pulled", barcode=barcode, library=HOLLOLA, scanned_at=now)
        return ScanRecorded.create(id=event_id, source="urn:scanner:test", time=now, data=data)

    await produce(
        bootstrap_servers,
        SCANS,
        [encoded(scan(f"s1-{unique}", item)), encoded(scan(f"s2-{unique}", f"nope-{unique}"))],
    )
    staff = transport.token(Role.STAFF, HOLLOLA)

    async def pulled() -> bool:
        story = await transport.client.get(f"/transport/transfers/{item}:1", headers=staff)
        return bool(story.json()["status"] == "pulled")

    await eventually(pulled, what="the scan event applied")
    letters = await read_topic(
        bootstrap_servers, dead_letter_topic(SCANS), at_least=1, key=f"nope-{unique}".encode()
    )
    headers = dict(letters[0].headers)
    assert b"no_open_transfer" in b" ".join(headers.values())
