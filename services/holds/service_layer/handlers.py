"""The holds service's handler: circulation events in, allocation decisions out.

Per batch it loads the titles the new events touch in one query, applies each event to its
``Title`` (the pure domain decides), and at the end saves the changed titles in one
statement per table and publishes their decisions on ``kulkuri.holds.v1``, all inside the
batch's transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from kulkuri.holds.adapters.decision_events import decision_event
from kulkuri.holds.adapters.metrics import HoldsMetrics
from kulkuri.holds.adapters.title_repository import TitleRepository
from kulkuri.holds.domain.consortium import Consortium
from kulkuri.holds.domain.errors import RejectedEvent, UnknownHold, UnknownItem
from kulkuri.holds.domain.model import UnknownLibrary
from kulkuri.holds.domain.title import Title
from kulkuri.shared.errors import InvalidEventError
from kulkuri.shared.events import (
    CirculationEvent,
    HoldCancelled,
    HoldPlaced,
    ItemAdded,
    ItemCheckedOut,
    ItemReturned,
    ItemWithdrawn,
)
from kulkuri.shared.events.holds import HoldsEvent
from kulkuri.shared.messaging import HOLDS, Transaction

# Finnish consortia: "closed today" and the hold-shelf days follow the local calendar.
DEFAULT_ZONE = ZoneInfo("Europe/Helsinki")

Apply = Callable[[Title, Consortium, Any, date], None]


def _hold_placed(title: Title, c: Consortium, e: HoldPlaced, today: date) -> None:
    d = e.data
    title.place_hold(c, d.hold_id, d.pickup_library, d.placed_at, d.expires_at, today=today)


def _hold_cancelled(title: Title, c: Consortium, e: HoldCancelled, today: date) -> None:
    d = e.data
    title.cancel_hold(c, d.hold_id, d.cancelled_at, expired=d.reason == "expired", today=today)


def _item_added(title: Title, c: Consortium, e: ItemAdded, today: date) -> None:
    d = e.data
    title.add_item(c, d.item_id, d.owning_library, d.collection, d.format, d.added_at, today=today)


def _item_withdrawn(title: Title, c: Consortium, e: ItemWithdrawn, today: date) -> None:
    title.withdraw_item(c, e.data.item_id, e.data.withdrawn_at, today=today)


def _item_checked_out(title: Title, c: Consortium, e: ItemCheckedOut, today: date) -> None:
    d = e.data
    title.item_checked_out(
        c, d.item_id, d.library, d.checked_out_at, hold_id=d.hold_id, today=today
    )


def _item_returned(title: Title, c: Consortium, e: ItemReturned, today: date) -> None:
    d = e.data
    title.item_returned(c, d.item_id, d.library, d.returned_at, today=today)


APPLY: dict[type[CirculationEvent], Apply] = {
    HoldPlaced: _hold_placed,
    HoldCancelled: _hold_cancelled,
    ItemAdded: _item_added,
    ItemWithdrawn: _item_withdrawn,
    ItemCheckedOut: _item_checked_out,
    ItemReturned: _item_returned,
}


def libraries_named(event: CirculationEvent) -> list[str]:
    data = event.data
    return [
        getattr(data, attr)
        for attr in ("pickup_library", "library", "owning_library")
        if getattr(data, attr, None) is not None
    ]


def _reason(exc: Exception) -> str:
    match exc:
        case UnknownLibrary():
            return "unknown_library"
        case UnknownItem():
            return "unknown_item"
        case UnknownHold():
            return "unknown_hold"
        case _:
            return "contradicts_state"


class CirculationHandler:
    """Applies circulation events to titles; see the module docstring for the batch cycle."""

    def __init__(
        self,
        consortium: Consortium,
        metrics: HoldsMetrics | None = None,
        zone: ZoneInfo = DEFAULT_ZONE,
    ) -> None:
        self.consortium = consortium
        self.metrics = metrics
        self.zone = zone
        self._titles: dict[str, Title] = {}
        self._changed: set[str] = set()
        self._outgoing: list[HoldsEvent] = []
        self._owners: dict[str, str] = {}

    async def begin_batch(self, events: Sequence[CirculationEvent], tx: Transaction) -> None:
        repository = TitleRepository(tx.connection)
        self._titles = await repository.load({event.data.bib_id for event in events})
        # Ids are global in the tables but per title in the domain: know who owns the new ones.
        self._owners = await repository.titles_of(
            {e.data.item_id for e in events if isinstance(e, ItemAdded)},
            {e.data.hold_id for e in events if isinstance(e, HoldPlaced)},
        )
        self._changed = set()
        self._outgoing = []

    async def __call__(self, event: CirculationEvent, tx: Transaction) -> None:
        for library_id in libraries_named(event):
            if not self.consortium.is_member(library_id):
                raise InvalidEventError(
                    "unknown_library",
                    f"library {library_id!r} is not a member of {self.consortium.name}",
                )
        bib_id = event.data.bib_id
        self._refuse_ids_of_other_titles(event)
        title = self._titles[bib_id]  # begin_batch loaded every title of the batch
        already = len(title.decisions)
        try:
            APPLY[type(event)](title, self.consortium, event, self._today(event.time))
        except (RejectedEvent, UnknownLibrary) as exc:
            raise InvalidEventError(_reason(exc), str(exc)) from None
        decided_at = event.time
        for index, decision in enumerate(title.decisions[already:]):
            self._outgoing.append(
                decision_event(
                    decision,
                    bib_id=bib_id,
                    cause=event.dedupe_key,
                    index=index,
                    decided_at=decided_at,
                )
            )
        del title.decisions[already:]
        self._changed.add(bib_id)
        if isinstance(event, ItemAdded):
            self._owners[event.data.item_id] = bib_id
        elif isinstance(event, HoldPlaced):
            self._owners[event.data.hold_id] = bib_id

    def _refuse_ids_of_other_titles(self, event: CirculationEvent) -> None:
        if isinstance(event, ItemAdded):
            new_id = event.data.item_id
        elif isinstance(event, HoldPlaced):
            new_id = event.data.hold_id
        else:
            return
        owner = self._owners.get(new_id)
        if owner is not None and owner != event.data.bib_id:
            raise InvalidEventError(
                "contradicts_state",
                f"{new_id!r} already belongs to title {owner!r}, not {event.data.bib_id!r}",
            )

    async def end_batch(self, tx: Transaction) -> None:
        await TitleRepository(tx.connection).save(self._titles[b] for b in self._changed)
        for event in self._outgoing:
            tx.publish(HOLDS, event)
        if self.metrics is not None:
            self.metrics.count(self._outgoing)
        self._titles, self._changed, self._outgoing = {}, set(), []

    def _today(self, at: datetime) -> date:
        return at.astimezone(self.zone).date()
