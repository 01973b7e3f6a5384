"""Three consumers of the holds group in one process, sharing the handler and its title
cache, end in exactly the state the domain reaches applying each title's events in order.

A seeded random stream over a dozen titles (copies added, holds placed and cancelled, loans
with and without a hold, returns anywhere, some of them contradicting the state) is produced
to the circulation topic; the running service handles it in batches spread over the three
consumers, and the titles it stored are compared, field for field, with an in-memory replay
through the same domain calls (an event the domain rejects is skipped there: the service
dead-letters it)."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import asyncpg
import pytest

from kulkuri.holds.adapters.consortium_config import SAMPLE_LASTU, load_consortium_config
from kulkuri.holds.adapters.title_repository import TitleRepository
from kulkuri.holds.domain.errors import RejectedEvent
from kulkuri.holds.domain.title import Title
from kulkuri.holds.service_layer.handlers import DEFAULT_ZONE
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
from kulkuri.shared.messaging import CIRCULATION
from kulkuri.shared.runtime import ServiceRuntime
from tests.integration.holds_runtime import config_for, running_holds
from tests.kafka_tools import encoded, produce
from tests.waiting import eventually, settled

pytestmark = pytest.mark.integration

CONSORTIUM = load_consortium_config(SAMPLE_LASTU)
LIBRARIES = sorted(CONSORTIUM.libraries)[:6]
START = datetime(2026, 8, 3, 7, 0, tzinfo=UTC)
SOURCE = "urn:ils:test"


@pytest.fixture
async def three_consumers(
    bootstrap_servers: str, database_url: str, unique: str
) -> AsyncIterator[ServiceRuntime]:
    config = config_for(f"holds-three-{unique}")
    config.holds.consumers = 3
    config.kafka.max_batch_records = 7  # many small batches, interleaved between consumers
    async with running_holds(
        config,
        bootstrap_servers=bootstrap_servers,
        database_url=database_url,
        consortium=CONSORTIUM,
    ) as runtime:
        yield runtime


def random_stream(unique: str, titles: int = 12, events: int = 400) -> list[CirculationEvent]:
    rng = random.Random(2026)
    at = START
    stream: list[CirculationEvent] = []
    items: dict[str, list[str]] = {}
    holds: dict[str, list[str]] = {}
    for t in range(titles):
        bib = f"bib-{unique}-{t}"
        items[bib], holds[bib] = [], []
        for c in range(rng.randint(1, 3)):
            item = f"{bib}/i{c}"
            items[bib].append(item)
            stream.append(
                ItemAdded.create(
                    id=f"add-{item}",
                    source=SOURCE,
                    time=at,
                    data=ItemAddedData(
                        item_id=item,
                        bib_id=bib,
                        owning_library=rng.choice(LIBRARIES),
                        # Floating and return-to-owner copies: transfers both ways.
                        collection=rng.choice(("adult-fiction", "adult-nonfiction")),
                        format="book",
                        added_at=at,
                    ),
                )
            )
    for n in range(events):
        at += timedelta(minutes=rng.randint(1, 90))
        bib = f"bib-{unique}-{rng.randrange(titles)}"
        library, kind, eid = rng.choice(LIBRARIES), rng.random(), f"ev-{unique}-{n}"
        if kind < 0.3 or not holds[bib]:
            hold = f"{bib}/h{n}"
            holds[bib].append(hold)
            data = HoldPlacedData(hold_id=hold, bib_id=bib, pickup_library=library, placed_at=at)
            stream.append(HoldPlaced.create(id=eid, source=SOURCE, time=at, data=data))
        elif kind < 0.4:
            cancelled = HoldCancelledData(
                hold_id=rng.choice(holds[bib]), bib_id=bib, cancelled_at=at
            )
            stream.append(HoldCancelled.create(id=eid, source=SOURCE, time=at, data=cancelled))
        elif kind < 0.7:
            loan = ItemCheckedOutData(
                item_id=rng.choice(items[bib]),
                bib_id=bib,
                library=library,
                checked_out_at=at,
                hold_id=rng.choice(holds[bib]) if rng.random() < 0.6 else None,
            )
            stream.append(ItemCheckedOut.create(id=eid, source=SOURCE, time=at, data=loan))
        else:
            back = ItemReturnedData(
                item_id=rng.choice(items[bib]), bib_id=bib, library=library, returned_at=at
            )
            stream.append(ItemReturned.create(id=eid, source=SOURCE, time=at, data=back))
    return stream


def apply(title: Title, event: CirculationEvent, today: date) -> None:
    c, d = CONSORTIUM, event.data
    match d:
        case ItemAddedData():
            title.add_item(c, d.item_id, d.owning_library, d.collection, d.format, d.added_at)
        case HoldPlacedData():
            title.place_hold(c, d.hold_id, d.pickup_library, d.placed_at, today=today)
        case HoldCancelledData():
            title.cancel_hold(c, d.hold_id, d.cancelled_at, today=today)
        case ItemCheckedOutData():
            title.item_checked_out(
                c, d.item_id, d.library, d.checked_out_at, hold_id=d.hold_id, today=today
            )
        case ItemReturnedData():
            title.item_returned(c, d.item_id, d.library, d.returned_at, today=today)
        case _:
            raise AssertionError(f"not in this stream: {event.type}")


def replay(stream: list[CirculationEvent]) -> tuple[dict[str, Title], int]:
    """Each title's events in order through the domain; how many it rejected."""
    titles: dict[str, Title] = {}
    rejected = 0
    for event in stream:
        title = titles.setdefault(event.data.bib_id, Title(event.data.bib_id))
        try:
            apply(title, event, event.time.astimezone(DEFAULT_ZONE).date())
        except RejectedEvent:
            rejected += 1
        title.decisions.clear()
    return titles, rejected


async def test_three_consumers_reach_the_state_of_an_in_order_replay(
    three_consumers: ServiceRuntime, bootstrap_servers: str, database_url: str, unique: str
) -> None:
    stream = random_stream(unique)
    expected, rejected = replay(stream)
    assert 0 < rejected < len(stream) // 4, "the stream mixes valid and contradicting events"
    await produce(bootstrap_servers, CIRCULATION, [encoded(e) for e in stream])

    await eventually(
        lambda: settled(database_url, stream),
        timeout=60,
        what="every event handled or dead-lettered",
    )
    conn = await asyncpg.connect(database_url)
    try:
        async with conn.transaction():
            stored = await TitleRepository(conn).load(sorted(expected))
    finally:
        await conn.close()

    group = f"holds-three-{unique}"
    assert sum(c.group_id == group for c in three_consumers.consumers) == 3
    for bib_id, title in expected.items():
        assert stored[bib_id].items == title.items, bib_id
        assert stored[bib_id].holds == title.holds, bib_id
