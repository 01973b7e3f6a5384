"""The access table of docs/security.md against the running services and the reports' app:
every cell is what the app answers, and every route an app registers is in the table."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from kulkuri.shared.auth import Role, TokenAuthority
from kulkuri.shared.events import HoldPlaced, HoldPlacedData, ItemAdded, ItemAddedData
from kulkuri.shared.messaging import CIRCULATION
from tests.kafka_tools import encoded, produce
from tests.security.access_table import SERVICES, Row, read_table
from tests.security.stack import (
    RunningStack,
    bearer,
    build_stack,
    expired_token,
    registered_routes,
    running_stack,
    token,
)
from tests.waiting import eventually

pytestmark = pytest.mark.integration

HOLLOLA, ASIKKALA, HEINOLA = "85708", "85033", "85381"
WHEN = datetime(2026, 8, 3, 10, 0, tzinfo=UTC)  # a Monday
NO_PLAN_DAY = "2031-01-07"  # a day no test plans: routing answers 404, not a plan
FOREIGN = TokenAuthority("another-consortium-key-of-32-bytes!!")


@dataclass(frozen=True)
class Call:
    """A request that exercises one row: ``owner`` is the library an ``own library`` cell is
    about; ``crate_body`` is the body a ``crate scans`` cell allows (``body`` is refused)."""

    url: str
    body: Any = None
    owner: str = HOLLOLA
    crate_body: Any = None


@dataclass(frozen=True)
class Journey:
    """A hold at Asikkala filled from Hollola's shelf: pulled and packed at Hollola."""

    bib: str
    hold: str
    transfer: str
    crate: str


@pytest.fixture
async def stack(
    bootstrap_servers: str, database_url: str, unique: str
) -> AsyncIterator[RunningStack]:
    async with running_stack(
        f"access-{unique}", database_url=database_url, bootstrap_servers=bootstrap_servers
    ) as running:
        yield running


async def make_journey(stack: RunningStack, bootstrap_servers: str, unique: str) -> Journey:
    item, bib, hold = f"acc-item-{unique}", f"acc-bib-{unique}", f"acc-hold-{unique}"
    added = ItemAddedData(
        item_id=item,
        bib_id=bib,
        owning_library=HOLLOLA,
        collection="adult-fiction",
        format="book",
        added_at=WHEN,
    )
    placed = HoldPlacedData(hold_id=hold, bib_id=bib, pickup_library=ASIKKALA, placed_at=WHEN)
    events = [
        ItemAdded.create(id=f"add-{item}", source="urn:ils:test", time=WHEN, data=added),
        HoldPlaced.create(id=f"place-{hold}", source="urn:ils:test", time=WHEN, data=placed),
    ]
    await produce(bootstrap_servers, CIRCULATION, [encoded(e) for e in events])
    transport, hollola = stack.clients["transport"], bearer(token(Role.STAFF, HOLLOLA))
    transfer = f"{item}:1"

    async def requested() -> bool:
        found = await transport.get(f"/transport/transfers/{transfer}", headers=hollola)
        return found.status_code == 200

    await eventually(requested, what="the transfer the holds service requested")
    scan = {"kind": "pulled", "barcode": item, "library": HOLLOLA}
    assert (await transport.post("/transport/scans", json=scan, headers=hollola)).is_success
    plan = await transport.post(f"/transport/libraries/{HOLLOLA}/packing-plan", headers=hollola)
    (crate,) = [c for c, ts in plan.json()["crates"].items() if transfer in ts]
    return Journey(bib, hold, transfer, crate)


def example_calls(journey: Journey, unique: str) -> dict[tuple[str, str], Call]:
    """One request per guarded row, on the journey's hold, transfer and crate; a guarded row
    without one fails the walk, so a new endpoint needs its example here."""
    item_scan = {"kind": "received", "barcode": f"nothing-{unique}", "library": HOLLOLA}
    crate_scan = {"kind": "unloaded", "barcode": f"K-nothing-{unique}", "library": HOLLOLA}
    day = NO_PLAN_DAY
    calls = {
        ("GET", "/holds/holds/{hold_id}"): Call(f"/holds/holds/{journey.hold}", owner=ASIKKALA),
        ("GET", "/holds/titles/{bib_id}/queue"): Call(f"/holds/titles/{journey.bib}/queue"),
        ("GET", "/holds/libraries/{library_id}/pull-list"): Call(
            f"/holds/libraries/{HOLLOLA}/pull-list?day=2026-08-03"
        ),
        ("GET", "/holds/decisions"): Call("/holds/decisions"),
        ("GET", "/holds/reassignment/latest"): Call("/holds/reassignment/latest"),
        ("POST", "/transport/scans"): Call("/transport/scans", item_scan, crate_body=crate_scan),
        ("POST", "/transport/scans/batch"): Call(
            "/transport/scans/batch", {"scans": [item_scan]}, crate_body={"scans": [crate_scan]}
        ),
        ("GET", "/transport/libraries/{library}/{kind}-list"): Call(
            f"/transport/libraries/{HOLLOLA}/receiving-list"
        ),
        ("GET", "/transport/lists/{kind}"): Call("/transport/lists/packing"),
        ("POST", "/transport/libraries/{library}/packing-plan"): Call(
            f"/transport/libraries/{HOLLOLA}/packing-plan"
        ),
        ("GET", "/transport/libraries/{library}/crate-labels"): Call(
            f"/transport/libraries/{HOLLOLA}/crate-labels"
        ),
        ("GET", "/transport/crates/{crate_id}"): Call(f"/transport/crates/{journey.crate}"),
        ("GET", "/transport/transfers/{transfer_id}"): Call(
            f"/transport/transfers/{journey.transfer}"
        ),
        ("GET", "/transport/overdue"): Call("/transport/overdue"),
        ("POST", "/transport/transfers/{transfer_id}/missing"): Call(
            f"/transport/transfers/nothing-{unique}/missing"
        ),
        ("POST", "/routing/days/{day}/plan"): Call(f"/routing/days/{day}/plan", {}),
        ("GET", "/routing/days/{day}/plan"): Call(f"/routing/days/{day}/plan"),
        ("GET", "/routing/days/{day}/plan.geojson"): Call(f"/routing/days/{day}/plan.geojson"),
        ("GET", "/routing/days/{day}/vans/{van_id}/sheet"): Call(
            f"/routing/days/{day}/vans/van-1/sheet"
        ),
        ("POST", "/routing/days/{day}/replan"): Call(f"/routing/days/{day}/replan", {}),
        ("GET", "/coordinator/network"): Call("/coordinator/network"),
        ("GET", "/coordinator/days/{day}/shipments"): Call(f"/coordinator/days/{day}/shipments"),
        ("GET", "/reports/cost-sharing"): Call(
            "/reports/cost-sharing?from=2026-08-01&to=2026-08-31"
        ),
        ("GET", "/reports/annual/{year}"): Call("/reports/annual/2026"),
    }
    return calls


