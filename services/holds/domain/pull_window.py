"""What a title has not yet pulled at the nightly cut-off, and the moves that carry out a plan.

A day's pull list is printed at that day's cut-off (``PullWindow.cutoff``, say 05:00 local
time). It names the copies assigned from open shelves since the previous cut-off
(``PullWindow.opened``), and staff fetch them during the day. So at a cut-off, a copy is
*not yet pulled* when it was assigned from a shelf after the previous cut-off. In the state a
``Title`` keeps, that is the copy of:

* a hold ``assigned`` whose last move is after ``opened``: its copy stands on the pickup
  library's own shelf, and only a copy taken from a shelf is ever assigned that way;
* a hold ``in_transit`` that took its copy from a shelf as it was placed, after ``opened``:
  its history is exactly waiting, then in transit, both at ``placed_at``, and the copy was
  not checked in at that instant.

The state does not record whether any other copy sent to a hold came off an open shelf or was
in hand (checked in, received from a van, taken off a hold shelf: such copies are sent at
once), so all other sent copies count as pulled, as do copies on a hold shelf and everything
assigned before ``opened``. Waiting holds may be filled. What happened after the cut-off
belongs to the next night: a hold whose last move is later is left alone.

The plan's moves are recorded at the cut-off instant, so on the next night a re-assigned
hold's last move is not after that night's ``opened``: it was on this day's pull list.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from kulkuri.holds.domain.consortium import Consortium
from kulkuri.holds.domain.day_plan import TitleDay, TitlePlan
from kulkuri.holds.domain.decisions import (
    CopyAssigned,
    ItemShelved,
    TransferCancelled,
    TransferReason,
)
from kulkuri.holds.domain.entities import Hold, Item
from kulkuri.holds.domain.model import HoldStatus, ItemStatus
from kulkuri.holds.domain.moves import TitleState
from kulkuri.holds.domain.reassignment import AvailableCopy, OpenHold
from kulkuri.holds.domain.selection import in_placement_order, is_available

CALLED_OFF = "reassigned"
"""``TransferCancelled.reason`` for a transfer the plan calls off before the copy was pulled."""


class PlanDoesNotFit(Exception):
    """A plan names a hold or copy the title cannot give or take now (a stale plan)."""


@dataclass(frozen=True)
class PullWindow:
    """From the previous cut-off to this one; ``day``: the local day whose pull lists follow
    (only libraries open that day can send a copy)."""

    opened: datetime
    cutoff: datetime
    day: date

    @classmethod
    def ending_on(cls, day: date, cutoff: time, zone: tzinfo) -> PullWindow:
        """The window whose cut-off is at ``cutoff`` local time on ``day``. Its ends are in
        UTC: Python subtracts two times of one zone by their wall clocks."""
        previous = datetime.combine(day - timedelta(days=1), cutoff, tzinfo=zone)
        end = datetime.combine(day, cutoff, tzinfo=zone)
        return cls(previous.astimezone(UTC), end.astimezone(UTC), day)


def _last_move(hold: Hold) -> datetime:
    return hold.history[-1][1]


def not_yet_pulled(title: TitleState, hold: Hold, window: PullWindow) -> bool:
    """Whether the hold's copy was assigned from a shelf within ``window`` (module docstring)."""
    if hold.item_id is None or not window.opened < _last_move(hold) <= window.cutoff:
        return False
    if hold.status is HoldStatus.ASSIGNED:
        return True
    if hold.status is not HoldStatus.IN_TRANSIT:
        return False
    placed = [(HoldStatus.WAITING, hold.placed_at), (HoldStatus.IN_TRANSIT, hold.placed_at)]
    return hold.history == placed and title.items[hold.item_id].last_returned_at != hold.placed_at


def _may_fill(hold: Hold, window: PullWindow) -> bool:
    return (
        hold.status is HoldStatus.WAITING
        and not hold.passed_through
        and _last_move(hold) <= window.cutoff
    )


def _open_hold(bib_id: str, hold: Hold) -> OpenHold:
    return OpenHold(hold.hold_id, bib_id, hold.pickup_library, hold.placed_at)


def _copy(bib_id: str, item: Item) -> AvailableCopy:
    sent = item.status is ItemStatus.IN_TRANSIT
    return AvailableCopy(item.item_id, bib_id, item.current_library, item.last_returned_at, sent)


