"""Nightly re-assignment: least total transport, queue order kept, disabled pairs never used."""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence

import pytest

from kulkuri.holds.adapters.ortools_assignment import MinCostFlowSolver
from kulkuri.holds.domain.reassignment import (
    Assignment,
    AssignmentProblem,
    AvailableCopy,
    IncompleteAssignment,
    OpenHold,
    PairCost,
    ReassignmentPlan,
    assignment_problem,
    check_complete,
    greedy_assignment,
    plan_reassignment,
    total_cost,
)
from tests.unit.holds.consortia import HEINOLA, LAHTI, LIIPOLA, SYSMA, at, costs

COST = costs().cost
SOLVER = MinCostFlowSolver()
BIB = "b1"


def hold(hold_id: str, pickup: str, day: float, bib: str = BIB) -> OpenHold:
    return OpenHold(hold_id, bib, pickup, at(day))


def copy(item_id: str, library: str, bib: str = BIB) -> AvailableCopy:
    return AvailableCopy(item_id, bib, library)


def pairs(assignments: Sequence[Assignment]) -> set[tuple[str, str]]:
    return {(a.hold_id, a.item_id) for a in assignments}


def test_the_batch_beats_the_greedy_choice_when_the_oldest_hold_takes_a_shared_copy() -> None:
    # Greedy: the Lahti hold takes the Liipola copy (3 km); the Liipola hold then needs the
    # Heinola one (38 km). Swapped: 35 km for Lahti, none for Liipola.
    holds = [hold("old", LAHTI, 0), hold("new", LIIPOLA, 1)]
    copies = [copy("i-liipola", LIIPOLA), copy("i-heinola", HEINOLA)]
    plan = plan_reassignment(holds, copies, COST, SOLVER)
    assert pairs(plan.baseline) == {("old", "i-liipola"), ("new", "i-heinola")}
    assert pairs(plan.assignments) == {("old", "i-heinola"), ("new", "i-liipola")}
    assert (plan.cost_before, plan.cost_after, plan.saving) == (41_000, 35_000, 6_000)
    assert plan.served_before == plan.served_after == 2


def test_the_oldest_holds_are_served_and_the_younger_keep_waiting() -> None:
    # Two copies, three holds: the youngest, whose copy would be local, still waits.
    holds = [hold("h1", SYSMA, 0), hold("h2", HEINOLA, 1), hold("h3", LAHTI, 2)]
    copies = [copy("i1", LAHTI), copy("i2", LIIPOLA)]
    plan = plan_reassignment(holds, copies, COST, SOLVER)
    assert {a.hold_id for a in plan.assignments} == {"h1", "h2"}
    assert (plan.cost_before, plan.cost_after) == (60_000 + 38_000, 62_000 + 35_000)


def test_queue_order_holds_per_title() -> None:
    holds = [hold("a-old", SYSMA, 0, "a"), hold("a-new", LAHTI, 1, "a"), hold("b", LAHTI, 5, "b")]
    copies = [copy("a1", LAHTI, "a"), copy("b1", SYSMA, "b")]
    plan = plan_reassignment(holds, copies, COST, SOLVER)
    assert pairs(plan.assignments) == {("a-old", "a1"), ("b", "b1")}


def test_disabled_pairs_are_never_used() -> None:
    cost = costs({(LIIPOLA, LAHTI): None}).cost
    holds = [hold("old", LAHTI, 0), hold("new", LIIPOLA, 1)]
    copies = [copy("i-liipola", LIIPOLA), copy("i-heinola", HEINOLA)]
    plan = plan_reassignment(holds, copies, cost, SOLVER)
    assert pairs(plan.assignments) == {("old", "i-heinola"), ("new", "i-liipola")}
    assert ("old", "i-liipola") not in pairs(plan.baseline)


def test_an_older_hold_no_copy_can_reach_does_not_block_a_younger_one() -> None:
    cost = costs({(LAHTI, SYSMA): None}).cost
    holds = [hold("old", SYSMA, 0), hold("new", HEINOLA, 1)]
    plan = plan_reassignment(holds, [copy("i1", LAHTI)], cost, SOLVER)
    assert pairs(plan.assignments) == {("new", "i1")}


def test_no_hold_is_starved_to_serve_a_younger_one() -> None:
    # Greedy gives the only copy Sysmä may receive to the older Lahti hold, and Sysmä waits.
    # The batch serves both, oldest first: it gives Lahti the other copy.
    cost = costs({(HEINOLA, SYSMA): None}).cost
    holds = [hold("lahti", LAHTI, 0), hold("sysma", SYSMA, 1)]
    copies = [copy("i-liipola", LIIPOLA), copy("i-heinola", HEINOLA)]
    plan = plan_reassignment(holds, copies, cost, SOLVER)
    assert pairs(plan.baseline) == {("lahti", "i-liipola")}
    assert pairs(plan.assignments) == {("lahti", "i-heinola"), ("sysma", "i-liipola")}
    assert (plan.served_before, plan.served_after) == (1, 2)


def test_a_closed_library_sends_nothing_but_a_local_copy_still_serves() -> None:
    holds = [hold("h1", HEINOLA, 0), hold("h2", LAHTI, 1)]
    copies = [copy("i1", LAHTI), copy("i2", LIIPOLA)]
    plan = plan_reassignment(holds, copies, COST, SOLVER, open_sources={HEINOLA, LIIPOLA})
    assert pairs(plan.assignments) == {("h1", "i2"), ("h2", "i1")}


