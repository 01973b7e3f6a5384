"""The coordinator web page: the day's plan on a map, vans and stops, dropped crates,
transfers overdue, each library's lists, planning actions and driver sheets to print.

One HTML page (its script inline, a ``type="module"``), one stylesheet and two small JSON
reads of its own, all served by the routing service; everything else the page reads and
does through the routing and transport APIs with the caller's token:

- ``GET /coordinator``: the page (no data; the caller signs in with a token there);
- ``GET /coordinator/network``: the network's libraries with coordinates, the service's
  local day and time, the solver's time limit and the map settings (any token);
- ``GET /coordinator/days/{day}/shipments``: what the latest plan's shipment ids carry
  (from, to, crates), to count crates on and off at each stop (any token).

The map needs no internet: libraries and routes are drawn as SVG from their coordinates. A
tile server (``ROUTING_MAP_TILE_URL``, e.g. ``https://tile.example.org/{z}/{x}/{y}.png``)
may be drawn beneath them; the page's Content-Security-Policy allows images from its origin.
"""

# No "from __future__ import annotations": FastAPI resolves the closures' local aliases.

import base64
import hashlib
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import cache
from importlib.resources import files
from typing import Annotated, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import asyncpg
from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, Response
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from kulkuri.routing.adapters.plan_store import PlanStore
from kulkuri.routing.service_layer.planning import DayPlanner
from kulkuri.shared.auth import Principal
from kulkuri.shared.auth_http import REFUSALS, documented, pool_getter, problem

_TEMPLATES = "kulkuri.routing.templates"
_SCRIPT = re.compile(r'<script type="module">(.*?)</script>', re.DOTALL)


class MapSettings(BaseSettings):
    """The coordinator page's map: drawn from coordinates alone unless a tile URL is set."""

    model_config = SettingsConfigDict(env_prefix="ROUTING_MAP_", extra="ignore")

    tile_url: str | None = Field(
        default=None,
        pattern=r"^https?://[^/]+/.*\{z\}.*\{x\}.*\{y\}",
        description="Raster tiles (Web Mercator) beneath the routes: {z}/{x}/{y} in the URL.",
    )
    attribution: str = Field(default="", max_length=200, description="Shown with the tiles.")


def coordinator_page_router(
    pool_provider: Callable[[], asyncpg.Pool | None],
    principal: Callable[..., Principal],
    planner: DayPlanner,
    zone: ZoneInfo,
    *,
    map_settings: MapSettings | None = None,
) -> APIRouter:
    router = APIRouter(prefix="/coordinator", tags=["coordinator page"], responses=REFUSALS)
    store = PlanStore()
    settings = map_settings or MapSettings()
    Caller = Annotated[Principal, Depends(principal)]
    page_headers = {
        "Content-Security-Policy": _content_policy(_page(), settings.tile_url),
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }

    pool = pool_getter(pool_provider, "routing")

    @router.get("", response_class=HTMLResponse, include_in_schema=False)
    async def page() -> HTMLResponse:
        """The page itself: it holds no data, so it needs no token."""
        return HTMLResponse(_page(), headers=page_headers)

    @router.get("/coordinator.css", include_in_schema=False)
    async def stylesheet() -> Response:
        return Response(
            _asset("coordinator.css"),
            media_type="text/css",
            headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
        )

    @router.get("/network")
    async def network(
        caller: Caller,
        day: Annotated[date | None, Query(description="Local date (default: today).")] = None,
    ) -> dict[str, Any]:
        """The network's libraries (id, name, lat, lon) and what the page needs to know."""
        now = datetime.now(UTC).astimezone(zone)
        on = day or now.date()
        places = planner.network(on).places
        return {
            "day": on.isoformat(),
            "today": now.date().isoformat(),
            "now_s": now.hour * 3600 + now.minute * 60 + now.second,
            "zone": str(zone),
            "time_limit_s": planner.time_limit_s,
            "role": caller.role.value,
            "library": caller.library,
            "map": {"tile_url": settings.tile_url, "attribution": settings.attribution},
            "libraries": [
                {
                    "id": p.place_id,
                    "name": p.name,
                    "lat": p.lat,
                    "lon": p.lon,
                    "depot": p.is_depot,
                    "open": p.open_today,
                }
                for p in places
            ],
        }

    @router.get("/days/{day}/shipments", responses=documented(404))
    async def shipments(day: date, caller: Caller) -> dict[str, dict[str, Any]]:
        """What each shipment id of the day's latest plan carries."""
        async with pool().acquire() as conn:
            stored = await store.latest(conn, day)
        if stored is None:
            raise problem(404, "no_plan", f"no plan for {day.isoformat()} yet")
        return {
            sid: {
                "from_library": s.origin,
                "to_library": s.destination,
                "crates": s.crates,
                "priority": s.priority,
            }
            for sid, s in stored.shipments.items()
        }

    return router


@cache
def _asset(name: str) -> str:
    return files(_TEMPLATES).joinpath(name).read_text(encoding="utf-8")


def _page() -> str:
    return _asset("coordinator.html")


def _content_policy(page: str, tile_url: str | None) -> str:
    """Only the page's own inline module runs; it talks to its own origin; images come
    from there, data: URLs and the tile server."""
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'"
        for s in _SCRIPT.findall(page)
    )
    images = "'self' data:"
    if tile_url:
        parts = urlsplit(tile_url)
        images += f" {parts.scheme}://{parts.netloc}"
    return (
        f"default-src 'self'; script-src {hashes}; style-src 'self' 'unsafe-inline'; "
        f"img-src {images}; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
        "form-action 'self'"
    )
