"""Checks before any engine runs: refuse inconsistent problems, set aside impossible shipments.

``validate`` raises ``RoutingInputError`` naming the first thing wrong. ``screen`` splits
the shipments into those an engine should try and those no van can serve today, each with
its reason; ``drop_reason`` gives the best-effort reason for a shipment an engine left out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from kulkuri.routing.domain.errors import RoutingInputError
from kulkuri.routing.domain.plan import DroppedShipment
from kulkuri.routing.domain.problem import Mode, Place, RoutingProblem, Shipment, TimeWindow, Van

CLOSED = "closed"
NO_CAPACITY = "no_capacity"
UNREACHABLE = "unreachable_in_time"
NOT_SERVED = "not_served"


def validate(problem: RoutingProblem) -> None:
    """Raise ``RoutingInputError`` if the problem is inconsistent."""
    _unique("place", (p.place_id for p in problem.places))
    _unique("van", (v.van_id for v in problem.vans))
    _unique("shipment", (s.shipment_id for s in problem.shipments))
    if problem.matrix.size != len(problem.places):
        raise RoutingInputError(
            f"matrix is {problem.matrix.size}x{problem.matrix.size} "
            f"but there are {len(problem.places)} places"
        )
    for position, place in enumerate(problem.places):
        if place.index != position:
            raise RoutingInputError(
                f"place {place.place_id!r} has index {place.index}, expected {position}"
            )
    if any(x < 0 for row in (*problem.matrix.distance_m, *problem.matrix.duration_s) for x in row):
        raise RoutingInputError("matrix has a negative distance or duration")
    ids = {p.place_id for p in problem.places}
    for van in problem.vans:
        _check_van(van, ids)
    if problem.mode is Mode.HUB and problem.hub not in ids:
        raise RoutingInputError(f"hub mode needs a known hub place, got {problem.hub!r}")
    for shipment in problem.shipments:
        _check_shipment(problem, shipment, ids)
    _check_on_board(problem)


def _unique(kind: str, ids: Iterable[str]) -> None:
    repeated = sorted(i for i, n in Counter(ids).items() if n > 1)
    if repeated:
        raise RoutingInputError(f"{kind} ids repeated: {', '.join(repeated)}")


def _check_van(van: Van, ids: set[str]) -> None:
    if van.depot not in ids:
        raise RoutingInputError(f"van {van.van_id!r}: unknown depot {van.depot!r}")
    if van.capacity_crates < 0:
        raise RoutingInputError(f"van {van.van_id!r}: negative capacity")
    if not 0 <= van.shift_start_s <= van.shift_end_s:
        raise RoutingInputError(f"van {van.van_id!r}: shift must start before it ends")
    if min(van.cost_per_km, van.cost_per_hour, van.fixed_cost) < 0:
        raise RoutingInputError(f"van {van.van_id!r}: negative cost")
    if van.start_place is not None and van.start_place not in ids:
        raise RoutingInputError(f"van {van.van_id!r}: unknown start place {van.start_place!r}")
    if van.available_from_s is not None and not 0 <= van.available_from_s <= van.shift_end_s:
        raise RoutingInputError(
            f"van {van.van_id!r}: available from {van.available_from_s} s, "
            f"outside its shift (ends at {van.shift_end_s} s)"
        )


def _check_on_board(problem: RoutingProblem) -> None:
    """Crates already on a van name a van of the problem, and fit in it."""
    on_board: Counter[str] = Counter()
    for s in problem.shipments:
        if s.on_van is not None:
            on_board[s.on_van] += s.crates
    vans = {v.van_id: v for v in problem.vans}
    for van_id, crates in sorted(on_board.items()):
        van = vans.get(van_id)
        if van is None:
            names = ", ".join(s.shipment_id for s in problem.shipments if s.on_van == van_id)
            raise RoutingInputError(f"shipments {names} are on unknown van {van_id!r}")
        if crates > van.capacity_crates:
            raise RoutingInputError(
                f"van {van_id!r}: {crates} crates on board, more than its capacity "
                f"{van.capacity_crates}"
            )


def _check_shipment(problem: RoutingProblem, s: Shipment, ids: set[str]) -> None:
    for end in (s.origin, s.destination):
        if end not in ids:
            raise RoutingInputError(f"shipment {s.shipment_id!r}: unknown place {end!r}")
    if s.origin == s.destination:
        raise RoutingInputError(f"shipment {s.shipment_id!r}: origin is its destination")
    if s.crates < 1:
        raise RoutingInputError(f"shipment {s.shipment_id!r}: crates must be at least 1")
    if problem.mode is Mode.HUB and problem.hub not in (s.origin, s.destination):
        raise RoutingInputError(
            f"shipment {s.shipment_id!r}: in hub mode one end must be the hub {problem.hub!r}"
        )


def screen(problem: RoutingProblem) -> tuple[tuple[Shipment, ...], tuple[DroppedShipment, ...]]:
    """The shipments worth giving to an engine, and those no van can serve today."""
    kept: list[Shipment] = []
    dropped: list[DroppedShipment] = []
    for shipment in problem.shipments:
        reason = _impossible(problem, shipment)
        if reason is None:
            kept.append(shipment)
        else:
            dropped.append(DroppedShipment(shipment.shipment_id, reason))
    return tuple(kept), tuple(dropped)


def drop_reason(problem: RoutingProblem, shipment: Shipment) -> str:
    """Why an engine may have left ``shipment`` out (best effort)."""
    return _impossible(problem, shipment) or NOT_SERVED


def _impossible(problem: RoutingProblem, s: Shipment) -> str | None:
    origin, destination = problem.place(s.origin), problem.place(s.destination)
    if not destination.open_today or (s.on_van is None and not origin.open_today):
        return CLOSED
    vans = [v for v in problem.vans if s.on_van in (None, v.van_id)]
    if s.crates > max((v.capacity_crates for v in vans), default=0):
        return NO_CAPACITY
    if not any(_fits_alone(problem, v, s) for v in vans if v.capacity_crates >= s.crates):
        return UNREACHABLE
    return None


def _fits_alone(problem: RoutingProblem, van: Van, s: Shipment) -> bool:
    """Can ``van`` serve ``s`` on a route of its own: from where it starts, to the origin
    (unless the crates are on board already), the destination, and back to its depot?"""
    duration = problem.matrix.duration_s
    depot = problem.place(van.depot)
    t: int | None = van.leaves_from_s
    here = problem.place(van.starts_at)
    ends = (s.destination,) if s.on_van is not None else (s.origin, s.destination)
    for place in (problem.place(end) for end in ends):
        assert t is not None
        t = earliest_start(place, t + duration[here.index][place.index])
        if t is None:
            return False
        t += place.service_fixed_s + place.service_per_crate_s * s.crates
        here = place
    assert t is not None
    return t + duration[here.index][depot.index] <= van.shift_end_s


def earliest_start(place: Place, t: int) -> int | None:
    """The earliest time at or after ``t`` when service may start at ``place``."""
    if not place.windows:
        return t if place.is_depot else None
    for window in merged_windows(place.windows):
        if t <= window.end_s:
            return max(t, window.start_s)
    return None


def merged_windows(windows: Iterable[TimeWindow]) -> tuple[TimeWindow, ...]:
    """Windows sorted by start, overlapping or touching ones joined."""
    merged: list[TimeWindow] = []
    for w in sorted(windows, key=lambda w: (w.start_s, w.end_s)):
        if merged and w.start_s <= merged[-1].end_s + 1:
            last = merged.pop()
            w = TimeWindow(last.start_s, max(last.end_s, w.end_s))
        merged.append(w)
    return tuple(merged)
