"""The holds service's handler: circulation and transport events in, allocation decisions out.

Per batch it loads the titles the new events touch (from its ``TitleCache`` when the
database still has them at the cached version, else in one query per table) and, for those
with copies in a rebalance collection, their demand (``adapters/demand.py``, one query),
applies each event to its ``Title`` (``apply.py`` says which command; the pure domain
decides), and at the end saves the changed rows in one statement per table and publishes
their decisions on ``kulkuri.holds.v1``, all inside the batch's transaction.

Circulation events (``kulkuri.circulation.v1``) and transport events
(``kulkuri.transport.v1``) are read by two consumer groups (``bootstrap.py``) sharing this
handler. Both topics are keyed by bib_id, so each topic's events of one title are handled in
order. Between the topics there is no order to keep, since a van's arrival and an ILS
check-in are independent occurrences, and none is needed: a title is changed by one batch
at a time (``TitleRepository.load`` locks it; the cache's versions catch a save made by the
other group), and the domain takes a receipt and a check-in of one copy in either order.
An event that decides nothing (an overdue transfer) leaves its title unchanged, so the save,
which writes only rows that differ, writes nothing for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from kulkuri.holds.adapters.decision_events import decision_event
from kulkuri.holds.adapters.demand import BatchDemand, DemandCounts
from kulkuri.holds.adapters.metrics import HoldsMetrics
from kulkuri.holds.adapters.title_cache import TitleCache
from kulkuri.holds.adapters.title_repository import TitleRepository
from kulkuri.holds.domain.consortium import Consortium
from kulkuri.holds.domain.errors import RejectedEvent, UnknownHold, UnknownItem
from kulkuri.holds.domain.model import UnknownLibrary
from kulkuri.holds.domain.title import Title
from kulkuri.holds.service_layer.apply import APPLY, Advisor, InboundEvent, libraries_named
from kulkuri.shared.errors import InvalidEventError
from kulkuri.shared.events import HoldCancelled, HoldPlaced, ItemAdded, ItemCheckedOut
from kulkuri.shared.events.holds import HoldsEvent
from kulkuri.shared.messaging import HOLDS, Transaction

_BATCH = "holds.circulation"  # the handler's key in Transaction.scratch

# Finnish consortia: "closed today" and the hold-shelf days follow the local calendar.
DEFAULT_ZONE = ZoneInfo("Europe/Helsinki")

__all__ = ["APPLY", "DEFAULT_ZONE", "CirculationHandler", "libraries_named"]


def _hold_named(event: InboundEvent) -> str | None:
    """The hold an event names, which its title must have in memory even if closed."""
    if isinstance(event, HoldPlaced | HoldCancelled | ItemCheckedOut):
        return event.data.hold_id
    return None


def _refuse_ids_of_other_titles(event: InboundEvent, owners: dict[str, str]) -> None:
    if isinstance(event, ItemAdded):
        new_id = event.data.item_id
    elif isinstance(event, HoldPlaced):
        new_id = event.data.hold_id
    else:
        return
    owner = owners.get(new_id)
    if owner is not None and owner != event.data.bib_id:
        raise InvalidEventError(
            "contradicts_state",
            f"{new_id!r} already belongs to title {owner!r}, not {event.data.bib_id!r}",
        )


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


@dataclass
class _Batch:
    """What the handler knows for the length of one batch (kept on its ``Transaction``, so
    consumers sharing the handler each have their own)."""

    repository: TitleRepository
    titles: dict[str, Title]
    owners: dict[str, str]
    demand: BatchDemand | None = None  # None when no title of the batch rebalances
    changed: set[str] = field(default_factory=set)
    outgoing: list[HoldsEvent] = field(default_factory=list)

    @property
    def advisor(self) -> Advisor:
        return None if self.demand is None else self.demand.advisor


class CirculationHandler:
    """Applies circulation and transport events to titles; see the module docstring for the
    batch cycle.

    One handler may serve several consumers at once, of one group or of both: its only state
    between batches is the title cache, whose titles are out of it while a batch works on
    them and come back with the version their batch saved.
    """

    def __init__(
        self,
        consortium: Consortium,
        metrics: HoldsMetrics | None = None,
        zone: ZoneInfo = DEFAULT_ZONE,
        cache: TitleCache | None = None,
    ) -> None:
        self.consortium = consortium
        self.metrics = metrics
        self.zone = zone
        self.cache = TitleCache() if cache is None else cache
        self.demand = DemandCounts(consortium)

    async def begin_batch(self, events: Sequence[InboundEvent], tx: Transaction) -> None:
        repository = TitleRepository(tx.connection, cache=self.cache)
        named: dict[str, str] = {}
        contested = set()  # named by events of more than one title: one is not its owner
        for e in events:
            hold_id = _hold_named(e)
            if hold_id is not None and named.setdefault(hold_id, e.data.bib_id) != e.data.bib_id:
                contested.add(hold_id)
        titles = await repository.load(
            {event.data.bib_id for event in events}, closed_holds=False, named_holds=named
        )
        # Ids are global in the tables but per title in the domain: know who owns the new
        # ones (those their own title does not already have). New hold ids were named to
        # load, which looked up where each is stored.
        owners = await repository.item_owners(
            {
                e.data.item_id
                for e in events
                if isinstance(e, ItemAdded) and e.data.item_id not in titles[e.data.bib_id].items
            }
        )
        owners.update(repository.hold_owners)
        owners.update(await repository.hold_owners_of(contested))
        tx.scratch[_BATCH] = _Batch(
            repository, titles, owners, await self._demand(events, titles, tx)
        )

    async def _demand(
        self, events: Sequence[InboundEvent], titles: dict[str, Title], tx: Transaction
    ) -> BatchDemand | None:
        added = [(e.data.bib_id, e.data.collection) for e in events if isinstance(e, ItemAdded)]
        rebalancing = self.demand.titles_to_count(titles, added)
        if not rebalancing:
            return None
        until = max(event.time for event in events)
        return await self.demand.load(tx.connection, rebalancing, until)

    async def __call__(self, event: InboundEvent, tx: Transaction) -> None:
        for library_id in libraries_named(event):
            if not self.consortium.is_member(library_id):
                raise InvalidEventError(
                    "unknown_library",
                    f"library {library_id!r} is not a member of {self.consortium.name}",
                )
        batch: _Batch = tx.scratch[_BATCH]
        bib_id = event.data.bib_id
        _refuse_ids_of_other_titles(event, batch.owners)
        title = batch.titles[bib_id]  # begin_batch loaded every title of the batch
        already = len(title.decisions)
        placed = event.data if isinstance(event, HoldPlaced) else None
        new_hold = placed is not None and placed.hold_id not in title.holds
        try:
            APPLY[type(event)](
                title, self.consortium, event, self._today(event.time), batch.advisor
            )
        except (RejectedEvent, UnknownLibrary) as exc:
            raise InvalidEventError(_reason(exc), str(exc)) from None
        decided_at = event.time
        for index, decision in enumerate(title.decisions[already:]):
            batch.outgoing.append(
                decision_event(
                    decision,
                    bib_id=bib_id,
                    cause=event.dedupe_key,
                    index=index,
                    decided_at=decided_at,
                )
            )
        del title.decisions[already:]
        batch.changed.add(bib_id)
        if isinstance(event, ItemAdded):
            batch.owners[event.data.item_id] = bib_id
        elif placed is not None:
            batch.owners[placed.hold_id] = bib_id
            if new_hold and batch.demand is not None:  # demand the table does not hold yet
                batch.demand.hold_placed(bib_id, placed.pickup_library)

    async def end_batch(self, tx: Transaction) -> None:
        batch: _Batch = tx.scratch.pop(_BATCH)
        await batch.repository.save(batch.titles[b] for b in batch.changed)
        batch.repository.keep(batch.titles.values())
        for event in batch.outgoing:
            tx.publish(HOLDS, event)
        if self.metrics is not None:
            self.metrics.count(batch.outgoing)

    def _today(self, at: datetime) -> date:
        return at.astimezone(self.zone).date()
