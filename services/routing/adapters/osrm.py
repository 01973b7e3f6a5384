"""Road distances and durations from an OSRM-compatible table service.

``GET {base_url}/table/v1/{profile}/{lon,lat;lon,lat;...}?annotations=distance,duration``
answers ``{"code": "Ok", "distances": [[m, ...]], "durations": [[s, ...]]}``, or a non-Ok
``code`` with a ``message``, which ``MatrixServiceError`` carries unchanged.

Servers cap the table size (osrm-routed ``--max-table-size``, 100 by default). Recent OSRM
caps sources x destinations at its square, older servers and some look-alikes cap the
coordinates in one request. To satisfy both, the matrix is built from blocks of at most
``max_table_size // 2`` sources and as many destinations, each block one request carrying
only its own coordinates (``sources=``/``destinations=`` index into them).

A ``null`` entry means the service found no route (an island without a ferry, a point that
snapped to a disconnected road). By default it becomes ``UNROUTABLE_M`` / ``UNROUTABLE_S``:
longer than any shift, so the solver never drives that leg and drops what needs it, and one
unreachable library does not stop the rest of the day's plan; the pairs are logged.
``unroutable="error"`` raises ``UnroutableError`` instead.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

from kulkuri.routing.adapters.matrix_errors import (
    MatrixError,
    MatrixServiceError,
    MatrixUnavailableError,
    UnroutableError,
)
from kulkuri.routing.domain.problem import Matrix

log = logging.getLogger(__name__)

UNROUTABLE_M = 10_000_000  # 10,000 km: further than any van goes in a day
UNROUTABLE_S = 7 * 86_400  # a week: longer than any shift

_Block = tuple[range, range]  # matrix rows (sources) x columns (destinations)


def table_blocks(n: int, max_table_size: int) -> list[_Block]:
    """Blocks covering an n x n matrix, each within a server's ``max_table_size``."""
    side = max(1, max_table_size // 2)
    spans = [range(start, min(start + side, n)) for start in range(0, n, side)]
    return [(rows, cols) for rows in spans for cols in spans]


@dataclass(frozen=True)
class OsrmTableMatrix:
    """A ``MatrixProvider`` backed by an OSRM table service at ``base_url``."""

    base_url: str
    profile: str = "driving"
    timeout_s: float = 30.0
    max_table_size: int = 100
    concurrency: int = 4  # blocks in flight at once: a routing server has a few threads
    unroutable: Literal["penalize", "error"] = "penalize"
    # Tests and callers with their own connection pool may pass a transport.
    transport: httpx.AsyncBaseTransport | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.max_table_size < 2:
            raise ValueError(f"max_table_size {self.max_table_size}: expected at least 2")

    @property
    def identity(self) -> str:
        return f"osrm:{self.base_url.rstrip('/')}:{self.profile}"

    async def matrix(self, places: Sequence[tuple[float, float]]) -> Matrix:
        n = len(places)
        distance = [[0] * n for _ in range(n)]
        duration = [[0] * n for _ in range(n)]
        missing: list[tuple[int, int]] = []
        limit = asyncio.Semaphore(self.concurrency)

        async def fetch(client: httpx.AsyncClient, rows: range, cols: range) -> None:
            async with limit:
                body = await self._table(client, places, rows, cols)
            for name, target in (("distances", distance), ("durations", duration)):
                values = _block_values(body, name, len(rows), len(cols), self.base_url)
                for r, row in zip(rows, values, strict=True):
                    for c, value in zip(cols, row, strict=True):
                        if value is None:
                            if name == "distances":
                                missing.append((r, c))
                            value = UNROUTABLE_M if name == "distances" else UNROUTABLE_S
                        elif not isinstance(value, int | float):
                            raise MatrixUnavailableError(f"{self.base_url}: {name} {value!r}")
                        target[r][c] = round(value)

        async with httpx.AsyncClient(timeout=self.timeout_s, transport=self.transport) as client:
            try:
                async with asyncio.TaskGroup() as group:
                    for rows, cols in table_blocks(n, self.max_table_size):
                        group.create_task(fetch(client, rows, cols))
            except ExceptionGroup as failed:
                # One failing block cancels the rest; callers get its error, not a group.
                first = failed.exceptions[0]
                raise first if isinstance(first, MatrixError) else failed from None
        if missing:
            self._report_unroutable(sorted(missing))
        return Matrix(
            distance_m=tuple(map(tuple, distance)), duration_s=tuple(map(tuple, duration))
        )

    def _report_unroutable(self, pairs: list[tuple[int, int]]) -> None:
        error = UnroutableError(self.base_url, pairs)
        if self.unroutable == "error":
            raise error
        log.warning("%s; those legs cost %d m and %d s", error, UNROUTABLE_M, UNROUTABLE_S)

    async def _table(
        self,
        client: httpx.AsyncClient,
        places: Sequence[tuple[float, float]],
        rows: range,
        cols: range,
    ) -> dict[str, Any]:
        params = {"annotations": "distance,duration"}
        if rows == cols:
            chosen = [places[i] for i in rows]
        else:
            chosen = [places[i] for i in (*rows, *cols)]
            params["sources"] = ";".join(str(i) for i in range(len(rows)))
            params["destinations"] = ";".join(
                str(i) for i in range(len(rows), len(rows) + len(cols))
            )
        coordinates = ";".join(f"{lon:.6f},{lat:.6f}" for lat, lon in chosen)
        url = f"{self.base_url.rstrip('/')}/table/v1/{self.profile}/{coordinates}"
        try:
            response = await client.get(url, params=params)
        except httpx.TimeoutException:
            raise MatrixUnavailableError(
                f"{self.base_url} did not answer within {self.timeout_s} s"
            ) from None
        except httpx.HTTPError as exc:
            raise MatrixUnavailableError(f"{self.base_url} could not be reached: {exc}") from None
        return _parse_body(response, self.base_url)


def _parse_body(response: httpx.Response, service: str) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        raise MatrixUnavailableError(
            f"{service} answered HTTP {response.status_code} without JSON: {response.text[:200]!r}"
        ) from None
    if not isinstance(body, dict):
        raise MatrixUnavailableError(f"{service} answered JSON that is not an object")
    code = body.get("code")
    if code != "Ok":
        message = body.get("message") or f"HTTP {response.status_code}"
        raise MatrixServiceError(service, str(code), str(message))
    return body


def _block_values(
    body: dict[str, Any], name: str, rows: int, cols: int, service: str
) -> list[list[float | None]]:
    values = body.get(name)
    if (
        not isinstance(values, list)
        or len(values) != rows
        or any(not isinstance(row, list) or len(row) != cols for row in values)
    ):
        raise MatrixUnavailableError(f"{service} answered without a {rows} x {cols} {name!r}")
    return values
