"""Re-planning the rest of a day when a van breaks down or urgent crates appear.

``replan_day`` takes the day's latest stored plan and what the coordinator reports
(``ReplanRequest``: stops done per van, vans broken down, urgent lanes), builds the rest of
the day as a routing problem (``domain.replan``), solves it in a worker thread, and merges
the answer after the stops already done, which stay as they were. ``publish_replan`` stores
the result as the day's next version and publishes it, unless another version was stored
meanwhile (``PlanChanged``: re-plan from that one).

Crates cannot change vans on the road: those on a broken van are reported as dropped with
reason ``van_broken``, and its stops still to do go to the other vans.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from zoneinfo import ZoneInfo

import asyncpg

from kulkuri.routing.adapters.plan_store import PlanStore, StoredPlan
from kulkuri.routing.domain.demand import LaneCrates
from kulkuri.routing.domain.problem import SolveLimits
from kulkuri.routing.domain.progress import day_progress
from kulkuri.routing.domain.replan import merge, remaining_problem, urgent_shipments
from kulkuri.routing.service_layer.planning import DayPlanner, PlannedDay, publish_plan
from kulkuri.routing.solver.interface import ProgressCallback

REASON = "replan"


@dataclass(frozen=True)
class ReplanRequest:
    done: Mapping[str, int] = field(default_factory=dict)  # van -> stops done, depot included
    broken_vans: frozenset[str] = frozenset()
    urgent_lanes: Sequence[LaneCrates] = ()
    now_s: int | None = None  # no van leaves a stop before this (seconds from midnight)
    time_limit_s: float | None = None


class PlanChanged(Exception):
    """Another version of the day was stored while this one was being planned."""


async def replan_day(
    planner: DayPlanner,
    stored: StoredPlan,
    request: ReplanRequest,
    *,
    progress: ProgressCallback | None = None,
) -> PlannedDay:
    """The day's plan again, from where its vans are. Raises ``ProgressError`` when the
    request does not fit the plan."""
    day = stored.service_day
    network, notes = await planner.problem(day, request.urgent_lanes)
    vans = {v.van_id for v in network.vans}
    gone = {r.van_id for r in stored.plan.routes} - vans  # no longer in the day's fleet
    state = day_progress(stored.plan, request.done, request.broken_vans | gone)
    urgent = urgent_shipments(network.shipments, stored.shipments)
    day_shipments = (*(replace(s, on_van=None) for s in stored.shipments.values()), *urgent)
    rest = remaining_problem(network, state, day_shipments, request.now_s)
    limits = SolveLimits(time_limit_s=request.time_limit_s or planner.time_limit_s)
    new = await asyncio.to_thread(planner.solver.solve, rest, limits, progress)
    merged = merge(state, new, rest)
    said = _summary(stored.version, request, sorted(gone))
    plan = replace(merged, notes=(*merged.notes, *notes, said))
    return PlannedDay(plan, replace(rest, shipments=day_shipments))


def _summary(version: int, request: ReplanRequest, gone: list[str]) -> str:
    parts = [f"re-planned from version {version}"]
    if request.broken_vans:
        parts.append(f"broken down: {', '.join(sorted(request.broken_vans))}")
    if gone:
        parts.append(f"not in today's fleet: {', '.join(gone)}")
    if request.urgent_lanes:
        parts.append(f"{len(request.urgent_lanes)} urgent lanes")
    return "; ".join(parts)


async def publish_replan(
    pool: asyncpg.Pool,
    store: PlanStore,
    planned: PlannedDay,
    based_on: int,
    zone: ZoneInfo,
    now: datetime,
) -> int:
    """Store and publish ``planned`` as version ``based_on + 1``; returns it. Raises
    ``PlanChanged`` (and stores nothing) if another version came first."""
    async with pool.acquire() as conn, conn.transaction():
        # save_plan locks the day before numbering, so the number tells what came first.
        version = await publish_plan(conn, store, planned, REASON, zone, now)
        if version != based_on + 1:
            raise PlanChanged(  # rolls the transaction back: nothing stored or published
                f"version {version - 1} of {planned.plan.day.isoformat()} was stored "
                f"while version {based_on} was being re-planned"
            )
    return version
