"""Where a returned copy of a rebalance collection should go, if anywhere.

The ``Title`` asks a ``RebalanceAdvisor`` when a rebalance copy comes back with no hold
waiting for it; with no advisor such copies float. ``rebalance_destination`` is the rule a
demand-based advisor applies; counting the demand over ``RebalanceSettings.window_days`` is
left to the caller (the handler layer reads it from circulation history).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Protocol

from kulkuri.holds.domain.consortium import RebalanceSettings, TransportCosts

DEFAULT_METRES_PER_LOAN = 10_000
"""How much van travel one more loan over the window is worth: an assumption to tune per
consortium, not a measured value."""


class RebalanceAdvisor(Protocol):
    def suggest(
        self, bib_id: str, item_id: str, library: str, copies: Mapping[str, int]
    ) -> str | None:
        """A library to send the copy to from ``library``, or None to leave it there.

        ``copies``: the title's copies on the shelf per library, this one counted at
        ``library``.
        """
        ...


def rebalance_destination(
    here: str,
    demand: Mapping[str, int],
    copies: Mapping[str, int],
    costs: TransportCosts,
    min_gain: int,
    metres_per_loan: int = DEFAULT_METRES_PER_LOAN,
) -> str | None:
    """The library where the title's demand per copy is highest, if moving one copy pays.

    ``demand``: holds and loans of the title per library over the window. Demand per copy
    elsewhere counts the copy as arrived (``demand / (copies + 1)``); here it counts the copy
    as present. The gain is the difference, in loans per copy over the window. The copy moves
    only when the gain is at least ``min_gain`` and, valued at ``metres_per_loan``, beats the
    transport cost. Equal demand goes to the cheaper trip, then to the lower library id.
    """
    here_per_copy = Fraction(demand.get(here, 0), max(copies.get(here, 0), 1))
    best: tuple[tuple[Fraction, int, str], str, int] | None = None
    for library, wanted in demand.items():
        if library == here or wanted <= 0:
            continue
        cost = costs.cost(here, library)
        if cost is None:
            continue
        per_copy = Fraction(wanted, copies.get(library, 0) + 1)
        key = (-per_copy, cost, library)
        if best is None or key < best[0]:
            best = (key, library, cost)
    if best is None:
        return None
    (neg_per_copy, _, _), library, cost = best
    gain = -neg_per_copy - here_per_copy
    if gain < min_gain or gain * metres_per_loan <= cost:
        return None
    return library


@dataclass(frozen=True)
class DemandAdvisor:
    """A ``RebalanceAdvisor`` over demand counts gathered for the window."""

    demand: Mapping[str, Mapping[str, int]]  # bib_id -> library -> holds and loans
    costs: TransportCosts
    settings: RebalanceSettings
    metres_per_loan: int = DEFAULT_METRES_PER_LOAN

    def suggest(
        self, bib_id: str, item_id: str, library: str, copies: Mapping[str, int]
    ) -> str | None:
        return rebalance_destination(
            library,
            self.demand.get(bib_id, {}),
            copies,
            self.costs,
            self.settings.min_gain,
            self.metres_per_loan,
        )
