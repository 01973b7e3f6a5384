"""The figures a policy's ledger gives without the vans: items moved (and what for), holds
filled, the days from a hold placed to its copy on the pickup shelf, and what the nightly
re-assignment saved."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from kulkuri.outcomes.domain.ledger import Ledger


@dataclass(frozen=True)
class HoldFigures:
    holds_placed: int
    holds_filled: int  # on the pickup shelf by the end of the run
    items_moved: int  # transfers packed (a copy moved twice counts twice)
    median_days: float | None  # hold placed to on the pickup shelf, filled holds
    p90_days: float | None
    unfilled_after: int  # of the holds placed at least ``after_days`` before the end
    eligible: int  # those holds
    after_days: int
    moved_for: Mapping[str, int] = field(default_factory=dict)  # items moved per reason

    @property
    def items_per_hold_filled(self) -> float | None:
        return None if not self.holds_filled else self.items_moved / self.holds_filled


def nearest_rank(values: Sequence[int], share: float) -> float | None:
    """The nearest-rank percentile: the smallest value with at least ``share`` at or below."""
    if not values:
        return None
    ordered = sorted(values)
    return float(ordered[max(0, math.ceil(share * len(ordered)) - 1)])


def median(values: Sequence[int]) -> float | None:
    if not values:
        return None
    ordered, half = sorted(values), len(values) // 2
    if len(ordered) % 2:
        return float(ordered[half])
    return (ordered[half - 1] + ordered[half]) / 2


def hold_figures(ledger: Ledger, days: int, after_days: int = 7) -> HoldFigures:
    waits = [ledger.ready[h] - placed for h, placed in ledger.placed.items() if h in ledger.ready]
    # A hold placed on day d has had its N days when day d + N is over, inside the run.
    eligible = [h for h, placed in ledger.placed.items() if placed + after_days <= days - 1]
    unfilled = [
        h
        for h in eligible
        if h not in ledger.ready or ledger.ready[h] - ledger.placed[h] > after_days
    ]
    return HoldFigures(
        holds_placed=len(ledger.placed),
        holds_filled=len(waits),
        items_moved=len(ledger.transfers),
        median_days=median(waits),
        p90_days=nearest_rank(waits, 0.9),
        unfilled_after=len(unfilled),
        eligible=len(eligible),
        after_days=after_days,
        moved_for=dict(Counter(t.reason for t in ledger.transfers)),
    )


@dataclass(frozen=True)
class ReassignmentFigures:
    """The nightly plans of a run, summed: metres of the per-hold choice and of the plan,
    holds given another copy (or a copy, when waiting), transfers called off."""

    cost_before: int
    cost_after: int
    holds_reassigned: int
    holds_filled: int
    transfers_called_off: int


def reassignment_figures(ledger: Ledger) -> ReassignmentFigures | None:
    """None for a policy that plans nothing at night."""
    if not ledger.plans:
        return None
    return ReassignmentFigures(
        cost_before=sum(p.cost_before for p in ledger.plans),
        cost_after=sum(p.cost_after for p in ledger.plans),
        holds_reassigned=sum(p.holds_reassigned for p in ledger.plans),
        holds_filled=sum(p.holds_filled for p in ledger.plans),
        transfers_called_off=len(ledger.called_off),
    )