async def ask(client: httpx.AsyncClient, method: str, call: Call, headers: dict[str, str]) -> int:
    answer = await client.request(method, call.url, json=call.body, headers=headers)
    return answer.status_code


def caller(role: Role, call: Call, library: str | None = None) -> dict[str, str]:
    if role is Role.STAFF:
        return bearer(token(role, library or call.owner))
    return bearer(token(role))


async def walk(client: httpx.AsyncClient, row: Row, call: Call) -> list[str]:
    """What the service answers that the row does not say."""
    where = f"{row.method} {call.url}"
    wrong = []

    async def expect(what: str, headers: dict[str, str], allowed: bool, ask_with: Call) -> None:
        status = await ask(client, row.method, ask_with, headers)
        if allowed and (status in (401, 403) or status >= 500):
            wrong.append(f"{where}: {what} should be allowed, got {status}")
        elif not allowed and status != 403:
            wrong.append(f"{where}: {what} should be 403, got {status}")

    if row.public:
        status = await ask(client, row.method, call, {})
        if status in (401, 403) or status >= 500:
            wrong.append(f"{where}: public, got {status} without a token")
        return wrong
    allowed = [role for role, cell in row.cells.items() if cell != "no"]
    assert allowed, f"{where}: nobody may call it; remove the endpoint or the row"
    someone = allowed[0]
    crate = row.cells[someone] == "crate scans"
    with_body = replace(call, body=call.crate_body) if crate else call
    refused = {
        "no token": {},
        "an expired token": bearer(
            expired_token(someone, call.owner if someone is Role.STAFF else None)
        ),
        "a token of another key": bearer(
            FOREIGN.issue(someone, library=call.owner if someone is Role.STAFF else None)
        ),
    }
    for what, headers in refused.items():
        status = await ask(client, row.method, with_body, headers)
        if status != 401:
            wrong.append(f"{where}: {what} ({someone}) should be 401, got {status}")
    for role, cell in row.cells.items():
        match cell:
            case "yes" | "no":
                await expect(f"{role}", caller(role, call), cell == "yes", call)
            case "own library":
                await expect(f"{role} of {call.owner}", caller(role, call), True, call)
                await expect(f"{role} of {HEINOLA}", caller(role, call, HEINOLA), False, call)
            case "crate scans":
                crate_scan = replace(call, body=call.crate_body)
                await expect(f"{role}, crate scan", caller(role, call), True, crate_scan)
                await expect(f"{role}, item scan", caller(role, call), False, call)
    return wrong


async def test_every_cell_of_the_access_table_is_what_the_services_answer(
    stack: RunningStack, bootstrap_servers: str, unique: str
) -> None:
    rows = read_table()
    assert len([r for r in rows if not r.public]) >= 20, "the table was not read whole"
    calls = example_calls(await make_journey(stack, bootstrap_servers, unique), unique)
    wrong: list[str] = []
    for row in rows:
        call = calls.get((row.method, row.path), Call(row.path))
        if not row.public and (row.method, row.path) not in calls:
            wrong.append(f"{row.method} {row.path}: no example call in this test")
            continue
        for service in SERVICES:
            if row.served_by(service):
                wrong += await walk(stack.clients[service], row, call)
    assert not wrong, "\n".join(wrong)


def test_every_route_of_every_service_is_in_the_table(database_url: str) -> None:
    rows = read_table()
    served = build_stack("routes", database_url=database_url, bootstrap_servers="unused:9092")
    for service in SERVICES:
        registered = registered_routes(served[service].app)
        listed = {(r.method, r.path) for r in rows if r.served_by(service)}
        assert registered - listed == set(), f"{service}: routes missing from docs/security.md"
        assert listed - registered == set(), f"{service}: the table lists routes it lacks"
