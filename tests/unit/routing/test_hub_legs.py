"""Hub legs with every van at the hub: one trip each, and the hub's own loading time."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from kulkuri.routing.domain.plan import DroppedShipment, RoutePlan
from kulkuri.routing.domain.problem import RoutingProblem, Shipment, SolveLimits, Van
from kulkuri.routing.solver import OrToolsSolver, ortools_solver
from kulkuri.routing.solver.ortools_params import (
    hub_legs_at_depot,
    layouts,
    search_parameters,
    strategies,
)

from .builders import QUICK, back, out, problem, used_routes, van, visits

LINE = [(0, 0), (10, 0), (10, 10)]  # P1 10 minutes from the hub, P2 10 beyond it
HUB_PER_CRATE_S = 60


def solve(p: RoutingProblem, limits: SolveLimits = QUICK) -> RoutePlan:
    return OrToolsSolver().solve(p, limits)


def with_hub_handling(p: RoutingProblem) -> RoutingProblem:
    hub = replace(p.places[0], service_per_crate_s=HUB_PER_CRATE_S)
    return replace(p, places=(hub, *p.places[1:]))


def short_shift(minutes: int) -> Van:
    v = van(capacity=40)
    return replace(v, shift_end_s=v.shift_start_s + minutes * 60)


BOTH_WAYS = pytest.mark.parametrize("hub_legs", ["at_depot", "hub_nodes"])


def legs(hub_legs: str) -> SolveLimits:
    return replace(QUICK, extra={**QUICK.extra, "hub_legs": hub_legs})


def test_auto_plans_one_trip_per_van_only_where_that_can_carry_the_day() -> None:
    fits = problem(LINE, [out("a", 1, 5), back("b", 2, 5)], [van(capacity=5)])
    too_big = problem(LINE, [out("a", 1, 4), out("b", 2, 4)], [van(capacity=5)])
    elsewhere = problem(LINE, [out("a", 1)], [replace(van(), depot="P2")])
    under_way = replace(fits, shipments=(Shipment("c", "P0", "P1", 1, on_van="V1"),))

    assert hub_legs_at_depot(fits, QUICK)
    assert not hub_legs_at_depot(too_big, QUICK)
    assert not hub_legs_at_depot(elsewhere, QUICK)
    assert not hub_legs_at_depot(under_way, QUICK)
    assert not hub_legs_at_depot(fits, legs("hub_nodes"))


def test_by_default_a_day_that_fits_the_fleet_is_one_trip_per_van() -> None:
    shipments = [out("a", 1, 3), back("b", 1, 3), out("c", 2, 3), back("d", 2, 3)]
    plan = solve(problem(LINE, shipments, [van(capacity=6)]))

    [route] = used_routes(plan)
    assert plan.dropped == ()
    assert visits(route)[0] == visits(route)[-1] == "P0"
    assert sorted(visits(route)[1:-1]) == ["P1", "P2"]  # either way round
    assert set(route.stops[0].load) == {"a", "c"}
    assert set(route.stops[-1].unload) == {"b", "d"}


def test_by_default_a_day_bigger_than_the_fleet_reloads_at_the_hub() -> None:
    plan = solve(problem(LINE, [out("a", 1, 4), out("b", 2, 4)], [van(capacity=5)]))

    [route] = used_routes(plan)
    assert plan.dropped == ()
    assert visits(route).count("P0") == 3  # back once to reload


@BOTH_WAYS
def test_loading_at_the_hub_comes_before_the_van_leaves(hub_legs: str) -> None:
    p = with_hub_handling(problem(LINE, [out("a", 1, 20)], [van(capacity=40)]))
    plan = solve(p, legs(hub_legs))

    [route] = used_routes(plan)
    start, library, end = route.stops
    loading_s = 20 * HUB_PER_CRATE_S
    assert start.departure_s - start.arrival_s == loading_s
    assert start.arrival_s >= p.vans[0].shift_start_s
    assert library.arrival_s == start.departure_s + 600
    assert end.arrival_s == library.departure_s + 600
    assert route.duration_s == end.departure_s - start.arrival_s == loading_s + 1200


@BOTH_WAYS
def test_unloading_at_the_hub_fits_in_the_shift(hub_legs: str) -> None:
    crates = 20  # 20 minutes to unload, after a 20-minute round trip
    enough = with_hub_handling(problem(LINE, [back("b", 1, crates)], [short_shift(40)]))
    too_short = with_hub_handling(problem(LINE, [back("b", 1, crates)], [short_shift(30)]))

    [route] = used_routes(solve(enough, legs(hub_legs)))
    end = route.stops[-1]
    assert end.departure_s - end.arrival_s == crates * HUB_PER_CRATE_S
    assert end.departure_s <= enough.vans[0].shift_end_s
    late = DroppedShipment("b", "unreachable_in_time")
    assert solve(too_short, legs(hub_legs)).dropped == (late,)


@BOTH_WAYS
def test_hub_handling_counts_in_the_cost_of_van_hours(hub_legs: str) -> None:
    hourly = replace(van(capacity=40), cost_per_km=0.0, cost_per_hour=36.0, fixed_cost=0.0)
    plain = solve(problem(LINE, [out("a", 1, 20)], [hourly]), legs(hub_legs))
    handled = solve(with_hub_handling(problem(LINE, [out("a", 1, 20)], [hourly])), legs(hub_legs))

    # 36 euros an hour is one cent a second: 20 minutes of loading cost 1,200 cents more.
    assert handled.stats and plain.stats
    assert handled.stats.objective - plain.stats.objective == 20 * HUB_PER_CRATE_S


def test_a_small_day_keeps_a_reload_at_the_hub_when_it_saves_a_van() -> None:
    dear = [van("V1", capacity=5, fixed_cost=1000.0), van("V2", capacity=5, fixed_cost=1000.0)]
    p = problem(LINE, [out("a", 1, 4), out("b", 2, 4)], dear)

    [one_van] = used_routes(solve(p))
    assert visits(one_van).count("P0") == 3  # out, back to reload, out, back
    assert len(used_routes(solve(p, legs("at_depot")))) == 2


def test_only_small_days_are_planned_both_ways() -> None:
    small = problem(LINE, [out(f"s{i}", 1 + i % 2) for i in range(50)], [van(capacity=60)])
    large = replace(small, shipments=(*small.shipments, out("s50", 1)))

    assert layouts(small, QUICK) == (True, False)
    assert layouts(large, QUICK) == (True,)
    assert layouts(small, legs("at_depot")) == (True,)
    assert layouts(small, legs("hub_nodes")) == (False,)


def test_a_rung_whose_plan_serves_nothing_hands_the_time_to_the_next(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = search_parameters
    tried: list[str] = []

    def first_rung_serves_nothing(strategy: str, limits: SolveLimits, time_limit_s: float) -> Any:
        tried.append(strategy)
        if len(tried) > 1:
            return real(strategy, limits, time_limit_s)
        empty = real("ALL_UNPERFORMED", limits, time_limit_s)
        empty.solution_limit = 1  # stop at the empty plan, as savings did on some days
        return empty

    monkeypatch.setattr(ortools_solver, "search_parameters", first_rung_serves_nothing)
    plan = solve(problem(LINE, [out("a", 1)]), legs("hub_nodes"))

    assert tried[:2] == ["SAVINGS", "PARALLEL_CHEAPEST_INSERTION"]
    assert plan.dropped == ()
    assert plan.stats and plan.stats.strategy == "PARALLEL_CHEAPEST_INSERTION"
    assert plan.notes == ()  # a fallback among heuristics is not news for a coordinator


def test_savings_goes_first_on_small_graphs_only() -> None:
    assert strategies(QUICK, 200)[:2] == ("SAVINGS", "PARALLEL_CHEAPEST_INSERTION")
    assert strategies(QUICK, 1630)[0] == "PARALLEL_CHEAPEST_INSERTION"
    assert "SAVINGS" not in strategies(QUICK, 1630)
    assert strategies(legs("hub_nodes"), 1630)[-1] == "ALL_UNPERFORMED"
