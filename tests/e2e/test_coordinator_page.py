"""The coordinator page in real headless Chromium against a running system: the routing and
transport services on the session's broker and database, served over HTTP, with a simulated
day (a Lastu day planned from its lanes, copies to pull and pack, one transfer overdue).

The page must list the vans and stops the API answers, draw a line per van, re-plan from
the done stops it is given, print a driver sheet, refuse a visit without a token and show a
library's staff only their library's lists. Screenshots go to ``build/test-artifacts/``;
``KULKURI_README_SCREENSHOT=1`` also writes ``docs/images/coordinator.png``.
"""

from __future__ import annotations

import asyncio
import base64
import os
import re
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx
import pytest
import pytest_asyncio
from fastapi import APIRouter, FastAPI
from prometheus_client import CollectorRegistry
from pydantic import SecretStr

from kulkuri.routing.bootstrap import ZONE, RoutingService
from kulkuri.routing.bootstrap import build_service as build_routing
from kulkuri.routing.entrypoints.page_http import MapSettings, coordinator_page_router
from kulkuri.shared.auth import Principal, Role, TokenAuthority, authority_from
from kulkuri.shared.auth_http import authenticator
from kulkuri.shared.observability.metrics import MessagingMetrics
from kulkuri.transport.bootstrap import TransportService
from kulkuri.transport.bootstrap import build_service as build_transport
from kulkuri.transport.service_layer.packing_service import PackingService
from kulkuri.transport.service_layer.scan_service import ScanService
from kulkuri.transport.service_layer.scans import Scan, ScanKind
from tests.e2e.browser import REPOSITORY, artifact, chromium, served, watched_page
from tests.integration.routing.routing_runtime import SECRET
from tests.integration.routing.routing_runtime import config_for as routing_config
from tests.integration.transport.fixtures import decide, requested, via_hub
from tests.integration.transport.transport_runtime import config_for as transport_config

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page, Route

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="module")]

