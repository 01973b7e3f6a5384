"""The holds service's read API: what coordinators and libraries may see (OpenAPI at /docs).

A hold's status and history, a title's queue, a library's pull list for a day, the
decisions taken, and the last nightly re-assignment's report. Every view is ids, statuses,
times and figures; nothing identifies a patron.
"""

# No "from __future__ import annotations": FastAPI resolves the closures' local aliases.

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

import asyncpg
from fastapi import APIRouter, Depends, HTTPException, Path, Query
from pydantic import BaseModel

from kulkuri.holds.adapters.read_models import (
    DecisionCounts,
    HoldView,
    PullList,
    ReadModels,
    TitleQueue,
)
from kulkuri.holds.adapters.reassignment_runs import ReassignmentReport, ReassignmentRuns
from kulkuri.holds.domain.consortium import Consortium

PoolProvider = Callable[[], asyncpg.Pool | None]


class Problem(BaseModel):
    """The body of a 404 or 503: a machine-readable ``reason`` and a sentence."""

    detail: dict[str, str]


def _problem(status: int, reason: str, message: str) -> HTTPException:
    return HTTPException(status, detail={"reason": reason, "message": message})


def holds_router(
    pool_provider: PoolProvider, consortium: Consortium, *, schema: str = "holds"
) -> APIRouter:
    """The read API under ``/holds``. ``pool_provider`` returns the runtime's pool (``None``
    until the runtime has started: the API answers 503 then); ``schema``: the service's."""
    router = APIRouter(prefix="/holds", tags=["holds"])
    not_started: dict[int | str, dict[str, Any]] = {503: {"model": Problem}}
    not_found: dict[int | str, dict[str, Any]] = {404: {"model": Problem}, **not_started}

    def get_pool() -> asyncpg.Pool:
        pool = pool_provider()
        if pool is None:
            raise _problem(503, "not_started", "the holds service has no database pool yet")
        return pool

    Pool = Annotated[asyncpg.Pool, Depends(get_pool)]

    def read_models(pool: Pool) -> ReadModels:
        return ReadModels(pool, schema=schema)

    def get_consortium() -> Consortium:
        return consortium

    Reads = Annotated[ReadModels, Depends(read_models)]
    Members = Annotated[Consortium, Depends(get_consortium)]
    Id = Annotated[str, Path(min_length=1, max_length=200)]

    @router.get("/holds/{hold_id}", response_model=HoldView, responses=not_found)
    async def hold_status(hold_id: Id, reads: Reads) -> HoldView:
        """A hold's status, pickup library, times, the copy assigned to it and its history."""
        view = await reads.hold_status(hold_id)
        if view is None:
            raise _problem(404, "unknown_hold", f"no hold {hold_id!r} is known")
        return view

    @router.get("/titles/{bib_id}/queue", response_model=TitleQueue, responses=not_found)
    async def title_queue(bib_id: Id, reads: Reads) -> TitleQueue:
        """A title's waiting holds in queue order, and its copies with where they are."""
        view = await reads.title_queue(bib_id)
        if view is None:
            raise _problem(404, "unknown_title", f"no copy and no hold of {bib_id!r} is known")
        return view

    @router.get("/libraries/{library_id}/pull-list", response_model=PullList, responses=not_found)
    async def pull_list(
        library_id: Id,
        day: Annotated[date, Query(description="The local day, YYYY-MM-DD")],
        reads: Reads,
        members: Members,
    ) -> PullList:
        """The copies to take off the shelves (or out of the returns) at a library on a day:
        each with the library it goes to and why."""
        if not members.is_member(library_id):
            raise _problem(
                404,
                "unknown_library",
                f"library {library_id!r} is not a member of {members.name}",
            )
        library_open = members.opening_hours[library_id].is_open_on(day)
        return await reads.pull_list(library_id, day, library_open=library_open)

    @router.get("/decisions", response_model=DecisionCounts, responses=not_started)
    async def decisions(
        reads: Reads,
        day: Annotated[date | None, Query(description="Only decisions of this local day")] = None,
    ) -> DecisionCounts:
        """How many decisions of each kind the service has published (within the outbox's
        retention), all or on one day."""
        return await reads.decision_counts(day)

    @router.get("/reassignment/latest", response_model=ReassignmentReport, responses=not_found)
    async def latest_reassignment(pool: Pool) -> ReassignmentReport:
        """The last nightly re-assignment: the day it prepared, the holds it changed, and the
        transport of the per-hold choice (before) against the plan (after), in metres."""
        report = await ReassignmentRuns(schema).latest(pool)
        if report is None:
            raise _problem(404, "no_run", "no nightly re-assignment has run yet")
        return report

    return router
