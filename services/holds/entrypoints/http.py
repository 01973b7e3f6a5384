"""The holds service's read API: what coordinators, libraries and operators may see (OpenAPI
at /docs).

A hold's status and history, a title's queue, a library's pull list for a day, the
decisions taken, and the last nightly re-assignment's report. Every view is ids, statuses,
times and figures; nothing identifies a patron. Every endpoint needs a token: staff read
holds that touch their library, titles' queues and their own pull list; coordinators read
everything; operators read the decision counts and the re-assignment report (the table of
every service: docs/security.md).
"""

# No "from __future__ import annotations": FastAPI resolves the closures' local aliases.

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

import asyncpg
from fastapi import APIRouter, Depends, Path, Query

from kulkuri.holds.adapters.read_models import (
    DecisionCounts,
    HoldView,
    PullList,
    ReadModels,
    TitleQueue,
)
from kulkuri.holds.adapters.reassignment_runs import ReassignmentReport, ReassignmentRuns
from kulkuri.holds.domain.consortium import Consortium
from kulkuri.shared.auth import Principal, Role
from kulkuri.shared.auth_http import (
    Problem,
    documented,
    pool_getter,
    problem,
    require_library,
    require_role,
    who,
)
from kulkuri.shared.messaging.usable import EARLIEST_YEAR, LATEST_YEAR

PoolProvider = Callable[[], asyncpg.Pool | None]


def holds_router(
    pool_provider: PoolProvider,
    principal: Callable[..., Principal],
    consortium: Consortium,
    *,
    schema: str = "holds",
) -> APIRouter:
    """The read API under ``/holds``. ``pool_provider`` returns the runtime's pool (``None``
    until the runtime has started: the API answers 503 then); ``principal``: the caller of a
    request (``shared.auth_http.authenticator``); ``schema``: the service's."""
    router = APIRouter(prefix="/holds", tags=["holds"])
    # Refused (401, 403) or not started yet (503); and, where an id is read, unknown (404).
    not_started: dict[int | str, dict[str, Any]] = {
        status: {"model": Problem} for status in (401, 403, 503)
    }
    not_found: dict[int | str, dict[str, Any]] = {404: {"model": Problem}, **not_started}

    Pool = Annotated[asyncpg.Pool, Depends(pool_getter(pool_provider, "holds"))]
    Caller = Annotated[Principal, Depends(principal)]

    def read_models(pool: Pool) -> ReadModels:
        return ReadModels(pool, schema=schema)

    def get_consortium() -> Consortium:
        return consortium

    Reads = Annotated[ReadModels, Depends(read_models)]
    Members = Annotated[Consortium, Depends(get_consortium)]
    # No NUL: the id goes into a query, and PostgreSQL text cannot hold one.
    Id = Annotated[str, Path(min_length=1, max_length=200, pattern=r"^[^\x00]+$")]

    @router.get("/holds/{hold_id}", response_model=HoldView, responses=not_found)
    async def hold_status(caller: Caller, hold_id: Id, reads: Reads) -> HoldView:
        """A hold's status, pickup library, times, the copy assigned to it and its history
        (coordinators; staff of a library the hold touches)."""
        require_role(caller, Role.COORDINATOR, Role.STAFF)
        view = await reads.hold_status(hold_id)
        if view is None:
            raise problem(404, "unknown_hold", f"no hold {hold_id!r} is known")
        if caller.role is Role.STAFF and caller.library not in _libraries_of(view):
            raise problem(
                403, "wrong_library", f"{who(caller)}; the hold touches {_libraries_of(view)}"
            )
        return view

    @router.get("/titles/{bib_id}/queue", response_model=TitleQueue, responses=not_found)
    async def title_queue(caller: Caller, bib_id: Id, reads: Reads) -> TitleQueue:
        """A title's waiting holds in queue order, and its copies with where they are
        (coordinators, staff)."""
        require_role(caller, Role.COORDINATOR, Role.STAFF)
        view = await reads.title_queue(bib_id)
        if view is None:
            raise problem(404, "unknown_title", f"no copy and no hold of {bib_id!r} is known")
        return view

    @router.get(
        "/libraries/{library_id}/pull-list",
        response_model=PullList,
        responses={**not_found, **documented(422)},
    )
    async def pull_list(
        caller: Caller,
        library_id: Id,
        day: Annotated[date, Query(description="The local day, YYYY-MM-DD")],
        reads: Reads,
        members: Members,
    ) -> PullList:
        """The copies to take off the shelves (or out of the returns) at a library on a day:
        each with the library it goes to and why (the library's staff, coordinators)."""
        if not members.is_member(library_id):
            raise problem(
                404,
                "unknown_library",
                f"library {library_id!r} is not a member of {members.name}",
            )
        require_library(caller, library_id)
        if not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
            raise problem(
                422, "day_out_of_range", f"{day} is outside the years {EARLIEST_YEAR}-{LATEST_YEAR}"
            )
        library_open = members.opening_hours[library_id].is_open_on(day)
        return await reads.pull_list(library_id, day, library_open=library_open)

    @router.get("/decisions", response_model=DecisionCounts, responses=not_started)
    async def decisions(
        caller: Caller,
        reads: Reads,
        day: Annotated[date | None, Query(description="Only decisions of this local day")] = None,
    ) -> DecisionCounts:
        """How many decisions of each kind the service has published (within the outbox's
        retention), all or on one day (coordinators, operators)."""
        require_role(caller, Role.COORDINATOR, Role.OPERATOR)
        return await reads.decision_counts(day)

    @router.get("/reassignment/latest", response_model=ReassignmentReport, responses=not_found)
    async def latest_reassignment(caller: Caller, pool: Pool) -> ReassignmentReport:
        """The last nightly re-assignment: the day it prepared, the holds it changed, and the
        transport of the per-hold choice (before) against the plan (after), in metres
        (coordinators, operators)."""
        require_role(caller, Role.COORDINATOR, Role.OPERATOR)
        report = await ReassignmentRuns(schema).latest(pool)
        if report is None:
            raise problem(404, "no_run", "no nightly re-assignment has run yet")
        return report

    return router


def _libraries_of(view: HoldView) -> list[str]:
    """The libraries a hold touches: where it is picked up, where its copy stands, where
    that copy is going."""
    found = [view.pickup_library]
    if view.item is not None:
        found += [view.item.current_library, *filter(None, [view.item.destination])]
    return sorted(set(found))
