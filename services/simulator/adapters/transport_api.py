"""The transport service's HTTP API as the simulated staff and drivers use it: pull and
receiving lists, packing plans and scans, each with a token of the right role (staff of the
library, or a driver) signed with the consortium's key, as a scanner app would hold one."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from typing import Any

import httpx

from kulkuri.shared.auth import Role, TokenAuthority

MAX_BATCH = 1000  # the scan API's limit per request
RETRY_PAUSES_S = (0.5, 2.0)  # before the second and the third (last) try


class TransportApiError(RuntimeError):
    """The API answered something other than the scan results it documents."""


class TransportApi:
    def __init__(
        self,
        client: httpx.AsyncClient,
        authority: TokenAuthority,
        retry_pauses_s: tuple[float, ...] = RETRY_PAUSES_S,
    ) -> None:
        self._client = client
        self._authority = authority
        self._pauses = retry_pauses_s
        self._tokens: dict[str | None, dict[str, str]] = {}

    def _headers(self, library: str | None) -> dict[str, str]:
        """A staff token for ``library``, or a driver's token for ``None``."""
        headers = self._tokens.get(library)
        if headers is None:
            role = Role.STAFF if library is not None else Role.DRIVER
            token = self._authority.issue(role, library=library)
            headers = {"Authorization": f"Bearer {token}"}
            self._tokens[library] = headers
        return headers

    async def pull_list(self, library: str, day: date) -> list[dict[str, Any]]:
        found = await self._call(
            "GET", f"/transport/libraries/{library}/pull-list", library, params={"day": str(day)}
        )
        lines: list[dict[str, Any]] = found.get("lines", [])
        return lines

    async def receiving_list(self, library: str, day: date) -> list[dict[str, Any]]:
        found = await self._call(
            "GET",
            f"/transport/libraries/{library}/receiving-list",
            library,
            params={"day": str(day)},
        )
        lines: list[dict[str, Any]] = found.get("lines", [])
        return lines

    async def packing_plan(self, library: str, day: date) -> dict[str, list[str]]:
        """Crate id -> the transfers the plan puts in it (new crates are opened)."""
        found = await self._call(
            "POST",
            f"/transport/libraries/{library}/packing-plan",
            library,
            params={"day": str(day)},
        )
        crates: dict[str, list[str]] = found.get("crates", {})
        return crates

    async def scan(self, library: str | None, scans: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Scans in order, as staff of ``library`` (None: a driver); a result per scan."""
        results: list[dict[str, Any]] = []
        for start in range(0, len(scans), MAX_BATCH):
            body = {"scans": scans[start : start + MAX_BATCH]}
            found = await self._call("POST", "/transport/scans/batch", library, json=body)
            results.extend(found["results"])
        return results

    async def _call(self, method: str, path: str, library: str | None, **kwargs: Any) -> Any:
        """One request; a lost connection or a 5xx (the service starting, its database
        restarting) is tried again twice, as a scanner app would, before giving up. Every
        call here is safe to repeat: reads, packing plans and scans with their scan ids."""
        headers = self._headers(library)
        for pause in self._pauses:
            try:
                response = await self._client.request(method, path, headers=headers, **kwargs)
            except httpx.TransportError:
                await asyncio.sleep(pause)
                continue
            if response.status_code < 500:
                break
            await asyncio.sleep(pause)
        else:
            response = await self._client.request(method, path, headers=headers, **kwargs)
        if response.status_code != 200:
            detail = response.text[:300]
            raise TransportApiError(f"{method} {path}: {response.status_code} {detail}")
        return response.json()


def scan(
    kind: str,
    barcode: str,
    library: str,
    at: datetime,
    *,
    crate_id: str | None = None,
    van_run: str | None = None,
) -> dict[str, Any]:
    """One scan as the API takes it; ``scan_id`` makes a resend a no-op."""
    body: dict[str, Any] = {
        "kind": kind,
        "barcode": barcode,
        "library": library,
        "scanned_at": at.isoformat(),
        "scan_id": f"{kind}-{barcode}-{at:%Y%m%dT%H%M%S}",
    }
    if crate_id is not None:
        body["crate_id"] = crate_id
    if van_run is not None:
        body["van_run"] = van_run
    return body
