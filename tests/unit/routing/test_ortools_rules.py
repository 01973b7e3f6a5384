"""What the OR-Tools engine leaves for tomorrow and why, loads in both directions, bad input."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from kulkuri.routing.domain.plan import DroppedShipment, RoutePlan
from kulkuri.routing.domain.problem import (
    Matrix,
    Mode,
    RoutingProblem,
    Shipment,
    SolveLimits,
    TimeWindow,
)
from kulkuri.routing.solver import OrToolsSolver, RoutingInputError

from .builders import QUICK, back, out, problem, used_routes, van, visits

LINE = [(0, 0), (1, 0), (2, 0), (3, 0)]


def solve(p: RoutingProblem, limits: SolveLimits = QUICK) -> RoutePlan:
    return OrToolsSolver().solve(p, limits)


def crates_on_board_after_each_stop(plan: RoutePlan, p: RoutingProblem) -> list[list[int]]:
    """Recounted from what each stop unloads and loads, independently of the engine."""
    crates = {s.shipment_id: s.crates for s in p.shipments}
    counted = []
    for route in plan.routes:
        on_board, after = 0, []
        for stop in route.stops:
            on_board += sum(crates[i] for i in stop.load) - sum(crates[i] for i in stop.unload)
            after.append(on_board)
        counted.append(after)
    return counted


def test_shipment_to_a_library_closed_today_is_dropped_as_closed() -> None:
    plan = solve(problem(LINE, [out("a", 1), out("b", 2)], windows={2: ()}))

    assert plan.dropped == (DroppedShipment("b", "closed"),)


def test_shipment_bigger_than_any_van_is_dropped_for_capacity_not_refused() -> None:
    plan = solve(problem(LINE, [out("a", 1), out("huge", 2, crates=100)]))

    assert plan.dropped == (DroppedShipment("huge", "no_capacity"),)
    assert [visits(r) for r in used_routes(plan)] == [["P0", "P1", "P0"]]


def test_library_open_only_before_any_van_can_arrive_is_unreachable_in_time() -> None:
    dawn = (TimeWindow(5 * 3600, 6 * 3600),)  # vans leave at 6:00 and need 3 minutes
    plan = solve(problem(LINE, [out("a", 3)], windows={3: dawn}))

    assert plan.dropped == (DroppedShipment("a", "unreachable_in_time"),)


def test_priority_shipment_is_kept_when_capacity_forces_a_drop() -> None:
    short_shift = replace(van(capacity=5), shift_end_s=6 * 3600 + 600)  # one round trip
    shipments = [out("normal", 3, crates=4), out("holds", 3, crates=4, priority=True)]
    # By the clock: from the savings start, the swap of the two takes more solutions than
    # the quick limit allows (guided local search walks through many equal ones first).
    plan = solve(problem(LINE, shipments, [short_shift]), SolveLimits(time_limit_s=1.0))

    assert plan.dropped == (DroppedShipment("normal", "not_served"),)
    assert plan.stats is not None
    assert plan.stats.objective == 6000 + 600 + 4 * 100_000  # the van, 6 km, dropped crates


def test_hub_van_leaves_with_deliveries_and_returns_with_pickups() -> None:
    shipments = [out("a", 1, 2), out("b", 2, 1), back("c", 1, 3), back("d", 3, 2)]
    p = problem(LINE, shipments, [van(capacity=10)])
    plan = solve(p)

    [route] = used_routes(plan)
    assert plan.dropped == ()
    assert route.stops[0].load == ("a", "b") or route.stops[0].load == ("b", "a")
    assert route.stops[0].load_after == 3
    assert route.stops[-1].unload in (("c", "d"), ("d", "c"))
    assert route.stops[-1].load_after == 0
    assert [[s.load_after for s in r.stops] for r in plan.routes] == (
        crates_on_board_after_each_stop(plan, p)
    )


def test_load_never_exceeds_capacity_with_both_directions_at_once() -> None:
    # Out 4 to P1 and 4 to P3, back 4 from P2: a van of 8 must deliver at P1 before P2.
    shipments = [out("a", 1, 4), back("b", 2, 4), out("c", 3, 4)]
    p = problem(LINE, shipments, [van(capacity=8)])
    plan = solve(p)

    [route] = used_routes(plan)
    assert plan.dropped == ()
    assert max(s.load_after for s in route.stops) <= 8
    assert [s.load_after for s in route.stops] == crates_on_board_after_each_stop(plan, p)[0]


def test_van_based_away_from_the_hub_puts_hub_bound_crates_down_at_the_hub() -> None:
    away = replace(van(), depot="P3")
    p = problem(LINE, [back("in", 1, 2), out("out", 2, 1)], [away])
    plan = solve(p)

    [route] = used_routes(plan)
    assert plan.dropped == ()
    assert visits(route)[0] == visits(route)[-1] == "P3"
    at_hub = [s for s in route.stops if s.place_id == "P0"]
    assert [s.unload for s in at_hub] == [("in",)] and [s.load for s in at_hub] == [("out",)]
    assert route.stops[-1].load_after == 0


def test_day_without_shipments_keeps_every_van_at_its_depot() -> None:
    plan = solve(problem(LINE, [], [van("V1"), van("V2")]))

    assert plan.vans_used == 0
    assert [visits(r) for r in plan.routes] == [["P0", "P0"], ["P0", "P0"]]


def _unknown_place(p: RoutingProblem) -> RoutingProblem:
    return replace(p, shipments=(Shipment("s1", "P0", "P9", 1),))


def _unknown_depot(p: RoutingProblem) -> RoutingProblem:
    return replace(p, vans=(replace(van(), van_id="V7", depot="NOWHERE"),))


def _small_matrix(p: RoutingProblem) -> RoutingProblem:
    return replace(p, matrix=Matrix(((0, 1), (1, 0)), ((0, 1), (1, 0))))


def _leg_missing_the_hub(p: RoutingProblem) -> RoutingProblem:
    return replace(p, shipments=(Shipment("s2", "P1", "P2", 1),))


def _repeated_van(p: RoutingProblem) -> RoutingProblem:
    return replace(p, vans=(van(), van()))


@pytest.mark.parametrize(
    ("spoil", "named"),
    [
        pytest.param(_unknown_place, "'P9'", id="shipment-to-unknown-place"),
        pytest.param(_unknown_depot, "'NOWHERE'", id="van-with-unknown-depot"),
        pytest.param(_small_matrix, "2x2", id="matrix-size-mismatch"),
        pytest.param(_leg_missing_the_hub, "'s2'", id="hub-mode-leg-without-hub"),
        pytest.param(_repeated_van, "V1", id="repeated-van-id"),
    ],
)
def test_inconsistent_problem_is_refused_naming_what_is_wrong(
    spoil: Callable[[RoutingProblem], RoutingProblem], named: str
) -> None:
    with pytest.raises(RoutingInputError, match=named):
        solve(spoil(problem(LINE, [out("a", 1)])))


def test_unknown_engine_knob_is_refused() -> None:
    limits = SolveLimits(time_limit_s=0.1, extra={"colour": "blue"})
    with pytest.raises(RoutingInputError, match="colour"):
        solve(problem(LINE, [out("a", 1)]), limits)


@pytest.mark.parametrize(
    ("knob", "value"),
    [
        ("gls_lambda", "0"),
        ("neighbors_ratio", "1.5"),
        ("neighbors_ratio", "most"),
        ("min_neighbors", "-2"),
        ("operators", "cross_exchange,teleport"),
    ],
)
def test_search_knob_out_of_range_is_refused(knob: str, value: str) -> None:
    limits = SolveLimits(time_limit_s=0.1, extra={knob: value})
    with pytest.raises(RoutingInputError, match=knob):
        solve(problem(LINE, [out("a", 1)]), limits)


def test_search_knobs_in_range_still_find_the_plan() -> None:
    knobs = {
        "gls_lambda": "0.3",
        "neighbors_ratio": "0.5",
        "min_neighbors": "2",
        "operators": "cross_exchange,-or_opt",
    }
    plan = solve(
        problem(LINE, [out("a", 1), out("b", 3)]), replace(QUICK, extra={**QUICK.extra, **knobs})
    )

    assert plan.dropped == ()
    assert plan.distance_m == 6000  # out to P3 and back, P1 on the way (either way round)


def test_direct_mode_needs_no_hub() -> None:
    p = replace(problem(LINE, [Shipment("a", "P1", "P2", 1)], mode=Mode.DIRECT), hub=None)

    assert solve(p).dropped == ()


def test_hub_legs_at_depot_load_everything_before_leaving_and_never_reload() -> None:
    limits = replace(QUICK, extra={**QUICK.extra, "hub_legs": "at_depot"})
    shipments = [out("a", 1, 4), back("b", 2, 4), out("c", 3, 4), out("d", 2, 3)]
    vans = [van("V1", capacity=8), van("V2", capacity=8)]
    p = problem(LINE, shipments, vans)
    plan = solve(p, limits)

    assert plan.dropped == ()
    for route in used_routes(plan):
        assert [s.place_id for s in route.stops].count("P0") == 2  # one trip
        assert route.stops[0].load_after == sum(
            s.crates for s in shipments if s.shipment_id in route.stops[0].load
        )
        assert max(s.load_after for s in route.stops) <= 8
    assert [[s.load_after for s in r.stops] for r in plan.routes] == (
        crates_on_board_after_each_stop(plan, p)
    )


def test_hub_legs_at_depot_need_every_van_at_the_hub() -> None:
    limits = replace(QUICK, extra={"hub_legs": "at_depot"})
    with pytest.raises(RoutingInputError, match="every van based at the hub"):
        solve(problem(LINE, [out("a", 1)], [replace(van(), depot="P3")]), limits)
