"""Scan benchmark: "pulled" scans per second through the transport service's HTTP API.

The workload is a library's morning pull list: staff at one library (Hollola, ``85708``, a
staff token of that library) scan N distinct copies off the shelf and their handhelds upload
the reads in batches of B (default 25) to ``POST /transport/scans/batch``, C handhelds
(default 4) at once, each with its own keep-alive ``httpx.AsyncClient``. Each scan carries
``scanned_at`` and (unless ``--no-scan-ids``) a ``scan_id``, as an upload after a stretch
offline does. Every copy has one requested transfer from Hollola to another Lastu library.

The service runs as it does in production, in its own process: ``kulkuri transport run``
(uvicorn, the transport runtime with its consumers, outbox relay and periodic jobs, GC tuned
by the entry point) on a private Tansu broker and a scratch database. A separate process
keeps the client's CPU out of the server's one Python core; the machine's cores are still
shared by server, PostgreSQL, broker and client, so the CPU time of each is reported.

The transfers are set up before the server takes traffic (not measured): the transport's own
domain and repository (``TransportLedger.request`` in a ``TransportUnitOfWork``, one
set-based save per 1,000), i.e. the rows the holds-decision consumer would write. Each run
gets its own copies, so every scan is a real "requested → pulled".

Variants, each run ``--repeats`` times in alternating order (median reported):

``api``
    N scans in batches of B over HTTP by C clients (the figure: ``scans_per_s``).
``raw``
    The same database work in its simplest form, by C asyncpg connections in this process:
    per batch of B one transaction with one ``UPDATE ... SET status, location,
    status_since, history = history || step WHERE item_id = $1 AND <open>`` per scan, on
    ``bench_raw.transfers``, a copy of ``transport.transfers`` (same rows, same indexes).
``single``
    ``--single-scans`` scans one per request to ``POST /transport/scans`` by C clients.
``raw_single``
    The ``raw`` UPDATE, one transaction per scan, by C connections.

Each run checks its result: every scan answered 200 and ``accepted``, and exactly that many
transfers ``pulled`` in the database afterwards (for raw: rows updated). Time runs from the
first request to the last answer. Set-up, timing and results: ``bench/common.py``; the
figures: docs/benchmarks.md.

Run from the repository root::

    .venv/bin/python bench/scans.py [--scans 10000] [--batch 25] [--clients 4]
        [--single-scans 1500] [--repeats 3] [--output bench/results/scans.json]
        [--no-scan-ids] [--no-write] [--profile-server FILE]

``--profile-server FILE``: run the server under cProfile (stats to FILE when it stops); the
figures of such a run are slowed by the profiler and not written unless ``--output`` is given.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import asyncpg
import httpx
import orjson
from common import (
    RESULTS_DIR,
    Environment,
    Mark,
    bench_environment,
    machine_summary,
    print_table,
    run_order,
    write_results,
)

from kulkuri.shared.auth import Role, TokenAuthority
from kulkuri.shared.libraries import load_outlets
from kulkuri.shared.messaging import Transaction
from kulkuri.transport.domain import TransferReason, TransferRequest
from kulkuri.transport.domain.legs import PackingMode
from kulkuri.transport.service_layer.legs_policy import Legs
from kulkuri.transport.service_layer.unit_of_work import TransportUnitOfWork

LIBRARY = "85708"  # Hollola: the library pulling its list
HUB = "85910"  # Lahden pääkirjasto, the Lastu sorting hub
NETWORK = "Lastu"
SECRET = "bench-secret-of-at-least-thirty-two-bytes"  # noqa: S105
DEFAULT_OUTPUT = RESULTS_DIR / "scans.json"
SETUP_CHUNK = 1_000
WARMUP_SCANS = 500
READY_TIMEOUT_S = 120.0
RUN_TIMEOUT_S = 600.0
ENDED = "('received', 'cancelled', 'missing')"
RAW_SQL = (
    "UPDATE bench_raw.transfers SET status = 'pulled', location = $2, status_since = $3, "
    "history = history || $4::jsonb "
    f"WHERE item_id = $1 AND status NOT IN {ENDED}"
)
VARIANTS = ("api", "raw", "single", "raw_single")
REQUESTED_AT = datetime(2026, 8, 3, 6, 0, tzinfo=UTC)


# -- the server -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Server:
    """``kulkuri transport run`` in a child process; its output goes to a temporary file."""

    process: subprocess.Popen[bytes]
    base_url: str
    log: IO[bytes]

    @property
    def pid(self) -> int:
        return self.process.pid

    def tail(self, lines: int = 30) -> str:
        self.log.flush()
        self.log.seek(0)
        return b"".join(self.log.readlines()[-lines:]).decode(errors="replace")


def start_server(env: Environment, profile: Path | None) -> Server:
    port = free_port()
    script = Path(sys.executable).parent / "kulkuri"
    command = [sys.executable, str(script), "transport", "run"]
    if profile is not None:
        command[1:1] = ["-m", "cProfile", "-o", str(profile)]
    child_env = os.environ | {
        "KAFKA_BOOTSTRAP_SERVERS": env.bootstrap,
        "KAFKA_SESSION_TIMEOUT_MS": "6000",
        "DATABASE_URL": env.db_url,
        "TRANSPORT_TOKEN_SECRET": SECRET,
        "TRANSPORT_HUB": HUB,
        "TRANSPORT_NETWORK": NETWORK,
        "TRANSPORT_CONSUMER_GROUP": "bench-transport",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_PORT": str(port),
    }
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed by stop_server)
    process = subprocess.Popen(command, env=child_env, stdout=log, stderr=subprocess.STDOUT)
    return Server(process, f"http://127.0.0.1:{port}", log)


async def wait_ready(server: Server) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    async with httpx.AsyncClient(base_url=server.base_url) as client:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                raise RuntimeError(f"the server exited:\n{server.tail()}")
            with contextlib.suppress(httpx.TransportError):
                if (await client.get("/readyz")).status_code == 200:
                    return
            await asyncio.sleep(0.2)
    raise RuntimeError(f"the server was not ready in {READY_TIMEOUT_S:.0f}s:\n{server.tail()}")


def stop_server(server: Server) -> None:
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()
    server.log.close()


# -- set-up: transfers and the raw table ----------------------------------------------------


def item_ids(variant: str, run: int, count: int) -> list[str]:
    return [f"bench-{variant}-{run}-{i:06d}" for i in range(count)]


async def create_transfers(db_url: str, items: Sequence[str]) -> float:
    """One requested transfer per copy, from :data:`LIBRARY` to another Lastu library."""
    destinations = [o.id for o in load_outlets(NETWORK) if o.id != LIBRARY]
    legs = Legs(hub=HUB, packing=PackingMode.BY_DESTINATION)
    started = time.perf_counter()
    conn = await asyncpg.connect(db_url)
    try:
        for offset in range(0, len(items), SETUP_CHUNK):
            chunk = items[offset : offset + SETUP_CHUNK]
            async with conn.transaction():
                uow = TransportUnitOfWork(conn, legs.waiting_stop)
                ledger = await uow.transfers.load(item_ids=chunk)
                for n, item in enumerate(chunk, start=offset):
                    request = TransferRequest(
                        transfer_id=f"{item}:1",
                        item_id=item,
                        bib_id=f"bib-{item}",
                        from_library=LIBRARY,
                        to_library=destinations[n % len(destinations)],
                        reason=TransferReason.HOLD,
                        hold_id=f"hold-{item}",
                    )
                    ledger.request(request, REQUESTED_AT)
                # The events go nowhere: the relay should not publish set-up while we measure.
                await uow.commit(Transaction(conn))
        await conn.execute("VACUUM ANALYZE transport.transfers")
        await conn.execute("CREATE SCHEMA bench_raw")
        await conn.execute(
            "CREATE TABLE bench_raw.transfers (LIKE transport.transfers INCLUDING ALL)"
        )
        await conn.execute(
            "INSERT INTO bench_raw.transfers OVERRIDING SYSTEM VALUE "
            "SELECT * FROM transport.transfers"
        )
        await conn.execute("VACUUM ANALYZE bench_raw.transfers")
    finally:
        await conn.close()
    return time.perf_counter() - started


async def count_pulled(db_url: str, table: str, items: Sequence[str]) -> int:
    conn = await asyncpg.connect(db_url)
    try:
        count: int = await conn.fetchval(
            f"SELECT count(*) FROM {table} WHERE item_id = ANY($1::text[]) AND status = 'pulled'",
            list(items),
        )
        return count
    finally:
        await conn.close()


# -- CPU of the other processes -------------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process from ``/proc/<pid>/stat`` (0 once it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime


def processes_named(*names: str, parent: int | None = None) -> list[int]:
    """Processes whose ``comm`` is one of ``names`` (children of ``parent`` only, if given)."""
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            with contextlib.suppress(OSError, ValueError):
                if proc.joinpath("comm").read_text().strip() not in names:
                    continue
                stat = proc.joinpath("stat").read_text()
                if parent is None or int(stat[stat.rindex(")") + 2 :].split()[1]) == parent:
                    pids.append(int(proc.name))
    return pids


@dataclass
class CpuProbe:
    """CPU seconds of the server process, of PostgreSQL (all its processes; backends come
    and go, so the set is read again at each mark and one that exits between marks is not
    counted) and of this process's Tansu broker."""

    server_pid: int
    broker_pids: list[int]

    @classmethod
    def start(cls, server_pid: int) -> CpuProbe:
        return cls(server_pid, processes_named("tansu", parent=os.getpid()))

    def read(self) -> tuple[float, float, float]:
        return (
            cpu_seconds(self.server_pid),
            sum(map(cpu_seconds, processes_named("postgres", "postmaster"))),
            sum(map(cpu_seconds, self.broker_pids)),
        )


