"""One stream, two runs: through the services without faults, then again while they, the broker
and the database are killed, restarted and paused. Their final states must be identical.

Both runs use the harness's private PostgreSQL server (a fresh database each) and their own
Tansu broker: the reference run on memory storage (nothing restarts it), the faulty run on
s3 storage on the harness's moto server, so a broker restart keeps the topics, records and
committed offsets. The faulty run has two holds instances in one consumer group (a paused
one must lose its partitions to the other) and one transport instance.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

from kulkuri.shared.local import ensure_database
from kulkuri.shared.messaging import CIRCULATION, HOLDS
from kulkuri.shared.messaging.topics import ensure_topics
from tests.reliability.fault_group import describe_group
from tests.reliability.fault_parts import DurableBroker, PrivatePostgres, S3Server, free_port
from tests.reliability.fault_plan import Fault, FaultCounts, FaultKind, plan_faults
from tests.reliability.fault_services import ServiceProcess, common_env, holds_env
from tests.reliability.fault_state import Comparison, Snapshot, compare, take_snapshot
from tests.reliability.fault_stream import Stream, circulation_stream, produce, segment_bounds
from tests.waiting import eventually

HOLDS_GROUP = "kulkuri-holds"
PARTITIONS = 3
HOLDS_INSTANCES = ("holds-a", "holds-b")
TRANSPORT_INSTANCE = "transport"
# What a consumer logs when a rebalance refused its offset commit (shared/messaging): a
# member dropped from its group with a batch in hand, or one caught by a rebalance.
COMMIT_REFUSED = "offset commit failed after a rebalance"

Log = Callable[[str], None]


@dataclass(frozen=True)
class HarnessOptions:
    work_dir: Path  # logs of every process, kept for a look after a failure
    events: int = 6_000
    faults: FaultCounts = field(default_factory=FaultCounts)
    seed: int = 2026
    titles: int | None = None
    ready_timeout_s: float = 90.0
    settle_timeout_s: float = 300.0


@dataclass(frozen=True)
class StruckFault:
    fault: Fault
    handled: int  # events of the stream handled when it struck
    seconds: float  # how long the fault took (a pause: until the group had dropped the member)


@dataclass
class RunResult:
    name: str
    wall_s: float  # from the first record produced until every effect was published
    snapshot: Snapshot
    services: list[ServiceProcess]
    struck: list[StruckFault] = field(default_factory=list)

    def total(self, attribute: str) -> int:
        return sum(int(getattr(s, attribute)) for s in self.services)

    def log_count(self, text: str) -> int:
        return sum(s.log_count(text) for s in self.services)


@dataclass(frozen=True)
class HarnessReport:
    options: HarnessOptions
    stream: Stream
    reference: RunResult
    faulty: RunResult
    comparison: Comparison
    wall_s: float


async def run_harness(options: HarnessOptions, log: Log = print) -> HarnessReport:
    """Build the stream, run it twice, compare. Every process started here is stopped here."""
    began = time.monotonic()
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)  # reconnect noise while faulted
    options.work_dir.mkdir(parents=True, exist_ok=True)
    stream = circulation_stream(options.events, seed=options.seed, titles=options.titles)
    log(f"stream: {len(stream)} events over {stream.titles} titles {stream.counts}")
    postgres = PrivatePostgres()
    s3 = S3Server(options.work_dir / "moto.log")
    try:
        await postgres.start()
        await s3.start()
        reference = await _run(options, stream, postgres, s3, None, log)
        plan = plan_faults(
            options.faults,
            seed=options.seed,
            kill_targets=(*HOLDS_INSTANCES, TRANSPORT_INSTANCE),
            pause_targets=HOLDS_INSTANCES,
        )
        faulty = await _run(options, stream, postgres, s3, plan, log)
    finally:
        await s3.stop()
        await postgres.stop()
    comparison = compare(reference.snapshot, faulty.snapshot)
    return HarnessReport(options, stream, reference, faulty, comparison, time.monotonic() - began)


_SETTLED_SQL = (
    "SELECT (SELECT count(*) FROM holds.inbox),"
    " (SELECT count(*) FROM holds.outbox WHERE published_at IS NULL),"
    " (SELECT count(*) FROM holds.outbox WHERE topic = $1),"
    " (SELECT count(*) FROM transport.inbox),"
    " (SELECT count(*) FROM transport.outbox WHERE published_at IS NULL)"
)


class _Progress:
    """Reads how far a run is from its database, riding out the database's restarts."""

    def __init__(self, database_url: str, stream: Stream) -> None:
        self.database_url = database_url
        self.events = len(stream)
        self._conn: asyncpg.Connection | None = None

    async def _fetch(self, sql: str, *args: object) -> asyncpg.Record | None:
        try:
            if self._conn is None or self._conn.is_closed():
                self._conn = await asyncpg.connect(self.database_url, timeout=5)
            return await self._conn.fetchrow(sql, *args)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            await self.close()
            return None  # restarting, or the services have not migrated yet

    async def handled(self) -> int:
        row = await self._fetch("SELECT count(*) FROM holds.inbox")
        return -1 if row is None else int(row[0])

    async def settled(self) -> bool:
        """Every event handled, every decision published and handled by transport, and
        everything transport decided published: nothing is left in flight."""
        row = await self._fetch(_SETTLED_SQL, HOLDS)
        if row is None:
            return False
        handled, unpublished, decisions, transported, transport_unpublished = row
        return bool(
            handled == self.events
            and unpublished == 0
            and transported == decisions
            and transport_unpublished == 0
        )

    async def describe(self) -> str:
        """Where a run that does not settle got stuck."""
        row = await self._fetch(_SETTLED_SQL, HOLDS)
        if row is None:
            return "the database does not answer"
        names = ("handled", "unpublished", "decisions", "handled by transport", "unpublished")
        return ", ".join(f"{n} {v}" for n, v in zip(names, row, strict=True)) + f" of {self.events}"

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            conn.terminate()


