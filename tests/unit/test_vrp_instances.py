"""The benchmark instance readers (kulkuri.routing.adapters.vrp_instances) on tiny instances."""

from __future__ import annotations

from datetime import date

import pytest

from kulkuri.routing.adapters.vrp_instances import (
    SCALE,
    check_routes,
    gap_pct,
    limits_for,
    parse_lilim,
    parse_solomon,
    route_length,
    route_orders,
    to_problem,
)
from kulkuri.routing.domain.plan import PlannedStop, RoutePlan, VanRoute
from kulkuri.routing.domain.problem import Mode, SolveLimits
from kulkuri.routing.solver import OrToolsSolver

# Depot at the origin; customers on the corners of a 3-4-5 triangle and a square.
SOLOMON = """TINY1\r
\r
VEHICLE\r
NUMBER     CAPACITY\r
  2          10\r
\r
CUSTOMER\r
CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME\r
 \r
    0       0          0          0          0        100          0\r
    1       3          0          4          0         50          1\r
    2       3          4          4          0         50          1\r
    3       0          4          4          0         50          1\r
"""

# Two pickup-and-delivery pairs: 1 -> 2 and 3 -> 4 (a delivery names its pickup).
LILIM = """2\t10\t1
0\t0\t0\t0\t0\t100\t0\t0\t0
1\t3\t0\t5\t0\t50\t1\t0\t2
2\t3\t4\t-5\t0\t50\t1\t1\t0
3\t0\t4\t5\t0\t50\t1\t0\t4
4\t0\t8\t-5\t0\t60\t1\t3\t0
"""


def test_solomon_text_is_read_with_its_vehicles_capacity_and_customers() -> None:
    tiny = parse_solomon(SOLOMON)

    assert (tiny.name, tiny.kind, tiny.vehicles, tiny.capacity) == ("TINY1", "solomon", 2, 10)
    assert [n.number for n in tiny.nodes] == [0, 1, 2, 3]
    assert (tiny.nodes[2].x, tiny.nodes[2].y, tiny.nodes[2].demand) == (3, 4, 4)
    assert tiny.nodes[0].due == 100
    assert tiny.family == "TINY1"


def test_lilim_text_pairs_each_pickup_with_its_delivery() -> None:
    tiny = parse_lilim(LILIM, "lc101")

    assert (tiny.vehicles, tiny.capacity, tiny.family) == (2, 10, "lc1")
    assert (tiny.nodes[1].delivery, tiny.nodes[2].pickup) == (2, 1)
    assert tiny.nodes[4].demand == -5


def test_solomon_becomes_a_hub_day_with_scaled_integers() -> None:
    problem = to_problem(parse_solomon(SOLOMON))

    assert problem.mode is Mode.HUB and problem.hub == "0"
    assert [(s.origin, s.destination, s.crates) for s in problem.shipments] == [
        ("0", "1", 4),
        ("0", "2", 4),
        ("0", "3", 4),
    ]
    assert problem.matrix.distance_m[0][2] == 5 * SCALE
    assert problem.places[1].windows[0].end_s == 50 * SCALE
    assert problem.places[1].service_fixed_s == SCALE
    assert problem.vans[0].shift_end_s == 100 * SCALE


def test_lilim_becomes_a_direct_day_of_pairs() -> None:
    problem = to_problem(parse_lilim(LILIM, "lc101"))

    assert problem.mode is Mode.DIRECT
    assert [(s.origin, s.destination, s.crates) for s in problem.shipments] == [
        ("1", "2", 5),
        ("3", "4", 5),
    ]


def _plan(*orders: list[str]) -> RoutePlan:
    routes = tuple(
        VanRoute(
            f"v{k}",
            tuple(PlannedStop(place, 0, 0) for place in ["0", *order, "0"]),
            distance_m=0,
            duration_s=0,
        )
        for k, order in enumerate(orders)
    )
    return RoutePlan(date(2026, 1, 1), Mode.HUB, routes)


def test_length_is_exact_euclidean_over_the_plans_stop_order() -> None:
    tiny = parse_solomon(SOLOMON)
    routes = route_orders(_plan(["1", "2", "3"], []))

    assert routes == [[1, 2, 3]]
    assert route_length(tiny, routes) == pytest.approx(3 + 4 + 3 + 4)
    assert route_length(tiny, [[1], [2]]) == pytest.approx(6 + 10)
    assert check_routes(tiny, [[1], [2, 3]]) == []


def test_gap_is_relative_to_the_best_known_and_may_be_negative() -> None:
    assert gap_pct(101.0, 100.0) == pytest.approx(1.0)
    assert gap_pct(99.5, 100.0) == pytest.approx(-0.5)


def test_check_finds_missed_customers_late_arrivals_and_overloads() -> None:
    tiny = parse_solomon(SOLOMON)
    tight = parse_solomon(SOLOMON.replace("50          1\r\n    3", "5           1\r\n    3"))

    assert check_routes(tiny, [[1, 2]]) == ["1 customers not visited, e.g. [3]"]
    assert check_routes(tiny, [[1, 2, 3]]) == ["route 0: load 12 over capacity 10"]
    assert tight.nodes[2].due == 5
    assert "route 0: node 2 served at 8.000 after 5" in check_routes(tight, [[1, 2], [3]])


def test_check_wants_each_pickup_before_its_delivery() -> None:
    tiny = parse_lilim(LILIM, "lc101")

    assert check_routes(tiny, [[1, 2], [3, 4]]) == []
    assert any("before its pickup" in p for p in check_routes(tiny, [[2, 1], [3, 4]]))


def test_ortools_solves_the_tiny_instance_to_its_optimum() -> None:
    tiny = parse_solomon(SOLOMON)
    limits = limits_for(tiny, "ortools", 2.0, {"solution_limit": "50"})
    assert limits.extra["hub_legs"] == "at_depot"

    plan = OrToolsSolver().solve(to_problem(tiny), limits)
    routes = route_orders(plan)

    assert check_routes(tiny, routes) == []
    # Capacity 10 and three customers of 4: two vans, best is {1} and {2, 3} (or mirror).
    assert route_length(tiny, routes) == pytest.approx(6 + 5 + 3 + 4)
    assert isinstance(limits, SolveLimits)
