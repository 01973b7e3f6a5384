"""The OSRM table client against a real local HTTP server that speaks the same table API.

The server answers with great-circle values (so every answer is checkable), enforces a small
table size as osrm-routed's ``--max-table-size`` does, and can be told to refuse, to leave
pairs unroutable (``null``) or to answer slowly.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Literal

import pytest
from aiohttp import web

from kulkuri.routing.adapters.matrices import (
    UNROUTABLE_M,
    UNROUTABLE_S,
    GreatCircleMatrix,
    MatrixServiceError,
    MatrixUnavailableError,
    OsrmTableMatrix,
    UnroutableError,
)

pytestmark = pytest.mark.integration

MAX_TABLE_SIZE = 4
# Lastu's libraries, more of them than one request may carry.
PLACES = [
    (60.9836, 25.6693),  # Lahden pääkirjasto
    (61.2049, 26.0364),  # Heinolan kirjasto
    (60.9889, 25.5143),  # Hollolan pääkirjasto
    (60.8073, 25.7295),  # Orimattilan kaupunginkirjasto
    (61.5791, 26.0140),  # Hartolan kunnankirjasto
    (61.3511, 25.2813),  # Padasjoen kunnankirjasto
    (60.9365, 25.9634),  # Nastolan kirjasto
]
ISLAND = PLACES[5]


@dataclass
class TableServer:
    """What the server is told to do, and what it was asked."""

    url: str = ""
    refuse: tuple[str, str] | None = None  # (code, message)
    unroutable: set[tuple[float, float]] = field(default_factory=set)
    delay_s: float = 0.0
    requests: list[tuple[int, int, int]] = field(default_factory=list)  # coords, rows, cols


SERVER = web.AppKey("server", TableServer)


def _indexes(text: str | None, count: int) -> list[int]:
    return list(range(count)) if not text or text == "all" else [int(i) for i in text.split(";")]


async def _table(request: web.Request) -> web.Response:
    server = request.app[SERVER]
    await asyncio.sleep(server.delay_s)
    if server.refuse:
        code, message = server.refuse
        return web.json_response({"code": code, "message": message}, status=400)
    coords = [
        (float(lat), float(lon))
        for lon, lat in (pair.split(",") for pair in request.match_info["coords"].split(";"))
    ]
    sources = _indexes(request.query.get("sources"), len(coords))
    destinations = _indexes(request.query.get("destinations"), len(coords))
    server.requests.append((len(coords), len(sources), len(destinations)))
    if len(coords) > MAX_TABLE_SIZE or len(sources) * len(destinations) > MAX_TABLE_SIZE**2:
        return web.json_response(
            {"code": "TooBig", "message": "Too many table coordinates"}, status=400
        )
    if request.query.get("annotations") != "distance,duration":
        return web.json_response({"code": "InvalidOptions", "message": "annotations"}, status=400)
    full = GreatCircleMatrix().compute(coords)

    def pick(table: tuple[tuple[int, ...], ...]) -> list[list[int | None]]:
        blocked = server.unroutable
        return [
            [
                None if i != j and (coords[i] in blocked or coords[j] in blocked) else table[i][j]
                for j in destinations
            ]
            for i in sources
        ]

    body = {"code": "Ok", "distances": pick(full.distance_m), "durations": pick(full.duration_s)}
    return web.json_response(body)


@pytest.fixture
async def server() -> AsyncIterator[TableServer]:
    state = TableServer()
    app = web.Application()
    app[SERVER] = state
    app.router.add_get("/table/v1/driving/{coords}", _table)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    state.url = f"http://127.0.0.1:{port}"
    yield state
    await runner.cleanup()


def client(
    server: TableServer,
    timeout_s: float = 10.0,
    unroutable: Literal["penalize", "error"] = "penalize",
) -> OsrmTableMatrix:
    return OsrmTableMatrix(
        server.url, timeout_s=timeout_s, max_table_size=MAX_TABLE_SIZE, unroutable=unroutable
    )


async def test_a_network_larger_than_the_table_size_is_built_from_blocks(
    server: TableServer,
) -> None:
    matrix = await client(server).matrix(PLACES)
    # Coordinates are sent to 1e-6 degrees, as the expected values are computed here.
    assert matrix == GreatCircleMatrix().compute(PLACES)
    assert len(server.requests) == 16  # 7 places in blocks of 2: 4 x 4
    assert all(coords <= MAX_TABLE_SIZE for coords, _, _ in server.requests)


async def test_a_small_network_is_one_request(server: TableServer) -> None:
    matrix = await client(server).matrix(PLACES[:2])
    assert matrix == GreatCircleMatrix().compute(PLACES[:2])
    assert server.requests == [(2, 2, 2)]


async def test_the_services_code_and_message_reach_the_caller(server: TableServer) -> None:
    server.refuse = ("InvalidQuery", "Query string malformed close to position 42")
    with pytest.raises(MatrixServiceError, match="InvalidQuery: Query string malformed") as error:
        await client(server).matrix(PLACES)
    assert error.value.code == "InvalidQuery"


async def test_a_server_with_a_smaller_table_size_says_too_big(server: TableServer) -> None:
    with pytest.raises(MatrixServiceError, match="TooBig"):
        await OsrmTableMatrix(server.url, max_table_size=100).matrix(PLACES)


async def test_unroutable_pairs_cost_more_than_any_shift_by_default(server: TableServer) -> None:
    server.unroutable = {ISLAND}
    matrix = await client(server).matrix(PLACES)
    island = PLACES.index(ISLAND)
    assert matrix.distance_m[0][island] == UNROUTABLE_M
    assert matrix.duration_s[island][0] == UNROUTABLE_S
    assert matrix.distance_m[island][island] == 0
    assert matrix.distance_m[0][1] == GreatCircleMatrix().compute(PLACES[:2]).distance_m[0][1]


async def test_unroutable_pairs_can_be_an_error_naming_them(server: TableServer) -> None:
    server.unroutable = {ISLAND}
    with pytest.raises(UnroutableError, match="found no route for 0->5") as error:
        await client(server, unroutable="error").matrix(PLACES)
    assert len(error.value.pairs) == 12  # to and from the island, six others each way


async def test_a_slow_service_times_out_with_a_clear_error(server: TableServer) -> None:
    server.delay_s = 1.0
    with pytest.raises(MatrixUnavailableError, match=r"did not answer within 0\.2 s"):
        await client(server, timeout_s=0.2).matrix(PLACES[:2])


async def test_a_service_that_is_not_there_is_unavailable() -> None:
    with pytest.raises(MatrixUnavailableError, match="could not be reached"):
        await OsrmTableMatrix("http://127.0.0.1:9", timeout_s=2).matrix(PLACES[:2])
