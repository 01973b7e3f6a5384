"""The OR-Tools engine on the rest of a day: vans start where they are, when they may leave,
with crates on board that only that van can deliver."""

from __future__ import annotations

from dataclasses import replace

import pytest

from kulkuri.routing.domain.errors import UnsupportedConstraintError
from kulkuri.routing.domain.plan import DroppedShipment, RoutePlan
from kulkuri.routing.domain.problem import Mode, RoutingProblem, Shipment, SolveLimits, Van
from kulkuri.routing.solver import OrToolsSolver, PyVrpSolver, RoutingInputError

from .builders import QUICK, back, out, problem, van, visits

LINE = [(0, 0), (1, 0), (2, 0), (3, 0)]  # 1 km (60 s) apart
TEN = 10 * 3600


def solve(p: RoutingProblem, limits: SolveLimits = QUICK) -> RoutePlan:
    return OrToolsSolver().solve(p, limits)


def at(place: int, van_id: str = "V1", *, from_s: int = TEN, capacity: int = 10) -> Van:
    """A van out on its round: at ``place`` and free to leave from ``from_s``."""
    return replace(van(van_id, capacity=capacity), start_place=f"P{place}", available_from_s=from_s)


def aboard(shipment: Shipment, van_id: str = "V1") -> Shipment:
    return replace(shipment, on_van=van_id)


def test_van_out_on_its_round_continues_from_where_it_is_with_its_crates() -> None:
    plan = solve(problem(LINE, [aboard(out("a", 3, crates=2))], [at(2)]))

    [route] = plan.routes
    assert visits(route) == ["P2", "P3", "P0"]
    start, library, depot = route.stops
    assert (start.arrival_s, start.load_after) == (TEN, 2)
    assert (library.arrival_s, library.unload, library.load_after) == (TEN + 60, ("a",), 0)
    assert depot.arrival_s == TEN + 60 + 180
    assert (route.distance_m, route.duration_s) == (4000, 240)
    assert plan.dropped == ()


def test_crates_on_board_are_delivered_by_their_van_even_when_another_is_nearer() -> None:
    carried = aboard(Shipment("a", "P1", "P3", 1), "V1")
    plan = solve(problem(LINE, [carried], [at(1, "V1"), at(3, "V2")], mode=Mode.DIRECT))

    v1, v2 = plan.routes
    assert visits(v1) == ["P1", "P3", "P0"]
    assert v1.stops[1].unload == ("a",)
    assert visits(v2) == ["P3", "P0"]  # straight home: it does not carry the crate


def test_van_already_out_takes_the_pickup_where_it_stands() -> None:
    spare = replace(van("V2"), fixed_cost=60.0)
    out_already = replace(at(3, "V1"), fixed_cost=0.0)  # its day's cost is already spent
    plan = solve(problem(LINE, [back("b", 3)], [out_already, spare]))

    v1, v2 = plan.routes
    assert visits(v1) == ["P3", "P0"]
    assert v1.stops[0].load == ("b",)  # loaded before it leaves where it is
    assert v1.stops[-1].unload == ("b",)
    assert not v2.used


def test_van_does_not_leave_before_it_is_available() -> None:
    late = replace(van(), available_from_s=12 * 3600)
    plan = solve(problem(LINE, [out("a", 1)], [late]))

    [route] = plan.routes
    assert visits(route) == ["P0", "P1", "P0"]
    assert route.stops[0].departure_s >= 12 * 3600
    assert route.stops[1].arrival_s >= 12 * 3600 + 60


def test_crates_that_cannot_be_delivered_still_take_room_on_the_van() -> None:
    full = at(2, capacity=2)
    shipments = [aboard(out("a", 3, crates=2)), back("b", 1)]
    plan = solve(problem(LINE, shipments, [full], windows={3: ()}))  # P3 closed today

    assert plan.dropped == (DroppedShipment("a", "closed"), DroppedShipment("b", "not_served"))
    [route] = plan.routes
    assert visits(route) == ["P2", "P0"]
    assert [s.load_after for s in route.stops] == [2, 2]


def test_on_board_crates_the_van_cannot_reach_in_time_are_unreachable() -> None:
    tight = replace(at(2, from_s=TEN), shift_end_s=TEN + 100)  # 60 s on, then 180 s back
    plan = solve(problem(LINE, [aboard(out("a", 3))], [tight]))

    assert plan.dropped == (DroppedShipment("a", "unreachable_in_time"),)


def test_van_with_nothing_left_to_do_drives_home_from_where_it_is() -> None:
    plan = solve(problem(LINE, [], [at(2)]))

    [route] = plan.routes
    assert visits(route) == ["P2", "P0"]
    assert [s.arrival_s for s in route.stops] == [TEN, TEN + 120]
    assert (route.distance_m, route.duration_s) == (2000, 120)


def test_whole_day_plans_are_unchanged_by_the_new_fields() -> None:
    shipments = [out("a", 1), out("b", 3), back("c", 2)]
    plan = solve(problem(LINE, shipments))

    [route] = plan.routes
    assert visits(route)[0] == "P0" and visits(route)[-1] == "P0"
    assert route.stops[0].arrival_s >= 6 * 3600
    assert plan.dropped == ()


@pytest.mark.parametrize(
    ("vans", "shipments", "named"),
    [
        pytest.param([replace(van(), start_place="P9")], [], "P9", id="unknown-start-place"),
        pytest.param([van()], [aboard(out("a", 1), "V7")], "V7", id="on-unknown-van"),
        pytest.param([at(1, capacity=1)], [aboard(out("a", 2, crates=2))], "V1", id="overfull"),
        pytest.param(
            [replace(van(), available_from_s=23 * 3600)], [], "V1", id="free-after-its-shift"
        ),
    ],
)
def test_inconsistent_day_in_progress_is_refused_naming_what_is_wrong(
    vans: list[Van], shipments: list[Shipment], named: str
) -> None:
    with pytest.raises(RoutingInputError, match=named):
        solve(problem(LINE, shipments, vans))


def test_hub_legs_at_depot_does_not_plan_a_day_in_progress() -> None:
    limits = SolveLimits(time_limit_s=1.0, extra={"hub_legs": "at_depot"})
    with pytest.raises(RoutingInputError, match="in progress"):
        solve(problem(LINE, [aboard(out("a", 1))], [van()]), limits)


@pytest.mark.parametrize(
    ("vans", "shipments"),
    [
        pytest.param([at(2)], [out("a", 1)], id="van-away-from-depot"),
        pytest.param([van()], [aboard(out("a", 1))], id="crates-on-board"),
    ],
)
def test_pyvrp_engine_says_it_cannot_plan_a_day_in_progress(
    vans: list[Van], shipments: list[Shipment]
) -> None:
    with pytest.raises(UnsupportedConstraintError, match="OR-Tools"):
        PyVrpSolver().solve(problem(LINE, shipments, vans), QUICK)
