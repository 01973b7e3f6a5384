"""Plans come out of the event flow: a day's lane demand in, the day's route plan out on
``kulkuri.routing.v1``; coordinators plan, read and print it through the API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import asyncpg
import orjson
import pytest
from prometheus_client import CollectorRegistry

from kulkuri.routing.adapters.metrics import RoutingMetrics
from kulkuri.routing.adapters.plan_store import PlanStore
from kulkuri.routing.bootstrap import MIGRATIONS
from kulkuri.routing.domain.demand import LaneCrates
from kulkuri.routing.domain.errors import RoutingInputError
from kulkuri.routing.service_layer.planning import DayPlanner, PlannedDay, PlanningJob
from kulkuri.shared.auth import Role
from kulkuri.shared.db.migrations import MigrationSet, upgrade
from kulkuri.shared.events import LaneDemand, LaneDemandData, LaneLoad
from kulkuri.shared.messaging import DEMAND, ROUTES
from tests.integration.routing.routing_runtime import (
    RunningRouting,
    config_for,
    running_routing,
)
from tests.kafka_tools import encoded, metric, produce, read_topic

pytestmark = pytest.mark.integration

HUB, HOLLOLA, ASIKKALA, HEINOLA = "85910", "85708", "85033", "85381"


@pytest.fixture
async def routing(
    bootstrap_servers: str, database_url: str, unique: str
) -> AsyncIterator[RunningRouting]:
    async with running_routing(
        config_for(f"routing-{unique}"),
        bootstrap_servers=bootstrap_servers,
        database_url=database_url,
    ) as running:
        yield running


def demand(day: date, lanes: list[tuple[str, str, int]]) -> LaneDemand:
    at = datetime.combine(day, datetime.min.time(), UTC)
    loads = [
        LaneLoad(from_library=a, to_library=b, items=0, crates=n, carried_over=0)
        for a, b, n in lanes
    ]
    data = LaneDemandData(
        service_day=day,
        cutoff_at=at,
        lanes=loads,
        items=0,
        crates=sum(n for *_, n in lanes),
        published_at=at,
    )
    return LaneDemand.create(id=f"demand-{day}", source="urn:test", time=at, data=data)


async def test_a_days_lane_demand_becomes_its_published_plan(
    routing: RunningRouting, bootstrap_servers: str
) -> None:
    day = date(2026, 8, 4)  # a Tuesday
    lanes = [(HOLLOLA, HUB, 3), (HUB, ASIKKALA, 2), (HEINOLA, HUB, 1)]
    await produce(bootstrap_servers, DEMAND, [encoded(demand(day, lanes))])

    records = await read_topic(
        bootstrap_servers, ROUTES, at_least=1, key=day.isoformat().encode(), timeout=60
    )
    event = orjson.loads(records[-1].value)
    assert event["type"] == "kulkuri.routing.route-plan-published.v1"
    data = event["data"]
    assert data["dropped"] == []
    visited = {s["library"] for r in data["routes"] for s in r["stops"]}
    assert {HOLLOLA, ASIKKALA, HEINOLA, HUB} <= visited
    unloaded = sum(s["unload_crates"] for r in data["routes"] for s in r["stops"])
    assert unloaded == 6

    coordinator = routing.token(Role.COORDINATOR)
    plan = await routing.client.get(f"/routing/days/{day}/plan", headers=coordinator)
    assert plan.status_code == 200
    assert plan.json()["version"] == data["version"]
    route = data["routes"][0]
    sheet = await routing.client.get(
        f"/routing/days/{day}/vans/{route['van_id']}/sheet", headers=routing.token(Role.DRIVER)
    )
    assert sheet.status_code == 200 and f"{route['route_code']}-01" in sheet.text
    geo = await routing.client.get(f"/routing/days/{day}/plan.geojson", headers=coordinator)
    assert geo.json()["type"] == "FeatureCollection"


async def test_coordinators_plan_a_day_from_lanes_they_send(routing: RunningRouting) -> None:
    day = date(2026, 8, 5)
    coordinator = routing.token(Role.COORDINATOR)
    body = {"lanes": [{"from_library": HOLLOLA, "to_library": HUB, "crates": 2}], "time_limit_s": 1}
    first = await routing.client.post(f"/routing/days/{day}/plan", json=body, headers=coordinator)
    second = await routing.client.post(f"/routing/days/{day}/plan", json=body, headers=coordinator)
    assert first.status_code == 200, first.text
    assert second.json()["version"] == first.json()["version"] + 1
    assert first.json()["dropped"] == []


async def test_bad_plan_requests_say_what_is_wrong(routing: RunningRouting) -> None:
    coordinator = routing.token(Role.COORDINATOR)
    unknown = await routing.client.post(
        "/routing/days/2026-08-06/plan",
        json={"lanes": [{"from_library": "00000", "to_library": HUB, "crates": 1}]},
        headers=coordinator,
    )
    assert unknown.status_code == 422
    assert unknown.json()["detail"]["reason"] == "unknown_library"
    assert "00000" in unknown.json()["detail"]["message"]
    no_demand = await routing.client.post(
        "/routing/days/2030-01-01/plan", json={}, headers=coordinator
    )
    assert (no_demand.status_code, no_demand.json()["detail"]["reason"]) == (404, "no_demand")
    no_plan = await routing.client.get("/routing/days/2030-01-01/plan", headers=coordinator)
    assert no_plan.status_code == 404
    driver = await routing.client.post(
        "/routing/days/2026-08-06/plan", json={}, headers=routing.token(Role.DRIVER)
    )
    assert driver.status_code == 403


async def test_the_latest_plans_figures_are_exported_as_gauges(routing: RunningRouting) -> None:
    day = date(2026, 8, 7)
    body = {
        "lanes": [
            {"from_library": HOLLOLA, "to_library": HUB, "crates": 2},
            {"from_library": HUB, "to_library": ASIKKALA, "crates": 1},
        ],
        "time_limit_s": 1,
    }
    planned = await routing.client.post(
        f"/routing/days/{day}/plan", json=body, headers=routing.token(Role.COORDINATOR)
    )
    registry = CollectorRegistry()
    gauges = RoutingMetrics(registry)
    pool = routing.service.runtime.pool
    assert pool is not None

    await gauges.refresh(pool, day)

    plan = planned.json()
    assert metric(registry, "kulkuri_routing_plan_version", when="today") == plan["version"]
    distance = metric(registry, "kulkuri_routing_plan_distance_metres", when="today")
    assert distance == plan["distance_m"] > 0
    assert metric(registry, "kulkuri_routing_plan_vans", when="today") == plan["vans_used"]
    assert metric(registry, "kulkuri_routing_plan_dropped_crates", when="today") == 0
    assert metric(registry, "kulkuri_routing_plan_version", when="tomorrow") == 0


class _FailingPlanner(DayPlanner):
    def __init__(self) -> None:
        self.calls = 0

    async def plan(self, day: date, lanes: Sequence[LaneCrates], **_: object) -> PlannedDay:
        self.calls += 1
        raise RoutingInputError("a shipment to an unknown place")


async def test_demand_that_cannot_be_planned_is_set_aside_not_retried_forever(
    database_url: str, unique: str
) -> None:
    schema = f"routing_{unique}"  # a schema of its own: no running planner takes the day
    await upgrade(MigrationSet(schema, MIGRATIONS.script_location), database_url)
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    assert pool is not None
    day, store = date(2031, 3, 3), PlanStore(schema)
    planner = _FailingPlanner()
    job = PlanningJob(planner, store, ZoneInfo("Europe/Helsinki"), schema=schema)
    try:
        async with pool.acquire() as conn:
            await store.save_demand(
                conn, day, [LaneCrates(HOLLOLA, HUB, 0, 1)], datetime.now(UTC), "test"
            )
        assert await job(pool) == day
        assert await job(pool) is None  # set aside: not tried again

        version = await pool.fetchval(
            f"SELECT planned_version FROM {schema}.demand WHERE service_day = $1", day
        )
    finally:
        await pool.close()
    assert (planner.calls, version) == (1, 0)
