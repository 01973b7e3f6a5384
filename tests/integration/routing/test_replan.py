"""Coordinators re-plan the rest of a Lastu day through the API when a van breaks down and
an urgent crate appears: stops done stay done, the broken van's work goes to the others,
and the new version is published on ``kulkuri.routing.v1``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from kulkuri.routing.bootstrap import ZONE, build_service
from kulkuri.routing.entrypoints.replan_http import replan_router
from kulkuri.shared.auth import Role, authority_from
from kulkuri.shared.auth_http import authenticator
from kulkuri.shared.messaging import ROUTES
from kulkuri.shared.observability.metrics import MessagingMetrics
from tests.integration.routing.routing_runtime import RunningRouting, config_for
from tests.kafka_tools import read_topic

pytestmark = pytest.mark.integration

HUB = "85910"  # Lahden pääkirjasto
SYSMA, ASIKKALA, HEINOLA, HOLLOLA, HARTOLA = "85927", "85033", "85381", "85708", "86026"
ORIMATTILA = "85238"
DAY = date(2026, 9, 15)  # a Tuesday: Hartola and Sysmä get their crates
REPLAN = "/routing/days/{day}/replan"


@pytest.fixture
async def routing(
    bootstrap_servers: str, database_url: str, unique: str
) -> AsyncIterator[RunningRouting]:
    """The routing service with the re-plan API (added here until the composition root
    serves it)."""
    config = config_for(f"routing-{unique}")
    service = build_service(
        config,
        database_url=database_url,
        bootstrap_servers=bootstrap_servers,
        metrics=MessagingMetrics(CollectorRegistry()),
    )
    app = FastAPI()
    for router in service.routers:
        app.include_router(router)
    if not any(getattr(r, "path", "") == REPLAN for r in app.routes):
        principal = authenticator(authority_from(config.auth))
        app.include_router(
            replan_router(lambda: service.runtime.pool, principal, service.planner, ZONE)
        )
    async with service.runtime as runtime:
        task = asyncio.create_task(runtime.run())
        try:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://kulkuri") as client:
                yield RunningRouting(service, client)
        finally:
            runtime.request_stop()
            await task


def lanes() -> list[dict[str, Any]]:
    """Crates both ways at five libraries, two of them far north: more than one van's day."""
    out = []
    for library in (SYSMA, ASIKKALA, HEINOLA, HOLLOLA, HARTOLA):
        out.append({"from_library": HUB, "to_library": library, "crates": 20, "priority_crates": 2})
        out.append({"from_library": library, "to_library": HUB, "crates": 10})
    return out


def route(plan: dict[str, Any], van: str) -> list[dict[str, Any]]:
    stops: list[dict[str, Any]] = next(r["stops"] for r in plan["routes"] if r["van_id"] == van)
    return stops


async def test_replanning_keeps_done_stops_and_hands_a_broken_vans_work_to_others(
    routing: RunningRouting, bootstrap_servers: str
) -> None:
    coordinator = routing.token(Role.COORDINATOR)
    body = {"lanes": lanes(), "time_limit_s": 2}
    first = await routing.client.post(f"/routing/days/{DAY}/plan", json=body, headers=coordinator)
    assert first.status_code == 200, first.text
    old = first.json()
    used = sorted((r for r in old["routes"] if len(r["stops"]) > 3), key=lambda r: r["van_id"])
    assert len(used) >= 2, "the day should need two vans"
    working, broken = used[0]["van_id"], used[1]["van_id"]
    done = {working: 3, broken: 2}  # working: the depot and two stops; broken: one stop

    urgent = {"from_library": ORIMATTILA, "to_library": HUB, "crates": 1, "priority_crates": 1}
    answer = await routing.client.post(
        REPLAN.format(day=DAY),
        json={"done": done, "broken_vans": [broken], "urgent_lanes": [urgent], "time_limit_s": 2},
        headers=coordinator,
    )

    assert answer.status_code == 200, answer.text
    new = answer.json()
    assert new["version"] == old["version"] + 1
    for van, count in done.items():
        assert route(new, van)[:count] == route(old, van)[:count]
    assert route(new, broken) == route(old, broken)[:2]  # it stops where it broke down
    others = [r for r in new["routes"] if r["van_id"] != broken]
    loads = {i: s["place_id"] for r in others for s in r["stops"] for i in s["load"]}
    assert loads["85238>85910:p:urgent"] == ORIMATTILA
    # Crates waiting at the broken van's remaining libraries are fetched by the others.
    waiting = [i for s in route(old, broken)[2:] for i in s["load"] if s["place_id"] != HUB]
    assert waiting and all(loads.get(i) == route_place(old, broken, i) for i in waiting)
    stranded = {d["shipment_id"] for d in new["dropped"] if d["reason"] == "van_broken"}
    on_board = {i for s in route(old, broken)[:2] for i in s["load"]} - {
        i for s in route(old, broken)[:2] for i in s["unload"]
    }
    assert stranded == on_board

    latest = await routing.client.get(f"/routing/days/{DAY}/plan", headers=coordinator)
    assert (latest.json()["version"], latest.json()["reason"]) == (new["version"], "replan")
    records = await read_topic(
        bootstrap_servers, ROUTES, at_least=2, key=DAY.isoformat().encode(), timeout=60
    )
    events = [orjson.loads(r.value)["data"] for r in records]
    published = next(e for e in events if e["version"] == new["version"])
    assert working in {r["van_id"] for r in published["routes"]}
    assert sum(d["reason"] == "van_broken" for d in published["dropped"]) == len(stranded)


def route_place(plan: dict[str, Any], van: str, shipment: str) -> str:
    """Where ``van`` was to load ``shipment``."""
    place: str = next(s["place_id"] for s in route(plan, van) if shipment in s["load"])
    return place


async def test_bad_replan_requests_say_what_is_wrong(routing: RunningRouting) -> None:
    coordinator = routing.token(Role.COORDINATOR)
    day = date(2026, 9, 16)
    replan = REPLAN.format(day=day)
    no_plan = await routing.client.post(replan, json={}, headers=coordinator)
    assert (no_plan.status_code, no_plan.json()["detail"]["reason"]) == (404, "no_plan")

    body = {"lanes": [{"from_library": HOLLOLA, "to_library": HUB, "crates": 2}], "time_limit_s": 1}
    planned = await routing.client.post(f"/routing/days/{day}/plan", json=body, headers=coordinator)
    assert planned.status_code == 200, planned.text
    van = planned.json()["routes"][0]["van_id"]
    for request, reason, named in [
        ({"done": {"van-9": 1}}, "unknown_van", "van-9"),
        ({"broken_vans": ["van-8"]}, "unknown_van", "van-8"),
        ({"done": {van: 99}}, "too_many_done", van),
        (
            {"urgent_lanes": [{"from_library": "00000", "to_library": HUB, "crates": 1}]},
            "unknown_library",
            "00000",
        ),
        (
            {"urgent_lanes": [{"from_library": HUB, "to_library": HUB, "crates": 1}]},
            "same_library",
            HUB,
        ),
    ]:
        refused = await routing.client.post(replan, json=request, headers=coordinator)
        assert refused.status_code == 422, (request, refused.text)
        assert refused.json()["detail"]["reason"] == reason
        assert named in refused.json()["detail"]["message"]
    driver = await routing.client.post(replan, json={}, headers=routing.token(Role.DRIVER))
    assert driver.status_code == 403
