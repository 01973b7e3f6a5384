"""Sharing the period's cost among the member municipalities: by population (the Lastu rule)
and by items sent and received, each column summing to the total to the cent."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kulkuri.reports.domain import (
    CostSharing,
    FleetCost,
    ItemCounts,
    MissingPopulation,
    Period,
    PopulationTable,
    share_costs,
)
from tests.unit.reports.samples import (
    HEINOLA,
    LAHTI_MAIN,
    LIIPOLA,
    NETWORK,
    OUTSIDE,
    POPULATION,
    RESIDENTS,
    SYSMA,
)

AUGUST = Period(date(2026, 8, 1), date(2026, 8, 31))


def fleet(cents: int, days: int = 21) -> FleetCost:
    return FleetCost(cents, days_planned=days, van_days=days * 2, distance_m=0, duration_s=0)


def share(cents: int, items: dict[str, ItemCounts] | None = None, days: int = 21) -> CostSharing:
    return share_costs(
        NETWORK, AUGUST, fleet(cents, days), POPULATION, items or {}, rates_source="test fleet"
    )


def test_at_one_cent_per_resident_each_municipality_pays_exactly_its_residents() -> None:
    report = share(RESIDENTS)
    assert {r.municipality: r.by_population_cents for r in report.rows} == {
        "Heinola": 17_829,
        "Lahti": 121_337,
        "Sysmä": 3_428,
    }
    assert report.total == Decimal("1425.94")


def test_population_shares_are_the_exact_fractions_of_the_residents() -> None:
    report = share(RESIDENTS * 7)
    for row in report.rows:
        assert row.population_share == Fraction(row.population, RESIDENTS)
        assert row.by_population_cents == 7 * row.population


@given(st.integers(min_value=0, max_value=10**10))
def test_the_population_split_sums_to_the_total_and_follows_the_shares(cents: int) -> None:
    report = share(cents)
    assert sum(r.by_population_cents for r in report.rows) == cents
    for row in report.rows:
        exact = Fraction(cents * row.population, RESIDENTS)
        assert abs(row.by_population_cents - exact) < 1


def test_the_split_by_use_counts_every_library_of_a_municipality() -> None:
    items = {
        LAHTI_MAIN: ItemCounts(sent=30, received=20),
        LIIPOLA: ItemCounts(sent=5, received=5),  # Lahti: 60 in all
        HEINOLA: ItemCounts(sent=10, received=20),  # 30
        SYSMA: ItemCounts(sent=4, received=6),  # 10
        OUTSIDE: ItemCounts(sent=1000, received=1000),  # not a member: not counted
    }
    report = share(100_00, items)
    rows = {r.municipality: r for r in report.rows}
    assert rows["Lahti"].items == ItemCounts(35, 25)
    assert {m: r.by_items_cents for m, r in rows.items()} == {
        "Lahti": 60_00,
        "Heinola": 30_00,
        "Sysmä": 10_00,
    }
    assert rows["Sysmä"].items_share == Fraction(1, 10)
    assert report.items == ItemCounts(sent=49, received=51)


def test_the_split_by_use_sums_to_the_total_too() -> None:
    items = {LAHTI_MAIN: ItemCounts(1, 0), HEINOLA: ItemCounts(1, 0), SYSMA: ItemCounts(0, 1)}
    report = share(100, items)  # 33.3 cents each
    assert sorted(r.by_items_cents or 0 for r in report.rows) == [33, 33, 34]


def test_a_period_without_plans_costs_nothing_and_says_so() -> None:
    report = share(0, {LAHTI_MAIN: ItemCounts(3, 4)}, days=0)
    assert report.total == Decimal("0.00")
    assert all(r.by_population_cents == 0 and r.by_items_cents == 0 for r in report.rows)
    assert any("No route plans are stored for 2026-08-01 – 2026-08-31" in n for n in report.notes)


def test_a_period_without_items_moved_has_no_split_by_use() -> None:
    report = share(500_00)
    assert all(r.by_items_cents is None and r.items_share is None for r in report.rows)
    assert report.notes == (
        "No item was sent or received in 2026-08-01 – 2026-08-31: there is no split by use.",
    )


def test_a_member_municipality_missing_from_the_table_is_named() -> None:
    partial = PopulationTable("our table.csv", {"Lahti": 121_337})
    with pytest.raises(
        MissingPopulation, match=r"our table\.csv has no population for Heinola, Sysmä"
    ):
        share_costs(NETWORK, AUGUST, fleet(100), partial, {}, rates_source="test fleet")


def test_municipalities_of_other_networks_in_the_table_are_ignored() -> None:
    larger = PopulationTable("national", {**POPULATION.populations, "Helsinki": 684_018})
    report = share_costs(NETWORK, AUGUST, fleet(RESIDENTS), larger, {}, rates_source="x")
    assert [r.municipality for r in report.rows] == ["Heinola", "Lahti", "Sysmä"]
    assert report.population == RESIDENTS
