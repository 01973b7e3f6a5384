"""How a copy travels: straight to its destination, or via the consortium's sorting hub.

A consortium has at most one sorting hub (a library id). Without one, every van leg goes
straight to the destination. With one, every copy goes to the hub first and from there to its
destination; ``PackingMode`` says what happens to the crates on the way:

- ``by_destination``: a library packs a crate per final destination and the crate is carried
  whole: unloaded at the hub and loaded again onto the van to its destination.
- ``by_hub``: a library packs everything for the hub into mixed crates; the hub empties them
  and packs the copies again, one crate per destination.

Either way the copy's next stop is the same (the hub, then the destination); the mode decides
which copies share a crate (``crate_destination``).
"""

from __future__ import annotations

from enum import StrEnum


class PackingMode(StrEnum):
    BY_DESTINATION = "by_destination"  # crates per destination, carried whole via the hub
    BY_HUB = "by_hub"  # mixed crates to the hub, repacked there


def next_stop(location: str, to_library: str, hub: str | None, packing: PackingMode) -> str:
    """The library the copy's next van leg goes to, from ``location``.

    ``packing`` does not change the stop (see the module docstring); it is taken so that one
    call describes the leg the same way ``crate_destination`` does.
    """
    PackingMode(packing)  # a misspelt mode fails here, not later in the packing plan
    if hub is None or location == hub:
        return to_library
    return hub


def crate_destination(
    to_library: str, stop: str, hub: str | None, packing: PackingMode
) -> str | None:
    """The final destination of the crate the copy is packed into for a leg to ``stop``.

    None means a mixed crate for the hub (``by_hub``): it holds copies for several
    destinations, the hub's own among them, and the hub empties it.
    """
    if PackingMode(packing) is PackingMode.BY_HUB and hub is not None and stop == hub:
        return None
    return to_library
