"""The ``Title`` aggregate: one per bib_id, the copies of that title and the holds on it.

All events of a title arrive in order on one partition, so one ``Title`` sees them in order.
Each command checks its input first (``errors.py``) and then applies the allocation rules
(``moves.py``, ``selection.py``), recording what it decided on ``self.decisions``; nothing
is published here. The commands for what the vans report (a copy received, overdue or
missing) are in ``transit.py``. Times are passed in; ``today`` is the consortium's local date of the
event and defaults to the date of ``at``.

Digital copies (``Consortium.needs_transport`` is False) are never assigned nor sent. A hold
placed on a title whose copies are all digital is recorded and passed through: it never
queues, and only its cancellation, expiry or checkout is followed.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from kulkuri.holds.domain.consortium import Consortium
from kulkuri.holds.domain.decisions import Anomaly, HoldClosed, HoldOutcome
from kulkuri.holds.domain.entities import CLOSED_HOLD, Hold, Item
from kulkuri.holds.domain.errors import ContradictsState
from kulkuri.holds.domain.invariants import check_title
from kulkuri.holds.domain.model import HoldStatus, ItemStatus
from kulkuri.holds.domain.moves import event_day
from kulkuri.holds.domain.rebalance import RebalanceAdvisor
from kulkuri.holds.domain.selection import choose_copy, in_placement_order, queued
from kulkuri.holds.domain.transit import TransitCommands


class Title(TransitCommands):
    """A title's copies (``items``) and holds (``holds``), and the ``decisions`` taken so far,
    which the handler layer reads and clears after each event."""

    def check_invariants(self) -> None:
        check_title(self)

    # -- the catalogue -------------------------------------------------------------------

    def add_item(
        self,
        consortium: Consortium,
        item_id: str,
        owning_library: str,
        collection: str,
        item_format: str,
        at: datetime,
        *,
        today: date | None = None,
    ) -> None:
        """A new copy on its owner's shelf; the first waiting hold it can serve takes it."""
        consortium.library(owning_library)
        known = self.items.get(item_id)
        if known is not None:
            same = (known.owning_library, known.collection, known.format) == (
                owning_library,
                collection,
                item_format,
            )
            if same and known.status is not ItemStatus.WITHDRAWN:
                return  # the same copy added again: nothing to do
            raise ContradictsState(item_id, "added again with other details or after withdrawal")
        item = Item(item_id, owning_library, collection, item_format, owning_library)
        self.items[item_id] = item
        self._offer_from_shelf(consortium, item, at, event_day(at, today), note=False)

    def withdraw_item(
        self, consortium: Consortium, item_id: str, at: datetime, *, today: date | None = None
    ) -> None:
        """The copy is gone; a hold it was promised to is filled from another copy or waits."""
        item = self.item(item_id)
        if item.status is ItemStatus.WITHDRAWN:
            self.decisions.append(Anomaly("withdrawn_twice", item_id, "already withdrawn"))
            return
        orphan = self._detach(item, at)
        self._end_transfer(item, "withdrawn")
        item.stand_at(item.current_library, ItemStatus.WITHDRAWN)
        self._requeue(consortium, orphan, at, event_day(at, today))

    # -- holds ---------------------------------------------------------------------------

    def place_hold(
        self,
        consortium: Consortium,
        hold_id: str,
        pickup_library: str,
        placed_at: datetime,
        expires_at: datetime | None = None,
        *,
        today: date | None = None,
    ) -> None:
        """Fill the hold from the best available copy (``selection.choose_copy``) or queue it."""
        consortium.library(pickup_library)
        known = self.holds.get(hold_id)
        if known is not None:
            if (known.pickup_library, known.placed_at) == (pickup_library, placed_at):
                return  # the same hold placed again: nothing to do
            raise ContradictsState(hold_id, "placed again with another pickup library or time")
        hold = Hold(hold_id, pickup_library, placed_at, expires_at)
        self.holds[hold_id] = hold
        present = [i for i in self.items.values() if i.status is not ItemStatus.WITHDRAWN]
        if present and not any(consortium.needs_transport(i.format) for i in present):
            hold.passed_through = True
            return
        self._allocate(consortium, hold, placed_at, event_day(placed_at, today))

    def cancel_hold(
        self,
        consortium: Consortium,
        hold_id: str,
        at: datetime,
        *,
        expired: bool = False,
        today: date | None = None,
        advisor: RebalanceAdvisor | None = None,
    ) -> None:
        """Close the hold; its copy goes to the next hold or where its policy sends it."""
        hold = self.hold(hold_id)
        if hold.status is HoldStatus.COLLECTED:
            raise ContradictsState(hold_id, "cancelled after it was collected")
        if hold.status in CLOSED_HOLD:
            detail = f"cancelled again; it is already {hold.status}"
            self.decisions.append(Anomaly("hold_already_closed", hold_id, detail))
            return
        self._close(consortium, hold, expired, at, event_day(at, today), advisor)

    def expire(
        self,
        consortium: Consortium,
        now: datetime,
        *,
        pickup_window: timedelta | None = None,
        today: date | None = None,
        advisor: RebalanceAdvisor | None = None,
    ) -> None:
        """Expire waiting holds past ``expires_at``, and holds left on the hold shelf for
        ``pickup_window`` or longer (their copies go to the next hold)."""
        day = event_day(now, today)
        holds = in_placement_order(self.holds.values())
        # Close every stale waiting hold before freeing copies, so none is given to them.
        stale = [
            hold
            for hold in holds
            if hold.status is HoldStatus.WAITING
            and hold.expires_at is not None
            and hold.expires_at <= now
        ]
        uncollected = [
            hold
            for hold in holds
            if pickup_window is not None
            and (since := hold.ready_since) is not None
            and since + pickup_window <= now
        ]
        for hold in stale + uncollected:
            self._close(consortium, hold, True, now, day, advisor)

    def fill_waiting_holds(self, consortium: Consortium, at: datetime, today: date) -> None:
        """Try the waiting holds again, oldest first (e.g. each morning, when libraries that
        were closed can send copies again). Holds still without a copy are not re-queued."""
        for hold in queued(self.holds.values()):
            copy = choose_copy(self.items.values(), hold.pickup_library, consortium, today)
            if copy is not None:
                self._assign(copy, hold, at, in_hand=False)

    # -- circulation ---------------------------------------------------------------------

    def item_returned(
        self,
        consortium: Consortium,
        item_id: str,
        library: str,
        at: datetime,
        *,
        today: date | None = None,
        advisor: RebalanceAdvisor | None = None,
    ) -> None:
        """Trap the copy for the next hold, or apply its collection's policy."""
        item = self.item(item_id)
        consortium.library(library)
        status, day = item.status, event_day(at, today)
        if status is ItemStatus.WITHDRAWN:
            raise ContradictsState(item_id, f"returned at {library} after it was withdrawn")
        if status is ItemStatus.IN_TRANSIT:  # a check-in at the destination receives it
            self._receive(consortium, item, library, at, day)
            return
        here = library == item.current_library
        if item.hold_id is not None and here and status is ItemStatus.ON_SHELF:
            self._make_ready(item, self.holds[item.hold_id], at)  # pulled and checked in
            return
        if status is not ItemStatus.CHECKED_OUT:
            detail = f"returned at {library} while {status} at {item.current_library}"
            self.decisions.append(Anomaly(f"returned_while_{status}", item_id, detail))
            if status is ItemStatus.ON_HOLD_SHELF and here:
                return  # still on the hold shelf it stands on
        item.last_returned_at = at
        orphan = self._detach(item, at)
        self._trap_or_route(consortium, item, library, at, advisor)
        self._requeue(consortium, orphan, at, day)

    def item_checked_out(
        self,
        consortium: Consortium,
        item_id: str,
        library: str,
        at: datetime,
        *,
        hold_id: str | None = None,
        today: date | None = None,
        advisor: RebalanceAdvisor | None = None,
    ) -> None:
        """A loan; with ``hold_id`` it collects that hold (with whichever copy it was given)."""
        item = self.item(item_id)
        consortium.library(library)
        hold = None if hold_id is None else self.hold(hold_id)
        if item.status is ItemStatus.WITHDRAWN:
            raise ContradictsState(item_id, f"checked out at {library} after it was withdrawn")
        if hold is not None and hold.status in CLOSED_HOLD:
            raise ContradictsState(hold.hold_id, f"collected but it is {hold.status}")
        if item.status is ItemStatus.CHECKED_OUT:
            detail = f"checked out at {library} while on loan"
            self.decisions.append(Anomaly("checked_out_twice", item_id, detail))
        day = event_day(at, today)
        other = None  # the copy the collected hold was promised, if the patron took another
        orphan = None  # the hold that loses this copy to someone else
        if hold is not None and hold.item_id not in (None, item_id):
            other = self.items[hold.item_id]
            other.hold_id = hold.item_id = None
        if item.hold_id is not None and item.hold_id != hold_id:
            orphan = self._detach(item, at)
        if hold is not None:
            item.hold_id = hold.item_id = None
            hold.move(HoldStatus.COLLECTED, at)
            self.decisions.append(HoldClosed(hold.hold_id, HoldOutcome.COLLECTED))
        self._end_transfer(item, "checked_out")
        item.stand_at(library, ItemStatus.CHECKED_OUT)
        if other is not None:
            self._free(consortium, other, at, day, advisor)
        self._requeue(consortium, orphan, at, day)
