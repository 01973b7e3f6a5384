"""Solomon VRPTW and Li & Lim PDPTW instances as routing problems, and gaps to best-known.

Used by ``kulkuri routing bench`` and ``bench/routing_solomon.py``. The instances and their
best-known solutions (BKS) are not shipped with kulkuri: they are read from
``../shared/data/vrp`` beside the repository (``KULKURI_VRP_DATA`` overrides), see its
README for provenance and conventions. :func:`data_dir` returns ``None`` when absent.

How an instance becomes a ``RoutingProblem``:

- every customer (Li & Lim: every pickup and every delivery node) is a ``Place``; node 0 is
  the depot, where every van starts and ends; its due date is the vans' shift end;
- coordinates are plain x, y; the travel matrix is the Euclidean distance times
  :data:`SCALE` (1000): rounded to the nearest unit for distance (the cost), rounded *up*
  for duration (travel time = distance), so a plan feasible in integers is feasible in
  exact arithmetic; windows and service times are multiplied by :data:`SCALE`;
- the objective is distance only: no cost per hour, no fixed cost per van, and one integer
  cost unit per scaled distance unit *as each engine sees it*: OR-Tools gets 1 cent per
  unit (``cost_per_km = 10``); the PyVRP engine multiplies cents by 1000 internally, so it
  gets 0.001 cent per unit (``cost_per_km = 0.01``), which it sees as 1. At 1000 per unit
  PyVRP's penalties for excess load and time warp hit their bound and it found no
  feasible plan for several C1 instances in 10 s. Dropping a customer costs far more than
  any route (:data:`DROP_PENALTY` per unit of demand, in the same units);
- Solomon: hub mode, the depot is the hub, one shipment hub -> customer per customer
  (crates = demand), solved with ``hub_legs=at_depot`` (one trip per van, no reloading);
- Li & Lim: direct mode, one shipment per pickup-and-delivery pair.

Gaps are computed on the *exact* Euclidean length of the routes found (the plan's stop
order), never on the scaled integers, and :func:`check_routes` re-checks every route in
exact arithmetic (each customer once, windows, capacity, pickup before delivery).
"""

from __future__ import annotations

import csv
import itertools
import math
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from kulkuri.routing.domain.plan import RoutePlan
from kulkuri.routing.domain.problem import (
    Matrix,
    Mode,
    Place,
    RoutingProblem,
    Shipment,
    SolveLimits,
    TimeWindow,
    Van,
)
from kulkuri.routing.solver.interface import Solver

SCALE = 1000  # solver units per instance unit (distance, time)
DROP_PENALTY = 10**9  # cents per unit of demand left out: more than any set of routes
COST_UNIT = {"ortools": 1.0, "pyvrp": 0.001}  # cents per scaled distance unit
EPS = 1e-6
DEPOT = "0"
SETS = ("solomon", "lilim")
BKS_COLUMN = {"solomon": "distance_distance_only", "lilim": "distance"}
BKS_CONVENTION = {
    "solomon": "distance-only BKS (any number of vehicles), exact Euclidean, 2 decimals",
    "lilim": "hierarchical BKS (fewest vehicles, then distance), exact Euclidean, 4 decimals",
}


@dataclass(frozen=True)
class Customer:
    """One line of an instance file; ``pickup``/``delivery``: the partner (Li & Lim), or 0."""

    number: int
    x: float
    y: float
    demand: int
    ready: int
    due: int
    service: int
    pickup: int = 0
    delivery: int = 0


@dataclass(frozen=True)
class VrpInstance:
    name: str
    kind: str  # "solomon" or "lilim"
    vehicles: int
    capacity: int
    nodes: tuple[Customer, ...]  # nodes[0] is the depot; nodes[i].number == i

    @property
    def family(self) -> str:
        """C1, R2, RC1 (Solomon) or lc1, lr2, lrc1 (Li & Lim)."""
        letters = self.name.rstrip("0123456789")
        return letters + self.name[len(letters) : len(letters) + 1]

    def distance(self, a: int, b: int) -> float:
        na, nb = self.nodes[a], self.nodes[b]
        return math.hypot(na.x - nb.x, na.y - nb.y)


# -- reading --------------------------------------------------------------------------------


def data_dir() -> Path | None:
    """``$KULKURI_VRP_DATA``, else ``shared/data/vrp`` beside the repository (seen from the
    working directory or from this source tree); None if absent."""
    env = os.environ.get("KULKURI_VRP_DATA")
    beside = Path("shared") / "data" / "vrp"
    candidates = (
        [Path(env)]
        if env
        else [Path.cwd().parent / beside, Path(__file__).resolve().parents[4] / beside]
    )
    for path in candidates:
        if (path / "solomon").is_dir() and (path / "lilim").is_dir():
            return path
    return None