async def _run(
    options: HarnessOptions,
    stream: Stream,
    postgres: PrivatePostgres,
    s3: S3Server,
    plan: list[Fault] | None,
    log: Log,
) -> RunResult:
    """The reference run when ``plan`` is ``None``; else the faulty run, striking ``plan``."""
    faulty = plan is not None
    plan = plan or []
    name = "faulty" if faulty else "reference"
    work = options.work_dir
    storage = "s3://tansu/" if faulty else "memory://tansu/"
    broker = DurableBroker(s3, work / f"{name}-tansu.log", storage=storage)
    database = f"kulkuri_{name}"
    await ensure_database(postgres.url(), database)
    database_url = postgres.url(database)
    services: list[ServiceProcess] = []
    progress = _Progress(database_url, stream)
    try:
        await broker.start()
        await ensure_topics(broker.bootstrap_servers, [CIRCULATION], partitions=PARTITIONS)
        services = _services(name, broker.bootstrap_servers, database_url, work, faulty=faulty)
        await asyncio.gather(*(s.start() for s in services))
        for service in services:
            await eventually(service.ready, timeout=options.ready_timeout_s, what=service.name)
        log(f"{name}: {len(services)} service processes ready on {storage}")
        began = time.monotonic()
        struck = await _replay(options, stream, plan, services, broker, postgres, progress, log)
        try:
            await eventually(progress.settled, timeout=options.settle_timeout_s, interval=0.2)
        except AssertionError:
            raise AssertionError(f"{name} run never settled: {await progress.describe()}") from None
        wall_s = time.monotonic() - began
        log(f"{name}: settled in {wall_s:.1f}s")
        await asyncio.gather(*(s.stop() for s in services))
        snapshot = await take_snapshot(database_url, broker.bootstrap_servers)
        return RunResult(name, wall_s, snapshot, services, struck)
    finally:
        await progress.close()
        await asyncio.gather(*(s.stop() for s in services))
        await broker.stop()


async def _replay(
    options: HarnessOptions,
    stream: Stream,
    plan: list[Fault],
    services: list[ServiceProcess],
    broker: DurableBroker,
    postgres: PrivatePostgres,
    progress: _Progress,
    log: Log,
) -> list[StruckFault]:
    """Produce the stream a segment at a time, each fault striking during its segment."""
    began = time.monotonic()
    struck = []
    for index, (start, end) in enumerate(segment_bounds(len(stream), len(plan) + 1)):
        fault = plan[index] if index < len(plan) else None
        if fault is not None:
            await _recovered(fault, services, broker, options.ready_timeout_s)
        await produce(broker.bootstrap_servers, CIRCULATION, stream.records[start:end])
        if fault is None:
            continue
        await _handled_at_least(
            progress, start + round(fault.at * (end - start)), options.settle_timeout_s
        )
        struck.append(await _strike(fault, services, broker, postgres, progress))
        log(f"faulty: {_describe(struck[-1], time.monotonic() - began)}")
    return struck