HUB, SYSMA, ASIKKALA, HEINOLA, HOLLOLA = "85910", "85927", "85033", "85381", "85708"
HARTOLA, ORIMATTILA, PADASJOKI = "86026", "85238", "85314"
TILES = MapSettings(
    tile_url="https://tiles.example.org/{z}/{x}/{y}.png", attribution="© Test tiles"
)
TILE_PNG = base64.b64decode(  # 1×1 pixel, served for every tile
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def next_tuesday() -> date:
    """A day ahead (so copies requested now are on its lists) when vans run and the two
    northern libraries are served; Padasjoki is not (Mondays and Wednesdays only)."""
    today = datetime.now(UTC).astimezone(ZONE).date()
    return today + timedelta(days=(1 - today.weekday()) % 7 or 7)


def lanes() -> list[dict[str, Any]]:
    """Crates both ways at six libraries: more than one van's day; Padasjoki's crates wait."""
    out = [{"from_library": HUB, "to_library": PADASJOKI, "crates": 3}]
    for library in (SYSMA, ASIKKALA, HEINOLA, HOLLOLA, HARTOLA, ORIMATTILA):
        out.append({"from_library": HUB, "to_library": library, "crates": 16, "priority_crates": 2})
        out.append({"from_library": library, "to_library": HUB, "crates": 9})
    return out


def clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def bearer(role: Role, library: str | None = None) -> str:
    return TokenAuthority(SECRET).issue(role, library=library)


@dataclass
class System:
    url: str
    tiles_url: str  # the same system, its page drawing map tiles beneath the routes
    day: date
    api: httpx.AsyncClient  # real HTTP, with a coordinator token
    pulled: list[str]  # copies on Heinola's pull list of the day
    overdue: str  # the transfer reported overdue


async def simulate_transport(pool: Any, run: str, day: date) -> tuple[list[str], str]:
    """Copies requested from Heinola for Asikkala (via the hub): two waiting to be pulled,
    one packed for the day; and one loaded on a van six days ago, never unloaded."""
    legs, now = via_hub(), datetime.now(UTC)
    items = [f"page-{run}-{n}" for n in range(4)]
    await decide(pool, legs, *(requested(i, 1, HEINOLA, ASIKKALA, at=now) for i in items[:3]))
    scans = ScanService(legs)
    await scans.apply(pool, [(Scan(ScanKind.PULLED, items[2], HEINOLA, now), None)])
    packing = await PackingService(legs, 40).plan(pool, HEINOLA, day, now)
    (crate,) = [a.crate_id for a in packing.plan.assignments if a.transfer_id == f"{items[2]}:1"]
    packed = Scan(ScanKind.PACKED, items[2], HEINOLA, now, crate_id=crate)
    assert [r.outcome for r in await scans.apply(pool, [(packed, None)])] == ["accepted"]

    loaded_at = now - timedelta(days=6)  # at least four delivery days: overdue, not missing
    await decide(pool, legs, requested(items[3], 1, HEINOLA, ASIKKALA, at=loaded_at))
    await scans.apply(pool, [(Scan(ScanKind.PULLED, items[3], HEINOLA, loaded_at), None)])
    then = loaded_at.astimezone(ZONE).date()
    earlier = await PackingService(legs, 40).plan(pool, HEINOLA, then, loaded_at)
    (old,) = [a.crate_id for a in earlier.plan.assignments if a.transfer_id == f"{items[3]}:1"]
    later = loaded_at + timedelta(minutes=5)
    results = await scans.apply(
        pool,
        [
            (Scan(ScanKind.PACKED, items[3], HEINOLA, later, crate_id=old), None),
            (Scan(ScanKind.LOADED, old, HEINOLA, later, van_run=f"run-{run}"), None),
        ],
    )
    assert [r.outcome for r in results] == ["accepted", "accepted"], results
    return items[:2], f"{items[3]}:1"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def system(bootstrap_servers: str, database_url: str) -> AsyncIterator[System]:
    run = uuid.uuid4().hex[:8]
    metrics = MessagingMetrics(CollectorRegistry())
    r_config = routing_config(f"page-routing-{run}", time_limit_s=2.0)
    t_config = transport_config(f"page-transport-{run}")
    t_config.auth.token_secret = SecretStr(SECRET)
    parts = {"database_url": database_url, "bootstrap_servers": bootstrap_servers}
    routing = build_routing(r_config, metrics=metrics, **parts)
    transport = build_transport(t_config, metrics=metrics, **parts)
    principal = authenticator(authority_from(r_config.auth))
    app, tiled = (app_for(routing, transport, principal, m) for m in (None, TILES))
    day = next_tuesday()
    async with routing.runtime, transport.runtime:
        assert transport.runtime.pool is not None
        pulled, overdue = await simulate_transport(transport.runtime.pool, run, day)
        tasks = [asyncio.create_task(rt.run()) for rt in (routing.runtime, transport.runtime)]
        try:
            async with served(app) as url, served(tiled) as tiles_url:
                headers = {"Authorization": f"Bearer {bearer(Role.COORDINATOR)}"}
                async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as api:
                    body = {"lanes": lanes(), "time_limit_s": 2}
                    planned = await api.post(f"/routing/days/{day}/plan", json=body)
                    assert planned.status_code == 200, planned.text
                    await overdue_listed(api, overdue)
                    yield System(url, tiles_url, day, api, pulled, overdue)
        finally:
            for runtime in (routing.runtime, transport.runtime):
                runtime.request_stop()
            await asyncio.gather(*tasks)


def app_for(
    routing: RoutingService,
    transport: TransportService,
    principal: Callable[..., Principal],
    map_settings: MapSettings | None,
) -> FastAPI:
    """The services' routers and the coordinator page: the routing service's own, unless
    ``map_settings`` asks for another map."""
    app = FastAPI()

    def serves_page(router: APIRouter) -> bool:
        return any(getattr(r, "path", "").startswith("/coordinator") for r in router.routes)

    own = [r for r in routing.routers if map_settings is None or not serves_page(r)]
    for router in [*own, *transport.routers]:
        app.include_router(router)
    if not any(getattr(route, "path", "") == "/coordinator" for route in app.routes):
        pool = lambda: routing.runtime.pool  # noqa: E731
        page = coordinator_page_router(
            pool, principal, routing.planner, ZONE, map_settings=map_settings
        )
        app.include_router(page)
    return app


async def overdue_listed(api: httpx.AsyncClient, transfer: str) -> None:
    """The transport service's own overdue check (run at its start) reports the transfer."""
    for _ in range(100):
        listed = (await api.get("/transport/overdue")).json()
        if transfer in [t["transfer_id"] for t in listed]:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{transfer} was never reported overdue")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as launched:
        yield launched


@pytest_asyncio.fixture(loop_scope="module")
async def page(browser: Browser) -> AsyncIterator[Page]:
    async with watched_page(browser) as opened:
        yield opened


async def sign_in(page: Page, system: System, token: str, *, url: str | None = None) -> None:
    await page.goto(f"{url or system.url}/coordinator?day={system.day}")
    await page.fill("#token", token)
    await page.click("#sign-in-form button[type=submit]")


async def plan_of(system: System) -> dict[str, Any]:
    answer = await system.api.get(f"/routing/days/{system.day}/plan")
    assert answer.status_code == 200, answer.text
    plan: dict[str, Any] = answer.json()
    return plan


def crates(shipments: dict[str, Any], ids: list[str]) -> str:
    return str(sum(shipments[i]["crates"] for i in ids))


def used_routes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in plan["routes"] if len(r["stops"]) > 2]


