"""The day's demand as the routing model needs it: shipments of whole crates.

The lane-demand stream counts, per lane (origin -> next stop), copies waiting and crates
packed. Vans carry crates, so a lane's copies not yet packed are counted as the crates they
will fill. In hub mode every leg runs between a library and the hub; a lane that does not
touch the hub (a consortium that changed modes) travels to the hub today and on tomorrow.
A lane naming a place the network does not know, or from a library to itself, is not
planned: it is reported back.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from math import ceil

from kulkuri.routing.domain.problem import Mode, Shipment


@dataclass(frozen=True)
class LaneCrates:
    from_library: str
    to_library: str
    items: int
    crates: int
    priority_crates: int = 0  # of the crates, those carrying copies for holds


@dataclass(frozen=True)
class UnplannableLane:
    lane: LaneCrates
    reason: str  # "unknown_library" or "same_library"


def crates_needed(lane: LaneCrates, crate_capacity: int) -> int:
    """Packed crates, or the crates the waiting copies will fill, whichever is more."""
    return max(lane.crates, ceil(lane.items / crate_capacity))


def shipments_for(
    lanes: Iterable[LaneCrates],
    *,
    mode: Mode,
    hub: str | None,
    known: Collection[str],
    crate_capacity: int,
    most_per_shipment: int | None = None,
) -> tuple[tuple[Shipment, ...], tuple[UnplannableLane, ...]]:
    """One shipment per lane (two when priority and other crates share a lane), split into
    shipments of at most ``most_per_shipment`` crates (the largest van) so that a lane
    with more crates than a van holds can share several vans."""
    if mode is Mode.HUB and hub is None:
        raise ValueError("hub mode needs a hub")
    refused: list[UnplannableLane] = []
    # (origin, destination) -> [priority crates, other crates]: lanes redirected to the hub
    # join the lane that already runs there.
    legs: dict[tuple[str, str], list[int]] = {}
    for lane in lanes:
        if lane.from_library not in known or lane.to_library not in known:
            refused.append(UnplannableLane(lane, "unknown_library"))
            continue
        if lane.from_library == lane.to_library:
            # Copies packed for the library they are at: no van carries them anywhere (and
            # a shipment from a place to itself would make the whole day unplannable).
            refused.append(UnplannableLane(lane, "same_library"))
            continue
        crates = crates_needed(lane, crate_capacity)
        if crates == 0:
            continue
        origin, destination = lane.from_library, lane.to_library
        if mode is Mode.HUB and hub not in (origin, destination):
            assert hub is not None
            destination = hub
        priority = min(lane.priority_crates, crates)
        counts = legs.setdefault((origin, destination), [0, 0])
        counts[0] += priority
        counts[1] += crates - priority
    shipments: list[Shipment] = []
    for (origin, destination), (priority, other) in sorted(legs.items()):
        name = f"{origin}>{destination}"
        chunk = most_per_shipment or max(priority, other)
        for first, count, is_priority in (
            *_parts(f"{name}:p", priority, chunk, True),
            *_parts(name, other, chunk, False),
        ):
            shipments.append(Shipment(first, origin, destination, count, priority=is_priority))
    return tuple(shipments), tuple(refused)


def _parts(name: str, crates: int, chunk: int, priority: bool) -> list[tuple[str, int, bool]]:
    """``name`` for one part; ``name#2``... for the second and later parts."""
    counts = [min(chunk, crates - start) for start in range(0, crates, chunk)]
    return [
        (name if n == 1 else f"{name}#{n}", count, priority)
        for n, count in enumerate(counts, start=1)
    ]
