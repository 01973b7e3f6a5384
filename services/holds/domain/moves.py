"""The moves a ``Title`` makes once an event has been validated: assign, send, trap, shelve.

``TitleState`` holds a title's copies, holds and recorded decisions; the ``Title`` aggregate
(``title.py``) adds the public commands, which check their input and then call these moves.
The moves never fail on valid state, so a command either is rejected untouched or completes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import date, datetime

from kulkuri.holds.domain.consortium import CollectionPolicy, Consortium
from kulkuri.holds.domain.decisions import (
    Anomaly,
    CopyAssigned,
    Decision,
    HoldClosed,
    HoldOutcome,
    HoldQueued,
    HoldReadyForPickup,
    ItemShelved,
    TransferCancelled,
    TransferReason,
    TransferRequested,
    TransferRetargeted,
)
from kulkuri.holds.domain.entities import Hold, Item
from kulkuri.holds.domain.errors import UnknownHold, UnknownItem
from kulkuri.holds.domain.model import HoldStatus, ItemStatus
from kulkuri.holds.domain.rebalance import RebalanceAdvisor
from kulkuri.holds.domain.selection import (
    can_send,
    choose_copy,
    is_available,
    is_queued,
    queue_order,
)


def event_day(at: datetime, today: date | None) -> date:
    """The consortium's local date of an event, when given; else the date of ``at``."""
    return at.date() if today is None else today


