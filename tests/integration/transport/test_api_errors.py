"""Every way the transport API refuses a request says why, with the status people expect:
401 without a valid token, 403 at another library, 404 for an unknown barcode, 409 for a scan
out of order, 422 for a scan that cannot be applied anywhere."""

from __future__ import annotations

from typing import Any

import pytest

from kulkuri.shared.auth import Role, TokenAuthority
from kulkuri.transport.service_layer.legs_policy import Legs
from tests.integration.transport.fixtures import decide, requested
from tests.integration.transport.transport_runtime import HUB, RunningTransport

pytestmark = pytest.mark.integration

HOLLOLA, ASIKKALA = "85708", "85033"


@pytest.fixture
async def item(transport: RunningTransport, unique: str) -> str:
    """A copy the holds service asked to move from Hollola to Asikkala."""
    item = f"api-{unique}"
    pool = transport.service.runtime.pool
    assert pool is not None
    await decide(pool, Legs(hub=HUB), requested(item, 1, HOLLOLA, ASIKKALA))
    return item


async def post_scan(t: RunningTransport, headers: dict[str, str], **body: str) -> Any:
    return await t.client.post("/transport/scans", json=body, headers=headers)


def reason(answer: Any) -> str:
    return str(answer.json()["detail"]["reason"])


async def test_a_scan_without_a_token_is_401(transport: RunningTransport, item: str) -> None:
    answer = await post_scan(transport, {}, kind="pulled", barcode=item, library=HOLLOLA)
    assert (answer.status_code, reason(answer)) == (401, "no_token")


async def test_a_token_signed_with_another_key_is_401(
    transport: RunningTransport, item: str
) -> None:
    forged = TokenAuthority("another-secret-of-thirty-two-bytes!!").issue(
        Role.STAFF, library=HOLLOLA
    )
    headers = {"Authorization": f"Bearer {forged}"}
    answer = await post_scan(transport, headers, kind="pulled", barcode=item, library=HOLLOLA)
    assert (answer.status_code, reason(answer)) == (401, "invalid_token")


async def test_staff_may_scan_only_at_their_own_library(
    transport: RunningTransport, item: str
) -> None:
    asikkala = transport.token(Role.STAFF, ASIKKALA)
    answer = await post_scan(transport, asikkala, kind="pulled", barcode=item, library=HOLLOLA)
    assert (answer.status_code, reason(answer)) == (403, "wrong_library")
    assert f"expected a staff token of {HOLLOLA}" in answer.json()["detail"]["message"]


async def test_coordinators_and_drivers_do_not_pull_from_shelves(
    transport: RunningTransport, item: str
) -> None:
    for role in (Role.COORDINATOR, Role.DRIVER):
        headers = transport.token(role)
        answer = await post_scan(transport, headers, kind="pulled", barcode=item, library=HOLLOLA)
        assert (answer.status_code, reason(answer)) == (403, "wrong_library")


async def test_an_unknown_barcode_is_404_and_says_what_was_expected(
    transport: RunningTransport, unique: str
) -> None:
    staff = transport.token(Role.STAFF, HOLLOLA)
    answer = await post_scan(
        transport, staff, kind="pulled", barcode=f"nope-{unique}", library=HOLLOLA
    )
    assert (answer.status_code, reason(answer)) == (404, "no_open_transfer")
    assert "expected a scan of an item in transit" in answer.json()["detail"]["message"]
    crate = await post_scan(
        transport,
        transport.token(Role.DRIVER),
        kind="loaded",
        barcode=f"K-{unique}",
        library=HOLLOLA,
        van_run="r1",
    )
    assert (crate.status_code, reason(crate)) == (404, "unknown_crate")


async def test_a_scan_out_of_order_is_409_and_changes_nothing(
    transport: RunningTransport, item: str
) -> None:
    staff = transport.token(Role.STAFF, ASIKKALA)
    answer = await post_scan(transport, staff, kind="received", barcode=item, library=ASIKKALA)
    assert (answer.status_code, reason(answer)) == (409, "illegal_transition")
    assert (
        "is requested; expected an unload at the destination before receiving"
        in (answer.json()["detail"]["message"])
    )
    story = await transport.client.get(f"/transport/transfers/{item}:1", headers=staff)
    assert story.json()["status"] == "requested"


async def test_a_scan_at_a_library_outside_the_consortium_is_422(
    transport: RunningTransport, item: str
) -> None:
    staff = transport.token(Role.STAFF, "00000")
    answer = await post_scan(transport, staff, kind="pulled", barcode=item, library="00000")
    assert (answer.status_code, reason(answer)) == (422, "unknown_library")


async def test_a_packed_scan_without_a_crate_is_422(transport: RunningTransport, item: str) -> None:
    staff = transport.token(Role.STAFF, HOLLOLA)
    await post_scan(transport, staff, kind="pulled", barcode=item, library=HOLLOLA)
    answer = await post_scan(transport, staff, kind="packed", barcode=item, library=HOLLOLA)
    assert (answer.status_code, reason(answer)) == (422, "missing_scan_field")


async def test_a_malformed_scan_is_422_from_validation(transport: RunningTransport) -> None:
    staff = transport.token(Role.STAFF, HOLLOLA)
    answer = await post_scan(transport, staff, kind="dropped", barcode="x", library=HOLLOLA)
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "kind"]


async def test_a_batch_applies_what_it_can_and_reports_each_scan(
    transport: RunningTransport, item: str, unique: str
) -> None:
    staff = transport.token(Role.STAFF, HOLLOLA)
    scans = [
        {"kind": "pulled", "barcode": item, "library": HOLLOLA, "scan_id": f"a-{unique}"},
        {"kind": "pulled", "barcode": item, "library": HOLLOLA, "scan_id": f"a-{unique}"},
        {"kind": "pulled", "barcode": item, "library": HOLLOLA, "scan_id": f"b-{unique}"},
        {"kind": "pulled", "barcode": f"nope-{unique}", "library": HOLLOLA},
    ]
    answer = await transport.client.post(
        "/transport/scans/batch", json={"scans": scans}, headers=staff
    )
    assert answer.status_code == 200
    body = answer.json()
    assert (body["accepted"], body["duplicates"], body["rejected"]) == (1, 1, 2)
    assert [(r["outcome"], r["status"]) for r in body["results"]] == [
        ("accepted", 200),
        ("duplicate", 200),
        ("rejected", 409),
        ("rejected", 404),
    ]


async def test_lists_of_another_library_are_403_and_of_an_unknown_one_404(
    transport: RunningTransport,
) -> None:
    staff = transport.token(Role.STAFF, HOLLOLA)
    other = await transport.client.get(f"/transport/libraries/{ASIKKALA}/pull-list", headers=staff)
    unknown = await transport.client.get(
        "/transport/libraries/00000/pull-list", headers=transport.token(Role.COORDINATOR)
    )
    every = await transport.client.get("/transport/lists/pull", headers=staff)
    assert (other.status_code, reason(other)) == (403, "wrong_library")
    assert (unknown.status_code, reason(unknown)) == (404, "unknown_library")
    assert (every.status_code, reason(every)) == (403, "wrong_role")