def test_nothing_to_do_gives_an_empty_plan() -> None:
    plan = plan_reassignment([hold("h1", LAHTI, 0)], [], COST, SOLVER)
    assert (plan.assignments, plan.cost_before, plan.cost_after) == ((), 0, 0)


def test_an_incomplete_solver_answer_is_refused() -> None:
    class Lazy:
        def solve(self, problem: AssignmentProblem) -> list[Assignment]:
            return []

    with pytest.raises(IncompleteAssignment):
        plan_reassignment([hold("h1", LAHTI, 0)], [copy("i1", LAHTI)], COST, Lazy())


# -- against brute force --------------------------------------------------------------------


def brute_force(
    holds: Sequence[OpenHold], copies: Sequence[AvailableCopy], cost: PairCost
) -> tuple[tuple[bool, ...], int]:
    """Over every matching: the served set best in queue order, then the least cost."""
    ordered = sorted(holds, key=lambda h: (h.placed_at, h.hold_id))
    best: tuple[tuple[bool, ...], int] | None = None
    options: list[list[AvailableCopy | None]] = []
    for h in ordered:
        allowed = [c for c in copies if c.bib_id == h.bib_id and cost(c.library, h.pickup_library)]
        allowed += [c for c in copies if c.bib_id == h.bib_id and c.library == h.pickup_library]
        options.append([None, *{c.item_id: c for c in allowed}.values()])
    for choice in itertools.product(*options):
        used = [c.item_id for c in choice if c is not None]
        if len(used) != len(set(used)):
            continue
        served = tuple(c is not None for c in choice)
        total = sum(
            cost(c.library, h.pickup_library) or 0
            for h, c in zip(ordered, choice, strict=True)
            if c is not None
        )
        # More served earlier in the queue wins (True > False), then the lower cost.
        if best is None or (served, -total) > (best[0], -best[1]):
            best = (served, total)
    assert best is not None
    return best


LIBS = (LAHTI, LIIPOLA, HEINOLA, SYSMA)


def random_case(rng: random.Random) -> tuple[list[OpenHold], list[AvailableCopy], PairCost]:
    table = {
        (a, b): (0 if a == b else (None if rng.random() < 0.2 else rng.randrange(1, 50) * 1000))
        for a in LIBS
        for b in LIBS
    }
    bibs = ["a", "b"][: rng.randint(1, 2)]
    holds = [
        hold(f"h{i}", rng.choice(LIBS), rng.randrange(3), rng.choice(bibs))
        for i in range(rng.randint(1, 5))
    ]
    copies = [copy(f"i{i}", rng.choice(LIBS), rng.choice(bibs)) for i in range(rng.randint(1, 5))]
    return holds, copies, lambda a, b: table[(a, b)]


def test_the_solver_finds_the_brute_force_optimum_in_queue_order() -> None:
    rng = random.Random(20261123)
    for _ in range(200):
        holds, copies, cost = random_case(rng)
        plan = plan_reassignment(holds, copies, cost, SOLVER)
        served, optimum = brute_force(holds, copies, cost)
        ordered = sorted(holds, key=lambda h: (h.placed_at, h.hold_id))
        expected = {h.hold_id for h, s in zip(ordered, served, strict=True) if s}
        assert {a.hold_id for a in plan.assignments} == expected
        assert plan.cost_after == optimum
        assert all(
            cost(c.library, h.pickup_library) is not None for c, h in _pairs(plan, holds, copies)
        )
        if {a.hold_id for a in plan.baseline} == expected:
            assert plan.cost_after <= plan.cost_before


def _pairs(
    plan: ReassignmentPlan, holds: Sequence[OpenHold], copies: Sequence[AvailableCopy]
) -> list[tuple[AvailableCopy, OpenHold]]:
    by_hold = {h.hold_id: h for h in holds}
    by_item = {c.item_id: c for c in copies}
    return [(by_item[a.item_id], by_hold[a.hold_id]) for a in plan.assignments]


def test_greedy_and_problem_agree_on_the_copies_a_title_offers() -> None:
    holds = [hold("h1", LAHTI, 0), hold("h2", SYSMA, 1)]
    copies = [copy("i1", LAHTI), copy("i2", HEINOLA)]
    problem = assignment_problem(holds, copies, COST)
    assert set(problem.hold_ids) == {"h1", "h2"}
    assert total_cost(greedy_assignment(holds, copies, COST)) == 45_000


# -- what the solver promises beyond the least cost -------------------------------------------


def test_among_equal_costs_the_solver_keeps_the_pairs_it_is_asked_to_keep() -> None:
    arcs = tuple(
        Assignment(hold_id, item_id, 3_000) for hold_id in ("h1", "h2") for item_id in ("i1", "i2")
    )
    for kept in ({("h1", "i1"), ("h2", "i2")}, {("h1", "i2"), ("h2", "i1")}):
        problem = AssignmentProblem(("h1", "h2"), ("i1", "i2"), arcs, keep=frozenset(kept))
        assert pairs(SOLVER.solve(problem)) == kept


def test_a_copy_that_must_be_used_is_used_even_when_another_is_cheaper() -> None:
    arcs = (Assignment("h1", "near", 1_000), Assignment("h1", "far", 9_000))
    free = AssignmentProblem(("h1",), ("near", "far"), arcs)
    assert pairs(SOLVER.solve(free)) == {("h1", "near")}
    bound = AssignmentProblem(("h1",), ("near", "far"), arcs, must_use=frozenset({"far"}))
    assert pairs(SOLVER.solve(bound)) == {("h1", "far")}
    with pytest.raises(IncompleteAssignment):
        check_complete(bound, [Assignment("h1", "near", 1_000)])
