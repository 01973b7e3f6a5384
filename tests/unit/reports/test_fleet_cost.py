"""Pricing the stored plans: each van that ran costs its fixed cost, its kilometres and its
hours, rounded to the cent per van and day."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from kulkuri.reports.domain import FleetMismatch, VanDay, VanRates, fleet_cost, van_day_cents
from tests.unit.reports.samples import HEINOLA, LAHTI_MAIN, NETWORK, OUTSIDE, RATES, day, van

MONDAY, TUESDAY = date(2026, 8, 3), date(2026, 8, 4)


def test_a_van_costs_its_fixed_cost_plus_kilometres_plus_hours() -> None:
    # 60 € + 123.456 km × 0.50 € + 5.5 h × 35 € = 314.228 €
    driven = van(distance_m=123_456, duration_s=5 * 3600 + 1800)
    assert van_day_cents(driven, RATES["van-1"]) == 31_423


def test_half_a_cent_rounds_up() -> None:
    rates = VanRates(fixed=Decimal(0), per_km=Decimal("0.5"), per_hour=Decimal(0))
    assert van_day_cents(van(distance_m=10, duration_s=0), rates) == 1  # 0.005 €
    assert van_day_cents(van(distance_m=9, duration_s=0), rates) == 0  # 0.0045 €


def test_a_van_that_stayed_at_its_depot_costs_nothing() -> None:
    idle = VanDay("van-1", distance_m=0, duration_s=0, stops=2, places=frozenset({LAHTI_MAIN}))
    assert not idle.ran
    assert van_day_cents(idle, RATES["van-1"]) == 0


def test_a_van_that_broke_down_after_one_stop_still_ran() -> None:
    broken = VanDay("van-1", 20_000, 1800, stops=2, places=frozenset({LAHTI_MAIN, HEINOLA}))
    assert broken.ran
    assert van_day_cents(broken, RATES["van-1"]) == 6_000 + 1_000 + 1_750


def test_the_period_costs_the_sum_of_its_vans_days() -> None:
    first = van("van-1", 100_000, 4 * 3600)  # 60 + 50 + 140 = 250.00
    second = van("van-2", 50_000, 2 * 3600)  # 40 + 20 + 60 = 120.00
    cost = fleet_cost(
        [day(MONDAY, first, second), day(TUESDAY, first)],
        RATES,
        NETWORK.library_ids,
        rates_source="test fleet",
        network="Lastu",
    )
    assert cost.cents == 25_000 + 12_000 + 25_000
    assert cost.euros == Decimal("620.00")
    assert (cost.days_planned, cost.van_days) == (2, 3)
    assert (cost.distance_m, cost.duration_s) == (250_000, 10 * 3600)


def test_no_plans_cost_nothing() -> None:
    cost = fleet_cost([], RATES, NETWORK.library_ids, rates_source="test fleet", network="Lastu")
    assert (cost.cents, cost.days_planned) == (0, 0)


def test_a_van_the_routing_file_lacks_is_named() -> None:
    with pytest.raises(FleetMismatch, match="2026-08-03 uses van 'van-9', which test fleet"):
        fleet_cost(
            [day(MONDAY, van("van-9"))],
            RATES,
            NETWORK.library_ids,
            rates_source="test fleet",
            network="Lastu",
        )


def test_plans_that_visit_another_networks_libraries_are_refused() -> None:
    with pytest.raises(FleetMismatch, match=f"{OUTSIDE}, which are not libraries of Lastu"):
        fleet_cost(
            [day(MONDAY, van(places=(LAHTI_MAIN, OUTSIDE)))],
            RATES,
            NETWORK.library_ids,
            rates_source="test fleet",
            network="Lastu",
        )
