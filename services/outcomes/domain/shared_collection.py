"""kulkuri's policy: the holds service's own ``Title`` aggregate decides.

The cheapest open source fills a hold (the pickup library's shelf first); a returned or
received copy is trapped for the queue; otherwise its collection's policy applies: floating
(it stays where it was returned), return to owner (it goes home) or rebalance (a returned
copy goes where its title's demand per copy is highest, when that pays: the holds domain's
``DemandAdvisor`` reading the holds placed over its window, ``RecentHolds``). The
aggregate's decisions become ledger entries: a transfer it asks for rides the vans, a copy
assigned from the pickup library's own shelf is pulled and checked in onto the hold shelf,
and ``HoldReadyForPickup`` dates the hold.

Given an ``AssignmentSolver``, the policy re-assigns at each day's cut-off as the holds
service does at night (``nightly.py``): the copies assigned from shelves during the day are
pulled only after it, and the plan's decisions change what is packed (a transfer called off
or sent elsewhere, a new one asked for, a copy now taken from the pickup library's own shelf
put on its hold shelf that day). Without one, nothing changes at the cut-off and a local
copy is pulled as soon as it is assigned.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from kulkuri.holds.domain.consortium import Consortium
from kulkuri.holds.domain.decisions import (
    CopyAssigned,
    HoldReadyForPickup,
    TransferCancelled,
    TransferRequested,
    TransferRetargeted,
)
from kulkuri.holds.domain.reassignment import AssignmentSolver
from kulkuri.holds.domain.rebalance import DemandAdvisor
from kulkuri.holds.domain.title import Title
from kulkuri.outcomes.domain.demand import HoldPlaced, StartingCopy
from kulkuri.outcomes.domain.ledger import Ledger, Transfer
from kulkuri.outcomes.domain.nightly import (
    figures_of,
    pull_local_copies,
    reassign_titles,
    window_after,
)
from kulkuri.outcomes.domain.recent_holds import RecentHolds

_ZONE = ZoneInfo("Europe/Helsinki")


class SharedCollectionPolicy:
    """``service_day``: the date of each service day; ``nightly``: the solver of the nightly
    re-assignment, or None to run without it."""

    def __init__(
        self,
        consortium: Consortium,
        service_day: Callable[[int], date],
        nightly: AssignmentSolver | None = None,
    ) -> None:
        self._consortium = consortium
        self._service_day = service_day
        self._nightly = nightly
        self._copies: dict[str, list[StartingCopy]] = {}
        self._titles: dict[str, Title] = {}
        self._title_of: dict[str, str] = {}  # item id -> bib id
        self._touched: set[str] = set()  # titles with events since the last cut-off
        self._demand = RecentHolds(consortium.rebalance.window_days)
        self._advisor = DemandAdvisor(self._demand.counts, consortium.costs, consortium.rebalance)
        self._now = self._at(0, 0)  # the time of the event being handled

    def start(self, copies: tuple[StartingCopy, ...]) -> None:
        for copy in copies:
            self._copies.setdefault(copy.bib_id, []).append(copy)
            self._title_of[copy.item_id] = copy.bib_id

    def hold_placed(self, event: HoldPlaced, ledger: Ledger) -> None:
        title = self._title(event.bib_id)
        at = self._now = self._at(event.day, event.second)
        self._demand.hold_placed(event.bib_id, event.pickup, at)
        title.place_hold(self._consortium, event.hold_id, event.pickup, at)
        self._follow(title, event.day, ledger)

    def loan_returned(
        self, item_id: str, bib_id: str, library: str, day: int, second: int, ledger: Ledger
    ) -> None:
        title = self._title(bib_id)
        self._now = self._at(day, second)
        self._demand.as_of(self._now)
        title.item_returned(self._consortium, item_id, library, self._now, advisor=self._advisor)
        self._follow(title, day, ledger)

    def received(self, item_id: str, library: str, day: int, ledger: Ledger) -> None:
        title = self._title(self._title_of[item_id])
        self._now = self._at(day, 0)
        title.transfer_received(self._consortium, item_id, library, self._now)
        self._follow(title, day, ledger)

    def cut_off(self, day: int, ledger: Ledger) -> None:
        touched, self._touched = sorted(self._touched), set()
        if self._nightly is None:
            return
        # Only a title with an event since the last cut-off can have a copy not yet pulled.
        # The service also plans waiting holds beside a free copy; here none are left overnight:
        # a copy that comes free is offered to the waiting holds at once, every library open.
        window = window_after(self._service_day(day), _ZONE)
        self._now = window.cutoff
        titles = [self._titles[bib_id] for bib_id in touched]
        plan = reassign_titles(titles, self._consortium, self._nightly, window)
        ledger.nightly_plan(figures_of(plan, day))
        for title in titles:
            pull_local_copies(title, self._consortium, window)
            self._follow(title, day, ledger)

    def _follow(self, title: Title, day: int, ledger: Ledger) -> None:
        while title.decisions:
            decisions, title.decisions = title.decisions, []
            for decision in decisions:
                self._apply(title, decision, day, ledger)

    def _apply(self, title: Title, decision: object, day: int, ledger: Ledger) -> None:
        match decision:
            case TransferRequested():
                transfer = Transfer(
                    decision.item_id,
                    decision.from_library,
                    decision.to_library,
                    day,
                    decision.reason.value,
                    decision.hold_id,
                    decision.transfer_id,
                )
                ledger.transfer(transfer)
            case TransferCancelled():
                ledger.call_off(decision.transfer_id)  # only ever one not yet packed
            case TransferRetargeted():
                to, reason = decision.new_destination, decision.reason.value
                ledger.retarget(decision.transfer_id, to, reason, decision.hold_id)
            case CopyAssigned(pull_from_shelf=True) if (
                decision.from_library == decision.pickup_library
            ):
                if self._nightly is None:  # else pulled after the cut-off
                    # Staff pull it from the open shelf and check it in onto the hold shelf.
                    library = decision.pickup_library
                    title.item_returned(self._consortium, decision.item_id, library, self._now)
            case HoldReadyForPickup():
                ledger.hold_ready(decision.hold_id, day)
            case _:
                pass

    def _title(self, bib_id: str) -> Title:
        self._touched.add(bib_id)
        # Titles are built when first touched: most of a large collection never is.
        title = self._titles.get(bib_id)
        if title is None:
            title = self._titles[bib_id] = Title(bib_id)
            before = self._at(0, 0) - timedelta(days=30)
            for copy in self._copies.get(bib_id, []):
                title.add_item(
                    self._consortium, copy.item_id, copy.owner, copy.collection, copy.format, before
                )
                if copy.on_loan:
                    title.item_checked_out(self._consortium, copy.item_id, copy.owner, before)
            title.decisions.clear()
        return title

    def _at(self, day: int, second: int) -> datetime:
        start = datetime.combine(self._service_day(day), time(6), tzinfo=_ZONE)
        return start + timedelta(seconds=second)