def title_day(title: TitleState, consortium: Consortium, window: PullWindow) -> TitleDay:
    """What the night's plan may change in this title."""
    bib = title.bib_id
    assigned: list[tuple[OpenHold, AvailableCopy]] = []
    waiting: list[OpenHold] = []
    for hold in in_placement_order(title.holds.values()):
        if _may_fill(hold, window):
            waiting.append(_open_hold(bib, hold))
        elif hold.item_id is not None and not_yet_pulled(title, hold, window):
            assigned.append((_open_hold(bib, hold), _copy(bib, title.items[hold.item_id])))
    free = [_copy(bib, i) for i in title.items.values() if is_available(i, consortium)]
    return TitleDay(bib, tuple(assigned), tuple(waiting), tuple(free))


def _check_fits(
    title: TitleState, consortium: Consortium, window: PullWindow, wanted: Mapping[str, str]
) -> None:
    if len(set(wanted.values())) != len(wanted):
        raise PlanDoesNotFit(f"{title.bib_id}: a copy is given to two holds")
    for hold_id, item_id in wanted.items():
        hold, item = title.holds.get(hold_id), title.items.get(item_id)
        if hold is None or item is None:
            raise PlanDoesNotFit(f"{title.bib_id}: no hold {hold_id!r} or copy {item_id!r}")
        if hold.item_id == item_id:
            continue
        if not (_may_fill(hold, window) or not_yet_pulled(title, hold, window)):
            raise PlanDoesNotFit(f"{hold_id!r} is {hold.status}, its copy already pulled")
        if not (is_available(item, consortium) or item.hold_id in wanted):
            raise PlanDoesNotFit(f"{item_id!r} is neither free nor a planned hold's copy")


def reassign(
    title: TitleState, consortium: Consortium, window: PullWindow, plan: TitlePlan
) -> None:
    """Give each hold of ``plan`` its copy in ``plan.after``: the copies it loses go to other
    holds or back to their shelves, their transfers re-targeted or called off. Decisions are
    recorded on ``title.decisions`` at ``window.cutoff``; raises ``PlanDoesNotFit`` (leaving
    the title untouched) if the plan does not fit the title as it is now."""
    wanted = {a.hold_id: a.item_id for a in plan.after}
    _check_fits(title, consortium, window, wanted)
    holds = in_placement_order(title.holds[hold_id] for hold_id in wanted)
    changed = [hold for hold in holds if hold.item_id != wanted[hold.hold_id]]
    given_up = [hold.item_id for hold in changed if hold.item_id is not None]
    for hold in changed:  # first let go of every copy that moves, then hand them out
        if hold.item_id is not None:
            title.items[hold.item_id].hold_id = None
            hold.item_id = None
    for hold in changed:
        _give(title, title.items[wanted[hold.hold_id]], hold, window.cutoff)
    for item_id in sorted(set(given_up) - set(wanted.values())):
        _release(title, title.items[item_id])


def _give(title: TitleState, item: Item, hold: Hold, at: datetime) -> None:
    source, pickup = item.current_library, hold.pickup_library
    item.hold_id, hold.item_id = hold.hold_id, item.item_id
    title.decisions.append(
        CopyAssigned(hold.hold_id, title.bib_id, item.item_id, source, pickup, True)
    )
    if item.status is ItemStatus.IN_TRANSIT:  # another hold's copy, still on its shelf
        if pickup == source:
            _call_off(title, item)
        elif pickup != item.destination:
            title._retarget(item, pickup, TransferReason.HOLD, hold.hold_id)
        # Bound for this pickup library already: the transfer goes on, for this hold.
    elif pickup != source:
        title._send(item, pickup, TransferReason.HOLD, hold.hold_id)
    hold.move(HoldStatus.ASSIGNED if pickup == source else HoldStatus.IN_TRANSIT, at)


def _call_off(title: TitleState, item: Item) -> None:
    assert item.transfer_id is not None
    title.decisions.append(TransferCancelled(item.transfer_id, item.item_id, CALLED_OFF))
    item.stand_at(item.current_library, ItemStatus.ON_SHELF)


def _release(title: TitleState, item: Item) -> None:
    """No hold of the plan wants the copy: it stays on (or goes back to) its shelf."""
    if item.status is ItemStatus.IN_TRANSIT:
        _call_off(title, item)
    title.decisions.append(ItemShelved(item.item_id, item.current_library))
