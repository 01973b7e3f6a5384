"""Return-to-decision latency of the running holds service (the ``--latency`` phase of
``bench/holds.py``): the generator's stream at a fixed rate; every ``ItemReturned``'s send
time is kept by item id, ``kulkuri.holds.v1`` is read from its end, and the first decision
naming that item after the return is its answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
from collections import deque
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from common import Environment
from holds_events import CirculationStream

from kulkuri.shared.events import EventCodec, ItemReturned
from kulkuri.shared.messaging import CIRCULATION, HOLDS
from kulkuri.shared.settings import KafkaSettings


async def measure_latency(
    env: Environment, stream: CirculationStream, *, rate: float, seconds: float
) -> dict[str, Any]:
    # The reader's own fetch wait counts in every figure: as short as the service's.
    reader = AIOKafkaConsumer(
        bootstrap_servers=env.bootstrap,
        enable_auto_commit=False,
        fetch_max_wait_ms=KafkaSettings().fetch_max_wait_ms,
    )
    await reader.start()
    partitions = reader.partitions_for_topic(HOLDS) or set()
    tps = [TopicPartition(HOLDS, p) for p in sorted(partitions)]
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
        bootstrap_servers=env.bootstrap, acks="all", enable_idempotence=False, linger_ms=0
    )
    await producer.start()
    receiver = asyncio.create_task(receive())
    total = int(rate * seconds)
    futures = []
    try:
        mix = stream.mix()
        started = time.perf_counter()
        for i in range(total):
            event = next(mix)
            key, value = event.partition_key(), EventCodec.encode(event)
            delay = started + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            if isinstance(event, ItemReturned):
                returns += 1
                pending.setdefault(event.data.item_id, deque()).append(time.perf_counter_ns())
            futures.append(await producer.send(CIRCULATION, value, key=key))
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
        "latency_events": total,
        "latency_events_per_s": round(total / sent_s, 1),
        "latency_returns": returns,
        "latency_matched": len(ms),
        "latency_decisions_seen": decisions,
        "latency_p50_ms": round(quantiles[49], 2),
        "latency_p90_ms": round(quantiles[89], 2),
        "latency_p99_ms": round(quantiles[98], 2),
        "latency_max_ms": round(ms[-1], 2),
    }
