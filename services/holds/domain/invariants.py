"""What must hold of a ``Title`` after every event; a breach is a bug, never bad input."""

from __future__ import annotations

from kulkuri.holds.domain.entities import Hold, Item
from kulkuri.holds.domain.model import HoldStatus, ItemStatus
from kulkuri.holds.domain.moves import TitleState

HOLD_STATUSES = frozenset(
    {
        HoldStatus.WAITING,
        HoldStatus.ASSIGNED,
        HoldStatus.IN_TRANSIT,
        HoldStatus.READY,
        HoldStatus.COLLECTED,
        HoldStatus.CANCELLED,
        HoldStatus.EXPIRED,
    }
)
WITH_COPY = {
    # hold status -> where its copy must be
    HoldStatus.ASSIGNED: ItemStatus.ON_SHELF,
    HoldStatus.IN_TRANSIT: ItemStatus.IN_TRANSIT,
    HoldStatus.READY: ItemStatus.ON_HOLD_SHELF,
}


# Copies no hold can be given: on loan, gone, or lost.
_OUT_OF_REACH = frozenset({ItemStatus.CHECKED_OUT, ItemStatus.WITHDRAWN, ItemStatus.MISSING})


def _breach(entity: str, what: str) -> AssertionError:
    return AssertionError(f"invariant broken for {entity!r}: {what}")


def _check_hold(title: TitleState, hold: Hold) -> None:
    if hold.status not in HOLD_STATUSES:
        raise _breach(hold.hold_id, f"status {hold.status} is not an allocation status")
    if hold.item_id is None:
        if hold.status in WITH_COPY:
            raise _breach(hold.hold_id, f"{hold.status} without a copy")
        return
    item = title.items.get(hold.item_id)
    if item is None or item.hold_id != hold.hold_id:
        raise _breach(hold.hold_id, f"copy {hold.item_id!r} is not assigned back to it")
    expected = WITH_COPY.get(hold.status)
    if expected is None or hold.passed_through:
        raise _breach(hold.hold_id, f"{hold.status} yet holds copy {item.item_id!r}")
    if item.status is not expected:
        raise _breach(hold.hold_id, f"{hold.status} but its copy is {item.status}")
    where = item.destination if item.status is ItemStatus.IN_TRANSIT else item.current_library
    if where != hold.pickup_library:
        raise _breach(hold.hold_id, f"its copy is bound for {where}, not {hold.pickup_library}")


def _check_item(title: TitleState, item: Item) -> None:
    if item.hold_id is not None:
        hold = title.holds.get(item.hold_id)
        if hold is None or hold.item_id != item.item_id:
            raise _breach(item.item_id, f"assigned to {item.hold_id!r}, which has another copy")
    travelling = item.status is ItemStatus.IN_TRANSIT
    if travelling != (item.destination is not None and item.transfer_id is not None):
        raise _breach(item.item_id, f"{item.status} with destination {item.destination!r}")
    if item.status is ItemStatus.ON_HOLD_SHELF and item.hold_id is None:
        raise _breach(item.item_id, "on the hold shelf for no hold")
    if item.status in _OUT_OF_REACH and item.hold_id:
        raise _breach(item.item_id, f"{item.status} yet assigned to {item.hold_id!r}")


def check_title(title: TitleState) -> None:
    """Raise AssertionError naming the entity if the title's state is inconsistent: no copy
    assigned to two holds, each hold in an allocation status that matches its copy."""
    for hold in title.holds.values():
        _check_hold(title, hold)
    for item in title.items.values():
        _check_item(title, item)
