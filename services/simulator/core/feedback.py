"""What the simulated patrons and staff learn from the holds service's decisions.

The decisions say where each copy in hand goes (back on the shelf, to the hold shelf, onto
a pull list for a van), which shelf copies staff must fetch for a hold picked up at the same
library, and which holds are ready for their patrons. Decisions about titles this run does
not know are ignored: the topic carries every run's decisions.
"""

from __future__ import annotations

from datetime import datetime

from kulkuri.shared.events.holds import (
    CopyAssigned,
    HoldClosed,
    HoldQueued,
    HoldReadyForPickup,
    HoldsEvent,
    ItemShelved,
    TransferCancelled,
    TransferRequested,
    TransferRetargeted,
)
from kulkuri.simulator.core.crates import CrateBook
from kulkuri.simulator.core.patrons import hold_ready
from kulkuri.simulator.core.scene import Scene
from kulkuri.simulator.core.world import CLOSED, HoldPhase, Where

_IN_HAND = (Where.BIN, Where.HOLD_SHELF, Where.HANDS)


def observe(scene: Scene, crates: CrateBook, event: HoldsEvent, now: datetime) -> None:
    world = scene.world
    data = event.data
    hold_id = getattr(data, "hold_id", None)
    if isinstance(hold_id, str) and hold_id in world.holds:
        world.holds[hold_id].decisions.append(event.TYPE.split(".")[2])
    match event:
        case CopyAssigned(data=d):
            copy = world.copies.get(d.item_id)
            local = d.from_library == d.pickup_library and d.pull_from_shelf
            on_shelf = copy is not None and copy.where is Where.SHELF
            if copy is not None and local and on_shelf and copy.library == d.from_library:
                copy.local_pull, copy.hold_id = True, d.hold_id
                world.local_pulls.setdefault(d.from_library, {})[d.item_id] = None
        case TransferRequested(data=d):
            copy = world.copies.get(d.item_id)
            if copy is not None and copy.where in _IN_HAND and copy.library == d.from_library:
                world.put(copy, Where.HANDS, d.from_library)
        case TransferRetargeted(data=d):
            crates.retarget(d.transfer_id, d.new_destination)
            copy = world.copies.get(d.item_id)
            if copy is not None and copy.transfer_id == d.transfer_id:
                copy.to_library = d.new_destination
        case TransferCancelled(data=d):
            copy = world.copies.get(d.item_id)
            if copy is not None and copy.where is Where.HANDS and copy.library is not None:
                world.put(copy, Where.SHELF, copy.library)
        case ItemShelved(data=d):
            copy = world.copies.get(d.item_id)
            if copy is not None and copy.where in _IN_HAND and copy.library == d.library:
                world.put(copy, Where.SHELF, d.library)
        case HoldReadyForPickup(data=d):
            hold_ready(scene, now, d.hold_id, d.item_id, d.library)
        case HoldClosed(data=d):
            hold = world.holds.get(d.hold_id)
            if hold is not None and hold.phase not in CLOSED:
                hold.phase = HoldPhase(d.outcome)
        case HoldQueued():
            pass  # recorded above: the hold waits, and the decision says why
