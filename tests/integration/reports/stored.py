"""What the services store, written through their own repositories: route plans with the
routing service's ``PlanStore``, transfers with the transport service's ledger and
``TransferRepository``, holds with the holds service's ``Title`` and ``TitleRepository``.

Times are UTC; Helsinki is UTC+2 in winter and UTC+3 in summer.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import asyncpg

from kulkuri.holds.adapters.title_repository import TitleRepository
from kulkuri.holds.domain.consortium import (
    CollectionPolicy,
    Consortium,
    Library,
    OpeningHours,
    TransportCosts,
)
from kulkuri.holds.domain.title import Title
from kulkuri.routing.adapters.plan_store import PlanStore
from kulkuri.routing.domain.plan import PlannedStop, RoutePlan, VanRoute
from kulkuri.routing.domain.problem import Mode
from kulkuri.transport.adapters.transfer_repository import TransferRepository
from kulkuri.transport.domain import TransferReason, TransferRequest

LAHTI, HEINOLA, SYSMA, HOLLOLA = "85910", "85381", "85927", "85708"
DEPOT = LAHTI


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# -- routing -----------------------------------------------------------------------------


def route(van_id: str, km: int, hours: float, *visits: str) -> VanRoute:
    places = (DEPOT, *visits, DEPOT)
    stops = tuple(
        PlannedStop(p, 8 * 3600 + i * 3600, 8 * 3600 + i * 3600 + 600) for i, p in enumerate(places)
    )
    return VanRoute(van_id, stops, distance_m=km * 1000, duration_s=round(hours * 3600))


def idle(van_id: str) -> VanRoute:
    return VanRoute(van_id, (PlannedStop(DEPOT, 8 * 3600, 8 * 3600),) * 2, 0, 0)


async def save_plan(
    conn: asyncpg.Connection, schema: str, day: date, *routes: VanRoute, reason: str = "demand"
) -> int:
    plan = RoutePlan(day, Mode.HUB, routes)
    planned_at = datetime.combine(day, time(5), UTC)
    return await PlanStore(schema).save_plan(conn, plan, [], reason, planned_at)


# -- transport ---------------------------------------------------------------------------


async def transfer(
    conn: asyncpg.Connection,
    schema: str,
    item_id: str,
    origin: str,
    destination: str,
    *,
    loaded: datetime | None = None,
    received: datetime | None = None,
) -> None:
    """A copy's transfer, taken as far as it got: requested, then (if ``loaded``) pulled,
    packed and loaded at the origin, then (if ``received``) unloaded and received."""
    async with conn.transaction():
        repository = TransferRepository(conn, schema)
        ledger = await repository.load(item_ids=[item_id])
        transfer_id = f"{item_id}:1"
        requested = loaded or received or utc("2026-01-01T00:00:00")
        request = TransferRequest(
            transfer_id, item_id, f"bib-{item_id}", origin, destination, TransferReason.HOLD
        )
        ledger.request(request, requested)
        if loaded is not None:
            ledger.pull(transfer_id, loaded, origin)
            ledger.pack(transfer_id, f"crate-{item_id}", loaded)
            ledger.load(transfer_id, f"run-{item_id}", loaded)
        if received is not None:
            ledger.unload(transfer_id, received, destination)
            ledger.receive(transfer_id, received, destination)
        await repository.save()


# -- holds -------------------------------------------------------------------------------

ALL_WEEK = OpeningHours(week=dict.fromkeys(range(7), ((time(0), time(23, 59)),)))
RULES = Consortium(
    name="Lastu (reports test)",
    version="test",
    libraries={lib: Library(lib, lib, lib, 61.0, 25.7) for lib in (LAHTI, HEINOLA, SYSMA, HOLLOLA)},
    opening_hours=dict.fromkeys((LAHTI, HEINOLA, SYSMA, HOLLOLA), ALL_WEEK),
    costs=TransportCosts(lambda source, destination: 30_000),
    collection_policies={},
    default_policy=CollectionPolicy.FLOATING,
    digital_formats=frozenset({"ebook"}),
)


def title(bib_id: str, *copies: tuple[str, str], item_format: str = "book") -> Title:
    """A title with copies (item id, library) on their shelves since long before."""
    made = Title(bib_id)
    for item_id, library in copies:
        made.add_item(RULES, item_id, library, "fiction", item_format, utc("2024-01-01T10:00:00"))
    return made


async def save_titles(conn: asyncpg.Connection, schema: str, *titles: Title) -> None:
    async with conn.transaction():
        await TitleRepository(conn, schema=schema).save(titles)
