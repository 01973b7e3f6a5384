"""The holds service as several processes (``--processes`` of ``bench/holds.py``): replicas
of one consumer group, each the same runtime the one-process run builds, as a deployment
scales the service out.

The parent cannot read the replicas' registries, so it times the run by the group's
committed offsets (read by a consumer that names the group without joining it) and checks
the outcome in the database: every event of the topic in the inbox or dead-lettered.

Run as a script, this module is one replica: it runs until SIGTERM, then stops gracefully.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition
from common import Environment
from prometheus_client import CollectorRegistry

from kulkuri.holds.adapters.consortium_config import parse_consortium_config, write_sample_config
from kulkuri.holds.bootstrap import build_runtime
from kulkuri.holds.config import HoldsConfig
from kulkuri.shared.messaging import CIRCULATION, HOLDS
from kulkuri.shared.messaging.topics import dead_letter_topic
from kulkuri.shared.observability.metrics import MessagingMetrics
from kulkuri.shared.runtime import tune_gc_for_batches

READY = "replica ready"
POLL_S = 0.1


@dataclass(frozen=True)
class GroupRun:
    """The group's run from its first committed batch to its N-th record."""

    events: int  # records committed after the first batch
    seconds: float

    @property
    def events_per_s(self) -> float:
        return self.events / self.seconds


@contextlib.asynccontextmanager
async def replicas(
    env: Environment, count: int, *, batch: int, partitions: int, consumers: int
) -> AsyncIterator[list[asyncio.subprocess.Process]]:
    """``count`` replicas, started together; yields when every one has joined the work."""
    started = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            *("--bootstrap", env.bootstrap, "--db-url", env.db_url),
            *("--batch", str(batch), "--partitions", str(partitions)),
            *("--consumers", str(consumers)),
            stdout=asyncio.subprocess.PIPE,
        )
        for _ in range(count)
    ]
    try:
        for process in started:
            assert process.stdout is not None
            async with asyncio.timeout(120):
                while (line := await process.stdout.readline()) and READY not in line.decode():
                    pass
            if process.returncode is not None:
                raise RuntimeError(f"a replica exited with {process.returncode} at start")
        yield started
    finally:
        for process in started:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
        for process in started:
            await process.wait()


async def measure_group(
    env: Environment, group: str, events: int, *, stall_timeout_s: float
) -> GroupRun:
    """Wait until the group has committed ``events`` records of the topic; time it from the
    first committed batch (its records not counted), as the one-process run does."""
    reader = AIOKafkaConsumer(bootstrap_servers=env.bootstrap, group_id=group)
    await reader.start()
    try:
        partitions = [
            TopicPartition(CIRCULATION, p)
            for p in sorted(reader.partitions_for_topic(CIRCULATION) or ())
        ]
        first: tuple[float, int] | None = None
        last_progress, last_total = time.monotonic(), 0
        while True:
            total = 0
            for tp in partitions:
                total += await reader.committed(tp) or 0
            now = time.monotonic()
            if total != last_total:
                last_progress, last_total = now, total
            if first is None and total > 0:
                first = (time.perf_counter(), total)
            if total >= events:
                assert first is not None
                return GroupRun(total - first[1], time.perf_counter() - first[0])
            if now - last_progress > stall_timeout_s:
                raise RuntimeError(f"replicas stalled after {total} of {events} records")
            await asyncio.sleep(POLL_S)  # polling the broker's committed offsets
    finally:
        await reader.stop()


async def group_outcome(db_url: str) -> dict[str, Any]:
    """What the database says the replicas did."""
    conn = await asyncpg.connect(db_url)
    try:
        inbox = await conn.fetchval("SELECT count(*) FROM holds.inbox")
        by_topic = dict(await conn.fetch("SELECT topic, count(*) FROM holds.outbox GROUP BY 1"))
    finally:
        await conn.close()
    dead = by_topic.get(dead_letter_topic(CIRCULATION), 0)
    return {
        "inbox_rows": int(inbox),
        "dead_lettered": int(dead),
        "decisions_published": int(by_topic.get(HOLDS, 0)),
    }


async def run_replica(args: argparse.Namespace) -> None:
    # Imported here: bench/holds_runs.py imports this module.
    from holds_runs import holds_config

    env = Environment(args.bootstrap, args.db_url)
    config: HoldsConfig = holds_config(env, args.batch, args.partitions, args.consumers)
    consortium = parse_consortium_config(write_sample_config("Helmet"), source="<Helmet sample>")
    runtime = build_runtime(
        config,
        database_url=args.db_url,
        bootstrap_servers=args.bootstrap,
        metrics=MessagingMetrics(CollectorRegistry()),
        consortium=consortium,
    )
    async with runtime:
        tune_gc_for_batches()
        service = asyncio.create_task(runtime.run(), name="holds-replica")
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, runtime.request_stop)
        print(READY, flush=True)
        await service


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--db-url", required=True)
    parser.add_argument("--batch", type=int, required=True)
    parser.add_argument("--partitions", type=int, required=True)
    parser.add_argument("--consumers", type=int, required=True)
    asyncio.run(run_replica(parser.parse_args()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
