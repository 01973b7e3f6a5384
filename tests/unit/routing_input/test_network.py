"""The day's places: every library of the network, open only on its visit days."""

from __future__ import annotations

from datetime import date

from kulkuri.routing.adapters.matrices import GreatCircleMatrix
from kulkuri.routing.adapters.network import (
    build_places,
    load_routing_config,
    places_coordinates,
    sample_path,
)
from kulkuri.routing.adapters.opening_hours import OpeningHours, parse_hours_csv
from kulkuri.routing.domain.problem import TimeWindow

MONDAY, TUESDAY, SATURDAY = date(2026, 8, 3), date(2026, 8, 4), date(2026, 8, 8)
HARTOLA = "86026"  # visited on Tuesdays and Thursdays in the Lastu sample
LAHTI = "85910"  # the hub and the vans' depot


def test_places_follow_the_directory_order_and_index_the_matrix() -> None:
    config = load_routing_config(sample_path("Lastu"))
    places = build_places(config, MONDAY)
    assert [p.place_id for p in places] == [lib.id for lib in config.libraries]
    assert [p.index for p in places] == list(range(19))
    assert places_coordinates(places)[0] == (config.libraries[0].lat, config.libraries[0].lon)


def test_the_depot_is_flagged_and_has_its_opening_hours() -> None:
    config = load_routing_config(sample_path("Lastu"))
    places = {p.place_id: p for p in build_places(config, MONDAY)}
    assert places[LAHTI].is_depot
    assert places[LAHTI].windows == (TimeWindow(8 * 3600, 19 * 3600),)
    assert not places[HARTOLA].is_depot


def test_a_library_is_closed_for_the_plan_on_days_it_is_not_visited() -> None:
    config = load_routing_config(sample_path("Lastu"))
    monday = {p.place_id: p for p in build_places(config, MONDAY)}
    tuesday = {p.place_id: p for p in build_places(config, TUESDAY)}
    assert monday[HARTOLA].windows == ()
    assert not monday[HARTOLA].open_today
    assert tuesday[HARTOLA].windows


def test_on_a_day_no_vans_run_only_depots_are_open() -> None:
    config = load_routing_config(sample_path("Lastu"))
    places = build_places(config, SATURDAY)
    assert all(p.windows == () for p in places)
    assert [p.place_id for p in places if p.open_today] == [LAHTI]


def test_service_times_come_from_the_routing_file() -> None:
    config = load_routing_config(sample_path("Lastu"))
    place = build_places(config, MONDAY)[0]
    assert (place.service_fixed_s, place.service_per_crate_s) == (300, 30)


def test_given_hours_replace_the_shipped_ones() -> None:
    config = load_routing_config(sample_path("Lastu"))
    csv = f"library_id,date,from,to,status\n{LAHTI},2026-08-03,09:00,10:00,Open"
    hours = OpeningHours(parse_hours_csv(csv))
    places = {p.place_id: p for p in build_places(config, MONDAY, hours)}
    assert places[LAHTI].windows == (TimeWindow(9 * 3600, 10 * 3600),)
    assert places[HARTOLA].windows == ()


async def test_the_matrix_of_the_days_places_is_square_in_place_order() -> None:
    config = load_routing_config(sample_path("Lastu"))
    places = build_places(config, MONDAY)
    matrix = await GreatCircleMatrix().matrix(places_coordinates(places))
    assert matrix.size == len(places)
