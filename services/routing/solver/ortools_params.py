"""Search parameters for the OR-Tools engine, and the engine knobs in ``SolveLimits.extra``.

Knobs (all optional, strings as they come from settings):

- ``first_solution``: one strategy name (e.g. ``PATH_CHEAPEST_ARC``) instead of the ladder;
- ``metaheuristic``: ``GUIDED_LOCAL_SEARCH`` (default), ``TABU_SEARCH``, ...;
- ``solution_limit``: stop after this many solutions. OR-Tools searches deterministically,
  so a run that stops on this limit (before the time limit) gives the same plan every time;
  a run stopped by the clock gives the best plan found by then, which may differ;
- ``log_search``: ``true`` to let OR-Tools log its search (to stderr);
- ``gls_lambda``: guided local search's penalty factor (OR-Tools' default 0.1);
- ``neighbors_ratio`` and ``min_neighbors``: local-search moves only between each node and
  this share (at least this many) of its nearest nodes (OR-Tools' default: all of them);
- ``operators``: local-search operators to switch on (``name``) or off (``-name``),
  comma-separated, by their OR-Tools names without ``use_`` (``cross_exchange,-or_opt``);
- ``hub_legs``: ``hub_nodes`` models the hub end of each leg as a stop at the hub, so a van
  may come back mid-day to unload and reload, whatever its depot; ``at_depot`` (every van
  based at the hub) loads all of a van's deliveries before it leaves and unloads its pickups
  when it is back (the hub's time per crate before and after the route): one trip per van,
  as in Solomon's VRPTW, half the nodes and a much faster search. ``auto`` (default):
  ``at_depot`` where it applies (hub mode, every van based at the hub, a day not yet under
  way) and the day's crates each way fit in the fleet in one trip, else ``hub_nodes`` (a
  van reloads rather than leave crates behind). On the shipped networks' days ``at_depot``
  planned 4-9 % cheaper in the same time (docs/benchmarks.md).
"""

from __future__ import annotations

from typing import Any

from ortools.constraint_solver import pywrapcp, routing_enums_pb2
from ortools.util import optional_boolean_pb2

from kulkuri.routing.domain.errors import RoutingInputError
from kulkuri.routing.domain.problem import Mode, RoutingProblem, SolveLimits
from kulkuri.routing.solver.nodes import in_progress

# Tried in turn until one yields a first solution. Savings first: its plans use fewer vans,
# and guided local search then ended 0.6 % (Solomon) to 3.8 % (Li & Lim) shorter on
# average than from parallel cheapest insertion, and cheaper on Helmet days
# (docs/benchmarks.md). Parallel cheapest insertion copes best with tight windows (path
# cheapest arc found nothing on Solomon R101 in 10 s); the last rung starts from the empty
# plan, which is always feasible since every stop is optional.
LADDER = (
    "SAVINGS",
    "PARALLEL_CHEAPEST_INSERTION",
    "PATH_CHEAPEST_ARC",
    "LOCAL_CHEAPEST_INSERTION",
    "ALL_UNPERFORMED",
)
# On a large graph savings is slow and poor: the national day (1,630 nodes) had its first
# plan after 43 s from savings against 13 s from parallel cheapest insertion, and ended with
# twice the objective. There parallel cheapest insertion goes first.
SAVINGS_MAX_NODES = 500
PORTFOLIO_MAX_SHIPMENTS = 50
KNOBS = frozenset(
    {
        "first_solution",
        "metaheuristic",
        "solution_limit",
        "log_search",
        "hub_legs",
        "gls_lambda",
        "neighbors_ratio",
        "min_neighbors",
        "operators",
    }
)


def strategies(limits: SolveLimits, nodes: int = 0) -> tuple[str, ...]:
    """The first-solution strategies to try, in turn, on a graph of ``nodes`` nodes."""
    chosen = limits.extra.get("first_solution")
    if chosen is None:
        return LADDER if nodes <= SAVINGS_MAX_NODES else LADDER[1:]
    _enum(routing_enums_pb2.FirstSolutionStrategy, chosen)
    return (chosen, "ALL_UNPERFORMED") if chosen != "ALL_UNPERFORMED" else (chosen,)


