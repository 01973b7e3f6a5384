"""A small built-in demo producer: plausible circulation events for a real network.

It stands in for a library system until the simulator drives whole days: a catalogue is
added, holds are placed and cancelled, items checked out and returned, and a few broken
events show the dead-letter path. Deterministic for a given seed.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from aiokafka import AIOKafkaProducer

from kulkuri.shared.events import (
    CloudEvent,
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
)
from kulkuri.shared.libraries import LibraryOutlet
from kulkuri.shared.messaging import CIRCULATION
from kulkuri.shared.messaging.security import client_security
from kulkuri.shared.settings import KafkaSettings

SOURCE = "urn:kulkuri:demo"
_FORMATS = ("book", "book", "book", "audiobook", "dvd")
_COLLECTIONS = ("adult-fiction", "adult-nonfiction", "children", "young-adult")


@dataclass(frozen=True)
class DemoPlan:
    titles: int = 60
    holds: int = 80
    seed: int = 2026
    # Each run's ids carry the run: a second run adds a new small world beside the first
    # instead of repeating events the inbox has already seen.
    run: str = "1"


def demo_events(libraries: list[LibraryOutlet], plan: DemoPlan) -> Iterator[CloudEvent]:
    rng = random.Random(plan.seed)
    ids = uuid.uuid5(uuid.UUID(int=rng.getrandbits(128)), plan.run)
    counter = 0

    def next_id() -> str:
        nonlocal counter
        counter += 1
        return str(uuid.uuid5(ids, str(counter)))

    clock = datetime(2026, 8, 3, 9, 0, tzinfo=UTC)
    items: dict[str, list[tuple[str, str]]] = {}
    for t in range(plan.titles):
        bib = f"demo-{plan.run}-bib-{t:05d}"
        for c in range(rng.randint(1, 4)):
            owner = rng.choice(libraries).id
            item = f"demo-{plan.run}-item-{t:05d}-{c}"
            items.setdefault(bib, []).append((item, owner))
            yield ItemAdded.create(
                id=next_id(),
                source=SOURCE,
                time=clock,
                data=ItemAddedData(
                    item_id=item,
                    bib_id=bib,
                    owning_library=owner,
                    collection=rng.choice(_COLLECTIONS),
                    format=rng.choice(_FORMATS),
                    added_at=clock,
                ),
            )
    for h in range(plan.holds):
        clock += timedelta(minutes=rng.randint(1, 9))
        bib = f"demo-{plan.run}-bib-{rng.randrange(plan.titles):05d}"
        hold = f"demo-{plan.run}-hold-{h:05d}"
        pickup = rng.choice(libraries).id
        yield HoldPlaced.create(
            id=next_id(),
            source=SOURCE,
            time=clock,
            data=HoldPlacedData(
                hold_id=hold,
                bib_id=bib,
                pickup_library=pickup,
                placed_at=clock,
                expires_at=clock + timedelta(days=90),
            ),
        )
        item, _owner = rng.choice(items[bib])
        roll = rng.random()
        if roll < 0.15:
            yield HoldCancelled.create(
                id=next_id(),
                source=SOURCE,
                time=clock,
                data=HoldCancelledData(
                    hold_id=hold, bib_id=bib, cancelled_at=clock, reason="patron"
                ),
            )
        elif roll < 0.7:
            yield ItemCheckedOut.create(
                id=next_id(),
                source=SOURCE,
                time=clock,
                data=ItemCheckedOutData(
                    item_id=item, bib_id=bib, library=pickup, checked_out_at=clock, hold_id=hold
                ),
            )
            returned_at = clock + timedelta(days=rng.randint(7, 28))
            yield ItemReturned.create(
                id=next_id(),
                source=SOURCE,
                time=returned_at,
                data=ItemReturnedData(
                    item_id=item,
                    bib_id=bib,
                    library=rng.choice(libraries).id,
                    returned_at=returned_at,
                ),
            )


def broken_records(run: str) -> list[tuple[bytes, bytes]]:
    """Records a careless integration might send: each must be dead-lettered with a reason."""
    when = datetime(2026, 8, 3, 9, 0, tzinfo=UTC)
    unknown_library = HoldPlaced.create(
        id=f"demo-{run}-broken-1",
        source=SOURCE,
        time=when,
        data=HoldPlacedData(
            hold_id=f"demo-{run}-hold-x",
            bib_id=f"demo-{run}-bib-x",
            pickup_library="no-such-library",
            placed_at=when,
        ),
    )
    return [
        (f"demo-{run}-bib-x".encode(), b"{not json"),
        (
            f"demo-{run}-bib-x".encode(),
            b'{"specversion":"1.0","id":"demo-broken-2","source":"urn:x",'
            b'"type":"kulkuri.circulation.book-eaten.v1","time":"2026-08-03T09:00:00Z",'
            b'"data":{}}',
        ),
        (f"demo-{run}-bib-x".encode(), EventCodec.encode(unknown_library)),
    ]


async def produce_demo(
    bootstrap_servers: str,
    libraries: list[LibraryOutlet],
    plan: DemoPlan,
    *,
    events_per_s: float | None = None,
    kafka: KafkaSettings | None = None,
) -> int:
    """Send the demo's events to the circulation topic; returns how many records were sent.
    ``kafka``: the security options to connect with (``None``: plaintext)."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers,
        acks="all",
        enable_idempotence=False,
        linger_ms=5,
        **client_security(kafka),
    )
    await producer.start()
    sent = 0
    try:
        records = [(e.partition_key(), EventCodec.encode(e)) for e in demo_events(libraries, plan)]
        records.extend(broken_records(plan.run))
        for key, value in records:
            await producer.send(CIRCULATION, value=value, key=key)
            sent += 1
            if events_per_s:
                await asyncio.sleep(1 / events_per_s)  # pacing, not synchronisation
        await producer.flush()
    finally:
        await producer.stop()
    return sent
