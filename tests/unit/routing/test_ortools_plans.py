"""The OR-Tools engine finds the plans a person would draw on tiny maps."""

from __future__ import annotations

import gc
from dataclasses import replace

from ortools.constraint_solver import pywrapcp

from kulkuri.routing.domain.plan import RoutePlan
from kulkuri.routing.domain.problem import Mode, RoutingProblem, Shipment, SolveLimits, TimeWindow
from kulkuri.routing.solver import OrToolsSolver, Progress, ProgressCallback

from .builders import QUICK, back, out, problem, used_routes, van, visits

LINE = [(0, 0), (1, 0), (2, 0), (3, 0)]
SQUARE = [(0, 0), (0, 1), (1, 1), (1, 0)]


def solve(
    p: RoutingProblem, limits: SolveLimits = QUICK, progress: ProgressCallback | None = None
) -> RoutePlan:
    return OrToolsSolver().solve(p, limits, progress)


def test_libraries_on_a_line_are_served_in_one_sweep_there_and_back() -> None:
    plan = solve(problem(LINE, [out("a", 1), out("b", 2), out("c", 3)]))

    [route] = used_routes(plan)
    assert visits(route)[1:-1] in (["P1", "P2", "P3"], ["P3", "P2", "P1"])
    assert route.distance_m == 6000
    assert plan.dropped == ()


def test_square_is_driven_round_its_edges_not_across() -> None:
    plan = solve(problem(SQUARE, [out("a", 1), out("b", 2), out("c", 3)]))

    [route] = used_routes(plan)
    assert visits(route)[1:-1] in (["P1", "P2", "P3"], ["P3", "P2", "P1"])
    assert route.distance_m == 4000


def test_one_van_is_used_when_it_can_carry_everything() -> None:
    vans = [van("V1"), van("V2")]
    plan = solve(problem(LINE, [out("a", 1), out("b", 3)], vans=vans))

    assert plan.vans_used == 1


def test_a_full_van_reloads_at_the_hub_rather_than_exceed_its_capacity() -> None:
    plan = solve(problem(LINE, [out("a", 1, crates=4), out("b", 2, crates=4)], [van(capacity=5)]))

    [route] = used_routes(plan)
    assert plan.dropped == ()
    assert visits(route) in (["P0", "P1", "P0", "P2", "P0"], ["P0", "P2", "P0", "P1", "P0"])
    assert max(s.load_after for s in route.stops) == 4


def test_capacity_forces_a_second_van_when_there_is_no_time_to_reload() -> None:
    now = 6 * 3600
    soon = (TimeWindow(now, now + 150),)  # 2 km away: reachable from the hub only by 6:02
    vans = [van("V1", capacity=5), van("V2", capacity=5)]
    two_ways = [(0, 0), (2, 0), (-2, 0)]
    shipments = [out("a", 1, crates=4), out("b", 2, crates=4)]
    plan = solve(problem(two_ways, shipments, vans, windows={1: soon, 2: soon}))

    assert plan.vans_used == 2
    assert plan.dropped == ()
    assert all(s.load_after <= 5 for r in plan.routes for s in r.stops)


def test_time_windows_decide_the_order_of_stops() -> None:
    # Driving out to P2 first costs nothing extra on a line, but P1 opens only later.
    windows = {
        1: (TimeWindow(9 * 3600, 9 * 3600 + 600),),
        2: (TimeWindow(6 * 3600, 6 * 3600 + 600),),
    }
    plan = solve(problem(LINE[:3], [out("a", 1), out("b", 2)], windows=windows))

    [route] = used_routes(plan)
    assert visits(route) == ["P0", "P2", "P1", "P0"]
    assert 9 * 3600 <= route.stops[2].arrival_s <= 9 * 3600 + 600


def test_van_waits_through_the_gap_between_two_opening_windows() -> None:
    morning, afternoon = TimeWindow(5 * 3600, 6 * 3600), TimeWindow(8 * 3600, 9 * 3600)
    plan = solve(problem(LINE[:2], [out("a", 1)], windows={1: (morning, afternoon)}))

    [route] = used_routes(plan)
    assert route.stops[1].arrival_s == 8 * 3600  # the shift starts at 6:00, in the gap


def test_service_time_is_spent_once_per_stop_and_times_follow_the_road() -> None:
    plan = solve(problem(LINE[:2], [out("a", 1), back("b", 1)], service_s=300))

    [route] = used_routes(plan)
    depot, library, home = route.stops
    assert library.arrival_s == depot.departure_s + 60
    assert library.departure_s == library.arrival_s + 300
    assert home.arrival_s == library.departure_s + 60
    assert route.duration_s == home.arrival_s - depot.arrival_s  # loading at the hub counts


def test_cheaper_van_per_km_gets_the_route() -> None:
    dear = van("DEAR")
    cheap = replace(van("CHEAP"), cost_per_km=0.5)
    plan = solve(problem(LINE, [out("a", 3)], vans=[dear, cheap]))

    assert [r.van_id for r in used_routes(plan)] == ["CHEAP"]


def test_direct_mode_picks_up_before_delivering_on_the_same_van() -> None:
    shipments = [Shipment("a", "P3", "P1", 2), Shipment("b", "P2", "P3", 1)]
    plan = solve(problem(LINE, shipments, mode=Mode.DIRECT))

    assert plan.dropped == ()
    for shipment in shipments:
        [route] = [r for r in plan.routes if any(shipment.shipment_id in s.load for s in r.stops)]
        picked = next(i for i, s in enumerate(route.stops) if shipment.shipment_id in s.load)
        delivered = next(i for i, s in enumerate(route.stops) if shipment.shipment_id in s.unload)
        assert picked < delivered


def test_same_input_gives_the_same_plan() -> None:
    p = problem(
        [(0, 0), (2, 1), (3, 3), (1, 4), (5, 2), (4, 0)],
        [out("a", 1, 3), out("b", 2, 4), back("c", 3, 2), out("d", 4), back("e", 5, 5)],
        vans=[van("V1", capacity=8), van("V2", capacity=8)],
    )
    first, second = solve(p), solve(p)

    assert first.routes == second.routes
    assert first.dropped == second.dropped
    assert first.stats and second.stats and first.stats.objective == second.stats.objective


def test_progress_reports_each_improving_solution() -> None:
    seen: list[Progress] = []
    p = problem(
        [(0, 0), (2, 1), (3, 3), (1, 4), (5, 2), (4, 0), (6, 6)],
        [out(f"s{i}", i) for i in range(1, 7)],
    )
    plan = solve(p, SolveLimits(time_limit_s=0.3), seen.append)

    assert seen
    objectives = [s.objective for s in seen]
    assert objectives == sorted(set(objectives), reverse=True)
    assert [s.solutions for s in seen] == list(range(1, len(seen) + 1))
    assert plan.stats is not None and plan.stats.objective == objectives[-1]


def test_a_solved_plan_leaves_no_routing_model_behind() -> None:
    # The model holds its solution callback in C++, out of the collector's sight: were the
    # callback to keep the model, every plan of a long-running service would stay in memory.
    def live_models() -> int:
        gc.collect()
        return sum(isinstance(o, pywrapcp.RoutingModel) for o in gc.get_objects())

    before = live_models()
    for _ in range(3):
        solve(problem(LINE, [out("a", 1), out("b", 2), out("c", 3)]))

    assert live_models() == before