class TitleState:
    def __init__(self, bib_id: str) -> None:
        self.bib_id = bib_id
        self.items: dict[str, Item] = {}
        self.holds: dict[str, Hold] = {}
        self.decisions: list[Decision] = []

    def item(self, item_id: str) -> Item:
        try:
            return self.items[item_id]
        except KeyError:
            raise UnknownItem(item_id, self.bib_id) from None

    def hold(self, hold_id: str) -> Hold:
        try:
            return self.holds[hold_id]
        except KeyError:
            raise UnknownHold(hold_id, self.bib_id) from None

    # -- filling holds -------------------------------------------------------------------

    def _allocate(self, consortium: Consortium, hold: Hold, at: datetime, today: date) -> None:
        """Give a waiting hold the best available copy, or queue it."""
        copy = choose_copy(self.items.values(), hold.pickup_library, consortium, today)
        if copy is not None:
            self._assign(copy, hold, at, in_hand=False)
            return
        # Its place among the waiting holds in placement order (counted: no sort needed).
        mark = (hold.placed_at, hold.hold_id)
        position = 1 + sum(
            1
            for other in self.holds.values()
            if other is not hold and is_queued(other) and (other.placed_at, other.hold_id) < mark
        )
        self.decisions.append(HoldQueued(hold.hold_id, self.bib_id, position))

    def _assign(self, item: Item, hold: Hold, at: datetime, *, in_hand: bool) -> None:
        """``in_hand``: just checked in or received, so it need not be pulled from a shelf."""
        source, pickup = item.current_library, hold.pickup_library
        item.hold_id, hold.item_id = hold.hold_id, item.item_id
        self.decisions.append(
            CopyAssigned(hold.hold_id, self.bib_id, item.item_id, source, pickup, not in_hand)
        )
        if source != pickup:
            self._send(item, pickup, TransferReason.HOLD, hold.hold_id)
            hold.move(HoldStatus.IN_TRANSIT, at)
        elif in_hand:
            self._make_ready(item, hold, at)
        else:
            hold.move(HoldStatus.ASSIGNED, at)  # on the pull list of its own library

    def _make_ready(self, item: Item, hold: Hold, at: datetime) -> None:
        item.stand_at(hold.pickup_library, ItemStatus.ON_HOLD_SHELF)
        hold.move(HoldStatus.READY, at)
        self.decisions.append(HoldReadyForPickup(hold.hold_id, item.item_id, hold.pickup_library))

    def _send(self, item: Item, to: str, reason: TransferReason, hold_id: str | None) -> None:
        transfer_id = item.start_transfer(to, reason)
        self.decisions.append(
            TransferRequested(
                transfer_id, item.item_id, self.bib_id, item.current_library, to, reason, hold_id
            )
        )

    def _retarget(self, item: Item, to: str, reason: TransferReason, hold_id: str | None) -> None:
        assert item.transfer_id is not None and item.destination is not None
        old = item.destination
        self.decisions.append(
            TransferRetargeted(item.transfer_id, item.item_id, old, to, reason, hold_id)
        )
        item.destination, item.transfer_reason = to, reason

    def _end_transfer(self, item: Item, why: str) -> None:
        """The copy leaves circulation or the shelf system before a transfer arrives."""
        if item.status is ItemStatus.IN_TRANSIT and item.transfer_id is not None:
            self.decisions.append(TransferCancelled(item.transfer_id, item.item_id, why))

    def _waiting_in_order(self, consortium: Consortium, library: str) -> list[Hold]:
        # queue_order sorts by its own key: filtering, not ``queued``, saves a second sort.
        waiting = (h for h in self.holds.values() if is_queued(h))
        return queue_order(waiting, consortium.queue_policy, library)

    # -- a copy comes free ---------------------------------------------------------------

    def _trap_or_route(
        self,
        consortium: Consortium,
        item: Item,
        library: str,
        at: datetime,
        advisor: RebalanceAdvisor | None,
    ) -> None:
        """A copy in hand at ``library`` (checked in, received, or off a hold shelf)."""
        item.stand_at(library, ItemStatus.ON_SHELF)
        if not consortium.needs_transport(item.format):
            return  # digital copies are never trapped nor sent
        for hold in self._waiting_in_order(consortium, library):
            if can_send(consortium, library, hold.pickup_library):
                self._assign(item, hold, at, in_hand=True)
                return
        self._apply_policy(consortium, item, advisor)

    def _apply_policy(
        self, consortium: Consortium, item: Item, advisor: RebalanceAdvisor | None
    ) -> None:
        here = item.current_library
        policy = consortium.policy_for(item.collection)
        destination: str | None = None
        reason = TransferReason.RETURN_TO_OWNER
        if policy is CollectionPolicy.RETURN_TO_OWNER and here != item.owning_library:
            destination = item.owning_library
        elif policy is CollectionPolicy.REBALANCE and advisor is not None:
            destination = advisor.suggest(self.bib_id, item.item_id, here, self._shelf_copies())
            reason = TransferReason.REBALANCE
        if destination is not None and destination != here:
            if consortium.is_member(destination) and can_send(consortium, here, destination):
                self._send(item, destination, reason, None)
                return
            detail = f"cannot send from {here} to {destination} ({reason}); kept at {here}"
            self.decisions.append(Anomaly("no_route", item.item_id, detail))
        self.decisions.append(ItemShelved(item.item_id, here))

    def _shelf_copies(self) -> Mapping[str, int]:
        return Counter(
            item.current_library
            for item in self.items.values()
            if item.status is ItemStatus.ON_SHELF and item.hold_id is None
        )

    def _offer_from_shelf(
        self, consortium: Consortium, item: Item, at: datetime, today: date, *, note: bool
    ) -> None:
        """A copy standing on an open shelf goes to the first waiting hold it can serve."""
        if not is_available(item, consortium):
            return
        here = item.current_library
        open_today = here in consortium.open_sources_on(today)
        for hold in self._waiting_in_order(consortium, here):
            pickup = hold.pickup_library
            if pickup == here or (open_today and can_send(consortium, here, pickup)):
                self._assign(item, hold, at, in_hand=False)
                return
        if note:
            self.decisions.append(ItemShelved(item.item_id, here))

    def _redirect(self, consortium: Consortium, item: Item, at: datetime) -> None:
        """A copy in transit lost its hold: the next hold, or its policy; never lost."""
        assert item.destination is not None
        source, destination = item.current_library, item.destination
        for hold in self._waiting_in_order(consortium, destination):
            if not can_send(consortium, source, hold.pickup_library):
                continue
            item.hold_id, hold.item_id = hold.hold_id, item.item_id
            self.decisions.append(
                CopyAssigned(
                    hold.hold_id, self.bib_id, item.item_id, source, hold.pickup_library, False
                )
            )
            if hold.pickup_library != destination:
                self._retarget(item, hold.pickup_library, TransferReason.HOLD, hold.hold_id)
            item.transfer_reason = TransferReason.HOLD
            hold.move(HoldStatus.IN_TRANSIT, at)
            return
        owner = item.owning_library
        if (
            consortium.policy_for(item.collection) is CollectionPolicy.RETURN_TO_OWNER
            and destination != owner
            and can_send(consortium, source, owner)
        ):
            self._retarget(item, owner, TransferReason.RETURN_TO_OWNER, None)
        # Otherwise it goes on to where it was going and is shelved or trapped there.

    def _free(
        self,
        consortium: Consortium,
        item: Item,
        at: datetime,
        today: date,
        advisor: RebalanceAdvisor | None,
    ) -> None:
        """The copy's hold has closed: pass it on from wherever it is now."""
        item.hold_id = None
        if item.status is ItemStatus.IN_TRANSIT:
            self._redirect(consortium, item, at)
        elif item.status is ItemStatus.ON_HOLD_SHELF:
            self._trap_or_route(consortium, item, item.current_library, at, advisor)
        else:
            self._offer_from_shelf(consortium, item, at, today, note=True)

    def _close(
        self,
        consortium: Consortium,
        hold: Hold,
        expired: bool,
        at: datetime,
        day: date,
        advisor: RebalanceAdvisor | None,
    ) -> None:
        """Cancel or expire an open hold and pass its copy on."""
        outcome = HoldOutcome.EXPIRED if expired else HoldOutcome.CANCELLED
        item = None if hold.item_id is None else self.items[hold.item_id]
        hold.item_id = None
        hold.move(HoldStatus(outcome.value), at)
        self.decisions.append(HoldClosed(hold.hold_id, outcome))
        if item is not None:
            self._free(consortium, item, at, day, advisor)

    def _detach(self, item: Item, at: datetime) -> Hold | None:
        """Take the copy away from its hold, which waits again (and is re-allocated later)."""
        if item.hold_id is None:
            return None
        hold = self.holds[item.hold_id]
        item.hold_id, hold.item_id = None, None
        hold.move(HoldStatus.WAITING, at)
        return hold

    def _requeue(self, consortium: Consortium, hold: Hold | None, at: datetime, day: date) -> None:
        if hold is not None and hold.status is HoldStatus.WAITING:
            self._allocate(consortium, hold, at, day)
