"""Nightly batch re-assignment: which available copy fills which waiting hold, all at once.

At a cut-off before the pull lists are printed, every hold not yet pulled (waiting, or with a
copy assigned that is still on its shelf) and every copy that could fill one (on the shelf,
free or assigned but not pulled) are assigned afresh so that the day's transport cost is least.

Queue order is kept within each title: the holds served are those ``place_hold`` would serve
one by one in the order placed, except that a hold is never left out to serve a younger one
(a hold is served exactly when it can be matched together with every older served hold:
``served_holds``). The optimiser only decides *which* of the title's copies goes to *which*
of those holds. Ordering is strict (by ``placed_at``); local-first priority is not applied.

A copy may fill a hold when the pair's transport cost is not disabled and, unless the copy is
already at the pickup library, its library is open that day (as in ``selection.choose_copy``).
The solving itself sits behind the ``AssignmentSolver`` port (an OR-Tools adapter in
production); this module imports only the standard library.

``plan_reassignment`` plans a static pool (the benchmark's first version); the plan the
service applies at its cut-off, which starts from the copies the holds have now, is
``day_plan.plan_day``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

PairCost = Callable[[str, str], int | None]
"""Metres from a source library to a pickup library, or None when the pair is disabled
(``TransportCosts.cost``)."""


@dataclass(frozen=True)
class OpenHold:
    hold_id: str
    bib_id: str
    pickup_library: str
    placed_at: datetime


@dataclass(frozen=True)
class AvailableCopy:
    item_id: str
    bib_id: str
    library: str  # where it stands now: the library that pulls and sends it
    last_returned_at: datetime | None = None  # breaks ties as ``choose_copy`` does
    sent: bool = False  # a transfer from its shelf is already requested (for a hold)


@dataclass(frozen=True)
class Assignment:
    hold_id: str
    item_id: str
    cost: int  # metres from the copy's library to the hold's pickup library


@dataclass(frozen=True)
class AssignmentProblem:
    """Give every hold in ``hold_ids`` exactly one of ``item_ids`` along an allowed pair.

    ``pairs`` are the allowed (hold, copy) pairs with their cost. A complete assignment is
    known to exist when the domain builds the problem. Every copy in ``must_use`` must go to
    some hold. Among assignments of least cost, one that keeps more of the (hold id, item id)
    pairs in ``keep`` is better: a plan changes nothing it need not change.
    """

    hold_ids: tuple[str, ...]
    item_ids: tuple[str, ...]
    pairs: tuple[Assignment, ...]
    keep: frozenset[tuple[str, str]] = frozenset()
    must_use: frozenset[str] = frozenset()


class AssignmentSolver(Protocol):
    def solve(self, problem: AssignmentProblem) -> list[Assignment]:
        """A complete assignment of least total cost (one copy per hold, one hold per copy,
        every ``must_use`` copy used), keeping as many ``keep`` pairs as any other such."""
        ...


class IncompleteAssignment(Exception):
    """A solver returned an assignment that leaves a hold out or uses a copy twice."""


@dataclass(frozen=True)
class ReassignmentPlan:
    assignments: tuple[Assignment, ...]  # the optimised assignment: what to pull
    cost_before: int  # metres, the greedy per-hold choice in queue order
    cost_after: int  # metres, the optimised assignment
    baseline: tuple[Assignment, ...] = ()  # the greedy assignment itself

    @property
    def served_before(self) -> int:
        return len(self.baseline)

    @property
    def served_after(self) -> int:
        return len(self.assignments)

    @property
    def saving(self) -> int:
        return self.cost_before - self.cost_after


def total_cost(assignments: Iterable[Assignment]) -> int:
    return sum(a.cost for a in assignments)


def in_queue_order(holds: Iterable[OpenHold]) -> list[OpenHold]:
    return sorted(holds, key=lambda hold: (hold.placed_at, hold.hold_id))


class AllowedPairs:
    """Allowed pairs and their costs, with the cost per library pair computed once: a copy
    may go to a hold at its own library, or from a library open that day (``open_sources``;
    ``None``: all) along a pair that is not disabled."""

    def __init__(self, costs: PairCost, open_sources: Collection[str] | None) -> None:
        self._costs = costs
        self._open = open_sources
        self._cache: dict[tuple[str, str], int | None] = {}

    def cost(self, copy: AvailableCopy, hold: OpenHold) -> int | None:
        key = (copy.library, hold.pickup_library)
        if key not in self._cache:
            local = copy.library == hold.pickup_library
            if not local and self._open is not None and copy.library not in self._open:
                self._cache[key] = None
            else:
                self._cache[key] = self._costs(*key)
        return self._cache[key]


def _by_title(
    holds: Iterable[OpenHold], copies: Iterable[AvailableCopy]
) -> dict[str, tuple[list[OpenHold], list[AvailableCopy]]]:
    titles: dict[str, tuple[list[OpenHold], list[AvailableCopy]]] = defaultdict(lambda: ([], []))
    for hold in holds:
        titles[hold.bib_id][0].append(hold)
    for copy in copies:
        titles[copy.bib_id][1].append(copy)
    return {
        bib: (in_queue_order(hs), sorted(cs, key=lambda c: c.item_id))
        for bib, (hs, cs) in titles.items()
        if hs and cs
    }


_GreedyKey = tuple[bool, int, int, tuple[int, float], str]


def _oldest_returned_first(copy: AvailableCopy) -> tuple[int, float]:
    # As selection.choose_copy: a copy never returned has sat on its shelf longest of all.
    if copy.last_returned_at is None:
        return (0, 0.0)
    return (1, copy.last_returned_at.timestamp())


def greedy_title(
    holds: Sequence[OpenHold], copies: Sequence[AvailableCopy], pairs: AllowedPairs
) -> list[Assignment]:
    """One title's holds in queue order, each taking its best remaining copy."""
    # choose_copy's order: a local copy, the least cost, the library with more copies left,
    # the copy returned longest ago (never returned counts as longest), the lowest item id.
    pool = list(copies)
    chosen: list[Assignment] = []
    for hold in holds:
        if not pool:
            break
        left_at = Counter(copy.library for copy in pool)
        best: tuple[_GreedyKey, AvailableCopy, int] | None = None
        for copy in pool:
            cost = pairs.cost(copy, hold)
            if cost is None:
                continue
            key = (
                copy.library != hold.pickup_library,
                cost,
                -left_at[copy.library],
                _oldest_returned_first(copy),
                copy.item_id,
            )
            if best is None or key < best[0]:
                best = (key, copy, cost)
        if best is not None:
            pool.remove(best[1])
            chosen.append(Assignment(hold.hold_id, best[1].item_id, best[2]))
    return chosen