async def expect_shown(page: Page) -> None:
    """Signed in, everything loaded (the page marks its body), no error."""
    await page.wait_for_selector(
        "body:is([data-state=ready], [data-state=error])", state="attached"
    )
    assert await page.is_hidden("#error"), await page.inner_text("#error")
    assert await page.is_hidden("#sign-in")


async def test_the_page_lists_the_vans_and_stops_the_api_answers(
    page: Page, system: System
) -> None:
    await sign_in(page, system, bearer(Role.COORDINATOR))
    await expect_shown(page)
    plan = await plan_of(system)
    shipments = (await system.api.get(f"/coordinator/days/{system.day}/shipments")).json()
    used = used_routes(plan)
    assert len(used) >= 2, "the simulated day needs more than one van"

    cards = page.locator("#vans .van")
    assert await cards.count() == len(used)
    assert await page.inner_text("#plan-version") == f"version {plan['version']}"
    for route in used:
        card = page.locator(f'#vans .van[data-van="{route["van_id"]}"]')
        assert await card.locator(".stop-count").inner_text() == f"{len(route['stops'])} stops"
        etas = await card.locator("td.eta").all_inner_texts()
        assert etas == [clock(s["arrival_s"]) for s in route["stops"]]
        off = await card.locator("td.off").all_inner_texts()
        assert off == [crates(shipments, s["unload"]) for s in route["stops"]]
        on = await card.locator("td.on").all_inner_texts()
        assert on == [crates(shipments, s["load"]) for s in route["stops"]]
        loads = await card.locator("td.load").all_inner_texts()
        assert loads == [str(s["load_after"]) for s in route["stops"]]

    lines = page.locator("#map svg polyline.route-line")
    assert await lines.count() == len(used)
    assert set(await page.eval_on_selector_all(
        "#map svg polyline.route-line", "els => els.map(e => e.dataset.van)"
    )) == {r["van_id"] for r in used}  # fmt: skip
    stops = sum(len(r["stops"]) - 2 for r in used)
    assert await page.locator("#map svg g.stop-number").count() == stops
    assert await page.locator("#map svg circle.library-dot").count() == 19  # Lastu's outlets

    dropped = page.locator("#dropped tbody tr")
    assert await dropped.count() == len(plan["dropped"]) > 0
    assert "Padasjoen" in await page.inner_text("#dropped")
    assert system.overdue in await page.inner_text("#overdue")

    await page.select_option("#library", HEINOLA)
    pull = page.locator('.lists [data-kind="pull"]')
    for item in system.pulled:
        await pull.locator(f'tr[data-item="{item}"]').wait_for()
    assert await page.locator('.lists [data-kind="packing"] tbody tr').count() >= 1

    await page.screenshot(path=artifact("coordinator.png"))
    if os.environ.get("KULKURI_README_SCREENSHOT"):
        target = REPOSITORY / "docs" / "images" / "coordinator.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=target)
        assert target.stat().st_size <= 300_000, "keep the README's image small"


async def test_re_planning_from_the_page_keeps_the_done_stops(page: Page, system: System) -> None:
    await sign_in(page, system, bearer(Role.COORDINATOR))
    await expect_shown(page)
    before = await plan_of(system)
    van = used_routes(before)[0]
    card = page.locator(f'#vans .van[data-van="{van["van_id"]}"]')
    await card.locator("input.done").fill("2")

    await page.click("#replan")
    await page.wait_for_selector("#progress:not([hidden])")
    await page.wait_for_selector("#progress", state="hidden", timeout=60_000)
    await expect_shown(page)

    assert await page.is_hidden("#error"), await page.inner_text("#error")
    after = await plan_of(system)
    assert (after["version"], after["reason"]) == (before["version"] + 1, "replan")
    assert await page.inner_text("#plan-version") == f"version {after['version']}"
    assert f"plan version {after['version']} ready" in await page.inner_text("#status")
    new = next(r for r in after["routes"] if r["van_id"] == van["van_id"])
    assert new["stops"][:2] == van["stops"][:2]
    assert await card.locator("td.eta").all_inner_texts() == [
        clock(s["arrival_s"]) for s in new["stops"]
    ]


