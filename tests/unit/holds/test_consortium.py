"""The consortium's rules as the allocation sees them: costs, opening hours, policies."""

from __future__ import annotations

from datetime import date, time

import pytest

from kulkuri.holds.domain.consortium import (
    CollectionPolicy,
    Consortium,
    Library,
    OpeningHours,
    QueueOrder,
    QueuePolicy,
    RoadEstimate,
    TransportCosts,
    great_circle_km,
)
from kulkuri.holds.domain.model import UnknownLibrary

# Real Lastu outlets (shared/data/finnish_libraries.csv).
LAHTI = Library("85910", "Lahden pääkirjasto", "Lahti", 60.9835838, 25.6692571)
LIIPOLA = Library("85520", "Liipolan kirjasto", "Lahti", 60.9622302, 25.6661069)
HEINOLA = Library("85381", "Heinolan kirjasto", "Heinola", 61.204939, 26.036399)
SYSMA = Library("85927", "Sysmän kunnankirjasto", "Sysmä", 61.5043008, 25.6844774)
LIBRARIES = (LAHTI, LIIPOLA, HEINOLA, SYSMA)

NINE_TO_FIVE = ((time(9), time(17)),)
WEEKDAYS_ONLY = OpeningHours(week=dict.fromkeys(range(5), NINE_TO_FIVE))
MONDAY, SATURDAY = date(2026, 11, 23), date(2026, 11, 28)


def costs(overrides: dict[tuple[str, str], int | None] | None = None) -> TransportCosts:
    return TransportCosts(RoadEstimate.between(LIBRARIES), overrides or {})


def consortium(**changes: object) -> Consortium:
    fields: dict[str, object] = {
        "name": "Lastu",
        "version": "test",
        "libraries": {lib.id: lib for lib in LIBRARIES},
        "opening_hours": dict.fromkeys((lib.id for lib in LIBRARIES), WEEKDAYS_ONLY),
        "costs": costs(),
        "collection_policies": {"adult-fiction": CollectionPolicy.FLOATING},
        "default_policy": CollectionPolicy.RETURN_TO_OWNER,
        "digital_formats": frozenset({"ebook", "celia"}),
    }
    fields.update(changes)
    return Consortium(**fields)  # type: ignore[arg-type]


def test_a_library_costs_nothing_to_itself() -> None:
    assert costs().cost(LAHTI.id, LAHTI.id) == 0


def test_a_disabled_pair_has_no_cost_in_that_direction_only() -> None:
    matrix = costs({(LAHTI.id, SYSMA.id): None})
    assert matrix.cost(LAHTI.id, SYSMA.id) is None
    assert matrix.cost(SYSMA.id, LAHTI.id) == costs().cost(SYSMA.id, LAHTI.id)


def test_an_override_beats_the_road_estimate() -> None:
    assert costs({(HEINOLA.id, LAHTI.id): 12_000}).cost(HEINOLA.id, LAHTI.id) == 12_000


def test_the_default_cost_grows_with_distance() -> None:
    matrix = costs()
    to_liipola = matrix.cost(LAHTI.id, LIIPOLA.id)
    to_heinola = matrix.cost(LAHTI.id, HEINOLA.id)
    to_sysma = matrix.cost(LAHTI.id, SYSMA.id)
    assert to_liipola is not None and to_heinola is not None and to_sysma is not None
    assert 0 < to_liipola < to_heinola < to_sysma


def test_the_default_cost_is_great_circle_metres_times_circuity() -> None:
    km = great_circle_km(LAHTI.lat, LAHTI.lon, HEINOLA.lat, HEINOLA.lon)
    assert costs().cost(LAHTI.id, HEINOLA.id) == round(km * 1.3 * 1000)
    steeper = TransportCosts(RoadEstimate.between(LIBRARIES, circuity=1.5))
    assert steeper.cost(LAHTI.id, HEINOLA.id) == round(km * 1.5 * 1000)


def test_lahti_main_library_is_30_to_40_km_from_heinola_as_the_crow_flies() -> None:
    km = great_circle_km(LAHTI.lat, LAHTI.lon, HEINOLA.lat, HEINOLA.lon)
    assert 30 < km < 40  # about 31.6 km; by road (valtatie 4) it is a little further


