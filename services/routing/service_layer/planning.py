"""Planning a day: demand and network in, a stored and published ``RoutePlan`` out.

``DayPlanner`` builds the day's ``RoutingProblem`` (places open that day, vans, shipments of
whole crates, travel matrix) and hands it to the solver in a worker thread (OR-Tools holds
the GIL only between solutions, and the event loop must keep serving). ``PlanningJob`` runs
on a timer: it takes a day whose newest demand has no plan yet, plans it, and stores the
plan with its ``route-plan-published`` event in one transaction.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

import asyncpg

from kulkuri.routing.adapters.plan_events import plan_event
from kulkuri.routing.adapters.plan_store import PlanStore
from kulkuri.routing.domain.demand import LaneCrates, shipments_for
from kulkuri.routing.domain.errors import RoutingError
from kulkuri.routing.domain.plan import RoutePlan
from kulkuri.routing.domain.problem import (
    Matrix,
    Mode,
    Place,
    RoutingProblem,
    Shipment,
    SolveLimits,
    Van,
)
from kulkuri.routing.solver.interface import ProgressCallback, Solver
from kulkuri.shared.db.outbox import OutboxStore
from kulkuri.shared.messaging import ROUTES, Transaction

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NetworkDay:
    """What the consortium's routing file says about one day."""

    mode: Mode
    hub: str | None
    places: tuple[Place, ...]
    vans: tuple[Van, ...]


class MatrixSource(Protocol):
    async def matrix(self, places: Sequence[tuple[float, float]]) -> Matrix:
        """Metres and seconds between (lat, lon) points."""
        ...


@dataclass(frozen=True)
class PlannedDay:
    plan: RoutePlan
    problem: RoutingProblem

    @property
    def shipments(self) -> dict[str, Shipment]:
        return {s.shipment_id: s for s in self.problem.shipments}


class DayPlanner:
    def __init__(
        self,
        network: Callable[[date], NetworkDay],
        matrices: MatrixSource,
        solver: Solver,
        *,
        crate_capacity: int,
        time_limit_s: float,
    ) -> None:
        self.network = network
        self.matrices = matrices
        self.solver = solver
        self.crate_capacity = crate_capacity
        self.time_limit_s = time_limit_s

    async def problem(
        self, day: date, lanes: Sequence[LaneCrates]
    ) -> tuple[RoutingProblem, tuple[str, ...]]:
        """The day's problem, and notes on lanes that cannot be planned."""
        net = self.network(day)
        shipments, refused = shipments_for(
            lanes,
            mode=net.mode,
            hub=net.hub,
            known={p.place_id for p in net.places},
            crate_capacity=self.crate_capacity,
            most_per_shipment=max((v.capacity_crates for v in net.vans), default=None),
        )
        notes = tuple(
            f"lane {r.lane.from_library}>{r.lane.to_library} not planned: {r.reason}"
            for r in refused
        )
        matrix = await self.matrices.matrix([(p.lat, p.lon) for p in net.places])
        problem = RoutingProblem(
            day=day,
            mode=net.mode,
            places=net.places,
            vans=net.vans,
            shipments=shipments,
            matrix=matrix,
            hub=net.hub,
        )
        return problem, notes

    async def plan(
        self,
        day: date,
        lanes: Sequence[LaneCrates],
        *,
        progress: ProgressCallback | None = None,
        time_limit_s: float | None = None,
    ) -> PlannedDay:
        problem, notes = await self.problem(day, lanes)
        limits = SolveLimits(time_limit_s=time_limit_s or self.time_limit_s)
        plan = await asyncio.to_thread(self.solver.solve, problem, limits, progress)
        return PlannedDay(replace(plan, notes=(*plan.notes, *notes)), problem)


class PlanningJob:
    def __init__(
        self,
        planner: DayPlanner,
        store: PlanStore,
        zone: ZoneInfo,
        *,
        schema: str = "routing",
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.planner = planner
        self.store = store
        self.zone = zone
        self.clock = clock
        self.schema = schema

    async def __call__(self, pool: asyncpg.Pool) -> date | None:
        """Plan one day waiting for a plan; returns it (None when none waits)."""
        async with pool.acquire() as conn, conn.transaction():
            day = await self.store.take_unplanned_day(conn)
            if day is None:
                return None
            lanes = await self.store.demand(conn, day) or []
            try:
                planned = await self.planner.plan(day, lanes)
            except RoutingError as exc:
                # Retrying the same demand would fail the same way, every round.
                log.error("the demand of %s cannot be planned: %s", day, exc)
                await self.store.mark_unplannable(conn, day)
                return day
            await publish_plan(
                conn, self.store, planned, "demand", self.zone, self.clock(), schema=self.schema
            )
        return day


async def publish_plan(
    conn: asyncpg.Connection,
    store: PlanStore,
    planned: PlannedDay,
    reason: str,
    zone: ZoneInfo,
    now: datetime,
    *,
    schema: str = "routing",
) -> int:
    """Store the plan as the day's next version and put its event in the outbox (the
    caller's transaction); returns the version."""
    version = await store.save_plan(
        conn, planned.plan, planned.problem.shipments, reason, now, from_demand=reason == "demand"
    )
    tx = Transaction(conn)
    tx.publish(ROUTES, plan_event(planned.plan, version, planned.shipments, zone, now))
    await OutboxStore(schema).add(conn, tx.outbox)
    return version