async def test_planning_a_day_without_demand_says_why(page: Page, system: System) -> None:
    await sign_in(page, system, bearer(Role.COORDINATOR))
    await expect_shown(page)
    await page.click("#plan-day")
    await page.wait_for_selector("#error:not([hidden])")
    assert f"no lane demand for {system.day}" in await page.inner_text("#error")
    assert await page.locator("#vans .van").count() >= 2, "the plan shown stays"


async def test_a_driver_sheet_prints_alone(page: Page, system: System) -> None:
    await sign_in(page, system, bearer(Role.COORDINATOR))
    await expect_shown(page)
    van = used_routes(await plan_of(system))[0]
    card = page.locator(f'#vans .van[data-van="{van["van_id"]}"]')
    await card.locator("button.sheet").click()
    sheet = page.locator("#sheet h1")
    await sheet.wait_for()

    await page.emulate_media(media="print")
    assert await page.is_hidden("#app") and await page.is_hidden("header.bar")
    assert await sheet.is_visible()
    assert f"van {van['van_id']}" in await sheet.inner_text()
    assert await page.locator("#sheet tbody tr").count() == len(van["stops"])
    await page.pdf(path=artifact("driver-sheet.pdf"), format="A4")
    await page.screenshot(path=artifact("driver-sheet.png"))


async def test_a_visit_without_a_token_is_asked_to_sign_in(page: Page, system: System) -> None:
    await page.goto(f"{system.url}/coordinator?day={system.day}")
    await page.wait_for_selector("#sign-in:not([hidden])")
    assert await page.is_hidden("#app")
    assert await page.locator("#vans .van").count() == 0
    refused = await page.evaluate(
        "day => fetch(`/routing/days/${day}/plan`).then(r => r.status)", str(system.day)
    )
    assert refused == 401

    forged = TokenAuthority("another-secret-of-thirty-two-bytes!!").issue(Role.COORDINATOR)
    await page.fill("#token", forged)
    await page.click("#sign-in-form button[type=submit]")
    # Not wait_for_function: the page's policy forbids evaluating strings, tests' too.
    await page.locator("#sign-in-message", has_text="the token was refused").wait_for()
    assert await page.is_visible("#sign-in") and await page.is_hidden("#app")
    assert await page.locator("#vans .van").count() == 0
    await page.screenshot(path=artifact("coordinator-sign-in.png"))


async def test_library_staff_see_only_their_library_s_lists(page: Page, system: System) -> None:
    await sign_in(page, system, bearer(Role.STAFF, HEINOLA))
    await expect_shown(page)
    pull = page.locator('.lists [data-kind="pull"]')
    for item in system.pulled:
        assert await pull.locator(f'tr[data-item="{item}"]').count() == 1
    assert await page.is_hidden("#plan-panel") and await page.is_hidden("#overdue-panel")
    options = await page.eval_on_selector_all("#library option", "os => os.map(o => o.value)")
    assert options == [HEINOLA]
    assert await page.locator("#vans .van").count() == 0
    other = await page.evaluate(
        """day => fetch(`/transport/libraries/85910/pull-list?day=${day}`, {headers:
             {Authorization: `Bearer ${sessionStorage.getItem('kulkuri.token')}`}})
           .then(r => r.status)""",
        str(system.day),
    )
    assert other == 403, "the server, not the page, keeps staff to their library"
    await page.screenshot(path=artifact("coordinator-staff.png"))


async def test_map_tiles_are_drawn_beneath_the_routes_when_configured(
    page: Page, system: System
) -> None:
    asked: list[str] = []

    async def tile(route: Route) -> None:
        asked.append(route.request.url)
        await route.fulfill(body=TILE_PNG, content_type="image/png")

    await page.route("https://tiles.example.org/**", tile)
    await sign_in(page, system, bearer(Role.COORDINATOR), url=system.tiles_url)
    await expect_shown(page)
    drawn = await page.locator("#map svg g.tiles image").count()
    assert drawn > 0
    await page.wait_for_load_state("networkidle")
    assert len(asked) == drawn, "each tile is fetched once, none refused by the page's policy"
    assert all(re.fullmatch(r"https://tiles\.example\.org/\d+/\d+/\d+\.png", u) for u in asked)
    assert "© Test tiles" in await page.inner_text("#map-caption")
    await page.screenshot(path=artifact("coordinator-tiles.png"))
