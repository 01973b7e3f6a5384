"""The holds read API over the running service: a hold's history, a title's queue, a
library's pull list for a day, decision counts; reasons for 404s; no patron in sight. (Who
may call what is walked in tests/security/test_access_table.py.)"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from kulkuri.holds.adapters.consortium_config import SAMPLE_LASTU, load_consortium_config
from kulkuri.holds.entrypoints.http import holds_router
from kulkuri.shared.auth import Role, TokenAuthority
from kulkuri.shared.auth_http import authenticator
from kulkuri.shared.events import (
    EventCodec,
    HoldPlaced,
    HoldPlacedData,
    ItemAdded,
    ItemAddedData,
)
from kulkuri.shared.messaging import CIRCULATION
from tests.integration.holds_runtime import config_for, running_holds
from tests.kafka_tools import produce
from tests.waiting import eventually, settled

pytestmark = pytest.mark.integration

LAHTI_MAIN, HOLLOLA = "85910", "85708"  # Lahden pääkirjasto, Hollolan pääkirjasto
MONDAY = datetime(2026, 8, 3, 7, 0, tzinfo=UTC)  # 10:00 in Lahti; both libraries open
PATRONISH = {"patron", "patron_id", "borrower", "borrowernumber", "cardnumber", "card"}
PATRONISH |= {"user", "user_id", "name", "email", "phone", "address", "ssn", "barcode"}
AUTHORITY = TokenAuthority("holds-read-test-secret-of-32-bytes!!")
COORDINATOR = {"Authorization": f"Bearer {AUTHORITY.issue(Role.COORDINATOR)}"}


@pytest.fixture
async def client(
    bootstrap_servers: str, database_url: str, unique: str
) -> AsyncIterator[tuple[httpx.AsyncClient, CollectorRegistry]]:
    registry = CollectorRegistry()
    consortium = load_consortium_config(SAMPLE_LASTU)
    async with running_holds(
        config_for(f"holds-read-{unique}"),
        bootstrap_servers=bootstrap_servers,
        database_url=database_url,
        registry=registry,
        consortium=consortium,
    ) as runtime:
        app = FastAPI()
        app.include_router(holds_router(lambda: runtime.pool, authenticator(AUTHORITY), consortium))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://holds", headers=COORDINATOR
        ) as http:
            yield http, registry


def _hold(hold_id: str, bib: str, pickup: str, minutes: int) -> HoldPlaced:
    at = MONDAY + timedelta(minutes=minutes)
    return HoldPlaced.create(
        id=f"place-{hold_id}",
        source="urn:ils:test",
        time=at,
        data=HoldPlacedData(hold_id=hold_id, bib_id=bib, pickup_library=pickup, placed_at=at),
    )


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


async def test_read_api_shows_holds_queues_pull_lists_and_decisions(
    client: tuple[httpx.AsyncClient, CollectorRegistry],
    bootstrap_servers: str,
    database_url: str,
    unique: str,
) -> None:
    http, _ = client
    bib, item = f"bib-read-{unique}", f"item-read-{unique}"
    first, second, third = (f"hold-read-{unique}-{n}" for n in (1, 2, 3))
    added = ItemAdded.create(
        id=f"add-{item}",
        source="urn:ils:test",
        time=MONDAY,
        data=ItemAddedData(
            item_id=item,
            bib_id=bib,
            owning_library=LAHTI_MAIN,
            collection="adult-fiction",
            format="book",
            added_at=MONDAY,
        ),
    )
    events = [
        added,
        _hold(first, bib, HOLLOLA, 1),  # filled from Lahti's shelf: a transfer to Hollola
        _hold(second, bib, HOLLOLA, 2),  # no copy left: queued first
        _hold(third, bib, LAHTI_MAIN, 3),  # queued second
    ]
    await produce(
        bootstrap_servers, CIRCULATION, [(e.partition_key(), EventCodec.encode(e)) for e in events]
    )
    # The group reads the topic from the start (earlier tests' events too): wait for these.
    await eventually(
        lambda: settled(database_url, events),
        what="the events handled",
    )
    bodies: list[Any] = []

    async def get(url: str, status: int = 200) -> Any:
        response = await http.get(url)
        assert response.status_code == status, response.text
        bodies.append(response.json())
        return response.json()

    hold = await get(f"/holds/holds/{first}")
    assert (hold["status"], hold["pickup_library"], hold["bib_id"]) == ("in_transit", HOLLOLA, bib)
    assert [h["status"] for h in hold["history"]] == ["waiting", "in_transit"]
    assert hold["item"]["item_id"] == item
    assert (hold["item"]["current_library"], hold["item"]["destination"]) == (LAHTI_MAIN, HOLLOLA)
    assert (await get(f"/holds/holds/{second}"))["item"] is None

    queue = await get(f"/holds/titles/{bib}/queue")
    assert [(w["position"], w["hold_id"]) for w in queue["waiting"]] == [(1, second), (2, third)]
    assert [w["pickup_library"] for w in queue["waiting"]] == [HOLLOLA, LAHTI_MAIN]
    assert [(c["item_id"], c["status"], c["hold_id"]) for c in queue["copies"]] == [
        (item, "in_transit", first)
    ]

    pull = await get(f"/holds/libraries/{LAHTI_MAIN}/pull-list?day=2026-08-03")
    assert pull["library_open"] is True
    mine = [p for p in pull["items"] if p["bib_id"] == bib]
    assert [(p["item_id"], p["hold_id"], p["destination"], p["reason"]) for p in mine] == [
        (item, first, HOLLOLA, "hold")
    ]
    earlier = await get(f"/holds/libraries/{LAHTI_MAIN}/pull-list?day=2026-08-02")
    assert all(p["item_id"] != item for p in earlier["items"]), "decided on the 3rd"
    there = await get(f"/holds/libraries/{HOLLOLA}/pull-list?day=2026-08-03")
    assert all(p["item_id"] != item for p in there["items"]), "it leaves Lahti, not Hollola"

    counts = await get("/holds/decisions?day=2026-08-03")
    assert counts["counts"]["copy-assigned"] >= 1
    assert counts["counts"]["transfer-requested"] >= 1
    assert counts["counts"]["hold-queued"] >= 2
    assert counts["total"] == sum(counts["counts"].values())
    assert (await get("/holds/decisions?day=2001-01-01")) == {
        "day": "2001-01-01",
        "total": 0,
        "counts": {},
    }
    assert (await get("/holds/decisions"))["total"] >= counts["total"]

    unknown = await get(f"/holds/holds/nothing-{unique}", 404)
    assert unknown["detail"]["reason"] == "unknown_hold"
    no_title = await get(f"/holds/titles/nothing-{unique}/queue", 404)
    assert no_title["detail"]["reason"] == "unknown_title"
    stranger = await get("/holds/libraries/99999/pull-list?day=2026-08-03", 404)
    assert stranger["detail"]["reason"] == "unknown_library"
    for bad in ("2026-13-01", "monday", ""):
        await get(f"/holds/libraries/{LAHTI_MAIN}/pull-list?day={bad}", 422)
    await get(f"/holds/libraries/{LAHTI_MAIN}/pull-list", 422)

    assert not _keys(bodies) & PATRONISH, _keys(bodies) & PATRONISH


async def test_the_api_is_documented_and_waits_for_the_runtime() -> None:
    consortium = load_consortium_config(SAMPLE_LASTU)
    app = FastAPI()
    app.include_router(holds_router(lambda: None, authenticator(AUTHORITY), consortium))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://holds") as http:
        paths = set((await http.get("/openapi.json")).json()["paths"])
        assert paths == {
            "/holds/holds/{hold_id}",
            "/holds/titles/{bib_id}/queue",
            "/holds/libraries/{library_id}/pull-list",
            "/holds/decisions",
            "/holds/reassignment/latest",
        }
        assert (await http.get("/docs")).status_code == 200
        assert (await http.get("/holds/holds/any")).status_code == 401  # the token comes first
        waiting = await http.get("/holds/holds/any", headers=COORDINATOR)
        assert waiting.status_code == 503
        assert waiting.json()["detail"]["reason"] == "not_started"
