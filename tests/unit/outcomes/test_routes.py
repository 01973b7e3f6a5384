"""Van days on the hand-made line A (hub) - 12 km - B - 8 km - C, at 10 m/s, 300 s a stop
and 30 s a crate."""

from __future__ import annotations

import pytest

from kulkuri.outcomes.domain.ledger import Leg
from kulkuri.outcomes.routes.day_routes import day_problem, fixed_loop_work, optimised_work
from kulkuri.routing.solver import solver_named
from tests.unit.outcomes.tiny_network import FIRST_DAY, van_network


def test_the_fixed_loop_drives_every_library_even_with_nothing_to_carry() -> None:
    work = fixed_loop_work(day_problem(van_network(), FIRST_DAY, []))
    # A -> B -> C -> A: 12 + 8 + 20 km; 1200 + 300 + 800 + 300 + 2000 s.
    assert (work.km, work.van_hours, work.van_runs, work.crates) == (40.0, 4600 / 3600, 1, 0)


def test_legs_on_one_lane_share_crates_of_forty() -> None:
    legs = [Leg("B", "A", 1, f"i{n}") for n in range(41)] + [Leg("A", "C", 1, "j")]
    problem = day_problem(van_network(), FIRST_DAY, legs)
    assert [(s.origin, s.destination, s.crates) for s in problem.shipments] == [
        ("A", "C", 1),
        ("B", "A", 2),
    ]
    work = fixed_loop_work(problem)
    assert work.crates == 3
    assert work.van_hours == pytest.approx((4600 + 3 * 30) / 3600)


def test_the_solver_sends_no_van_on_a_day_without_legs() -> None:
    work = optimised_work(day_problem(van_network(), FIRST_DAY, []), solver_named(), 1.0)
    assert (work.km, work.van_hours, work.van_runs) == (0.0, 0.0, 0)


def test_the_solver_drives_only_where_the_legs_are() -> None:
    problem = day_problem(van_network(), FIRST_DAY, [Leg("B", "A", 1, "i")])
    work = optimised_work(problem, solver_named(), 1.0)
    # A -> B -> A: 24 km; 1200 + 300 + 30 + 1200 s.
    assert (work.km, work.van_runs, work.crates, work.missed_crates) == (24.0, 1, 1, 0)
    assert work.van_hours == pytest.approx(2730 / 3600)
