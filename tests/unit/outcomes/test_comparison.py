"""The comparison on the hand-made line: each policy's figures as worked out by hand, a
report whose figures add up, and the same figures from the same seed."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from functools import cache, partial

import pytest

from kulkuri.outcomes.adapters.simulated_demand import simulated_demand
from kulkuri.outcomes.compare import Comparison, outcome_of
from kulkuri.outcomes.domain.baseline import KohaLikeBaseline
from kulkuri.outcomes.domain.demand import Demand, HoldPlaced, LoanReturned, StartingCopy
from kulkuri.outcomes.domain.rules import EVERY_COLLECTION_FLOATS
from kulkuri.outcomes.domain.shared_collection import SharedCollectionPolicy
from kulkuri.outcomes.report import as_csv, as_json, as_table, figures, flat
from kulkuri.outcomes.routes.day_routes import fixed_loop_work, optimised_work
from kulkuri.routing.solver import solver_named
from tests.unit.outcomes.tiny_network import (
    FIRST_DAY,
    NIGHTLY,
    SHIPPED_RULES,
    consortium,
    cost,
    every_day,
    service_day,
    van_network,
)

# C's non-fiction copy comes back at B on day 0; a hold at B on day 1 (as in test_policies).
DEMAND = Demand(
    days=5,
    copies=(StartingCopy("c1", "t1", "C", on_loan=True, collection="adult-nonfiction"),),
    events=(LoanReturned("c1", "t1", "B", 0, 100), HoldPlaced("h1", "t1", "B", 1, 200)),
)


@cache  # the solver takes its time limit on each day with legs: solve once
def _comparison() -> Comparison:
    vans = van_network()
    baseline, _ = outcome_of(
        "baseline", KohaLikeBaseline(cost), DEMAND, vans, every_day, service_day,
        fixed_loop_work, 2,
    )  # fmt: skip
    optimised = partial(optimised_work, solver=solver_named(), time_limit_s=1.0)
    kulkuri = [
        outcome_of(
            name, SharedCollectionPolicy(consortium(rules), service_day, nightly), DEMAND, vans,
            every_day, service_day, optimised, 2,
        )[0]
        for name, rules, nightly in [
            ("kulkuri", EVERY_COLLECTION_FLOATS, None),
            ("kulkuri_nightly", EVERY_COLLECTION_FLOATS, NIGHTLY),
            ("kulkuri_collections", SHIPPED_RULES, NIGHTLY),
        ]
    ]  # fmt: skip
    return Comparison("line", 5, 1, 2, FIRST_DAY, service_day(4), 1, (baseline, *kulkuri))


def test_each_policy_as_worked_out_by_hand() -> None:
    baseline, kulkuri, nightly, collections = (figures(o) for o in _comparison().outcomes)
    # Baseline: the 40 km loop on all 5 days; a crate at one stop on days 1-4 (B, C, C, B).
    assert baseline["van_km"] == 200.0
    assert baseline["van_hours"] == round((4600 + 4 * 4630) / 3600, 2)
    assert (baseline["items_moved"], baseline["van_km_per_item_moved"]) == (2, 100.0)
    assert (baseline["median_days_to_pickup_shelf"], baseline["unfilled_after_2_days"]) == (3.0, 1)
    assert (baseline["van_runs"], baseline["crates"], baseline["crates_per_van_run"]) == (5, 4, 0.8)
    # kulkuri: the copy floats at B, where the hold is ready the day it is placed; no van.
    assert (kulkuri["van_km"], kulkuri["items_moved"], kulkuri["van_runs"]) == (0.0, 0, 0)
    assert (kulkuri["median_days_to_pickup_shelf"], kulkuri["unfilled_after_2_days"]) == (0.0, 0)
    assert kulkuri["van_km_per_item_moved"] is None
    assert kulkuri["reassignment_cost_before_km"] is None and kulkuri["holds_reassigned"] is None
    # With the nightly plan: the same; the hold at B keeps B's copy, 0 km before and after.
    assert {k: v for k, v in nightly.items() if k != "policy"} == {
        **{k: v for k, v in kulkuri.items() if k != "policy"},
        "reassignment_cost_before_km": 0.0,
        "reassignment_cost_after_km": 0.0,
        "holds_reassigned": 0,
        "transfers_called_off": 0,
    }
    # Shipped policies: non-fiction goes home to C (B-hub-C on days 1-2) and back to the hold
    # at B (C-hub-B on days 3-4), as under the baseline, but the vans drive only to those
    # stops: 24 + 40 + 40 + 24 km.
    assert (collections["items_moved_home"], collections["items_moved_for_holds"]) == (1, 1)
    assert (collections["van_km"], collections["van_runs"]) == (128.0, 4)
    assert collections["median_days_to_pickup_shelf"] == 3.0


def test_the_report_figures_add_up() -> None:
    comparison = _comparison()
    report = json.loads(as_json(comparison))
    rows = list(csv.DictReader(io.StringIO(as_csv(comparison))))
    assert [r["policy"] for r in report["policies"]] == [
        "baseline", "kulkuri", "kulkuri_nightly", "kulkuri_collections"
    ]  # fmt: skip
    for policy, row in zip(report["policies"], rows, strict=True):
        assert str(policy["van_km"]) == row["van_km"]
        if policy["items_moved"]:
            assert policy["van_km_per_item_moved"] == pytest.approx(
                policy["van_km"] / policy["items_moved"], abs=1e-3
            )
            assert policy["items_moved_per_hold_filled"] == pytest.approx(
                policy["items_moved"] / policy["holds_filled"], abs=1e-3
            )
            assert policy["items_moved"] == (
                policy["items_moved_for_holds"]
                + policy["items_moved_home"]
                + policy["items_moved_to_rebalance"]
            )
    assert "baseline" in as_table(comparison) and "200.0" in as_table(comparison)


def test_the_flat_form_has_every_figure_of_each_policy_under_its_prefix() -> None:
    comparison = _comparison()
    report = json.loads(as_json(comparison))
    flattened = flat(comparison, "line_")
    assert flattened["line_network"] == "line" and flattened["line_days"] == 5
    assert flattened["line_first_day"] == "2026-10-05"
    for policy in report["policies"]:
        name = policy.pop("policy")
        for key, value in policy.items():
            assert flattened[f"line_{name}_{key}"] == value
    assert not any(isinstance(v, dict | list) for v in flattened.values())
    assert flattened["line_baseline_items_moved"] == 2


def test_the_same_seed_gives_the_same_demand() -> None:
    days = [date(2026, 10, 5), date(2026, 10, 6)]
    first = simulated_demand("Lastu", days, 7, scale=0.002)
    again = simulated_demand("Lastu", days, 7, scale=0.002)
    other = simulated_demand("Lastu", days, 8, scale=0.002)
    assert first == again
    assert first.holds and first.events != other.events