def greedy_assignment(
    holds: Iterable[OpenHold],
    copies: Iterable[AvailableCopy],
    costs: PairCost,
    open_sources: Collection[str] | None = None,
) -> list[Assignment]:
    """The per-hold choice: oldest hold first, each takes its best remaining copy.

    What ``Title.place_hold`` would decide for the holds one by one against this pool.
    """
    pairs = AllowedPairs(costs, open_sources)
    chosen: list[Assignment] = []
    for title_holds, title_copies in _by_title(holds, copies).values():
        chosen.extend(greedy_title(title_holds, title_copies, pairs))
    return chosen


def served_holds(
    holds: Sequence[OpenHold], allowed: Callable[[OpenHold], Sequence[str]], copies: int
) -> list[OpenHold]:
    """The holds to serve, oldest first: each one that can be matched with all older served.

    ``holds`` in queue order; ``allowed``: the item ids a hold may take; ``copies``: how many
    copies the title has available. Augmenting paths (Kuhn) keep a matching of the served
    holds; it only decides who is served, not who gets which copy.
    """
    holder: dict[str, OpenHold] = {}  # item id -> the hold it goes to in the matching so far

    def augment(hold: OpenHold, seen: set[str]) -> bool:
        for item_id in allowed(hold):
            if item_id in seen:
                continue
            seen.add(item_id)
            if item_id not in holder or augment(holder[item_id], seen):
                holder[item_id] = hold
                return True
        return False

    served: list[OpenHold] = []
    for hold in holds:
        if len(served) == copies:
            break  # every copy is taken: younger holds keep waiting
        if augment(hold, set()):
            served.append(hold)
    return served


def _title_problem(
    holds: Sequence[OpenHold], copies: Sequence[AvailableCopy], pairs: AllowedPairs
) -> tuple[list[OpenHold], list[Assignment]]:
    allowed: dict[str, list[Assignment]] = {}

    def items_for(hold: OpenHold) -> list[str]:
        if hold.hold_id not in allowed:
            allowed[hold.hold_id] = [
                Assignment(hold.hold_id, copy.item_id, cost)
                for copy in copies
                if (cost := pairs.cost(copy, hold)) is not None
            ]
        return [pair.item_id for pair in allowed[hold.hold_id]]

    served = served_holds(holds, items_for, len(copies))
    return served, [pair for hold in served for pair in allowed[hold.hold_id]]


def assignment_problem(
    holds: Iterable[OpenHold],
    copies: Iterable[AvailableCopy],
    costs: PairCost,
    open_sources: Collection[str] | None = None,
) -> AssignmentProblem:
    """The served holds of every title, its copies and the allowed pairs between them."""
    pairs = AllowedPairs(costs, open_sources)
    hold_ids: list[str] = []
    item_ids: list[str] = []
    arcs: list[Assignment] = []
    for title_holds, title_copies in _by_title(holds, copies).values():
        served, title_arcs = _title_problem(title_holds, title_copies, pairs)
        hold_ids.extend(hold.hold_id for hold in served)
        item_ids.extend(copy.item_id for copy in title_copies)
        arcs.extend(title_arcs)
    return AssignmentProblem(tuple(hold_ids), tuple(item_ids), tuple(arcs))


def check_complete(problem: AssignmentProblem, assignments: Sequence[Assignment]) -> None:
    holds = [a.hold_id for a in assignments]
    items = [a.item_id for a in assignments]
    allowed = {(p.hold_id, p.item_id) for p in problem.pairs}
    if (
        sorted(holds) != sorted(problem.hold_ids)
        or len(set(items)) != len(items)
        or any((a.hold_id, a.item_id) not in allowed for a in assignments)
        or not problem.must_use <= set(items)
    ):
        raise IncompleteAssignment("the solver's assignment does not fill each served hold once")


def plan_reassignment(
    holds: Iterable[OpenHold],
    copies: Iterable[AvailableCopy],
    costs: PairCost,
    solver: AssignmentSolver,
    open_sources: Collection[str] | None = None,
) -> ReassignmentPlan:
    """The least-cost assignment for the day, with the greedy per-hold choice as "before"."""
    holds, copies = list(holds), list(copies)
    baseline = greedy_assignment(holds, copies, costs, open_sources)
    problem = assignment_problem(holds, copies, costs, open_sources)
    assignments = solver.solve(problem)
    check_complete(problem, assignments)
    return ReassignmentPlan(
        assignments=tuple(sorted(assignments, key=lambda a: a.hold_id)),
        cost_before=total_cost(baseline),
        cost_after=total_cost(assignments),
        baseline=tuple(sorted(baseline, key=lambda a: a.hold_id)),
    )
