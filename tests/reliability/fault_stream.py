"""The circulation stream the harness replays: bench/holds_events.py's coherent generator on
the Lastu consortium, encoded once, cut into segments and produced one segment at a time.

Faults strike while a segment is being handled, so the stream is produced in parts rather
than at once: a small stream would otherwise be handled before the first fault could land.
"""

from __future__ import annotations

import asyncio
import itertools
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from aiokafka import AIOKafkaProducer

from kulkuri.holds.adapters.consortium_config import SAMPLE_LASTU, load_consortium_config
from kulkuri.shared.events import EventCodec

# bench/ is a folder of scripts, not a package: its generator is imported the way its own
# scripts import it, by putting the folder on the path.
_BENCH = Path(__file__).resolve().parents[2] / "bench"
if str(_BENCH) not in sys.path:
    sys.path.append(str(_BENCH))

from holds_events import CirculationStream, Plan  # noqa: E402

Record = tuple[bytes, bytes]  # Kafka key (the bib_id) and value


@dataclass(frozen=True)
class Stream:
    """Encoded records in production order, and each event's inbox key (source and id)."""

    records: list[Record]
    event_keys: list[str]
    counts: dict[str, int]
    titles: int

    def __len__(self) -> int:
        return len(self.records)


def circulation_stream(events: int, *, seed: int, titles: int | None = None) -> Stream:
    """``events`` events (the catalogue's ``ItemAdded`` first) among Lastu's libraries. By
    default one title per 20 events (at least 200), so queues form and copies move."""
    libraries = sorted(load_consortium_config(SAMPLE_LASTU).libraries)
    title_count = titles if titles is not None else max(200, events // 20)
    generator = CirculationStream(libraries, Plan(titles=title_count, seed=seed))
    records: list[Record] = []
    keys: list[str] = []
    for event in generator.events(events):
        records.append((event.partition_key(), EventCodec.encode(event)))
        keys.append(event.dedupe_key)
    if len(set(keys)) != len(keys):
        raise ValueError("the generator repeated an event id")
    return Stream(records, keys, dict(generator.counts), title_count)


def segment_bounds(total: int, parts: int) -> list[tuple[int, int]]:
    """``parts`` consecutive (start, end) slices of ``total`` records, as even as can be."""
    if parts < 1 or parts > total:
        raise ValueError(f"cannot cut {total} records into {parts} segments")
    edges = [round(total * i / parts) for i in range(parts + 1)]
    return list(itertools.pairwise(edges))


async def produce(bootstrap: str, topic: str, records: Sequence[Record]) -> None:
    """Send every record and wait for every acknowledgement (acks=all). Large batches: the
    s3 storage engine writes an object per batch."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        enable_idempotence=False,
        linger_ms=20,
        max_batch_size=1024 * 1024,
        request_timeout_ms=30_000,
    )
    await producer.start()
    try:
        sent = [await producer.send(topic, key=key, value=value) for key, value in records]
        await asyncio.gather(*sent)
    finally:
        await producer.stop()