def parse_solomon(text: str, name: str = "") -> VrpInstance:
    """The standard Solomon text format: name, VEHICLE NUMBER CAPACITY, CUSTOMER table."""
    lines = [line.split() for line in text.splitlines()]
    rows = [r for r in lines if r and all(_is_number(c) for c in r)]
    vehicles, capacity = (int(v) for v in rows[0])
    nodes = tuple(
        Customer(int(r[0]), float(r[1]), float(r[2]), int(r[3]), int(r[4]), int(r[5]), int(r[6]))
        for r in rows[1:]
    )
    title = next((r[0] for r in lines if r), "")
    return _checked(VrpInstance(name or title, "solomon", vehicles, capacity, nodes))


def parse_lilim(text: str, name: str) -> VrpInstance:
    """Li & Lim: ``K Q S``, then ``id x y demand ready due service pickup delivery`` lines
    (a pickup has demand > 0 and names its delivery; a delivery names its pickup)."""
    rows = [line.split() for line in text.splitlines() if line.strip()]
    vehicles, capacity = int(rows[0][0]), int(rows[0][1])
    nodes = tuple(
        Customer(int(r[0]), float(r[1]), float(r[2]), *(int(v) for v in r[3:9])) for r in rows[1:]
    )
    return _checked(VrpInstance(name, "lilim", vehicles, capacity, nodes))


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _checked(instance: VrpInstance) -> VrpInstance:
    if any(n.number != i for i, n in enumerate(instance.nodes)):
        raise ValueError(f"{instance.name}: nodes must be numbered 0, 1, 2, ... in order")
    return instance


def load_instance(path: Path) -> VrpInstance:
    text = path.read_text(encoding="utf-8")
    if path.parent.name == "lilim":
        return parse_lilim(text, path.stem)
    return parse_solomon(text, path.stem)


def instance_paths(root: Path, kind: str) -> list[Path]:
    return sorted((root / kind).glob("*.txt"), key=lambda p: p.stem.lower())


def read_bks(path: Path, column: str) -> dict[str, float]:
    """``instance -> value`` of one column of a ``bks.csv``."""
    with path.open(encoding="utf-8", newline="") as f:
        return {row["instance"]: float(row[column]) for row in csv.DictReader(f)}


# -- as a routing problem -------------------------------------------------------------------


def to_problem(instance: VrpInstance, engine: str = "ortools") -> RoutingProblem:
    """The instance in kulkuri's terms for ``engine`` (see the module docstring)."""
    n = len(instance.nodes)
    per_unit = COST_UNIT[engine]
    distance = tuple(
        tuple(round(instance.distance(a, b) * SCALE) for b in range(n)) for a in range(n)
    )
    duration = tuple(
        tuple(math.ceil(instance.distance(a, b) * SCALE - EPS) for b in range(n)) for a in range(n)
    )
    places = tuple(
        Place(
            place_id=str(c.number),
            name=f"{instance.name}:{c.number}",
            lat=c.y,
            lon=c.x,
            index=c.number,
            windows=() if c.number == 0 else (TimeWindow(c.ready * SCALE, c.due * SCALE),),
            service_fixed_s=c.service * SCALE,
            service_per_crate_s=0,
            is_depot=c.number == 0,
        )
        for c in instance.nodes
    )
    depot = instance.nodes[0]
    vans = tuple(
        Van(
            van_id=f"v{k + 1:02d}",
            depot=DEPOT,
            capacity_crates=instance.capacity,
            shift_start_s=depot.ready * SCALE,
            shift_end_s=depot.due * SCALE,
            cost_per_km=10.0 * per_unit,
            cost_per_hour=0.0,
            fixed_cost=0.0,
        )
        for k in range(instance.vehicles)
    )
    if instance.kind == "solomon":
        mode, hub = Mode.HUB, DEPOT
        shipments = tuple(
            Shipment(f"c{c.number}", DEPOT, str(c.number), c.demand) for c in instance.nodes[1:]
        )
    else:
        mode, hub = Mode.DIRECT, None
        shipments = tuple(
            Shipment(f"p{c.number}-d{c.delivery}", str(c.number), str(c.delivery), c.demand)
            for c in instance.nodes[1:]
            if c.delivery
        )
    return RoutingProblem(
        day=date(2026, 1, 1),
        mode=mode,
        places=places,
        vans=vans,
        shipments=shipments,
        matrix=Matrix(distance, duration),
        hub=hub,
        drop_penalty=round(DROP_PENALTY * per_unit),
        priority_drop_penalty=round(DROP_PENALTY * per_unit),
        name=instance.name,
    )


