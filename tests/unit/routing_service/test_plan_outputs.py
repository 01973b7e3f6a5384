"""A plan leaves the service as an event, GeoJSON, a driver's sheet and stored JSON; each
says the same thing."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from kulkuri.routing.adapters.driver_sheet import UnknownVan, render_driver_sheet
from kulkuri.routing.adapters.geojson import plan_geojson
from kulkuri.routing.adapters.plan_events import plan_event
from kulkuri.routing.adapters.plan_json import plan_from_json, plan_to_json
from kulkuri.routing.domain.plan import (
    DroppedShipment,
    PlannedStop,
    RoutePlan,
    SolverStats,
    VanRoute,
)
from kulkuri.routing.domain.problem import Mode, Shipment

HELSINKI = ZoneInfo("Europe/Helsinki")
DAY = date(2026, 8, 3)
SHIPMENTS = {
    "A>H": Shipment("A>H", "A", "H", 2),
    "H>B": Shipment("H>B", "H", "B", 3),
    "C>H": Shipment("C>H", "C", "H", 1),
}
PLAN = RoutePlan(
    day=DAY,
    mode=Mode.HUB,
    routes=(
        VanRoute(
            "van-1",
            (
                PlannedStop("H", 7 * 3600, 7 * 3600, load=("H>B",), load_after=3),
                PlannedStop("B", 8 * 3600, 8 * 3600 + 600, unload=("H>B",), load_after=0),
                PlannedStop("A", 9 * 3600, 9 * 3600 + 600, load=("A>H",), load_after=2),
                PlannedStop("H", 10 * 3600, 10 * 3600, unload=("A>H",), load_after=0),
            ),
            distance_m=42_000,
            duration_s=3 * 3600,
        ),
        VanRoute("van-2", (PlannedStop("H", 0, 0), PlannedStop("H", 0, 0)), 0, 0),
    ),
    dropped=(DroppedShipment("C>H", "closed"),),
    stats=SolverStats("ortools", "PARALLEL_CHEAPEST_INSERTION", 1.5, 12345, 7),
)
PLACES = {"H": (60.98, 25.66), "A": (61.1, 25.4), "B": (60.9, 25.9), "C": (61.2, 25.5)}
AT = datetime(2026, 8, 3, 4, 0, tzinfo=UTC)


def test_the_event_carries_codes_local_times_and_crates_of_each_stop() -> None:
    event = plan_event(PLAN, 2, SHIPMENTS, HELSINKI, AT)
    data = event.data
    assert event.id == "route-plan:2026-08-03:2"
    assert event.partition_key() == b"2026-08-03"
    (route,) = data.routes  # the idle van is left out
    assert [s.stop_code for s in route.stops] == ["R01-00", "R01-01", "R01-02", "R01-03"]
    assert route.stops[0].arrival == datetime(2026, 8, 3, 7, 0, tzinfo=HELSINKI)
    assert [(s.unload_crates, s.load_crates) for s in route.stops] == [
        (0, 3),
        (3, 0),
        (0, 2),
        (2, 0),
    ]
    assert [(d.from_library, d.to_library, d.crates, d.reason) for d in data.dropped] == [
        ("C", "H", 1, "closed")
    ]
    assert (data.vans_used, data.distance_m) == (1, 42_000)


def test_geojson_has_a_line_per_used_van_and_a_point_per_stop_in_lon_lat_order() -> None:
    collection = plan_geojson(PLAN, PLACES)
    kinds = [f["properties"]["kind"] for f in collection["features"]]
    assert kinds == ["route", "stop", "stop", "stop", "stop"]
    line = collection["features"][0]["geometry"]["coordinates"]
    assert line[0] == [25.66, 60.98]


def test_the_driver_sheet_lists_the_stops_in_order_with_names() -> None:
    data = plan_event(PLAN, 1, SHIPMENTS, HELSINKI, AT).data
    page = render_driver_sheet(data, "van-1", {"B": "Branch <B>"})
    assert "size: A4" in page
    assert page.index("R01-01") < page.index("R01-02")
    assert "Branch &lt;B&gt;" in page
    assert "07:00" in page


def test_a_van_without_a_route_has_no_sheet() -> None:
    data = plan_event(PLAN, 1, SHIPMENTS, HELSINKI, AT).data
    with pytest.raises(UnknownVan, match="van 'van-2' has no route on 2026-08-03"):
        render_driver_sheet(data, "van-2", {})


def test_a_stored_plan_reads_back_the_same() -> None:
    assert plan_from_json(plan_to_json(PLAN)) == PLAN
