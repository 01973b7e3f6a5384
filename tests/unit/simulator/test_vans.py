"""Drivers follow the day's plan: at each stop they unload the crates whose next stop it is
and load, up to the planned count, the crates the rest of the route takes further."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from kulkuri.shared.events.routing import PlannedStopData, RoutePlanData, VanRouteData
from kulkuri.simulator.core.config import HELSINKI
from kulkuri.simulator.core.crates import CrateBook, TransferInfo
from kulkuri.simulator.core.vans import day_routes, to_load, to_unload

DAY = date(2026, 11, 26)
HUB, A, B = "85910", "85708", "85033"


def stop(n: int, library: str, load: int = 0, unload: int = 0) -> PlannedStopData:
    arrival = datetime(2026, 11, 26, 7, tzinfo=HELSINKI) + timedelta(minutes=40 * n)
    return PlannedStopData(
        library=library,
        stop_code=f"R01-{n:02d}",
        arrival=arrival,
        departure=arrival + timedelta(minutes=5),
        unload_crates=unload,
        load_crates=load,
        load_after=0,
    )


def hub_day() -> RoutePlanData:
    """Out of the hub with A's crate, to A, to B (which sends two), back to the hub."""
    stops = [stop(0, HUB, load=1), stop(1, A, unload=1), stop(2, B, load=2), stop(3, HUB, unload=2)]
    van = VanRouteData(van_id="lastu-1", route_code="R01", stops=stops, distance_m=1, duration_s=1)
    return RoutePlanData(
        service_day=DAY,
        version=1,
        mode="hub",
        routes=[van],
        dropped=[],
        distance_m=1,
        duration_s=1,
        vans_used=1,
        planned_at=datetime(2026, 11, 26, 6, tzinfo=HELSINKI),
    )


def book() -> CrateBook:
    crates = CrateBook()
    for transfer, origin, to, hold in [
        ("x:1", HUB, A, False),  # at the hub, for A
        ("y:1", B, A, True),  # at B, for A: via the hub
        ("z:1", B, HUB, False),  # at B, for the hub
        ("w:1", B, "86026", False),  # at B, for a library this van does not visit
    ]:
        crates.know_transfer(TransferInfo(transfer, transfer[0], to, hold))
        crates.packed(f"K-{transfer[0]}", origin, transfer)
    return crates


def test_a_van_takes_what_its_route_carries_on_and_leaves_the_rest() -> None:
    day = day_routes(hub_day())
    route = day.routes["lastu-1-20261126"]
    crates = book()
    assert day.hub == HUB
    assert to_load(day, route, 0, crates.waiting_at(HUB)) == ["K-x"]
    # At B the plan says two: the crate for holds first, then by id; the third waits.
    assert to_load(day, route, 2, crates.waiting_at(B)) == ["K-y", "K-w"]


def test_at_the_hub_a_van_takes_every_crate_for_its_route_whatever_the_plan_counts() -> None:
    # Crates from B and C for A wait at the hub after unloading there; the lane demand
    # counted their two copies as one crate, so the plan loads one. Capped at the plan's
    # count, the second crate would wait at the hub day after day.
    day = day_routes(hub_day())
    route = day.routes["lastu-1-20261126"]
    crates = book()
    crates.know_transfer(TransferInfo("v:1", "v", A, False))
    crates.packed("K-v", HUB, "v:1")
    assert route.stops[0].load == 1
    assert to_load(day, route, 0, crates.waiting_at(HUB)) == ["K-v", "K-x"]


def test_a_van_unloads_at_the_destination_and_at_the_hub_what_it_does_not_carry_on() -> None:
    day = day_routes(hub_day())
    route = day.routes["lastu-1-20261126"]
    crates = book()
    crates.loaded("K-x", route.van_run)  # at the hub
    assert to_unload(day, route, 1, crates.on_van(route.van_run)) == ["K-x"]  # at A
    crates.unloaded("K-x", A)
    for crate_id in ("K-y", "K-z"):  # at B
        crates.loaded(crate_id, route.van_run)
    assert to_unload(day, route, 2, crates.on_van(route.van_run)) == []
    # Back at the hub: the crate for the hub, and the one for A, which goes on tomorrow.
    assert to_unload(day, route, 3, crates.on_van(route.van_run)) == ["K-y", "K-z"]
    assert crates.waiting_at(A) == []  # K-x is at its destination: it waits for no van


def test_vans_without_work_do_not_drive() -> None:
    plan = hub_day()
    idle = VanRouteData(
        van_id="lastu-2", route_code="R02", stops=plan.routes[0].stops[:1] * 2,
        distance_m=0, duration_s=0,
    )  # fmt: skip
    day = day_routes(plan.model_copy(update={"routes": [*plan.routes, idle]}))
    assert list(day.routes) == ["lastu-1-20261126"]