# -- one run --------------------------------------------------------------------------------


@dataclass
class Run:
    variant: str
    scans: int
    requests: int
    first: Mark
    last: Mark
    server_cpu_s: float
    postgres_cpu_s: float
    broker_cpu_s: float
    latencies_s: list[float] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return self.last.wall - self.first.wall

    @property
    def scans_per_s(self) -> float:
        return self.scans / self.seconds

    @property
    def client_cpu_share(self) -> float:
        return (self.last.cpu - self.first.cpu) / self.seconds

    @property
    def server_cpu_share(self) -> float:
        return self.server_cpu_s / self.seconds

    @property
    def postgres_cpu_share(self) -> float:
        return self.postgres_cpu_s / self.seconds

    @property
    def broker_cpu_share(self) -> float:
        return self.broker_cpu_s / self.seconds

    def describe(self) -> str:
        return (
            f"{self.scans_per_s:>8,.0f} scans/s ({self.seconds:.2f}s, {self.requests} "
            f"requests/transactions; CPU client {self.client_cpu_share:.0%}, server "
            f"{self.server_cpu_share:.0%}, PostgreSQL {self.postgres_cpu_share:.0%}, broker "
            f"{self.broker_cpu_share:.0%})"
        )


async def timed(
    variant: str,
    probe: CpuProbe,
    work: Sequence[Sequence[str]],
    clients: int,
    make_worker: Callable[[int], Awaitable[Callable[[Sequence[str]], Awaitable[None]]]],
    close: Callable[[], Awaitable[None]],
) -> Run:
    """Hand out ``work`` (lists of copies, one per request) to ``clients`` workers."""
    workers = [await make_worker(i) for i in range(clients)]
    queue = deque(work)
    latencies: list[float] = []

    async def drive(worker: Callable[[Sequence[str]], Awaitable[None]]) -> None:
        while queue:
            unit = queue.popleft()
            started = time.perf_counter()
            await worker(unit)
            latencies.append(time.perf_counter() - started)

    try:
        before = probe.read()
        first = Mark.now()
        async with asyncio.timeout(RUN_TIMEOUT_S):
            await asyncio.gather(*(drive(w) for w in workers))
        last = Mark.now()
        after = probe.read()
    finally:
        await close()
    scans = sum(len(unit) for unit in work)
    server_s, postgres_s, broker_s = (b - a for a, b in zip(before, after, strict=True))
    return Run(variant, scans, len(work), first, last, server_s, postgres_s, broker_s, latencies)


