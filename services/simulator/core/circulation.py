"""The simulated ILS's circulation events, as the contract in docs/events.md has them.

Ids are the run's and a counter: the same run and seed give the same ids, and a new run (a
new ``run`` name) never repeats an id the services' inboxes have seen. Holds are an opaque
number of the run; nothing names or counts a patron.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

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
from kulkuri.simulator.core.catalogue import Copy, Title

CancelReason = str  # "patron", "expired"


class CirculationFactory:
    def __init__(self, run: str, source: str, loan_period: timedelta) -> None:
        self.run = run
        self.source = source
        self.loan_period = loan_period
        self._events = itertools.count(1)
        self._holds = itertools.count(1)

    def _id(self) -> str:
        return f"sim-{self.run}-e{next(self._events):09d}"

    def new_hold_id(self) -> str:
        return f"sim-{self.run}-h{next(self._holds):08d}"

    def item_added(self, copy: Copy, title: Title, at: datetime) -> CirculationEvent:
        return ItemAdded.create(
            id=self._id(),
            source=self.source,
            time=at,
            data=ItemAddedData(
                item_id=copy.item_id,
                bib_id=copy.bib_id,
                owning_library=copy.owner,
                collection=title.collection,
                format=title.format,
                added_at=at,
            ),
        )

    def checked_out(
        self, item_id: str, bib_id: str, library: str, at: datetime, hold_id: str | None = None
    ) -> CirculationEvent:
        return ItemCheckedOut.create(
            id=self._id(),
            source=self.source,
            time=at,
            data=ItemCheckedOutData(
                item_id=item_id,
                bib_id=bib_id,
                library=library,
                checked_out_at=at,
                due_at=at + self.loan_period,
                hold_id=hold_id,
            ),
        )

    def returned(self, item_id: str, bib_id: str, library: str, at: datetime) -> CirculationEvent:
        return ItemReturned.create(
            id=self._id(),
            source=self.source,
            time=at,
            data=ItemReturnedData(item_id=item_id, bib_id=bib_id, library=library, returned_at=at),
        )

    def hold_placed(
        self, hold_id: str, bib_id: str, pickup: str, at: datetime, valid: timedelta
    ) -> CirculationEvent:
        return HoldPlaced.create(
            id=self._id(),
            source=self.source,
            time=at,
            data=HoldPlacedData(
                hold_id=hold_id,
                bib_id=bib_id,
                pickup_library=pickup,
                placed_at=at,
                expires_at=at + valid,
            ),
        )

    def hold_cancelled(
        self, hold_id: str, bib_id: str, at: datetime, reason: CancelReason
    ) -> CirculationEvent:
        return HoldCancelled.create(
            id=self._id(),
            source=self.source,
            time=at,
            data=HoldCancelledData(
                hold_id=hold_id,
                bib_id=bib_id,
                cancelled_at=at,
                reason="expired" if reason == "expired" else "patron",
            ),
        )