def hub_legs_at_depot(problem: RoutingProblem, limits: SolveLimits) -> bool:
    choice = limits.extra.get("hub_legs", "auto")
    if choice not in ("auto", "hub_nodes", "at_depot"):
        raise RoutingInputError(f"hub_legs must be auto, hub_nodes or at_depot, got {choice!r}")
    if choice == "hub_nodes":
        return False
    all_at_hub = problem.mode is Mode.HUB and all(v.depot == problem.hub for v in problem.vans)
    if choice == "auto":
        return all_at_hub and not in_progress(problem) and _one_trip_each_way(problem)
    if not all_at_hub:
        raise RoutingInputError("hub_legs=at_depot needs hub mode and every van based at the hub")
    if in_progress(problem):
        raise RoutingInputError(
            "hub_legs=at_depot plans vans that leave the hub with nothing on board; "
            "re-plan a day in progress with hub_nodes"
        )
    return True


def layouts(problem: RoutingProblem, limits: SolveLimits) -> tuple[bool, ...]:
    """The layouts to search, in turn, each with an equal share of the time: anchored
    (one trip per van) or not. Where ``auto`` chooses one trip per van for a day of at most
    ``PORTFOLIO_MAX_SHIPMENTS``, reloading at the hub is tried too: a van back at the hub at
    noon may save a second van (on one Lastu day 627 € against 644 €), and a day this small
    converges in half the time either way."""
    anchored = hub_legs_at_depot(problem, limits)
    small = len(problem.shipments) <= PORTFOLIO_MAX_SHIPMENTS
    if anchored and small and limits.extra.get("hub_legs", "auto") == "auto":
        return (True, False)
    return (anchored,)


def _one_trip_each_way(problem: RoutingProblem) -> bool:
    fleet = sum(v.capacity_crates for v in problem.vans)
    outbound = sum(s.crates for s in problem.shipments if s.origin == problem.hub)
    inbound = sum(s.crates for s in problem.shipments if s.origin != problem.hub)
    return max(outbound, inbound) <= fleet


def search_parameters(strategy: str, limits: SolveLimits, time_limit_s: float) -> Any:
    unknown = set(limits.extra) - KNOBS
    if unknown:
        raise RoutingInputError(f"unknown OR-Tools knobs: {', '.join(sorted(unknown))}")
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = _enum(routing_enums_pb2.FirstSolutionStrategy, strategy)
    params.local_search_metaheuristic = _enum(
        routing_enums_pb2.LocalSearchMetaheuristic,
        limits.extra.get("metaheuristic", "GUIDED_LOCAL_SEARCH"),
    )
    params.time_limit.FromMilliseconds(max(1, round(time_limit_s * 1000)))
    if "solution_limit" in limits.extra:
        params.solution_limit = _positive_int("solution_limit", limits.extra["solution_limit"])
    params.log_search = limits.extra.get("log_search", "false").lower() == "true"
    if "gls_lambda" in limits.extra:
        params.guided_local_search_lambda_coefficient = _fraction(
            "gls_lambda", limits.extra["gls_lambda"]
        )
    if "neighbors_ratio" in limits.extra:
        params.ls_operator_neighbors_ratio = _fraction(
            "neighbors_ratio", limits.extra["neighbors_ratio"]
        )
    if "min_neighbors" in limits.extra:
        params.ls_operator_min_neighbors = _positive_int(
            "min_neighbors", limits.extra["min_neighbors"]
        )
    for name, on in _operators(limits.extra.get("operators", "")):
        setattr(params.local_search_operators, f"use_{name}", _BOOL[on])
    return params


_BOOL = {
    True: optional_boolean_pb2.OptionalBoolean.Value("BOOL_TRUE"),
    False: optional_boolean_pb2.OptionalBoolean.Value("BOOL_FALSE"),
}


def _operators(spec: str) -> list[tuple[str, bool]]:
    fields = pywrapcp.DefaultRoutingSearchParameters().local_search_operators.DESCRIPTOR.fields
    known = {f.name.removeprefix("use_") for f in fields}
    chosen = []
    for item in (i.strip() for i in spec.split(",") if i.strip()):
        name = item.removeprefix("-")
        if name not in known:
            raise RoutingInputError(f"operators: unknown OR-Tools operator {name!r}")
        chosen.append((name, not item.startswith("-")))
    return chosen


def _enum(kind: Any, name: str) -> int:
    try:
        return int(kind.Value.Value(name))
    except ValueError:
        raise RoutingInputError(f"unknown OR-Tools {kind.__name__}: {name!r}") from None


def _fraction(knob: str, value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not 0 < number <= 1:
        raise RoutingInputError(f"{knob} must be a number in (0, 1], got {value!r}")
    return number


def _positive_int(knob: str, value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise RoutingInputError(f"{knob} must be a positive integer, got {value!r}")
    return int(value)
