"""A coherent, seeded circulation stream for one consortium, for ``bench/holds.py``.

First ``ItemAdded`` for a catalogue (titles with 1-6 copies, more for popular titles; Zipf
popularity), then a mix of ``HoldPlaced``, ``HoldCancelled``, ``ItemCheckedOut`` (with and
without ``hold_id``) and ``ItemReturned`` that agrees with the state the generator tracks:

* a return is of a copy on loan, at its owning library (70 %) or another member;
* a walk-in checkout is of a copy not on loan (on a shelf, in transit or on a hold shelf: the
  generator does not follow the service's allocation, so it may take a copy promised to a
  hold, which the service handles by re-queueing that hold);
* a checkout with ``hold_id`` collects the title's oldest open hold with a copy not on loan,
  at the hold's pickup library;
* a cancel is of an open hold (never of a collected or cancelled one).

So every event should be accepted; whatever the service still rejects is dead-lettered and
counted by the benchmark. Times are tz-aware and advance a simulated clock through August 2026,
only while libraries are open (08:00-20:00 Helsinki time), at a daily volume close to a
Helmet day's (``events_per_day``).
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from kulkuri.shared.events import (
    CirculationEvent,
    HoldCancelled,
    HoldCancelledData,
    HoldPlaced,
    HoldPlacedData,
    ItemAdded,
    ItemAddedData,
    ItemCheckedOut,
    ItemCheckedOutData,
    ItemReturned,
    ItemReturnedData,
)

SOURCE = "urn:ils:sierra:helmet"
ZONE = ZoneInfo("Europe/Helsinki")
_FORMATS = ("book", "book", "book", "book", "audiobook", "dvd")
_COLLECTIONS = ("adult-fiction", "adult-nonfiction", "children", "young-adult")
OPEN_HOUR, CLOSE_HOUR = 8, 20
# Patrons facing a queue this long per copy hold another title (a uniform pick) instead.
HOLDS_PER_COPY_CAP = 100

# Relative weights of the actions in the mix once the catalogue is added.
MIX = {"checkout": 0.37, "return": 0.37, "hold": 0.20, "cancel": 0.06}


@dataclass(frozen=True)
class Plan:
    titles: int = 5_000
    zipf: float = 1.0
    seed: int = 2026
    events_per_day: int = 110_000  # ~ 40 M events a year over 365 days: see docs/benchmarks.md
    checkout_with_hold: float = 0.85  # share of checkouts of a title with open holds that collect


@dataclass
class _Title:
    bib_id: str
    items: list[str]
    available: set[str]
    open_holds: deque[tuple[str, str]]  # (hold_id, pickup library), oldest first


class CirculationStream:
    """Yields the events; ``counts`` tallies them by kind (``checkout_hold`` among them)."""

    def __init__(self, libraries: Sequence[str], plan: Plan = Plan()) -> None:
        self.plan = plan
        self.rng = random.Random(plan.seed)
        self.libraries = list(libraries)
        rng = self.rng
        # Library sizes: a seeded lognormal weight per outlet (no real loan figures shipped).
        sizes = [rng.lognormvariate(0, 1) for _ in self.libraries]
        self._library_cum = list(itertools.accumulate(sizes))
        weights = [1 / (rank + 1) ** plan.zipf for rank in range(plan.titles)]
        self._title_cum = list(itertools.accumulate(weights))
        self.titles: list[_Title] = []
        self.owner: dict[str, str] = {}
        self.on_loan: list[str] = []  # item ids; with _loan_index for O(1) removal
        self._loan_index: dict[str, int] = {}
        self._item_title: dict[str, _Title] = {}
        self._open_holds: list[tuple[_Title, str]] = []  # may hold stale entries
        self._hold_open: set[str] = set()
        self.clock = datetime(2026, 8, 3, OPEN_HOUR, 0, tzinfo=ZONE)
        self._step = timedelta(seconds=(CLOSE_HOUR - OPEN_HOUR) * 3600 / plan.events_per_day)
        self._ids = itertools.count(1)
        self._holds = itertools.count(1)
        self.counts: dict[str, int] = {}

    # -- helpers ------------------------------------------------------------------------

    def _library(self) -> str:
        x = self.rng.random() * self._library_cum[-1]
        return self.libraries[bisect.bisect_left(self._library_cum, x)]

    def _title(self) -> _Title:
        x = self.rng.random() * self._title_cum[-1]
        return self.titles[bisect.bisect_left(self._title_cum, x)]

    def _tick(self) -> datetime:
        self.clock += self._step * (0.5 + self.rng.random())  # mean: one step
        if self.clock.hour >= CLOSE_HOUR:
            next_day = self.clock.date() + timedelta(days=1)
            self.clock = datetime(
                next_day.year, next_day.month, next_day.day, OPEN_HOUR, tzinfo=ZONE
            )
        return self.clock

    def _id(self) -> str:
        return f"hb-{next(self._ids):09d}"

    def _count(self, kind: str) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + 1

    def _lend(self, title: _Title, item: str) -> None:
        title.available.discard(item)
        self._loan_index[item] = len(self.on_loan)
        self.on_loan.append(item)

    def _take_back(self, index: int) -> str:
        item = self.on_loan[index]
        last = self.on_loan.pop()
        if last != item:
            self.on_loan[index] = last
            self._loan_index[last] = index
        del self._loan_index[item]
        self._item_title[item].available.add(item)
        return item

    # -- the stream ---------------------------------------------------------------------

    def catalogue(self) -> Iterator[CirculationEvent]:
        """``ItemAdded`` for every copy; popular titles get more copies."""
        rng, plan = self.rng, self.plan
        at = self.clock - timedelta(days=1)
        for rank in range(plan.titles):
            bib = f"helmet-bib-{rank:06d}"
            copies = rng.randint(3, 6) if rank < plan.titles // 20 else rng.randint(1, 4)
            title = _Title(bib, [], set(), deque())
            fmt = rng.choice(_FORMATS)
            collection = rng.choice(_COLLECTIONS)
            for c in range(copies):
                item = f"helmet-item-{rank:06d}-{c}"
                owner = self._library()
                title.items.append(item)
                title.available.add(item)
                self.owner[item] = owner
                self._item_title[item] = title
                self._count("item_added")
                yield ItemAdded.create(
                    id=self._id(),
                    source=SOURCE,
                    time=at,
                    data=ItemAddedData(
                        item_id=item,
                        bib_id=bib,
                        owning_library=owner,
                        collection=collection,
                        format=fmt,
                        added_at=at,
                    ),
                )
            self.titles.append(title)

    def mix(self) -> Iterator[CirculationEvent]:
        """The endless mix of holds, cancels, checkouts and returns (after :meth:`catalogue`)."""
        kinds = list(MIX)
        cum = list(itertools.accumulate(MIX.values()))
        rng = self.rng
        while True:
            kind = kinds[bisect.bisect_left(cum, rng.random() * cum[-1])]
            event = None
            if kind == "return":
                event = self._return()
            elif kind == "cancel":
                event = self._cancel()
            elif kind == "hold":
                title = self._title()
                if len(title.open_holds) >= HOLDS_PER_COPY_CAP * len(title.items):
                    title = self.titles[rng.randrange(len(self.titles))]  # queue too long
                event = self._hold(title)
            if event is None:  # a checkout, or what the state did not allow above
                event = self._checkout()
            yield event

    def _return(self) -> CirculationEvent | None:
        if not self.on_loan:
            return None
        item = self._take_back(self.rng.randrange(len(self.on_loan)))
        at = self._tick()
        library = self.owner[item] if self.rng.random() < 0.7 else self._library()
        self._count("item_returned")
        return ItemReturned.create(
            id=self._id(),
            source=SOURCE,
            time=at,
            data=ItemReturnedData(
                item_id=item, bib_id=self._item_title[item].bib_id, library=library, returned_at=at
            ),
        )

    def _hold(self, title: _Title) -> CirculationEvent:
        at = self._tick()
        hold_id = f"helmet-hold-{next(self._holds):08d}"
        pickup = self._library()
        title.open_holds.append((hold_id, pickup))
        self._open_holds.append((title, hold_id))
        self._hold_open.add(hold_id)
        self._count("hold_placed")
        return HoldPlaced.create(
            id=self._id(),
            source=SOURCE,
            time=at,
            data=HoldPlacedData(
                hold_id=hold_id,
                bib_id=title.bib_id,
                pickup_library=pickup,
                placed_at=at,
                expires_at=at + timedelta(days=180),
            ),
        )

    def _cancel(self) -> CirculationEvent | None:
        while self._open_holds:  # drop stale (collected) entries as they come up
            index = self.rng.randrange(len(self._open_holds))
            title, hold_id = self._open_holds[index]
            self._open_holds[index] = self._open_holds[-1]
            self._open_holds.pop()
            if hold_id in self._hold_open:
                break
        else:
            return None
        self._hold_open.discard(hold_id)
        title.open_holds = deque(h for h in title.open_holds if h[0] != hold_id)
        at = self._tick()
        self._count("hold_cancelled")
        return HoldCancelled.create(
            id=self._id(),
            source=SOURCE,
            time=at,
            data=HoldCancelledData(
                hold_id=hold_id, bib_id=title.bib_id, cancelled_at=at, reason="patron"
            ),
        )

    def _checkout(self) -> CirculationEvent:
        rng = self.rng
        for _ in range(20):
            title = self._title()
            if title.available:
                break
        else:  # every copy of the titles drawn is on loan: a patron places a hold instead
            return self._hold(title)
        item = rng.choice(sorted(title.available))
        hold_id = None
        library = self._library()
        if title.open_holds and rng.random() < self.plan.checkout_with_hold:
            hold_id, library = title.open_holds.popleft()
            self._hold_open.discard(hold_id)
        self._lend(title, item)
        at = self._tick()
        self._count("checkout_hold" if hold_id else "checkout_walk_in")
        return ItemCheckedOut.create(
            id=self._id(),
            source=SOURCE,
            time=at,
            data=ItemCheckedOutData(
                item_id=item,
                bib_id=title.bib_id,
                library=library,
                checked_out_at=at,
                due_at=at + timedelta(days=28),
                hold_id=hold_id,
            ),
        )

    def events(self, count: int) -> Iterator[CirculationEvent]:
        """The catalogue, then the mix, ``count`` events in all (the catalogue included)."""
        return itertools.islice(itertools.chain(self.catalogue(), self.mix()), count)
