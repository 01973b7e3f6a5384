"""The transport API for people: lists per library and day (JSON or printable HTML), crate
labels, packing plans, one transfer's story, and reporting a copy missing (OpenAPI at /docs).

Staff tokens read their own library's lists; coordinator tokens read every library's, and
``/transport/lists/{kind}`` prints all libraries in one document, one library per page.
"""

# No "from __future__ import annotations": FastAPI resolves the closures' local aliases.

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

import asyncpg
from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import HTMLResponse, JSONResponse, Response

from kulkuri.shared.auth import Principal, Role
from kulkuri.shared.auth_http import REFUSALS, documented, documented_beside_html, pool_getter
from kulkuri.shared.db.outbox import OutboxStore
from kulkuri.shared.messaging import Transaction
from kulkuri.shared.messaging.usable import EARLIEST_YEAR, LATEST_YEAR
from kulkuri.transport.adapters import printing
from kulkuri.transport.adapters.list_queries import ListQueries
from kulkuri.transport.domain import RejectedCommand
from kulkuri.transport.entrypoints.auth import problem, require_library, require_role
from kulkuri.transport.service_layer.legs_policy import Legs
from kulkuri.transport.service_layer.packing_service import PackingService
from kulkuri.transport.service_layer.rejections import http_status_of, reason_of
from kulkuri.transport.service_layer.unit_of_work import TransportUnitOfWork

ListKind = Literal["pull", "packing", "receiving"]
Format = Literal["json", "html"]
# A list is JSON or printable HTML, as ``format`` asks.
JSON_OR_HTML: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/json": {}, "text/html": {}}}
}
_RENDER: dict[str, Callable[[Any], str]] = {
    "pull": printing.render_pull_lists,
    "packing": printing.render_packing_lists,
    "receiving": printing.render_receiving_lists,
}