def test_great_circle_distance_is_symmetric_and_zero_at_one_point() -> None:
    there = great_circle_km(LAHTI.lat, LAHTI.lon, SYSMA.lat, SYSMA.lon)
    back = great_circle_km(SYSMA.lat, SYSMA.lon, LAHTI.lat, LAHTI.lon)
    assert there == pytest.approx(back)
    assert great_circle_km(LAHTI.lat, LAHTI.lon, LAHTI.lat, LAHTI.lon) == 0


def test_a_library_outside_the_consortium_has_no_estimate() -> None:
    with pytest.raises(UnknownLibrary):
        costs().cost(LAHTI.id, "99999")


@pytest.mark.parametrize(
    "overrides",
    [{("85910", "85910"): 5}, {("85910", "85381"): -1}],
    ids=["same-library", "negative"],
)
def test_an_override_must_be_a_real_non_negative_cost(
    overrides: dict[tuple[str, str], int | None],
) -> None:
    with pytest.raises(ValueError, match="85910"):
        costs(overrides)


def test_a_library_is_open_on_its_regular_weekdays_only() -> None:
    assert WEEKDAYS_ONLY.is_open_on(MONDAY)
    assert WEEKDAYS_ONLY.periods_on(MONDAY) == NINE_TO_FIVE
    assert not WEEKDAYS_ONLY.is_open_on(SATURDAY)


def test_a_dated_exception_replaces_the_regular_week() -> None:
    hours = OpeningHours(
        week=WEEKDAYS_ONLY.week,
        exceptions={MONDAY: (), SATURDAY: ((time(10), time(14)),)},
    )
    assert not hours.is_open_on(MONDAY)
    assert hours.periods_on(SATURDAY) == ((time(10), time(14)),)
    assert hours.is_open_on(date(2026, 11, 30))  # the next Monday is regular again


def test_opening_periods_must_not_overlap_or_run_backwards() -> None:
    with pytest.raises(ValueError, match="closes before it opens"):
        OpeningHours(week={0: ((time(17), time(9)),)})
    with pytest.raises(ValueError, match="overlap"):
        OpeningHours(week={0: ((time(9), time(13)), (time(12), time(17)))})


def test_libraries_closed_today_are_not_sources() -> None:
    sunday_opener = OpeningHours(week={6: NINE_TO_FIVE})
    members = consortium(
        opening_hours={
            LAHTI.id: WEEKDAYS_ONLY,
            LIIPOLA.id: sunday_opener,
            HEINOLA.id: OpeningHours(week=WEEKDAYS_ONLY.week, exceptions={MONDAY: ()}),
            SYSMA.id: WEEKDAYS_ONLY,
        }
    )
    assert members.open_sources_on(MONDAY) == {LAHTI.id, SYSMA.id}
    assert members.open_sources_on(date(2026, 11, 29)) == {LIIPOLA.id}


def test_a_listed_collection_has_its_own_policy_and_others_the_default() -> None:
    members = consortium()
    assert members.policy_for("adult-fiction") is CollectionPolicy.FLOATING
    assert members.policy_for("local-history") is CollectionPolicy.RETURN_TO_OWNER


def test_digital_formats_never_need_the_van() -> None:
    members = consortium()
    assert not members.needs_transport("ebook")
    assert not members.needs_transport("celia")
    assert members.needs_transport("book")


def test_members_are_known_by_id() -> None:
    members = consortium()
    assert members.is_member(HEINOLA.id)
    assert members.library(HEINOLA.id) == HEINOLA
    assert not members.is_member("99999")
    with pytest.raises(UnknownLibrary):
        members.library("99999")


def test_every_member_needs_opening_hours() -> None:
    with pytest.raises(ValueError, match="opening hours"):
        consortium(opening_hours={LAHTI.id: WEEKDAYS_ONLY})


def test_an_override_naming_a_non_member_is_refused() -> None:
    with pytest.raises(UnknownLibrary):
        consortium(costs=costs({(LAHTI.id, "99999"): 1000}))


def test_strict_queue_has_no_local_priority_window() -> None:
    assert QueuePolicy().order is QueueOrder.STRICT
    assert QueuePolicy(QueueOrder.LOCAL_FIRST, local_priority_days=3).local_priority_days == 3
    with pytest.raises(ValueError, match="local_priority_days"):
        QueuePolicy(QueueOrder.STRICT, local_priority_days=3)
    with pytest.raises(ValueError, match="local_priority_days"):
        QueuePolicy(QueueOrder.LOCAL_FIRST, local_priority_days=0)
