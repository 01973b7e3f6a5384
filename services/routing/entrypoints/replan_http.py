"""Re-planning the rest of a day through the API (coordinators only).

``POST /routing/days/{day}/replan`` with the stops each van has done (counted from its
depot start), the vans that broke down and any urgent lanes: the day's latest plan is
re-planned from where the vans are, stored as the next version and published on
``kulkuri.routing.v1``; the answer is that plan, as ``POST /routing/days/{day}/plan``
answers. Stops done stay as they were; crates on a broken van are dropped (``van_broken``).
"""

# No "from __future__ import annotations": FastAPI resolves the closures' local aliases.

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated, Any, Self
from zoneinfo import ZoneInfo

import asyncpg
from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field, model_validator

from kulkuri.routing.adapters.plan_json import plan_to_json
from kulkuri.routing.adapters.plan_store import PlanStore
from kulkuri.routing.domain.demand import LaneCrates
from kulkuri.routing.domain.errors import RoutingInputError, UnsupportedConstraintError
from kulkuri.routing.domain.progress import ProgressError
from kulkuri.routing.entrypoints.http import LaneIn, within_a_day
from kulkuri.routing.service_layer.planning import DayPlanner
from kulkuri.routing.service_layer.replan import (
    PlanChanged,
    ReplanRequest,
    publish_replan,
    replan_day,
)
from kulkuri.shared.auth import Principal, Role
from kulkuri.shared.auth_http import REFUSALS, documented, pool_getter, problem, require_role

DAY_S = 24 * 3600


class UrgentLaneIn(LaneIn):
    """A lane whose crates must go today, beside the plan's (the same fields and bounds)."""


class ReplanBody(BaseModel):
    done: dict[str, Annotated[int, Field(ge=0)]] = Field(
        default_factory=dict,
        description="Per van, its stops done counted from the depot start (3: the depot "
        "and two libraries); vans not named have not left yet.",
    )
    broken_vans: list[str] = Field(
        default_factory=list, description="Vans out of service: their stops go to others."
    )
    urgent_lanes: list[UrgentLaneIn] = Field(default_factory=list, max_length=10_000)
    now_s: int | None = Field(
        default=None,
        ge=0,
        le=DAY_S,
        description="Seconds from local midnight: no van leaves a stop before this.",
    )
    time_limit_s: float | None = Field(default=None, gt=0, le=600)

    @model_validator(mode="after")
    def _one_days_demand(self) -> Self:
        within_a_day(self.urgent_lanes)
        return self


def replan_router(
    pool_provider: Callable[[], asyncpg.Pool | None],
    principal: Callable[..., Principal],
    planner: DayPlanner,
    zone: ZoneInfo,
) -> APIRouter:
    router = APIRouter(prefix="/routing", tags=["routing"], responses=REFUSALS)
    store = PlanStore()
    Caller = Annotated[Principal, Depends(principal)]

    pool = pool_getter(pool_provider, "routing")

    def check_lanes(day: date, lanes: list[UrgentLaneIn]) -> list[LaneCrates]:
        known = {p.place_id for p in planner.network(day).places}
        named = {x for lane in lanes for x in (lane.from_library, lane.to_library)}
        unknown = sorted(named - known)
        if unknown:
            raise problem(
                422, "unknown_library", f"not libraries of the network: {', '.join(unknown)}"
            )
        same = sorted({lane.from_library for lane in lanes if lane.from_library == lane.to_library})
        if same:
            raise problem(422, "same_library", f"lanes from a library to itself: {', '.join(same)}")
        return [LaneCrates(**lane.model_dump()) for lane in lanes]

    @router.post("/days/{day}/replan", responses=documented(400, 404, 409, 422, 501))
    async def replan(day: date, body: ReplanBody, caller: Caller) -> dict[str, Any]:
        """Re-plan the rest of the day from where the vans are; stops done stay done."""
        require_role(caller, Role.COORDINATOR)
        lanes = check_lanes(day, body.urgent_lanes)
        async with pool().acquire() as conn:
            stored = await store.latest(conn, day)
        if stored is None:
            raise problem(404, "no_plan", f"no plan for {day.isoformat()} to re-plan")
        request = ReplanRequest(
            done=body.done,
            broken_vans=frozenset(body.broken_vans),
            urgent_lanes=lanes,
            now_s=body.now_s,
            time_limit_s=body.time_limit_s,
        )
        try:
            planned = await replan_day(planner, stored, request)
        except ProgressError as exc:
            raise problem(422, exc.reason, str(exc)) from exc
        except UnsupportedConstraintError as exc:
            raise problem(501, "engine_unsupported", str(exc)) from exc
        except RoutingInputError as exc:
            raise problem(422, "bad_problem", str(exc)) from exc
        try:
            version = await publish_replan(
                pool(), store, planned, stored.version, zone, datetime.now(UTC)
            )
        except PlanChanged as exc:
            raise problem(409, "plan_changed", str(exc)) from exc
        return {"version": version, "reason": "replan", **plan_to_json(planned.plan)}

    return router
