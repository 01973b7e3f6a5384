"""Rebalancing: a returned copy moves to where demand per copy is highest, when that pays."""

from __future__ import annotations

from kulkuri.holds.domain.consortium import RebalanceSettings
from kulkuri.holds.domain.decisions import TransferReason, TransferRequested
from kulkuri.holds.domain.rebalance import DemandAdvisor, rebalance_destination
from tests.unit.holds.consortia import (
    HEINOLA,
    LAHTI,
    LIIPOLA,
    REBALANCE,
    SYSMA,
    at,
    consortium,
    costs,
    take,
    title,
)

COSTS = costs()


def test_the_copy_goes_where_demand_per_copy_is_highest() -> None:
    demand = {HEINOLA: 10, LAHTI: 8}
    copies = {SYSMA: 1, HEINOLA: 1}  # Heinola: 10 / 2 = 5 a copy; Lahti: 8 / 1
    assert rebalance_destination(SYSMA, demand, copies, COSTS, min_gain=2) == LAHTI


def test_the_copy_stays_when_the_gain_is_below_the_minimum() -> None:
    demand = {SYSMA: 4, LAHTI: 6}
    copies = {SYSMA: 2, LAHTI: 1}  # 2 a copy here, 3 in Lahti: a gain of 1
    assert rebalance_destination(SYSMA, demand, copies, COSTS, min_gain=2) is None


def test_the_copy_stays_when_the_trip_costs_more_than_the_gain_is_worth() -> None:
    demand = {LAHTI: 3}  # a gain of 3 loans, worth 30 km at 10 km a loan; Sysmä-Lahti is 60
    assert rebalance_destination(SYSMA, demand, {SYSMA: 1}, COSTS, min_gain=2) is None
    assert rebalance_destination(LIIPOLA, demand, {LIIPOLA: 1}, COSTS, min_gain=2) == LAHTI


def test_disabled_pairs_are_never_suggested() -> None:
    closed_road = costs({(SYSMA, LAHTI): None})
    assert rebalance_destination(SYSMA, {LAHTI: 50}, {}, closed_road, min_gain=2) is None


def test_equal_demand_goes_to_the_cheaper_trip() -> None:
    demand = {LAHTI: 9, HEINOLA: 9}
    assert rebalance_destination(SYSMA, demand, {}, COSTS, min_gain=2) == HEINOLA


def test_a_demand_advisor_moves_a_returned_rebalance_copy() -> None:
    rules = consortium()
    advisor = DemandAdvisor({"bib-1": {LAHTI: 12}}, rules.costs, RebalanceSettings())
    book = title(rules, [("i1", SYSMA)], collection=REBALANCE)
    book.item_checked_out(rules, "i1", SYSMA, at(-3))
    book.item_returned(rules, "i1", SYSMA, at(), advisor=advisor)
    assert take(book) == [
        TransferRequested("i1:1", "i1", "bib-1", SYSMA, LAHTI, TransferReason.REBALANCE)
    ]
