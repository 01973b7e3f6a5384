"""The simulated staff and drivers call the transport API with the token of their role, and
try again when the service is briefly unavailable, as a scanner app would."""

from __future__ import annotations

from datetime import date, datetime

import httpx
import pytest

from kulkuri.shared.auth import Role, TokenAuthority
from kulkuri.simulator.adapters.transport_api import TransportApi, TransportApiError, scan
from kulkuri.simulator.core.config import HELSINKI

AUTHORITY = TokenAuthority("unit-test-secret-of-at-least-32-bytes!")


def api(answers: list[int], seen: list[httpx.Request]) -> TransportApi:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        status = answers.pop(0)
        found = {"lines": [{"item_id": "i1"}], "results": [{"outcome": "accepted"}]}
        return httpx.Response(status, json=found if status == 200 else {})

    client = httpx.AsyncClient(transport=httpx.MockTransport(answer), base_url="http://t")
    return TransportApi(client, AUTHORITY, retry_pauses_s=(0.0, 0.0))


async def test_staff_read_their_own_librarys_list_with_a_staff_token() -> None:
    seen: list[httpx.Request] = []
    lines = await api([200], seen).pull_list("85708", date(2026, 11, 25))
    assert lines == [{"item_id": "i1"}]
    (request,) = seen
    assert request.url.path == "/transport/libraries/85708/pull-list"
    assert request.url.params["day"] == "2026-11-25"
    token = request.headers["Authorization"].removeprefix("Bearer ")
    principal = AUTHORITY.verify(token)
    assert (principal.role, principal.library) == (Role.STAFF, "85708")


async def test_drivers_scan_with_a_drivers_token() -> None:
    seen: list[httpx.Request] = []
    at = datetime(2026, 11, 25, 8, tzinfo=HELSINKI)
    results = await api([200], seen).scan(None, [scan("loaded", "K-1", "85708", at, van_run="v")])
    assert results == [{"outcome": "accepted"}]
    assert seen[0].url.path == "/transport/scans/batch"
    token = seen[0].headers["Authorization"].removeprefix("Bearer ")
    assert AUTHORITY.verify(token).role is Role.DRIVER


async def test_a_brief_outage_is_tried_again_and_a_long_one_is_an_error() -> None:
    seen: list[httpx.Request] = []
    assert await api([503, 502, 200], seen).pull_list("85708", date(2026, 11, 25))
    assert len(seen) == 3
    with pytest.raises(TransportApiError, match="503"):
        await api([503, 503, 503], []).pull_list("85708", date(2026, 11, 25))
    with pytest.raises(TransportApiError, match="403"):
        await api([403], []).pull_list("85708", date(2026, 11, 25))


def test_a_scan_carries_its_time_and_an_id_that_makes_a_resend_harmless() -> None:
    at = datetime(2026, 11, 25, 8, 30, tzinfo=HELSINKI)
    body = scan("packed", "sim-1-i00000001", "85708", at, crate_id="K-85708-20261126-0001")
    assert body == {
        "kind": "packed",
        "barcode": "sim-1-i00000001",
        "library": "85708",
        "scanned_at": "2026-11-25T08:30:00+02:00",
        "scan_id": "packed-sim-1-i00000001-20261125T083000",
        "crate_id": "K-85708-20261126-0001",
    }