def scan_body(item: str, scan_ids: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "pulled",
        "barcode": item,
        "library": LIBRARY,
        "scanned_at": datetime.now(UTC).isoformat(),
    }
    if scan_ids:
        body["scan_id"] = f"hh-{item}"
    return body


async def run_api(
    server: Server,
    probe: CpuProbe,
    items: Sequence[str],
    *,
    batch: int,
    clients: int,
    scan_ids: bool,
    variant: str = "api",
) -> Run:
    """Over HTTP: batches of ``batch`` to /batch, or one scan per request to /scans if 0."""
    single = batch == 0
    size = 1 if single else batch
    token = TokenAuthority(SECRET).issue(Role.STAFF, library=LIBRARY)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    opened: list[httpx.AsyncClient] = []

    async def make_worker(_: int) -> Callable[[Sequence[str]], Awaitable[None]]:
        client = httpx.AsyncClient(base_url=server.base_url, headers=headers, timeout=60.0)
        opened.append(client)
        await client.get("/healthz")  # open the keep-alive connection before timing

        async def send(unit: Sequence[str]) -> None:
            if single:
                content = orjson.dumps(scan_body(unit[0], scan_ids))
                answer = await client.post("/transport/scans", content=content)
                if answer.status_code != 200 or answer.json()["outcome"] != "accepted":
                    raise AssertionError(f"{variant}: {answer.status_code} {answer.text}")
                return
            content = orjson.dumps({"scans": [scan_body(i, scan_ids) for i in unit]})
            answer = await client.post("/transport/scans/batch", content=content)
            if answer.status_code != 200 or answer.json()["accepted"] != len(unit):
                raise AssertionError(f"{variant}: {answer.status_code} {answer.text[:500]}")

        return send

    async def close() -> None:
        for client in opened:
            await client.aclose()

    work = [items[i : i + size] for i in range(0, len(items), size)]
    return await timed(variant, probe, work, clients, make_worker, close)


