"""What the transport service reports about a copy on its way: received, overdue or missing.

``TransitCommands`` are the ``Title`` aggregate's commands for the transport topic. Their
rules, in the words of docs/events.md:

- Received: ready for the hold picked up there, else trapped or shelved where it arrived; a
  copy already resting there is an anomaly (``received_twice``); a copy declared missing has
  turned up and comes back into circulation there (``received_while_missing``).
- Overdue: nothing is decided; the copy may still arrive. Only the input is checked.
- Missing: the copy leaves circulation, and the hold it travelled for is filled again from
  another copy as if it were placed now, or waits at its place in the queue. A copy the
  holds service knows is not travelling on that transfer any more (received, checked in,
  sent again, withdrawn, already missing) stays as it is and an anomaly is recorded.

The hold a missing copy travelled for is the one the title has it assigned to, not the
event's ``hold_id``: when that hold went away on the way, the copy was redirected to the next
hold, which is the one left without a copy now.
"""

from __future__ import annotations

from datetime import date, datetime

from kulkuri.holds.domain.consortium import Consortium
from kulkuri.holds.domain.decisions import Anomaly
from kulkuri.holds.domain.entities import Item
from kulkuri.holds.domain.errors import ContradictsState
from kulkuri.holds.domain.model import ItemStatus
from kulkuri.holds.domain.moves import TitleState, event_day

# What a copy not on the transfer declared missing is; the anomaly kind says it.
_NOT_TRAVELLING = {
    ItemStatus.MISSING: "missing_twice",
    ItemStatus.WITHDRAWN: "missing_after_withdrawal",
}


class TransitCommands(TitleState):
    def transfer_received(
        self,
        consortium: Consortium,
        item_id: str,
        library: str,
        at: datetime,
        *,
        today: date | None = None,
    ) -> None:
        """The van delivered the copy: ready for its hold, or trapped or shelved there."""
        item = self.item(item_id)
        consortium.library(library)
        if item.status is ItemStatus.MISSING:
            detail = f"declared missing, received at {library}"
            self.decisions.append(Anomaly("received_while_missing", item_id, detail))
            self._trap_or_route(consortium, item, library, at, None)
            return
        if item.status is not ItemStatus.IN_TRANSIT:
            resting = item.status in (ItemStatus.ON_SHELF, ItemStatus.ON_HOLD_SHELF)
            if resting and item.current_library == library:
                self.decisions.append(Anomaly("received_twice", item_id, f"already at {library}"))
                return
            raise ContradictsState(item_id, f"received at {library} but it is {item.status}")
        self._receive(consortium, item, library, at, event_day(at, today))

    def transfer_overdue(
        self, consortium: Consortium, item_id: str, transfer_id: str, libraries: list[str]
    ) -> None:
        """Late, not lost: no decision. The input is checked so that an unknown copy or
        library is rejected as it would be on receipt."""
        _transfer_of(self.item(item_id), transfer_id)
        for library in libraries:
            consortium.library(library)

    def transfer_missing(
        self,
        consortium: Consortium,
        item_id: str,
        transfer_id: str,
        at: datetime,
        *,
        last_seen: str | None = None,
        today: date | None = None,
    ) -> None:
        """The copy is lost on ``transfer_id``: out of circulation (``last_seen`` is where it
        was scanned last), and its hold is filled again or queued."""
        item = self.item(item_id)
        _transfer_of(item, transfer_id)
        if last_seen is not None:
            consortium.library(last_seen)
        if item.status is not ItemStatus.IN_TRANSIT or item.transfer_id != transfer_id:
            self._missing_elsewhere(item, transfer_id)
            return
        orphan = self._detach(item, at)
        item.stand_at(last_seen or item.current_library, ItemStatus.MISSING)
        self._requeue(consortium, orphan, at, event_day(at, today))

    def _missing_elsewhere(self, item: Item, transfer_id: str) -> None:
        """Declared missing on a transfer it is no longer on: the holds service has seen it
        since (or it is gone already), so nothing changes."""
        if item.status is ItemStatus.IN_TRANSIT:
            now = f"in transit on {item.transfer_id} to {item.destination}"
        else:
            now = f"{item.status} at {item.current_library}"
        kind = _NOT_TRAVELLING.get(item.status, "missing_after_arrival")
        detail = f"declared missing on {transfer_id}, but it is {now}"
        self.decisions.append(Anomaly(kind, item.item_id, detail))

    def _receive(
        self, consortium: Consortium, item: Item, library: str, at: datetime, day: date
    ) -> None:
        # No rebalance advice on arrival: the copy was sent here, it should not bounce on.
        if library != item.destination:
            detail = f"sent to {item.destination}, arrived at {library}"
            self.decisions.append(Anomaly("received_off_route", item.item_id, detail))
        hold = None if item.hold_id is None else self.holds[item.hold_id]
        if hold is not None and hold.pickup_library == library:
            self._make_ready(item, hold, at)
            return
        orphan = self._detach(item, at)
        self._trap_or_route(consortium, item, library, at, None)
        self._requeue(consortium, orphan, at, day)


def _transfer_of(item: Item, transfer_id: str) -> None:
    # Transfer ids are "{item_id}:{n}" (as on receipt, where the contract checks it).
    if transfer_id.rpartition(":")[0] != item.item_id:
        raise ContradictsState(item.item_id, f"{transfer_id!r} is not a transfer of this copy")
