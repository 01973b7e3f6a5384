"""The routing API for transport coordinators and drivers (OpenAPI at /docs).

Plan a day (from the day's lane demand, or from lanes in the request), read a day's plan as
JSON or GeoJSON, print a van's driver sheet, and re-plan the rest of a day (``replan.py``).
Coordinators plan; drivers and coordinators read.
"""

# No "from __future__ import annotations": FastAPI resolves the closures' local aliases.

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Annotated, Any, Self
from zoneinfo import ZoneInfo

import asyncpg
from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field, model_validator

from kulkuri.routing.adapters.driver_sheet import UnknownVan, render_driver_sheet
from kulkuri.routing.adapters.geojson import plan_geojson
from kulkuri.routing.adapters.plan_events import plan_event
from kulkuri.routing.adapters.plan_json import plan_to_json
from kulkuri.routing.adapters.plan_store import PlanStore, StoredPlan
from kulkuri.routing.domain.demand import LaneCrates
from kulkuri.routing.service_layer.planning import DayPlanner, PlannedDay, publish_plan
from kulkuri.shared.auth import Principal, Role
from kulkuri.shared.auth_http import (
    REFUSALS,
    documented,
    documented_beside_html,
    pool_getter,
    problem,
    require_role,
)
from kulkuri.shared.events.circulation import LibraryId

# Far beyond any consortium's day (a van carries 30 to 48 crates), and a bound all the same:
# the planner splits a lane into van loads, and one request with a lane of 10**15 crates
# kept the routing service splitting for good.
MAX_DAY_CRATES = 20_000
MAX_DAY_ITEMS = 1_000_000


class LaneIn(BaseModel):
    from_library: LibraryId
    to_library: LibraryId
    items: int = Field(
        default=0, ge=0, le=MAX_DAY_ITEMS, description="Copies waiting, packed or not."
    )
    crates: int = Field(default=0, ge=0, le=MAX_DAY_CRATES, description="Crates already packed.")
    priority_crates: int = Field(
        default=0, ge=0, le=MAX_DAY_CRATES, description="Crates carrying hold copies."
    )


def within_a_day(lanes: Sequence[LaneIn]) -> None:
    """The lanes together stay within one day's bounds (a ValueError says which)."""
    crates = sum(lane.crates + lane.priority_crates for lane in lanes)
    items = sum(lane.items for lane in lanes)
    if crates > MAX_DAY_CRATES or items > MAX_DAY_ITEMS:
        raise ValueError(
            f"{crates} crates and {items} copies in a day; at most {MAX_DAY_CRATES} crates"
            f" and {MAX_DAY_ITEMS} copies"
        )


class PlanRequest(BaseModel):
    lanes: list[LaneIn] | None = Field(
        default=None,
        max_length=100_000,
        description="The day's demand; omitted: the lane demand received for the day.",
    )
    time_limit_s: float | None = Field(default=None, gt=0, le=600)

    @model_validator(mode="after")
    def _one_days_demand(self) -> Self:
        if self.lanes is not None:
            within_a_day(self.lanes)
        return self


def routing_router(
    pool_provider: Callable[[], asyncpg.Pool | None],
    principal: Callable[..., Principal],
    planner: DayPlanner,
    names: Mapping[str, str],
    zone: ZoneInfo,
) -> APIRouter:
    router = APIRouter(prefix="/routing", tags=["routing"], responses=REFUSALS)
    store = PlanStore()
    Caller = Annotated[Principal, Depends(principal)]

    pool = pool_getter(pool_provider, "routing")

    async def latest(day: date) -> StoredPlan:
        async with pool().acquire() as conn:
            stored = await store.latest(conn, day)
        if stored is None:
            raise problem(404, "no_plan", f"no plan for {day.isoformat()} yet")
        return stored

    def check_lanes(lanes: list[LaneIn]) -> list[LaneCrates]:
        unknown = sorted(
            {x for lane in lanes for x in (lane.from_library, lane.to_library)} - set(names)
        )
        if unknown:
            raise problem(
                422, "unknown_library", f"not libraries of the network: {', '.join(unknown)}"
            )
        return [LaneCrates(**lane.model_dump()) for lane in lanes]

    @router.post("/days/{day}/plan", responses=documented(400, 404, 422))
    async def plan_day(day: date, body: PlanRequest, caller: Caller) -> dict[str, Any]:
        """Plan the day now and publish the plan as the day's next version."""
        require_role(caller, Role.COORDINATOR)
        if body.lanes is not None:
            lanes = check_lanes(body.lanes)
        else:
            async with pool().acquire() as conn:
                stored = await store.demand(conn, day)
            if stored is None:
                raise problem(404, "no_demand", f"no lane demand for {day.isoformat()}; send lanes")
            lanes = stored
        planned = await planner.plan(day, lanes, time_limit_s=body.time_limit_s)
        return await save(planned, "api")

    async def save(planned: PlannedDay, reason: str) -> dict[str, Any]:
        now = datetime.now(UTC)
        async with pool().acquire() as conn, conn.transaction():
            version = await publish_plan(conn, store, planned, reason, zone, now)
        return {"version": version, **plan_to_json(planned.plan)}

    @router.get("/days/{day}/plan", responses=documented(404))
    async def get_plan(day: date, caller: Caller) -> dict[str, Any]:
        """The day's latest plan."""
        stored = await latest(day)
        return {"version": stored.version, "reason": stored.reason, **plan_to_json(stored.plan)}

    @router.get("/days/{day}/plan.geojson", responses=documented(404))
    async def get_geojson(day: date, caller: Caller) -> dict[str, Any]:
        """The day's latest plan as GeoJSON: a line per van, a point per stop."""
        stored = await latest(day)
        network = planner.network(day)
        places = {p.place_id: (p.lat, p.lon) for p in network.places}
        return plan_geojson(stored.plan, places)

    @router.get(
        "/days/{day}/vans/{van_id}/sheet",
        response_class=HTMLResponse,
        responses=documented_beside_html(401, 403, 404, 503),
    )
    async def driver_sheet(day: date, van_id: str, caller: Caller) -> HTMLResponse:
        """A van's stops for the day, printable (A4)."""
        require_role(caller, Role.COORDINATOR, Role.DRIVER)
        stored = await latest(day)
        event = plan_event(stored.plan, stored.version, stored.shipments, zone, stored.planned_at)
        try:
            return HTMLResponse(render_driver_sheet(event.data, van_id, names))
        except UnknownVan as exc:
            raise problem(404, "unknown_van", str(exc)) from exc

    return router
