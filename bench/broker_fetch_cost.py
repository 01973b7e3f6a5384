"""What a fetch costs on Tansu's memory store as a partition fills, by record batches.

Three one-partition topics on a private broker, each given one record to start with:
``few`` then gets the records in batches of ``--records-per-batch``, ``many`` the same
records one to a batch (as a trickle of events is produced), and ``one`` nothing more. At
each stage the round trip "fetch the last record of the partition" is timed on each (median
of ``--samples``), with a produce of one record beside it; the figures are ratios to the
one-record topic's fetch in the same run. This is why
the Helmet year runs on a broker restarted empty every so many days
(``bench/broker_swap.py``).

    .venv/bin/python bench/broker_fetch_cost.py [--batches 40000] [--stages 2]
        [--records-per-batch 100] [--samples 50] [--output bench/results/broker_fetch_cost.json]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from common import BROKER, RESULTS_DIR, machine_summary, write_results

from kulkuri.shared.local import LocalBroker

TOPICS = ("one", "few", "many")
VALUE = b"v" * 300  # about a circulation event's size


async def fetch_ms(bootstrap: str, topic: str, samples: int) -> float:
    """Median ms to fetch the partition's last record (seek, then fetch)."""
    tp = TopicPartition(topic, 0)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign([tp])
        end = (await consumer.end_offsets([tp]))[tp]
        took = []
        for _ in range(samples):
            consumer.seek(tp, max(end - 1, 0))
            began = time.perf_counter()
            await consumer.getmany(tp, timeout_ms=2000)
            took.append((time.perf_counter() - began) * 1000)
        return round(statistics.median(took), 2)
    finally:
        await consumer.stop()


async def produce_ms(producer: AIOKafkaProducer, topic: str, samples: int) -> float:
    took = []
    for _ in range(samples):
        began = time.perf_counter()
        await producer.send_and_wait(topic, VALUE, partition=0)
        took.append((time.perf_counter() - began) * 1000)
    return round(statistics.median(took), 2)


async def fill(producer: AIOKafkaProducer, topic: str, batches: int, per_batch: int) -> None:
    for start in range(0, batches, 200):
        sent = []
        for _ in range(min(200, batches - start)):
            batch = producer.create_batch()
            for _ in range(per_batch):
                batch.append(key=None, value=VALUE, timestamp=None)
            batch.close()
            sent.append(await producer.send_batch(batch, topic, partition=0))
        await asyncio.gather(*sent)


async def measured(args: argparse.Namespace) -> dict[str, Any]:
    result: dict[str, Any] = {"broker": BROKER, "records_per_batch_few": args.records_per_batch}
    with LocalBroker() as broker:
        bootstrap = broker.bootstrap_servers
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        await admin.start()
        await admin.create_topics([NewTopic(t, 1, 1) for t in TOPICS])
        await admin.close()
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=False)
        await producer.start()
        try:
            for topic in TOPICS:
                await producer.send_and_wait(topic, VALUE, partition=0)
            for stage in range(args.stages + 1):
                if stage:
                    few = args.batches // args.records_per_batch
                    await fill(producer, "many", args.batches, 1)
                    await fill(producer, "few", few, args.records_per_batch)
                records = stage * args.batches
                fetches = {t: await fetch_ms(bootstrap, t, args.samples) for t in TOPICS}
                produce = await produce_ms(producer, "one", args.samples)
                key = f"after_{records}_records"
                result[f"{key}_fetch_one_record_ms"] = fetches["one"]
                result[f"{key}_fetch_few_batches_ms"] = fetches["few"]
                result[f"{key}_fetch_single_record_batches_ms"] = fetches["many"]
                result[f"{key}_produce_ms"] = produce
                ratio = round(fetches["many"] / fetches["one"], 1)
                result[f"{key}_single_record_batches_ratio_to_one_record"] = ratio
                print(
                    f"{records:>7} records: fetch from one record {fetches['one']} ms,"
                    f" in {records // args.records_per_batch} batches {fetches['few']} ms,"
                    f" in {records} batches {fetches['many']} ms ({ratio}x one);"
                    f" produce {produce} ms",
                    flush=True,
                )
        finally:
            await producer.stop()
    return result


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--batches", type=int, default=40_000, help="single-record batches a stage")
    parser.add_argument("--stages", type=int, default=2)
    parser.add_argument("--records-per-batch", type=int, default=100)
    parser.add_argument("--samples", type=int, default=50)
    default = RESULTS_DIR / "broker_fetch_cost.json"
    parser.add_argument("--output", type=Path, default=default)
    args = parser.parse_args(argv)
    if min(args.batches, args.stages, args.records_per_batch, args.samples) < 1:
        parser.error("every count must be positive")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    summary = asyncio.run(measured(args)) | machine_summary()
    summary["command"] = "python bench/broker_fetch_cost.py " + " ".join(
        sys.argv[1:] if argv is None else argv
    )
    write_results(args.output, summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
