"""What every routing engine offers: ``Solver.solve(problem, limits, progress) -> RoutePlan``.

A solver always returns a plan: when nothing better is found, the plan drops shipments (each
with a reason) rather than failing. Only an inconsistent problem raises
(``RoutingInputError``), or a constraint the engine cannot express
(``UnsupportedConstraintError``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from kulkuri.routing.domain.plan import RoutePlan
from kulkuri.routing.domain.problem import RoutingProblem, SolveLimits


@dataclass(frozen=True)
class Progress:
    """One improving solution during a search."""

    solutions: int  # improving solutions seen so far, this one included
    objective: int  # euro cents, penalties of dropped shipments included
    elapsed_s: float


ProgressCallback = Callable[[Progress], None]


class Solver(Protocol):
    name: str

    def solve(
        self,
        problem: RoutingProblem,
        limits: SolveLimits,
        progress: ProgressCallback | None = None,
    ) -> RoutePlan: ...