async def run_raw(
    db_url: str,
    probe: CpuProbe,
    items: Sequence[str],
    *,
    batch: int,
    clients: int,
    variant: str = "raw",
) -> Run:
    """The baseline: one UPDATE per scan, ``batch`` per transaction (1 if ``batch`` is 0)."""
    size = max(batch, 1)
    connections: list[asyncpg.Connection] = []

    async def make_worker(_: int) -> Callable[[Sequence[str]], Awaitable[None]]:
        conn = await asyncpg.connect(db_url)
        connections.append(conn)

        async def update(unit: Sequence[str]) -> None:
            async with conn.transaction():
                for item in unit:
                    at = datetime.now(UTC)
                    step = orjson.dumps(
                        [
                            {
                                "status": "pulled",
                                "at": at.isoformat(),
                                "where": LIBRARY,
                                "detail": "pulled from the shelf",
                            }
                        ]
                    ).decode()
                    status = await conn.execute(RAW_SQL, item, LIBRARY, at, step)
                    if status != "UPDATE 1":
                        raise AssertionError(f"{variant}: {item}: {status}")

        return update

    async def close() -> None:
        for conn in connections:
            await conn.close()

    work = [items[i : i + size] for i in range(0, len(items), size)]
    return await timed(variant, probe, work, clients, make_worker, close)


# -- driver ---------------------------------------------------------------------------------


def quantile_ms(values: Sequence[float], q: int) -> float:
    """The q-th percentile of ``values`` (seconds) in milliseconds."""
    if len(values) < 2:
        return round(1000 * values[0], 2) if values else 0.0
    return round(1000 * statistics.quantiles(values, n=100, method="inclusive")[q - 1], 2)


def plan(args: argparse.Namespace) -> dict[tuple[str, int], list[str]]:
    """The copies each (variant, repeat) scans: nobody scans a copy twice."""
    sizes = {"api": args.scans, "raw": args.scans}
    sizes |= {"single": args.single_scans, "raw_single": args.single_scans}
    return {
        (v, r): item_ids(v, r, sizes[v])
        for r in range(1, args.repeats + 1)
        for v in VARIANTS
        if sizes[v] > 0
    }


