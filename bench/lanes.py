"""Lane-demand benchmark: a Helmet-size day of transfer moves through the faust lane worker,
then its cut-off, against a bare aiokafka loop doing the same folding in the same run.

The day: ``--transfers`` transfers between the Helmet outlets (one lane each, drawn at
random), requested between the previous day's cut-off and this one's; each is pulled and
packed (15 copies to a crate per lane) and a share ``--loaded`` is loaded onto a van before
the cut-off. Every move is a real ``transfer-moved`` event on a private Tansu broker.

Measured: the worker's start (process start until its tables are recovered and its agents
run), its folding rate (ready until every move is committed; offsets are committed every
0.2 s here), and the cut-off (an on-demand publication asked on the control topic until the
``lane-demand`` event is read back). The raw figures: an ``aiokafka`` ``getmany`` loop that
decodes the same events and folds them with the same ledger into a dict (first to last
record), and the same demand built and encoded from that dict.

    .venv/bin/python bench/lanes.py [--transfers 30000] [--cutoffs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import statistics
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.structs import TopicPartition
from common import RESULTS_DIR, machine_summary, print_table, write_results

from kulkuri.shared.events import EventCodec, TransferMoved, TransferMovedData
from kulkuri.shared.events.lanes import DEMAND_EVENTS, MOVEMENT_EVENTS
from kulkuri.shared.libraries import load_outlets
from kulkuri.shared.local import LocalBroker
from kulkuri.transport.lanes import ledger
from kulkuri.transport.lanes.app import demand_event
from kulkuri.transport.lanes.commands import Publish, send_commands
from kulkuri.transport.lanes.process import LaneWorkerProcess
from kulkuri.transport.lanes.settings import LaneConfig, LaneSettings
from kulkuri.transport.lanes.worker import declare_topics

DAY = dt.date(2026, 8, 4)
CRATE_SIZE = 15


def day_of_moves(transfers: int, loaded: float, seed: int = 2026) -> list[tuple[bytes, bytes]]:
    rng = random.Random(seed)
    libraries = [outlet.id for outlet in load_outlets("Helmet")]
    cutoff = LaneSettings().cutoff_rule()
    start = cutoff.instant(DAY - dt.timedelta(days=1))
    span = (cutoff.instant(DAY) - start).total_seconds()
    packed_on: dict[tuple[str, str], int] = defaultdict(int)
    moves: list[tuple[float, TransferMoved]] = []
    for n in range(transfers):
        origin, destination = rng.sample(libraries, 2)
        tid = f"i{n:07d}:1"
        requested = rng.uniform(0, span * 0.8)
        crate = f"c-{origin}-{destination}-{packed_on[origin, destination] // CRATE_SIZE}"
        packed_on[origin, destination] += 1
        steps = [("requested", None), ("pulled", None), ("packed", crate)]
        if rng.random() < loaded:
            steps.append(("loaded", crate))
        for step, (status, crate_id) in enumerate(steps):
            at = start + dt.timedelta(seconds=requested + step * span * 0.05)
            on_van = status == "loaded"
            data = TransferMovedData(
                transfer_id=tid,
                item_id=tid[:-2],
                status=status,
                location=None if on_van else origin,
                next_stop=None if on_van else destination,
                to_library=destination,
                crate_id=crate_id,
                moved_at=at,
            )
            event = TransferMoved.create(id=f"{tid}:{status}", source="urn:b", time=at, data=data)
            moves.append((at.timestamp(), event))
    moves.sort(key=lambda pair: pair[0])
    return [(e.partition_key(), EventCodec.encode(e)) for _, e in moves]


async def produce(bootstrap: str, topic: str, moves: list[tuple[bytes, bytes]]) -> dict[int, int]:
    """All moves, many in flight; each partition's end offset from the brokers' answers
    (Tansu's own end-offset figure reads low for batched records)."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", enable_idempotence=False, linger_ms=20
    )
    await producer.start()
    ends: dict[int, int] = {}
    try:
        for offset in range(0, len(moves), 20_000):
            chunk = moves[offset : offset + 20_000]
            pending = [await producer.send(topic, value, key=key) for key, value in chunk]
            for meta in await asyncio.gather(*pending):
                ends[meta.partition] = max(ends.get(meta.partition, 0), meta.offset + 1)
    finally:
        await producer.stop()
    return ends


async def raw_loop(bootstrap: str, topic: str, count: int) -> tuple[float, float, ledger.DayDemand]:
    """The bare loop: moves/s from first to last record, and the cut-off's ms."""
    codec: EventCodec[TransferMoved] = EventCodec(MOVEMENT_EVENTS)  # type: ignore[arg-type]
    cutoff = LaneSettings().cutoff_rule()
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"raw-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        fetch_max_wait_ms=20,
    )
    await consumer.start()
    entries: dict[str, ledger.Entry] = {}
    seen, first = 0, 0.0
    try:
        while seen < count:
            batch = await consumer.getmany(timeout_ms=500, max_records=500)
            for record in (r for part in batch.values() for r in part):
                first = first or time.perf_counter()
                d = codec.decode(record.value).data
                move = ledger.Move(
                    d.transfer_id, d.status, d.location, d.next_stop, d.crate_id, d.moved_at
                )
                entry = ledger.fold(entries.get(d.transfer_id), move, cutoff)
                if entry is not None:
                    entries[d.transfer_id] = entry
                seen += 1
        moves_s = time.perf_counter() - first
    finally:
        await consumer.stop()
    started = time.perf_counter()
    counted = ledger.demand(entries.values(), DAY)
    now = dt.datetime.now(dt.UTC)
    EventCodec.encode(demand_event(counted, cutoff.instant(DAY), now, 1))
    return count / moves_s, 1000 * (time.perf_counter() - started), counted