def transport_router(
    pool_provider: Callable[[], asyncpg.Pool | None],
    principal: Callable[..., Principal],
    libraries: Mapping[str, str],
    legs: Legs,
    packing: PackingService,
    zone: ZoneInfo,
) -> APIRouter:
    router = APIRouter(prefix="/transport", tags=["transport"], responses=REFUSALS)
    queries = ListQueries(libraries, zone)
    Caller = Annotated[Principal, Depends(principal)]
    Library = Annotated[str, Path(description="Library (outlet) id.")]
    # No NUL: an id goes into a query, and PostgreSQL text cannot hold one.
    Id = Annotated[str, Path(pattern=r"^[^\x00]+$")]
    Day = Annotated[date | None, Query(description="Local date (default: today).")]
    Fmt = Annotated[Format, Query(description="json, or html to print (A4).")]

    pool = pool_getter(pool_provider, "transport")

    def known(library: str) -> str:
        if library not in libraries:
            raise problem(404, "unknown_library", f"library {library!r} is not in the consortium")
        return library

    def today(day: date | None) -> date:
        if day is not None and not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
            # Days are counted on from the one asked for: near 9999 that overflows.
            raise problem(
                422, "day_out_of_range", f"{day} is outside the years {EARLIEST_YEAR}-{LATEST_YEAR}"
            )
        return day or datetime.now(UTC).astimezone(zone).date()

    async def views(kind: str, library_ids: list[str], day: date) -> list[Any]:
        read = {
            "pull": queries.pull_list,
            "packing": queries.packing_list,
            "receiving": queries.receiving_list,
        }[kind]
        async with pool().acquire() as conn:
            return [await read(conn, library, day) for library in library_ids]

    def answer(kind: str, found: list[Any], fmt: str) -> Response:
        if fmt == "html":
            return HTMLResponse(_RENDER[kind](found))
        body = found[0].to_json() if len(found) == 1 else [v.to_json() for v in found]
        return JSONResponse(body)

    @router.get(
        "/libraries/{library}/{kind}-list", responses={**JSON_OR_HTML, **documented(404, 422)}
    )
    async def library_list(
        library: Library, kind: ListKind, caller: Caller, day: Day = None, format: Fmt = "json"
    ) -> Response:
        """A library's pull, packing or receiving list for a day."""
        require_library(caller, known(library))
        return answer(kind, await views(kind, [library], today(day)), format)

    @router.get("/lists/{kind}", responses={**JSON_OR_HTML, **documented(422)})
    async def all_lists(
        kind: ListKind, caller: Caller, day: Day = None, format: Fmt = "html"
    ) -> Response:
        """Every library's list of a kind: one library per printed page (coordinators)."""
        require_role(caller, Role.COORDINATOR)
        return answer(kind, await views(kind, sorted(libraries), today(day)), format)

    @router.post("/libraries/{library}/packing-plan", responses=documented(404, 422))
    async def packing_plan(library: Library, caller: Caller, day: Day = None) -> dict[str, Any]:
        """Open the crates the library's pulled copies need and say which copy goes where."""
        require_library(caller, known(library))
        service_day = today(day)
        planned = await packing.plan(pool(), library, service_day, datetime.now(UTC))
        return {
            "library": library,
            "day": service_day.isoformat(),
            "new_crates": [c.crate_id for c in planned.plan.new_crates],
            "crates": planned.plan.contents(),
        }

    @router.get(
        "/libraries/{library}/crate-labels",
        response_class=HTMLResponse,
        responses=documented_beside_html(401, 403, 404, 422, 503),
    )
    async def crate_labels(library: Library, caller: Caller, day: Day = None) -> HTMLResponse:
        """Printable labels of the library's crates of the day, two per A4 page."""
        require_library(caller, known(library))
        async with pool().acquire() as conn:
            ids = await queries.day_crate_ids(conn, library, today(day))
            labels = await queries.crate_labels(conn, ids)
        return HTMLResponse(printing.render_crate_labels(labels))

    @router.get("/crates/{crate_id}", responses=documented(404))
    async def crate(crate_id: Id, caller: Caller) -> dict[str, Any]:
        """A crate's label data and manifest."""
        async with pool().acquire() as conn:
            labels = await queries.crate_labels(conn, [crate_id])
        if not labels:
            raise problem(404, "unknown_crate", f"no crate {crate_id!r}")
        label = labels[0]
        if caller.role is Role.STAFF:
            require_library(caller, label.origin)
        return label.to_json()

    @router.get("/transfers/{transfer_id}", responses=documented(404))
    async def transfer(transfer_id: Id, caller: Caller) -> dict[str, Any]:
        """A transfer's status, where it is, and its whole history."""
        async with pool().acquire() as conn:
            found = await queries.transfer(conn, transfer_id)
        if found is None:
            raise problem(404, "unknown_transfer", f"no transfer {transfer_id!r} was requested")
        return found

    @router.get("/overdue")
    async def overdue(
        caller: Caller, limit: Annotated[int, Query(ge=1, le=10_000)] = 500
    ) -> list[dict[str, Any]]:
        """Transfers reported overdue and not yet received (coordinators, operators)."""
        require_role(caller, Role.COORDINATOR, Role.OPERATOR)
        async with pool().acquire() as conn:
            return await queries.overdue(conn, limit)

    @router.post("/transfers/{transfer_id}/missing", responses=documented(404, 409, 422))
    async def report_missing(transfer_id: Id, caller: Caller) -> dict[str, Any]:
        """A coordinator declares a copy missing: the holds service fills its hold again."""
        require_role(caller, Role.COORDINATOR)
        async with pool().acquire() as conn, conn.transaction():
            uow = TransportUnitOfWork(conn, legs.waiting_stop)
            tx = Transaction(conn)
            try:
                ledger = await uow.transfers.load(transfer_ids=[transfer_id])
                ledger.mark_missing(transfer_id, datetime.now(UTC))
            except RejectedCommand as exc:
                raise problem(http_status_of(exc), reason_of(exc), str(exc)) from exc
            await uow.commit(tx)
            await OutboxStore("transport").add(conn, tx.outbox)
            found = await queries.transfer(conn, transfer_id)
        assert found is not None
        return found

    return router
