"""Valid circulation events for the Lastu consortium, as an ILS sends them: each with an id
of its own, times moving forward, keyed by the title."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import asyncpg

from kulkuri.shared.events import (
    CirculationEvent,
    EventCodec,
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
    ItemWithdrawn,
    ItemWithdrawnData,
)
from tests.reliability.fuzz_kafka import Outgoing

HOLLOLA, ASIKKALA, HEINOLA, LAHTI = "85708", "85033", "85381", "85910"
# Sent home when returned elsewhere, so a return at another library is routed by van.
GOES_HOME = "adult-nonfiction"
START = datetime(2026, 8, 3, 8, 0, tzinfo=UTC)  # a Monday, every Lastu library open


class Circulation:
    """Builds one ILS's events; ``run`` keeps one test's ids apart from every other's."""

    def __init__(self, run: str, source: str = "urn:ils:reliability") -> None:
        self.run = run
        self.source = source
        self._numbers = itertools.count()

    def _next(self) -> tuple[str, datetime]:
        n = next(self._numbers)
        return f"{self.run}-{n}", START + timedelta(seconds=n)

    def item_added(self, item: str, bib: str, owner: str, collection: str = GOES_HOME) -> ItemAdded:
        id, at = self._next()
        data = ItemAddedData(
            item_id=item,
            bib_id=bib,
            owning_library=owner,
            collection=collection,
            format="book",
            added_at=at,
        )
        return ItemAdded.create(id=id, source=self.source, time=at, data=data)

    def hold_placed(self, hold: str, bib: str, pickup: str) -> HoldPlaced:
        id, at = self._next()
        data = HoldPlacedData(hold_id=hold, bib_id=bib, pickup_library=pickup, placed_at=at)
        return HoldPlaced.create(id=id, source=self.source, time=at, data=data)

    def hold_cancelled(self, hold: str, bib: str) -> HoldCancelled:
        id, at = self._next()
        data = HoldCancelledData(hold_id=hold, bib_id=bib, cancelled_at=at, reason="patron")
        return HoldCancelled.create(id=id, source=self.source, time=at, data=data)

    def withdrawn(self, item: str, bib: str, owner: str) -> ItemWithdrawn:
        id, at = self._next()
        data = ItemWithdrawnData(item_id=item, bib_id=bib, owning_library=owner, withdrawn_at=at)
        return ItemWithdrawn.create(id=id, source=self.source, time=at, data=data)

    def checked_out(self, item: str, bib: str, library: str) -> ItemCheckedOut:
        id, at = self._next()
        data = ItemCheckedOutData(item_id=item, bib_id=bib, library=library, checked_out_at=at)
        return ItemCheckedOut.create(id=id, source=self.source, time=at, data=data)

    def returned(self, item: str, bib: str, library: str) -> ItemReturned:
        id, at = self._next()
        data = ItemReturnedData(item_id=item, bib_id=bib, library=library, returned_at=at)
        return ItemReturned.create(id=id, source=self.source, time=at, data=data)


def outgoing(event: CirculationEvent) -> Outgoing:
    return Outgoing(
        event.partition_key(),
        EventCodec.encode(event),
        (("content-type", b"application/cloudevents+json"),),
    )


async def handled_keys(database_url: str, keys: list[str], schema: str = "holds") -> set[str]:
    """Which of the events' keys (source and id) the service's inbox holds."""
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch(
            f"SELECT event_key FROM {schema}.inbox WHERE event_key = ANY($1::text[])", keys
        )
    finally:
        await conn.close()
    return {row[0] for row in rows}