async def committed_all(bootstrap: str, group: str, topic: str, ends: dict[int, int]) -> bool:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group)
    await consumer.start()
    try:
        for partition, end in ends.items():
            if (await consumer.committed(TopicPartition(topic, partition)) or 0) < end:
                return False
        return True
    finally:
        await consumer.stop()


async def cutoffs(bootstrap: str, settings: LaneSettings, times: int) -> tuple[list[float], Any]:
    """Ask for ``times`` publications one after the other; ms from request to event read."""
    codec = EventCodec(DEMAND_EVENTS)
    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap, fetch_max_wait_ms=20)
    await reader.start()
    latencies, event = [], None
    try:
        await reader.topics()  # fetches the cluster's metadata
        parts = reader.partitions_for_topic(settings.demand_topic) or set()
        reader.assign([TopicPartition(settings.demand_topic, p) for p in parts])
        await reader.seek_to_end()
        for _ in range(times):
            started = time.perf_counter()
            await send_commands(bootstrap, settings, [Publish(DAY)])
            while event is None:
                batch = await reader.getmany(timeout_ms=1000)
                records = [r for part in batch.values() for r in part]
                event = codec.decode(records[-1].value) if records else None
            latencies.append(1000 * (time.perf_counter() - started))
            last, event = event, None
    finally:
        await reader.stop()
    return latencies, last


async def main(args: argparse.Namespace) -> None:
    moves = day_of_moves(args.transfers, args.loaded)
    print(f"{args.transfers:,} transfers, {len(moves):,} moves", flush=True)
    settings = LaneSettings(app_id="bench-lanes", timer_interval_s=3600)
    broker = LocalBroker()
    await asyncio.to_thread(broker.start)
    try:
        bootstrap = broker.bootstrap_servers
        await declare_topics(LaneConfig(lanes=settings), bootstrap)
        ends = await produce(bootstrap, settings.movements_topic, moves)
        raw_rate, raw_cutoff_ms, raw_demand = await raw_loop(
            bootstrap, settings.movements_topic, len(moves)
        )
        print(f"raw loop: {raw_rate:,.0f} moves/s, demand in {raw_cutoff_ms:.1f} ms", flush=True)
        env = {"TRANSPORT_LANES_APP_ID": settings.app_id}
        env |= {"TRANSPORT_LANES_TIMER_INTERVAL_S": "3600", "LOG_LEVEL": "WARNING"}
        env |= {"TRANSPORT_LANES_COMMIT_INTERVAL_S": "0.2"}
        worker = LaneWorkerProcess(bootstrap, env, startup_timeout=120)
        await asyncio.to_thread(worker.start)
        try:
            ready = time.perf_counter()
            deadline = ready + 600
            while not await committed_all(
                bootstrap, settings.app_id, settings.movements_topic, ends
            ):
                if time.perf_counter() > deadline:
                    raise TimeoutError(f"moves not all folded after 600 s{worker.log_tail()}")
                await asyncio.sleep(0.1)  # the interval of polling the committed offsets
            fold_s = time.perf_counter() - ready
            latencies, published = await cutoffs(bootstrap, settings, args.cutoffs)
        finally:
            await asyncio.to_thread(worker.stop)
    finally:
        await asyncio.to_thread(broker.stop)
    assert published.data.items == raw_demand.items, "the worker and the raw loop disagree"
    assert published.data.crates == raw_demand.crates
    summary = {
        "transfers": args.transfers,
        "moves": len(moves),
        "libraries": len({lane.lane.from_library for lane in raw_demand.lanes}),
        "lanes": len(raw_demand.lanes),
        "items_waiting": raw_demand.items,
        "crates_waiting": raw_demand.crates,
        "worker_start_s": round(worker.started_in_s or 0.0, 2),
        "moves_per_s": round(len(moves) / fold_s),
        "raw_moves_per_s": round(raw_rate),
        "ratio_to_raw": round(len(moves) / fold_s / raw_rate, 4),
        "cutoff_ms": round(statistics.median(latencies), 1),
        "cutoff_runs_ms": [round(x, 1) for x in latencies],
        "raw_cutoff_ms": round(raw_cutoff_ms, 1),
        "single_record_batches": settings.single_record_batches,
        **machine_summary(),
    }
    rows = [[key, str(value)] for key, value in summary.items()]
    print_table(["figure", "value"], rows, "<<")
    write_results(args.output, summary)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transfers", type=int, default=30_000)
    parser.add_argument("--loaded", type=float, default=0.4, help="share loaded before cut-off")
    parser.add_argument("--cutoffs", type=int, default=5, help="publications to time")
    parser.add_argument("--output", type=Path, default=RESULTS_DIR / "lanes.json")
    asyncio.run(main(parser.parse_args()))
