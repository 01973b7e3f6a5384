"""Return-to-decision latency of the running holds service (the ``--latency`` phase of
``bench/holds.py``): the generator's stream at a fixed rate; every ``ItemReturned``'s send
time is kept by item id, ``kulkuri.holds.v1`` is read from its end, and the first decision
naming that item after the return is its answer.

The measuring client (the producer standing for the ILS and the reader standing for the
transport service) runs in a process of its own, as they do in a deployment: in the
service's process their work would queue on the service's event loop and count in every
figure. ``in_process=True`` keeps the earlier set-up, to compare.

Run as a script, this module is that client: it reads the pre-encoded records from
``--input`` and prints its figures as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import tempfile
import time
from collections import deque
from pathlib import Path
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from common import Environment
from holds_events import CirculationStream

from kulkuri.shared.events import EventCodec, ItemReturned
from kulkuri.shared.messaging import CIRCULATION, HOLDS
from kulkuri.shared.settings import KafkaSettings

# (key, value, item id of an ItemReturned or None)
Outgoing = tuple[bytes | None, bytes, str | None]


async def measure_latency(
    env: Environment,
    stream: CirculationStream,
    *,
    rate: float,
    seconds: float,
    in_process: bool = False,
    topics: tuple[str, str] = (CIRCULATION, HOLDS),
) -> dict[str, Any]:
    """``topics``: where the returns go and where their answers come from (the floor's
    stand-in reads and writes topics of its own)."""
    outgoing = _encode(stream, int(rate * seconds))
    if in_process:
        return await measure(env.bootstrap, outgoing, rate=rate, topics=topics)
    with tempfile.TemporaryDirectory() as scratch:
        records = Path(scratch) / "records.json"
        records.write_bytes(orjson.dumps([_text(record) for record in outgoing]))
        client = await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "--bootstrap",
            env.bootstrap,
            "--input",
            str(records),
            "--rate",
            str(rate),
            "--topics",
            *topics,
            stdout=asyncio.subprocess.PIPE,
        )
        out, _ = await client.communicate()
    if client.returncode != 0:
        raise RuntimeError(f"latency client exited with {client.returncode}")
    figures: dict[str, Any] = orjson.loads(out.splitlines()[-1])
    return figures


def _text(record: Outgoing) -> tuple[str | None, str, str | None]:
    key, value, item = record  # latin-1 keeps every byte
    return (None if key is None else key.decode("latin-1"), value.decode("latin-1"), item)


def _bytes(record: list[Any]) -> Outgoing:
    key, value, item = record
    return (None if key is None else key.encode("latin-1"), value.encode("latin-1"), item)


def _encode(stream: CirculationStream, total: int) -> list[Outgoing]:
    mix = stream.mix()
    outgoing: list[Outgoing] = []
    for _ in range(total):
        event = next(mix)
        item = event.data.item_id if isinstance(event, ItemReturned) else None
        outgoing.append((event.partition_key(), EventCodec.encode(event), item))
    return outgoing


async def measure(
    bootstrap: str,
    outgoing: list[Outgoing],
    *,
    rate: float,
    topics: tuple[str, str] = (CIRCULATION, HOLDS),
) -> dict[str, Any]:
    into, answers = topics
    # The reader's own fetch wait counts in every figure: as short as the service's.
    reader = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        fetch_max_wait_ms=KafkaSettings().fetch_max_wait_ms,
    )
    await reader.start()
    partitions = reader.partitions_for_topic(answers) or set()
    tps = [TopicPartition(answers, p) for p in sorted(partitions)]
    reader.assign(tps)
    await reader.seek_to_end(*tps)
    for tp in tps:
        await reader.position(tp)  # resolve the end offsets before anything is produced
    pending: dict[str, deque[int]] = {}
    latencies_ns: list[int] = []
    decisions = 0
    stop = asyncio.Event()
    all_matched = asyncio.Event()
    returns = 0
    sending = True

    async def receive() -> None:
        nonlocal decisions
        while not stop.is_set():
            got = await reader.getmany(timeout_ms=50)
            now = time.perf_counter_ns()
            for part in got.values():
                for record in part:
                    decisions += 1
                    assert record.value is not None
                    item = orjson.loads(record.value)["data"].get("item_id")
                    queue = pending.get(item) if item is not None else None
                    if queue:
                        latencies_ns.append(now - queue.popleft())
            if not sending and len(latencies_ns) >= returns:
                all_matched.set()

    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", enable_idempotence=False, linger_ms=0
    )
    await producer.start()
    receiver = asyncio.create_task(receive())
    futures = []
    try:
        started = time.perf_counter()
        for i, (key, value, returned_item) in enumerate(outgoing):
            delay = started + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)  # pacing the sender, not waiting on a condition
            if returned_item is not None:
                returns += 1
                pending.setdefault(returned_item, deque()).append(time.perf_counter_ns())
            futures.append(await producer.send(into, value, key=key))
        sent_s = time.perf_counter() - started
        await asyncio.gather(*futures)
        sending = False
        with contextlib.suppress(TimeoutError):  # reported as fewer matched than returns
            await asyncio.wait_for(all_matched.wait(), timeout=15.0)
    finally:
        stop.set()
        await receiver
        await producer.stop()
        await reader.stop()
    ms = sorted(ns / 1e6 for ns in latencies_ns)
    if not ms:
        raise RuntimeError("latency: no decision matched a return")
    quantiles = statistics.quantiles(ms, n=100, method="inclusive")
    return {
        "latency_events": len(outgoing),
        "latency_events_per_s": round(len(outgoing) / sent_s, 1),
        "latency_returns": returns,
        "latency_matched": len(ms),
        "latency_decisions_seen": decisions,
        "latency_p50_ms": round(quantiles[49], 2),
        "latency_p90_ms": round(quantiles[89], 2),
        "latency_p99_ms": round(quantiles[98], 2),
        "latency_max_ms": round(ms[-1], 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--input", type=Path, required=True, help="[key, value, item] as JSON")
    parser.add_argument("--rate", type=float, required=True, help="events/s")
    parser.add_argument("--topics", nargs=2, default=[CIRCULATION, HOLDS], help="in, answers")
    args = parser.parse_args()
    outgoing = [_bytes(record) for record in orjson.loads(args.input.read_bytes())]
    topics = (args.topics[0], args.topics[1])
    figures = asyncio.run(measure(args.bootstrap, outgoing, rate=args.rate, topics=topics))
    print(orjson.dumps(figures).decode())
    return 0


if __name__ == "__main__":
    sys.exit(main())