def _services(
    name: str, bootstrap: str, database_url: str, work: Path, *, faulty: bool
) -> list[ServiceProcess]:
    """The reference: one holds instance (three consumers) and transport. The faulty run: two
    holds instances of two consumers each in one group, and transport."""

    def env(instance: str) -> dict[str, str]:
        return common_env(
            bootstrap=bootstrap,
            database_url=database_url,
            http_port=free_port(),
            client_id=f"kulkuri-{instance}",
        )

    holds = HOLDS_INSTANCES if faulty else ("holds",)
    consumers = 2 if faulty else 3
    processes = [
        ServiceProcess(
            instance,
            ("holds", "run"),
            {**env(instance), **holds_env(consumers)},
            work / f"{name}-{instance}.log",
        )
        for instance in holds
    ]
    processes.append(
        ServiceProcess(
            TRANSPORT_INSTANCE,
            ("transport", "run"),
            env(TRANSPORT_INSTANCE),
            work / f"{name}-{TRANSPORT_INSTANCE}.log",
        )
    )
    return processes


async def _recovered(
    fault: Fault, services: list[ServiceProcess], broker: DurableBroker, timeout: float
) -> None:
    """Before a fault's segment is produced: every service back from the last fault, and for
    a pause both holds instances in the group, so the fault lands on a working system."""
    for service in services:
        await eventually(service.ready, timeout=timeout, what=f"{service.name} ready")
    if fault.kind is FaultKind.PAUSE:
        prefixes = [_member_prefix(s) for s in services if s.name in HOLDS_INSTANCES]

        async def all_members() -> bool:
            group = await describe_group(broker.bootstrap_servers, HOLDS_GROUP)
            return group is not None and group.stable and all(group.of(p) for p in prefixes)

        await eventually(all_members, timeout=timeout, interval=0.2, what="holds group whole")


def _member_prefix(service: ServiceProcess) -> str:
    return f"{service.client_id}-holds-"


async def _handled_at_least(progress: _Progress, target: int, timeout: float) -> None:
    async def reached() -> bool:
        return await progress.handled() >= target

    await eventually(reached, timeout=timeout, interval=0.02, what=f"{target} events handled")


async def _strike(
    fault: Fault,
    services: list[ServiceProcess],
    broker: DurableBroker,
    postgres: PrivatePostgres,
    progress: _Progress,
) -> StruckFault:
    handled = await progress.handled()
    started = time.monotonic()
    by_name = {s.name: s for s in services}
    match fault.kind:
        case FaultKind.KILL:
            assert fault.target is not None
            by_name[fault.target].kill()
        case FaultKind.BROKER_RESTART:
            await broker.restart()
        case FaultKind.POSTGRES_RESTART:
            await postgres.restart()
        case FaultKind.PAUSE:
            assert fault.target is not None
            victim = by_name[fault.target]
            survivor = next(by_name[n] for n in HOLDS_INSTANCES if n != fault.target)
            return StruckFault(fault, handled, await _pause_until_dropped(broker, victim, survivor))
    return StruckFault(fault, handled, time.monotonic() - started)


async def _pause_until_dropped(
    broker: DurableBroker, victim: ServiceProcess, survivor: ServiceProcess
) -> float:
    """SIGSTOP the victim; SIGCONT it once the broker has dropped all its members and the
    group is stable with the survivor's. Returns the seconds it stayed paused."""

    async def victim_dropped() -> bool:
        group = await describe_group(broker.bootstrap_servers, HOLDS_GROUP)
        return (
            group is not None
            and group.stable
            and group.of(_member_prefix(victim)) == 0
            and group.of(_member_prefix(survivor)) > 0
        )

    paused_at = victim.pause()
    try:
        await eventually(victim_dropped, timeout=90, interval=0.2, what="the paused member dropped")
    finally:
        victim.resume()
    return time.monotonic() - paused_at


def _describe(struck: StruckFault, elapsed: float) -> str:
    return (
        f"[{elapsed:6.1f}s] {struck.fault.describe()}: struck with {struck.handled} events"
        f" handled, took {struck.seconds:.1f}s"
    )
