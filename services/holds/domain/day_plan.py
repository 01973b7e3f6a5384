"""The plan the holds service applies at its nightly cut-off: cheaper copies for the same holds.

Per title the planner starts from the per-hold choice: the copies the day's holds were given
one at a time as events came (``TitleDay.assigned``), completed by the waiting holds that the
per-hold rule fills from the copies free on a shelf, oldest first (``greedy_title``, the
order of ``Title.fill_waiting_holds``). Those holds and no others are served; the optimiser
(the ``AssignmentSolver`` port) only decides which copy goes to which of them, over their
copies and the free ones, at least total transport cost. The per-hold choice is itself an
answer to that problem, so the plan never costs more than it; among answers of least cost the
solver keeps as many of the present pairs as it can, so a title already at its optimum does
not change at all.

A copy the plan frees goes back to its shelf. If a waiting hold could take it from there, the
per-hold rule fills that hold too and the title is planned again (``plan_day`` repeats until
nothing more is filled), so the plan never leaves a copy idle that a waiting hold could use.

With ``cancel_transfers=True`` (the service's way) a copy whose transfer is already requested
(``sent``) may lose its hold and stay on its shelf: the transfer is called off
(``transfer-cancelled``, reason ``reassigned``). With ``cancel_transfers=False`` such a copy
stays with some hold, and not with one at its own library; it may still be re-targeted.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from kulkuri.holds.domain.reassignment import (
    AllowedPairs,
    Assignment,
    AssignmentProblem,
    AssignmentSolver,
    AvailableCopy,
    OpenHold,
    PairCost,
    check_complete,
    greedy_title,
    total_cost,
)


@dataclass(frozen=True)
class TitleDay:
    """One title at the cut-off, holds in queue order: those whose copy is not yet pulled,
    each with that copy; those waiting; and the copies free on a shelf."""

    bib_id: str
    assigned: tuple[tuple[OpenHold, AvailableCopy], ...] = ()
    waiting: tuple[OpenHold, ...] = ()
    free: tuple[AvailableCopy, ...] = ()


@dataclass(frozen=True)
class TitlePlan:
    bib_id: str
    held: tuple[Assignment, ...]  # the copies the holds have now
    before: tuple[Assignment, ...]  # the per-hold choice: ``held``, then the holds it fills
    after: tuple[Assignment, ...]  # the plan: the same holds, least total cost

    @property
    def reassigned(self) -> list[str]:
        """Holds that had a copy and get another."""
        held = {a.hold_id: a.item_id for a in self.held}
        return [a.hold_id for a in self.after if held.get(a.hold_id, a.item_id) != a.item_id]

    @property
    def filled(self) -> list[str]:
        """Waiting holds that get a copy."""
        held = {a.hold_id for a in self.held}
        return [a.hold_id for a in self.after if a.hold_id not in held]

    @property
    def changes_anything(self) -> bool:
        return bool(self.reassigned or self.filled)


@dataclass(frozen=True)
class DayPlan:
    titles: tuple[TitlePlan, ...]

    @property
    def cost_before(self) -> int:
        """Metres, the per-hold choice."""
        return sum(total_cost(t.before) for t in self.titles)

    @property
    def cost_after(self) -> int:
        """Metres, the plan."""
        return sum(total_cost(t.after) for t in self.titles)

    @property
    def saving(self) -> int:
        return self.cost_before - self.cost_after

    @property
    def holds_reassigned(self) -> int:
        return sum(len(t.reassigned) for t in self.titles)

    @property
    def holds_filled(self) -> int:
        return sum(len(t.filled) for t in self.titles)


class _Planned:
    """One title while it is planned: the holds it serves and the copies it may use."""

    def __init__(self, day: TitleDay, pairs: AllowedPairs, costs: PairCost) -> None:
        self.bib_id = day.bib_id
        self.pairs = pairs
        self.held: list[Assignment] = []
        self.holds: list[OpenHold] = []
        self.copies: list[AvailableCopy] = []
        for hold, copy in day.assigned:
            cost = costs(copy.library, hold.pickup_library)
            if cost is None:
                continue  # the pair was disabled since: the hold keeps its copy, unplanned
            self.held.append(Assignment(hold.hold_id, copy.item_id, cost))
            self.holds.append(hold)
            self.copies.append(copy)
        self.copies.extend(day.free)
        self.waiting = list(day.waiting)
        self.before = list(self.held)
        self.after: list[Assignment] = list(self.held)
        self.fill(day.free)

    def fill(self, free: Sequence[AvailableCopy]) -> bool:
        """The per-hold rule on the waiting holds with ``free``; True if it filled any."""
        filled = greedy_title(self.waiting, free, self.pairs)
        taken = {a.hold_id for a in filled}
        self.holds += [hold for hold in self.waiting if hold.hold_id in taken]
        self.waiting = [hold for hold in self.waiting if hold.hold_id not in taken]
        self.before += filled
        return bool(filled)

    def unused(self) -> list[AvailableCopy]:
        used = {a.item_id for a in self.after}
        return [copy for copy in self.copies if copy.item_id not in used]

    def arcs(self, cancel_transfers: bool) -> list[Assignment]:
        # The per-hold choice's pairs are always allowed, even from a library closed today:
        # they are what would happen without a plan.
        arcs = {(a.hold_id, a.item_id): a for a in self.before}
        for hold in self.holds:
            for copy in self.copies:
                if copy.sent and not cancel_transfers and copy.library == hold.pickup_library:
                    continue
                cost = self.pairs.cost(copy, hold)
                if cost is not None:
                    arcs.setdefault(
                        (hold.hold_id, copy.item_id), Assignment(hold.hold_id, copy.item_id, cost)
                    )
        return list(arcs.values())

    def plan(self) -> TitlePlan:
        return TitlePlan(self.bib_id, tuple(self.held), tuple(self.before), tuple(self.after))


def _problem(titles: Sequence[_Planned], cancel_transfers: bool) -> AssignmentProblem:
    hold_ids: list[str] = []
    item_ids: list[str] = []
    arcs: list[Assignment] = []
    keep: set[tuple[str, str]] = set()
    must_use: set[str] = set()
    for title in titles:
        hold_ids += [hold.hold_id for hold in title.holds]
        item_ids += [copy.item_id for copy in title.copies]
        arcs += title.arcs(cancel_transfers)
        keep |= {(a.hold_id, a.item_id) for a in title.before}
        if not cancel_transfers:
            must_use |= {copy.item_id for copy in title.copies if copy.sent}
    return AssignmentProblem(
        tuple(hold_ids), tuple(item_ids), tuple(arcs), frozenset(keep), frozenset(must_use)
    )


def plan_day(
    titles: Iterable[TitleDay],
    costs: PairCost,
    solver: AssignmentSolver,
    open_sources: Collection[str] | None = None,
    *,
    cancel_transfers: bool = True,
) -> DayPlan:
    """The least-cost copies for the holds the per-hold choice serves, title by title, all
    titles solved as one problem. ``open_sources``: the libraries open on the day whose pull
    lists follow (``None``: all)."""
    pairs = AllowedPairs(costs, open_sources)
    planned = [_Planned(day, pairs, costs) for day in titles]
    pending = [title for title in planned if title.holds]
    while pending:
        problem = _problem(pending, cancel_transfers)
        answer = solver.solve(problem)
        check_complete(problem, answer)
        by_hold = {a.hold_id: a for a in answer}
        for title in pending:
            title.after = [by_hold[hold.hold_id] for hold in title.holds]
        pending = [title for title in pending if title.fill(title.unused())]
    return DayPlan(tuple(title.plan() for title in planned if title.holds))