async def benchmark(args: argparse.Namespace) -> dict[str, Any]:
    runs: dict[str, list[Run]] = {v: [] for v in VARIANTS}
    work = plan(args)
    warmup = item_ids("warmup", 0, WARMUP_SCANS)
    async with bench_environment("scans") as env:
        server = start_server(env, args.profile_server)
        try:
            await wait_ready(server)  # migrations are done once it is ready
            total = sum(map(len, work.values())) + len(warmup)
            print(f"setting up {total:,} requested transfers ...", flush=True)
            setup_s = await create_transfers(
                env.db_url, [*warmup, *(i for items in work.values() for i in items)]
            )
            print(f"set up in {setup_s:.1f}s", flush=True)
            probe = CpuProbe.start(server.pid)
            await run_api(
                server,
                probe,
                warmup,
                batch=args.batch,
                clients=args.clients,
                scan_ids=args.scan_ids,
                variant="warmup",
            )
            variants = [v for v in VARIANTS if (v, 1) in work]
            for repeat in range(args.repeats):
                for variant in run_order(variants, repeat):
                    items = work[(variant, repeat + 1)]
                    run = await one_run(variant, items, server, probe, env, args)
                    runs[variant].append(run)
                    print(f"  {variant:<10} run {repeat + 1}: {run.describe()}", flush=True)
        finally:
            stop_server(server)
        if args.profile_server is not None:
            print(f"server profile (cProfile) in {args.profile_server}")
    return summarise(args, runs, setup_s)


async def one_run(
    variant: str,
    items: Sequence[str],
    server: Server,
    probe: CpuProbe,
    env: Environment,
    args: argparse.Namespace,
) -> Run:
    batch = 0 if variant in ("single", "raw_single") else args.batch
    if variant in ("api", "single"):
        run = await run_api(
            server,
            probe,
            items,
            batch=batch,
            clients=args.clients,
            scan_ids=args.scan_ids,
            variant=variant,
        )
        table = "transport.transfers"
    else:
        run = await run_raw(
            env.db_url, probe, items, batch=batch, clients=args.clients, variant=variant
        )
        table = "bench_raw.transfers"
    pulled = await count_pulled(env.db_url, table, items)
    if pulled != len(items):
        raise AssertionError(f"{variant}: {pulled} transfers pulled, expected {len(items)}")
    return run


def median(runs: Sequence[Run], key: Callable[[Run], float]) -> float:
    return statistics.median(key(r) for r in runs)


def summarise(
    args: argparse.Namespace, runs: dict[str, list[Run]], setup_s: float
) -> dict[str, Any]:
    api, raw = runs["api"], runs["raw"]
    api_latencies = [x for r in api for x in r.latencies_s]
    summary: dict[str, Any] = {
        "scans": args.scans,
        "batch_size": args.batch,
        "clients": args.clients,
        "single_scans": args.single_scans,
        "repeats": args.repeats,
        "scan_ids": args.scan_ids,
        "library": LIBRARY,
        "server": "kulkuri transport run (separate process, uvicorn)",
        "server_profiled": args.profile_server is not None,
        "server_gc_settings": "tune_gc_for_batches() in kulkuri.cli.stack.serve",
        "setup_s": round(setup_s, 1),
        "scans_per_s": round(median(api, lambda r: r.scans_per_s)),
        "raw_updates_per_s": round(median(raw, lambda r: r.scans_per_s)),
    }
    summary["ratio_to_raw"] = round(summary["scans_per_s"] / summary["raw_updates_per_s"], 3)
    summary["p50_batch_ms"] = quantile_ms(api_latencies, 50)
    summary["p99_batch_ms"] = quantile_ms(api_latencies, 99)
    summary["max_batch_ms"] = round(1000 * max(api_latencies), 2)
    if runs["single"]:
        single, raw_single = runs["single"], runs["raw_single"]
        single_latencies = [x for r in single for x in r.latencies_s]
        summary["single_scans_per_s"] = round(median(single, lambda r: r.scans_per_s))
        summary["raw_single_updates_per_s"] = round(median(raw_single, lambda r: r.scans_per_s))
        summary["single_ratio_to_raw"] = round(
            summary["single_scans_per_s"] / summary["raw_single_updates_per_s"], 3
        )
        summary["p50_single_ms"] = quantile_ms(single_latencies, 50)
        summary["p99_single_ms"] = quantile_ms(single_latencies, 99)
    for variant, done in runs.items():
        if not done:
            continue
        summary[f"{variant}_client_cpu_share"] = round(
            median(done, lambda r: r.client_cpu_share), 3
        )
        summary[f"{variant}_server_cpu_share"] = round(
            median(done, lambda r: r.server_cpu_share), 3
        )
        summary[f"{variant}_postgres_cpu_share"] = round(
            median(done, lambda r: r.postgres_cpu_share), 3
        )
        summary[f"{variant}_broker_cpu_share"] = round(
            median(done, lambda r: r.broker_cpu_share), 3
        )
        summary[f"{variant}_runs_scans_per_s"] = [round(r.scans_per_s) for r in done]
        summary[f"{variant}_runs_s"] = [round(r.seconds, 3) for r in done]
    return summary | machine_summary()