def limits_for(
    instance: VrpInstance, engine: str, time_limit_s: float, knobs: dict[str, str] | None = None
) -> SolveLimits:
    """Solomon with OR-Tools: ``hub_legs=at_depot`` (one trip per van, as Solomon requires)."""
    extra = dict(knobs or {}) if engine == "ortools" else {}
    if engine == "ortools" and instance.kind == "solomon":
        extra.setdefault("hub_legs", "at_depot")
    return SolveLimits(time_limit_s=time_limit_s, extra=extra)


# -- measuring a plan -----------------------------------------------------------------------


def route_orders(plan: RoutePlan) -> list[list[int]]:
    """Per used van, the node numbers visited in order (depot left out)."""
    orders = []
    for route in plan.routes:
        visits = [int(stop.place_id) for stop in route.stops if stop.place_id != DEPOT]
        if visits:
            orders.append(visits)
    return orders


def route_length(instance: VrpInstance, routes: Sequence[Sequence[int]]) -> float:
    """The exact Euclidean length of the routes, each from and back to the depot."""
    total = 0.0
    for route in routes:
        path = [0, *route, 0]
        total += sum(instance.distance(a, b) for a, b in itertools.pairwise(path))
    return total


def check_routes(instance: VrpInstance, routes: Sequence[Sequence[int]]) -> list[str]:
    """What is wrong with the routes in exact arithmetic (empty: a feasible solution)."""
    problems: list[str] = []
    seen = [n for route in routes for n in route]
    missing = sorted(set(range(1, len(instance.nodes))) - set(seen))
    if missing:
        problems.append(f"{len(missing)} customers not visited, e.g. {missing[:5]}")
    if len(seen) != len(set(seen)):
        problems.append("a customer is visited twice")
    if len(routes) > instance.vehicles:
        problems.append(f"{len(routes)} routes for {instance.vehicles} vehicles")
    depot = instance.nodes[0]
    for k, route in enumerate(routes):
        t, here, done = float(depot.ready), 0, set()
        # Solomon: everything is loaded at the depot; Li & Lim: load rises and falls.
        solomon = instance.kind == "solomon"
        load = peak = sum(instance.nodes[n].demand for n in route) if solomon else 0
        for n in route:
            node = instance.nodes[n]
            t = max(t + instance.distance(here, n), node.ready)
            if t > node.due + EPS:
                problems.append(f"route {k}: node {n} served at {t:.3f} after {node.due}")
            if node.pickup and node.pickup not in done:
                problems.append(f"route {k}: node {n} delivered before its pickup")
            if not solomon:
                load += node.demand
                peak = max(peak, load)
            t, here = t + node.service, n
            done.add(n)
        if t + instance.distance(here, 0) > depot.due + EPS:
            problems.append(f"route {k}: back at the depot after {depot.due}")
        if peak > instance.capacity:
            problems.append(f"route {k}: load {peak} over capacity {instance.capacity}")
    return problems


def gap_pct(length: float, bks: float) -> float:
    """How much longer than the best-known solution, in per cent (negative: better)."""
    return 100.0 * (length - bks) / bks


@dataclass(frozen=True)
class Measured:
    """One engine's plan of one instance, measured exactly."""

    instance: VrpInstance
    engine: str
    knobs: dict[str, str]
    routes: int
    length: float  # exact Euclidean
    scaled_length: float  # as the solver counted it
    dropped: int
    problems: list[str]
    strategy: str
    wall_s: float

    @property
    def feasible(self) -> bool:
        return not self.dropped and not self.problems


def solve_instance(
    solver: Solver, instance: VrpInstance, time_limit_s: float, knobs: dict[str, str]
) -> Measured:
    limits = limits_for(instance, solver.name, time_limit_s, knobs)
    started = time.perf_counter()
    plan = solver.solve(to_problem(instance, solver.name), limits)
    wall = time.perf_counter() - started
    routes = route_orders(plan)
    return Measured(
        instance=instance,
        engine=solver.name,
        knobs=dict(limits.extra),
        routes=len(routes),
        length=route_length(instance, routes),
        scaled_length=plan.distance_m / SCALE,
        dropped=len(plan.dropped),
        problems=check_routes(instance, routes),
        strategy=plan.stats.strategy if plan.stats else "",
        wall_s=wall,
    )
