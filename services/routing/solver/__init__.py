"""The routing solver: a ``RoutingProblem`` in, a ``RoutePlan`` out.

``OrToolsSolver`` is the default engine; ``PyVrpSolver`` (the ``bench`` extra) is the
second, for the problems it can express. ``solver_named`` picks one by name
(``ROUTING_ENGINE``). Only this package imports OR-Tools and PyVRP.
"""

from kulkuri.routing.domain.errors import RoutingInputError, UnsupportedConstraintError
from kulkuri.routing.solver.interface import Progress, ProgressCallback, Solver
from kulkuri.routing.solver.ortools_solver import OrToolsSolver
from kulkuri.routing.solver.pyvrp_engine import PyVrpSolver

ENGINES = ("ortools", "pyvrp")


def solver_named(name: str = "ortools") -> Solver:
    """The engine called ``name``; PyVRP is only imported when its plan is asked for."""
    if name == "ortools":
        return OrToolsSolver()
    if name == "pyvrp":
        return PyVrpSolver()
    raise ValueError(f"unknown routing engine {name!r}; expected one of {', '.join(ENGINES)}")


__all__ = [
    "ENGINES",
    "OrToolsSolver",
    "Progress",
    "ProgressCallback",
    "PyVrpSolver",
    "RoutingInputError",
    "Solver",
    "UnsupportedConstraintError",
    "solver_named",
]