def report(summary: dict[str, Any]) -> None:
    print()
    print(
        f"{summary['scans']:,} pulled scans per run in batches of {summary['batch_size']}, "
        f"{summary['clients']} clients; {summary['single_scans']:,} single scans; "
        f"median of {summary['repeats']}"
    )
    rate = {
        "api": summary["scans_per_s"],
        "raw": summary["raw_updates_per_s"],
        "single": summary.get("single_scans_per_s"),
        "raw_single": summary.get("raw_single_updates_per_s"),
    }
    rows = [
        [
            v,
            f"{rate[v]:,}",
            f"{summary[f'{v}_client_cpu_share']:.0%}",
            f"{summary[f'{v}_server_cpu_share']:.0%}",
            f"{summary[f'{v}_postgres_cpu_share']:.0%}",
            f"{summary[f'{v}_broker_cpu_share']:.0%}",
            ", ".join(f"{r:,}" for r in summary[f"{v}_runs_scans_per_s"]),
        ]
        for v in VARIANTS
        if rate[v] is not None
    ]
    header = ["loop", "scans/s", "client CPU", "server CPU", "PostgreSQL CPU", "broker CPU"]
    print_table([*header, "runs"], rows, "<>>>>><")
    print(
        f"api/raw {summary['ratio_to_raw']:.3f}; batch latency p50 {summary['p50_batch_ms']} ms, "
        f"p99 {summary['p99_batch_ms']} ms"
    )
    if "single_ratio_to_raw" in summary:
        print(
            f"single/raw_single {summary['single_ratio_to_raw']:.3f}; single-scan latency "
            f"p50 {summary['p50_single_ms']} ms, p99 {summary['p99_single_ms']} ms"
        )


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--scans", type=int, default=10_000, help="pulled scans per run (N)")
    parser.add_argument("--batch", type=int, default=25, help="scans per upload (B)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent handhelds (C)")
    parser.add_argument(
        "--single-scans", type=int, default=1_500, help="scans per single-scan run (0: none)"
    )
    parser.add_argument("--repeats", type=int, default=3, help="runs of each loop; median")
    parser.add_argument(
        "--scan-ids",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="send a scan_id with each scan (the service dedupes them)",
    )
    parser.add_argument("--output", type=Path, default=None, help="JSON results")
    parser.add_argument(
        "--profile-server",
        type=Path,
        default=None,
        metavar="FILE",
        help="run the server under cProfile; stats to FILE",
    )
    parser.add_argument("--no-write", action="store_true", help="do not write the JSON")
    args = parser.parse_args(argv)
    if args.scans < 1 or args.single_scans < 0 or args.repeats < 1:
        parser.error("--scans and --repeats must be positive, --single-scans not negative")
    if not 1 <= args.batch <= 1000 or args.clients < 1:
        parser.error("--batch must be 1..1000 (the API's limit), --clients positive")
    if args.output is None and args.profile_server is None:
        args.output = DEFAULT_OUTPUT
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    summary = asyncio.run(benchmark(args))
    report(summary)
    if args.output is not None and not args.no_write:
        write_results(args.output, summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
