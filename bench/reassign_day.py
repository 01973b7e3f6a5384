"""Days of Helmet-scale circulation through the real ``Title`` aggregate, for ``reassign.py``.

Every hold is placed, and every copy returned, received or collected, by calling the
``Title`` commands the holds service's handler calls, in time order, with the local day as
``today``: each hold takes the best copy available at that moment, as in the running
service. The simulation stops at a cut-off; the titles then stand as the service would have
left them. Its assumptions (each a ``Scenario`` field, none measured on Helmet data):

* Catalogue: ``titles`` titles in demand with Zipf popularity (``zipf``). A title has
  ``base_copies`` copies whatever its demand, or ``copies_per_daily_hold`` per expected
  hold a day if that is more (at most ``max_copies``): libraries buy copies for their queues.
  A copy goes round once in about 25 days (a 14-28-day loan, a day in a van, a few on the
  hold shelf), so 25 copies per daily hold just keep up with the holds; walk-in loans keep
  the copies busier, so the popular titles' queues still grow.
  Owners are drawn by a seeded lognormal size per library (``size_sigma``), collections by
  ``COLLECTIONS`` (the sample config's policies: fiction and children's books float, other
  non-fiction returns home, young adult floats with no rebalance advice here).
* At the start a share ``on_loan`` of the copies is on loan, due back over ``loan_days``;
  the rest stand on their owners' shelves. No holds are open: ``warmup_days`` days of
  circulation build the queues before the measured day.
* Each day ``holds_per_day`` holds are placed at 06:00-23:00 local time (online, so also when
  libraries are shut), title by popularity, pickup library by size; a share ``cancelled`` is
  cancelled within ten days. ``walk_ins_per_day`` patrons take a free copy of a title (drawn
  by popularity) off the shelf of a library (drawn by size) at 09:00-20:00, if one stands
  there. Loans last ``loan_days``; a return is at the owner with ``returned_at_owner``, else
  at a library drawn by size, at 09:00-20:00.
* A transfer arrives the next day between 10:00 and 16:00 (vans run daily). A ready hold is
  collected after ``pickup_days`` with ``collected``, otherwise it expires after a week (the
  expiry runs at 04:00).
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from kulkuri.holds.domain.consortium import Consortium
from kulkuri.holds.domain.decisions import HoldReadyForPickup, TransferReason, TransferRequested
from kulkuri.holds.domain.model import HoldStatus, ItemStatus
from kulkuri.holds.domain.pull_window import PullWindow
from kulkuri.holds.domain.selection import is_available
from kulkuri.holds.domain.title import Title

ZONE = ZoneInfo("Europe/Helsinki")
COLLECTIONS = {"adult-fiction": 45, "adult-nonfiction": 25, "children": 25, "young-adult": 5}
PICKUP_WINDOW = timedelta(days=7)
CUTOFF = time(5, 0)


@dataclass(frozen=True)
class Scenario:
    titles: int = 40_000
    zipf: float = 0.8
    holds_per_day: int = 12_000
    walk_ins_per_day: int = 8_000
    base_copies: tuple[int, int] = (1, 4)
    copies_per_daily_hold: float = 25.0
    max_copies: int = 100
    on_loan: float = 0.5
    loan_days: tuple[int, int] = (14, 28)
    returned_at_owner: float = 0.7
    collected: float = 0.92
    pickup_days: tuple[float, float] = (0.3, 6.0)
    cancelled: float = 0.05
    size_sigma: float = 1.0
    first_day: date = date(2026, 8, 3)  # a Monday, in the shipped opening hours' weeks
    warmup_days: int = 7
    seed: int = 20261124

    @property
    def window(self) -> PullWindow:
        """From the cut-off that opens the measured day to the one that ends it."""
        last = self.first_day + timedelta(days=self.warmup_days + 1)
        return PullWindow.ending_on(last, CUTOFF, ZONE)


@dataclass
class Tally:
    """What the measured day (the window) decided, in metres of road-equivalent."""

    holds_placed: int = 0
    transfers: dict[str, int] = field(default_factory=dict)  # requested, by reason
    metres: dict[str, int] = field(default_factory=dict)


def _local(day: date, hours: float) -> datetime:
    return datetime.combine(day, time(), tzinfo=ZONE) + timedelta(hours=hours)


class DaySimulation:
    def __init__(self, consortium: Consortium, scenario: Scenario) -> None:
        self.consortium = consortium
        self.scenario = scenario
        self.rng = random.Random(scenario.seed)
        self.window = scenario.window
        self.titles: dict[str, Title] = {}
        self.tally = Tally()
        self._queue: list[tuple[datetime, int, Callable[[datetime], None]]] = []
        self._seq = itertools.count()
        self._holds = itertools.count(1)
        self._ready: set[str] = set()  # titles with a hold on a hold shelf
        libraries = sorted(consortium.libraries)
        sizes = [self.rng.lognormvariate(0.0, scenario.size_sigma) for _ in libraries]
        self._library = _Picker(libraries, sizes, self.rng)
        weights = [1.0 / (rank + 1) ** scenario.zipf for rank in range(scenario.titles)]
        self._bib_ids = [f"bib{rank:06d}" for rank in range(scenario.titles)]
        self._title = _Picker(self._bib_ids, weights, self.rng)
        self._daily = [scenario.holds_per_day * w / sum(weights) for w in weights]

    # -- set-up ------------------------------------------------------------------------

    def stock(self) -> None:
        """The catalogue on the first morning: copies on shelves or on loan."""
        s, rng = self.scenario, self.rng
        added = _local(s.first_day - timedelta(days=60), 12)
        collections = list(COLLECTIONS)
        shares = list(COLLECTIONS.values())
        for bib_id, daily in zip(self._bib_ids, self._daily, strict=True):
            title = self.titles[bib_id] = Title(bib_id)
            wanted = max(rng.randint(*s.base_copies), round(daily * s.copies_per_daily_hold))
            collection = rng.choices(collections, shares)[0]
            for n in range(min(wanted, s.max_copies)):
                owner = self._library.pick()
                item_id = f"{bib_id}-c{n}"
                title.add_item(self.consortium, item_id, owner, collection, "book", added)
                if rng.random() < s.on_loan:
                    title.item_checked_out(self.consortium, item_id, owner, added)
                    due = s.first_day + timedelta(days=rng.randint(0, s.loan_days[1]))
                    self._at(_local(due, rng.uniform(9, 20)), self._return(bib_id, item_id))
            title.decisions.clear()

    def schedule_days(self) -> None:
        s, rng = self.scenario, self.rng
        for n in range(s.warmup_days + 2):
            day = s.first_day + timedelta(days=n)
            self._at(_local(day, 4), self._expire)
            for _ in range(s.holds_per_day):
                self._at(_local(day, rng.uniform(6, 23)), self._place(self._title.pick()))
            for _ in range(s.walk_ins_per_day):
                self._at(_local(day, rng.uniform(9, 20)), self._walk_in(self._title.pick()))

    def run(self) -> None:
        """Everything up to the window's cut-off, in time order."""
        self.stock()
        self.schedule_days()
        end = self.window.cutoff
        while self._queue and self._queue[0][0] <= end:
            at, _, act = heapq.heappop(self._queue)
            act(at)

    # -- events ------------------------------------------------------------------------

    def _at(self, at: datetime, act: Callable[[datetime], None]) -> None:
        heapq.heappush(self._queue, (at, next(self._seq), act))

    def _today(self, at: datetime) -> date:
        return at.astimezone(ZONE).date()

    def _place(self, bib_id: str) -> Callable[[datetime], None]:
        def place(at: datetime) -> None:
            hold_id = f"h{next(self._holds):07d}"
            title = self.titles[bib_id]
            pickup = self._library.pick()
            title.place_hold(self.consortium, hold_id, pickup, at, today=self._today(at))
            if self.window.opened < at <= self.window.cutoff:
                self.tally.holds_placed += 1
            if self.rng.random() < self.scenario.cancelled:
                self._at(
                    at + timedelta(days=self.rng.uniform(0, 10)), self._cancel(bib_id, hold_id)
                )
            self._decided(title, at)

        return place

    def _cancel(self, bib_id: str, hold_id: str) -> Callable[[datetime], None]:
        def cancel(at: datetime) -> None:
            title = self.titles[bib_id]
            if title.hold(hold_id).status in (HoldStatus.COLLECTED, HoldStatus.EXPIRED):
                return
            title.cancel_hold(self.consortium, hold_id, at, today=self._today(at))
            self._decided(title, at)  # its copy goes on to the next hold, or home

        return cancel

    def _return(self, bib_id: str, item_id: str) -> Callable[[datetime], None]:
        def give_back(at: datetime) -> None:
            title = self.titles[bib_id]
            item = title.item(item_id)
            if item.status is not ItemStatus.CHECKED_OUT:
                return
            here = self._library.pick()
            if self.rng.random() < self.scenario.returned_at_owner:
                here = item.owning_library
            title.item_returned(self.consortium, item_id, here, at, today=self._today(at))
            self._decided(title, at)

        return give_back

    def _receive(self, bib_id: str, item_id: str, transfer_id: str) -> Callable[[datetime], None]:
        def receive(at: datetime) -> None:
            title = self.titles[bib_id]
            item = title.item(item_id)
            if item.transfer_id != transfer_id or item.destination is None:
                return  # called off, or already received
            title.transfer_received(
                self.consortium, item_id, item.destination, at, today=self._today(at)
            )
            self._decided(title, at)

        return receive

    def _collect(self, bib_id: str, hold_id: str) -> Callable[[datetime], None]:
        def collect(at: datetime) -> None:
            title = self.titles[bib_id]
            hold = title.hold(hold_id)
            if hold.status is not HoldStatus.READY or hold.item_id is None:
                return
            item_id = hold.item_id
            title.item_checked_out(
                self.consortium,
                item_id,
                hold.pickup_library,
                at,
                hold_id=hold_id,
                today=self._today(at),
            )
            self._lend(bib_id, item_id, at)
            self._decided(title, at)

        return collect

    def _walk_in(self, bib_id: str) -> Callable[[datetime], None]:
        def walk_in(at: datetime) -> None:
            title, here = self.titles[bib_id], self._library.pick()
            for item in title.items.values():
                if item.current_library == here and is_available(item, self.consortium):
                    title.item_checked_out(
                        self.consortium, item.item_id, here, at, today=self._today(at)
                    )
                    self._lend(bib_id, item.item_id, at)
                    self._decided(title, at)
                    return

        return walk_in

    def _expire(self, at: datetime) -> None:
        for bib_id in sorted(self._ready):
            title = self.titles[bib_id]
            title.expire(self.consortium, at, pickup_window=PICKUP_WINDOW, today=self._today(at))
            self._decided(title, at)
        self._ready = {
            bib_id
            for bib_id in self._ready
            if any(h.status is HoldStatus.READY for h in self.titles[bib_id].holds.values())
        }

    def _lend(self, bib_id: str, item_id: str, at: datetime) -> None:
        due = self._today(at) + timedelta(days=self.rng.randint(*self.scenario.loan_days))
        self._at(_local(due, self.rng.uniform(9, 20)), self._return(bib_id, item_id))

    def _decided(self, title: Title, at: datetime) -> None:
        """Follow the title's new decisions: vans deliver, patrons collect."""
        rng, bib_id = self.rng, title.bib_id
        for decision in title.decisions:
            if isinstance(decision, TransferRequested):
                arrival = _local(self._today(at) + timedelta(days=1), rng.uniform(10, 16))
                self._at(arrival, self._receive(bib_id, decision.item_id, decision.transfer_id))
                if self.window.opened < at <= self.window.cutoff:
                    self._count(decision)
            elif isinstance(decision, HoldReadyForPickup):
                self._ready.add(bib_id)
                if rng.random() < self.scenario.collected:
                    later = at + timedelta(days=rng.uniform(*self.scenario.pickup_days))
                    self._at(later, self._collect(bib_id, decision.hold_id))
        title.decisions.clear()

    def _count(self, transfer: TransferRequested) -> None:
        metres = self.consortium.costs.cost(transfer.from_library, transfer.to_library) or 0
        reason = str(transfer.reason)
        self.tally.transfers[reason] = self.tally.transfers.get(reason, 0) + 1
        self.tally.metres[reason] = self.tally.metres.get(reason, 0) + metres

    @property
    def hold_metres(self) -> int:
        return self.tally.metres.get(str(TransferReason.HOLD), 0)


class _Picker:
    """Seeded weighted draws from a fixed list (cumulative weights and a bisect)."""

    def __init__(self, values: Sequence[str], weights: Sequence[float], rng: random.Random):
        self.values = list(values)
        self.cumulative = list(itertools.accumulate(weights))
        self.rng = rng

    def pick(self) -> str:
        x = self.rng.random() * self.cumulative[-1]
        return self.values[min(bisect.bisect_left(self.cumulative, x), len(self.values) - 1)]
