"""The latency floor for ``bench/holds_latency.py``: what the broker alone costs a decision.

A stand-in service that decides nothing: a process that reads the same stream from a topic
of its own (the holds service, idle, does not see it), with the service's fetch wait, and
for every ``ItemReturned`` at once publishes a record naming the item to an output topic,
which the measuring client reads as it reads ``kulkuri.holds.v1``. Its latency is the two
broker hops and the publish that every decision of the real service also makes: no
database, no domain, no outbox. The service's figures over this floor's, in the same run,
are what the service itself adds.

Run as a script, this module is the stand-in: it prints ``ready`` once it reads from the end
of its input topic, and stops when its standard input closes.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from common import Environment
from holds_events import CirculationStream
from holds_latency import measure_latency

from kulkuri.shared.events import ItemReturned
from kulkuri.shared.messaging.topics import ensure_topics
from kulkuri.shared.settings import KafkaSettings

FLOOR_INPUT = "bench.latency-floor.in"
FLOOR_OUTPUT = "bench.latency-floor.out"


async def measure_floor(
    env: Environment, stream: CirculationStream, *, rate: float, seconds: float, partitions: int
) -> dict[str, Any]:
    """The client's figures (``latency_floor_*``) against the stand-in in its own process."""
    await ensure_topics(env.bootstrap, [FLOOR_INPUT, FLOOR_OUTPUT], partitions=partitions)
    stand_in = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--bootstrap",
        env.bootstrap,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert stand_in.stdin is not None and stand_in.stdout is not None
    try:
        async with asyncio.timeout(60):
            line = await stand_in.stdout.readline()
        if line.strip() != b"ready":
            raise RuntimeError(f"latency floor: the stand-in said {line!r}")
        figures = await measure_latency(
            env, stream, rate=rate, seconds=seconds, topics=(FLOOR_INPUT, FLOOR_OUTPUT)
        )
    finally:
        stand_in.stdin.close()
        async with asyncio.timeout(30):
            await stand_in.wait()
    return {key.replace("latency_", "latency_floor_"): value for key, value in figures.items()}


async def echo(bootstrap: str, stop: asyncio.Event) -> None:
    reader = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        fetch_max_wait_ms=KafkaSettings().fetch_max_wait_ms,
    )
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", enable_idempotence=False, linger_ms=0
    )
    await reader.start()
    await producer.start()
    try:
        partitions = sorted(reader.partitions_for_topic(FLOOR_INPUT) or ())
        tps = [TopicPartition(FLOOR_INPUT, p) for p in partitions]
        reader.assign(tps)
        await reader.seek_to_end(*tps)
        for tp in tps:
            await reader.position(tp)
        print("ready", flush=True)
        while not stop.is_set():
            got = await reader.getmany(timeout_ms=50)
            for part in got.values():
                for record in part:
                    assert record.value is not None
                    event = orjson.loads(record.value)
                    if event["type"] != ItemReturned.TYPE:
                        continue
                    decision = {"data": {"item_id": event["data"]["item_id"]}}
                    await producer.send(FLOOR_OUTPUT, orjson.dumps(decision), key=record.key)
    finally:
        await producer.stop()
        await reader.stop()


async def _main(bootstrap: str) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    # Standard input closing is the stop signal: the parent closes it when it has measured.
    loop.add_reader(sys.stdin.fileno(), lambda: stop.set() if not sys.stdin.read(1) else None)
    await echo(bootstrap, stop)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bootstrap", required=True)
    asyncio.run(_main(parser.parse_args().bootstrap))
    return 0


if __name__ == "__main__":
    sys.exit(main())
